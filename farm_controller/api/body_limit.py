"""`BodyLimit`: the size limit of every request body (ASGI middleware).

A JSON (or any non-multipart) body may be at most `Settings.max_body_bytes` (2 MiB by
default); a multipart body, which carries files (images, evidence, a CSV), at most
`Settings.max_upload_body_bytes` (30 files of `max_image_bytes` and `max_body_bytes` more,
302 MiB by default). Each file still has its own limit where it is read. A body over its
limit answers 422 naming ``body`` (type ``too_large``) before the route reads it: at once
when the ``Content-Length`` says so, else after reading at most the limit (a chunked body).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from farm_controller.api.errors import error_response
from farm_controller.errors import FieldProblem, Invalid
from farm_controller.settings import Settings


class BodyLimit:
    """Refuse request bodies over their limit (see the module docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.plain = settings.max_body_bytes
        self.multipart = settings.max_upload_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        limit = self.multipart if content_type.startswith("multipart/form-data") else self.plain
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared > limit:
                await self._refuse(limit, scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        # No length given (chunked): read at most the limit, then hand the body on.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([], message, receive), send)
                return
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                await self._refuse(limit, scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(chunks, None, receive), send)

    @staticmethod
    async def _refuse(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        problem = FieldProblem(
            "body", f"the request body is larger than {limit} bytes", "too_large"
        )
        response = error_response(Invalid(problem))
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _replay(chunks: list[bytes], last: Message | None, receive: Receive) -> Receive:
    """A `receive` that gives the body read so far as one message, then the real one's."""
    pending: list[Message] = []
    if last is None:
        pending.append({"type": "http.request", "body": b"".join(chunks), "more_body": False})
    else:
        pending.append(last)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
