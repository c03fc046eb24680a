"""Request ids and audit events for the HTTP API (`AuditMiddleware`), and routes' notes.

`AuditMiddleware` gives every request an id (``X-Request-ID``: the client's, when it is
a short token, else a new one) and, after every request that may change something
(POST, PUT, PATCH, DELETE under ``/api/``), stores one audit event (`audit.record`):
the phones and accounts concerned come from the path, plus what the route `note`s.
The agent API is not audited (agents report, people act), nor are the two POST routes
that only compute an answer (`READ_ONLY_POSTS`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

import anyio.to_thread
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from farm_controller.audit import AuditEntry, record
from farm_controller.auth.principal import User
from farm_controller.runtime import Runtime

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOT_AUDITED_PREFIXES = ("/api/v1/agent/",)
READ_ONLY_POSTS = frozenset({"/api/v1/schedule/check", "/api/v1/schedule/next-slot"})
"""POST routes that only compute an answer (a dry-run check, a free slot): not audited."""
_TARGET_PARAMS = (
    "post_id",
    "job_id",
    "conversation_id",
    "contact_id",
    "message_id",
    "user_id",
    "token_id",
    "reply_id",
    "tag_id",
    "rule_id",
    "media_id",
    "evidence_id",
)


def note(
    request: Request,
    *,
    devices: Iterable[str] = (),
    accounts: Iterable[int] = (),
    target: str | None = None,
    **detail: Any,
) -> None:
    """Tell the audit log more about this request: the phones and accounts it concerns.

    Routes call it when the path alone does not name them (a job's phone, a post's
    accounts). `detail` must hold no secrets.
    """
    notes: dict[str, Any] = request.scope.setdefault("state", {}).setdefault("audit", {})
    notes.setdefault("devices", set()).update(d for d in devices if d)
    notes.setdefault("accounts", set()).update(int(a) for a in accounts)
    if target is not None:
        notes["target"] = target
    notes.setdefault("detail", {}).update(detail)


def request_id(request: Request) -> str:
    """This request's id (also in the response's ``X-Request-ID``)."""
    return str(request.scope.get("state", {}).get("request_id", ""))


def _action(route: Any, method: str, path: str) -> str:
    name = getattr(route, "name", None)
    tags = getattr(route, "tags", None) or []
    if name:
        return f"{tags[0]}.{name}" if tags else str(name)
    return f"{method} {path}"


def entry_for(scope: Scope, status: int) -> AuditEntry:
    """The audit entry of a finished request (`scope` after the app ran)."""
    state = scope.get("state", {})
    found = state.get("route_match")
    route = getattr(found, "route", None)
    params: dict[str, Any] = dict(getattr(found, "params", {}) or {})
    template = getattr(found, "path", None) or scope.get("path", "")
    notes: dict[str, Any] = state.get("audit", {})
    devices = set(notes.get("devices", set()))
    accounts = set(notes.get("accounts", set()))
    if isinstance(params.get("serial"), str):
        devices.add(params["serial"])
    if isinstance(params.get("account_id"), str) and params["account_id"].isdigit():
        accounts.add(int(params["account_id"]))
    target = notes.get("target")
    if target is None:
        for name in _TARGET_PARAMS:
            if name in params:
                target = f"{name.removesuffix('_id')}:{params[name]}"
                break
    client = scope.get("client")
    user = state.get("user")
    return AuditEntry(
        action=_action(route, scope["method"], template),
        method=scope["method"],
        path=scope.get("path", ""),
        status=status,
        actor=user if isinstance(user, User) else None,
        request_id=str(state.get("request_id", "")),
        devices=devices,
        accounts=accounts,
        target=target,
        ip=str(client[0]) if client else "",
        detail=dict(notes.get("detail", {})),
    )


class AuditMiddleware:
    """ASGI middleware: request ids for everything, audit events for state changes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        given = _header(scope, REQUEST_ID_HEADER)
        rid = given if given and _REQUEST_ID.match(given) else uuid.uuid4().hex
        state["request_id"] = rid
        status = 500
        audited = _audited(scope)
        recorded = False

        async def store(status: int) -> None:
            nonlocal recorded
            recorded = True
            rt: Runtime = scope["app"].state.runtime
            await anyio.to_thread.run_sync(record, rt, entry_for(scope, status))

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), rid.encode()))
                message = {**message, "headers": headers}
                if audited:
                    # Stored before the caller sees the answer: whoever reads the log
                    # next (a person, a script, a test) finds the event already there.
                    await store(status)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if audited and not recorded:  # the app failed before it answered
                await store(status)


def _audited(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    return (
        scope["method"] in CHANGING_METHODS
        and path.startswith("/api/")
        and not path.startswith(NOT_AUDITED_PREFIXES)
        and path not in READ_ONLY_POSTS
    )


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.encode()
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            return str(value.decode("latin-1"))
    return None
