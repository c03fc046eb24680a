"""The audit log: who changed what, or did what to a phone, on which device and account, when.

`AuditMiddleware` gives every request an id (``X-Request-ID``: the client's, when it is
a short token, else a new one) and, after every request that may change something
(POST, PUT, PATCH, DELETE under ``/api/``), stores one `models.AuditEvent`: the user,
the action (``<tag>.<route name>``, e.g. ``posts.submit_post``), method, path, status,
the phones and accounts concerned (from the path, plus what the route `note`s), the
request id and the address. Refused attempts (401, 403, 409, ...) are recorded too.
The agent API is not (agents report, people act), nor are the two POST routes that only
compute an answer (`READ_ONLY_POSTS`).

Never stored: request bodies, query strings, headers, tokens or passwords.

Anything that touches a phone outside such a request (a remote-control WebSocket, for
instance) calls `record` itself.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import anyio.to_thread
from fastapi import Request
from sqlalchemy import Select, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from farm_controller.db import write_session
from farm_controller.models import AuditEvent
from farm_controller.runtime import Runtime
from farm_controller.users import User

log = logging.getLogger(__name__)

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


@dataclass
class AuditEntry:
    """One thing to record (`record` stores it)."""

    action: str
    method: str
    path: str
    status: int
    actor: User | None = None
    request_id: str = ""
    devices: set[str] = field(default_factory=set)
    accounts: set[int] = field(default_factory=set)
    target: str | None = None
    ip: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def _joined(values: Iterable[object]) -> str:
    items = sorted({str(v) for v in values})
    return f",{','.join(items)}," if items else ""


def record(rt: Runtime, entry: AuditEntry, at: datetime | None = None) -> None:
    """Store `entry` (a failure is logged, never raised: the action already happened)."""
    actor = entry.actor
    try:
        with write_session(rt.sessions) as session:
            session.add(
                AuditEvent(
                    at=at or rt.clock(),
                    request_id=entry.request_id or uuid.uuid4().hex,
                    actor=actor.name if actor else None,
                    actor_role=actor.role if actor else None,
                    via=actor.via if actor else "anonymous",
                    action=entry.action[:100],
                    method=entry.method[:10],
                    path=entry.path[:500],
                    status=entry.status,
                    devices=_joined(entry.devices)[:2000],
                    accounts=_joined(entry.accounts)[:2000],
                    target=entry.target[:200] if entry.target else None,
                    ip=entry.ip[:64],
                    detail=entry.detail,
                )
            )
    except Exception:
        log.exception("could not record the audit event %s %s", entry.method, entry.path)


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


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered(
    query: Select[AuditEvent],
    *,
    actor: str | None = None,
    action: str | None = None,
    device_serial: str | None = None,
    account_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    failed: bool | None = None,
    request_id: str | None = None,
) -> Select[AuditEvent]:
    """`query` narrowed by the audit page's filters (`action` matches a prefix)."""
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(AuditEvent.action.like(f"{_like(action)}%", escape="\\"))
    if device_serial:
        query = query.where(AuditEvent.devices.like(f"%,{_like(device_serial)},%", escape="\\"))
    if account_id is not None:
        query = query.where(AuditEvent.accounts.like(f"%,{account_id},%"))
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    if failed is True:
        query = query.where(AuditEvent.status >= 400)
    elif failed is False:
        query = query.where(AuditEvent.status < 400)
    if request_id:
        query = query.where(AuditEvent.request_id == request_id)
    return query


def events() -> Select[AuditEvent]:
    """All events, newest first."""
    return select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
