"""The audit log (admins): who changed what, or touched which phone, when."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from farm_controller import audit
from farm_controller.api.deps import SessionDep
from farm_controller.api.params import IdQuery, Offset, TextQuery
from farm_controller.models import AuditEvent
from farm_controller.schemas.audit import AuditEventOut, AuditPage
from farm_controller.schemas.types import UtcAware

router = APIRouter(tags=["audit"])


def _split(value: str) -> list[str]:
    return [item for item in value.strip(",").split(",") if item]


def event_out(event: AuditEvent) -> AuditEventOut:
    """An audit event as the API shows it."""
    return AuditEventOut(
        id=event.id,
        at=event.at,
        request_id=event.request_id,
        actor=event.actor,
        actor_role=event.actor_role,
        via=event.via,
        action=event.action,
        method=event.method,
        path=event.path,
        status=event.status,
        devices=_split(event.devices),
        account_ids=[int(a) for a in _split(event.accounts) if a.isdigit()],
        target=event.target,
        ip=event.ip,
        detail=dict(event.detail),
    )


@router.get("/audit")
def list_audit(
    session: SessionDep,
    actor: TextQuery = None,
    action: TextQuery = None,
    device_serial: TextQuery = None,
    account_id: IdQuery = None,
    since: Annotated[UtcAware | None, Query()] = None,
    until: Annotated[UtcAware | None, Query()] = None,
    failed: bool | None = None,
    request_id: TextQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> AuditPage:
    """List audit events, newest first; `action` matches a prefix (e.g. ``posts.``)."""
    query = audit.filtered(
        audit.events(),
        actor=actor,
        action=action,
        device_serial=device_serial,
        account_id=account_id,
        since=since,
        until=until,
        failed=failed,
        request_id=request_id,
    )
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(query.limit(limit).offset(offset)).all()
    return AuditPage(items=[event_out(e) for e in rows], total=total, limit=limit, offset=offset)
