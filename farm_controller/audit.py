"""The audit log: who changed what, or did what to a phone, on which device and account, when.

One `models.AuditEvent` per change: the user, the action (``<tag>.<route name>``, e.g.
``posts.submit_post``), method, path, status, the phones and accounts concerned, the
request id and the address. `api.audit_middleware` records one after every request that
may change something; anything that touches a phone outside such a request (a
remote-control WebSocket, for instance) calls `record` itself. Refused attempts (401,
403, 409, ...) are recorded too.

Never stored: request bodies, query strings, headers, tokens or passwords.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from farm_controller.auth.principal import User
from farm_controller.db import write_session
from farm_controller.models import AuditEvent
from farm_controller.runtime import Runtime

log = logging.getLogger(__name__)


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
