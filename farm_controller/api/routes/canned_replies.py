"""Canned replies (话术库): texts staff insert with ``/shortcode``; every chat user manages
them."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from farm_controller.api.deps import ChatUser, RuntimeDep, SessionDep
from farm_controller.api.params import IdPath, TextQuery
from farm_controller.chat.presenters import canned_out
from farm_controller.db import write_session
from farm_controller.errors import FieldProblem, Invalid, conflict, not_found
from farm_controller.models import CannedReply, Media
from farm_controller.schemas.chat import CannedReplyCreate, CannedReplyOut, CannedReplyUpdate

router = APIRouter(prefix="/canned-replies", tags=["chat"])


def _check(session: Session, shortcode: str | None, media_id: str | None, other: int = 0) -> None:
    if shortcode is not None:
        taken = session.scalar(
            select(CannedReply.id).where(
                func.lower(CannedReply.shortcode) == shortcode.lower(), CannedReply.id != other
            )
        )
        if taken is not None:
            raise conflict(
                f"/{shortcode} is taken (canned reply {taken})", "duplicate", "shortcode"
            )
    if media_id is not None and session.get(Media, media_id) is None:
        raise Invalid(
            FieldProblem("media_id", f"no uploaded image with id {media_id!r}", "not_found")
        )


@router.get("")
def list_canned(session: SessionDep, _user: ChatUser, q: TextQuery = None) -> list[CannedReplyOut]:
    """List canned replies by shortcode; `q` filters by shortcode or text."""
    query = select(CannedReply).order_by(CannedReply.shortcode)
    if q:
        needle = q.lower()
        query = query.where(
            func.lower(CannedReply.shortcode).contains(needle, autoescape=True)
            | func.lower(CannedReply.text).contains(needle, autoescape=True)
        )
    return [canned_out(reply) for reply in session.scalars(query)]


@router.post("", status_code=201)
def create_canned(rt: RuntimeDep, user: ChatUser, body: CannedReplyCreate) -> CannedReplyOut:
    """Add a canned reply (409 when its shortcode is taken)."""
    now = rt.clock()
    with write_session(rt.sessions) as session:
        _check(session, body.shortcode, body.media_id)
        reply = CannedReply(
            shortcode=body.shortcode,
            text=body.text,
            media_id=body.media_id,
            created_by=user.name,
            created_at=now,
            updated_at=now,
        )
        session.add(reply)
        session.flush()
        return canned_out(reply)


@router.patch("/{reply_id}")
def update_canned(
    rt: RuntimeDep, _user: ChatUser, reply_id: IdPath, body: CannedReplyUpdate
) -> CannedReplyOut:
    """Change a canned reply."""
    changes = body.model_dump(exclude_unset=True)
    with write_session(rt.sessions) as session:
        reply = session.get(CannedReply, reply_id)
        if reply is None:
            raise not_found("canned reply", reply_id)
        _check(session, body.shortcode, body.media_id, reply_id)
        if body.shortcode is not None:
            reply.shortcode = body.shortcode
        if body.text is not None:
            reply.text = body.text
        if "media_id" in changes:
            reply.media_id = body.media_id
        reply.updated_at = rt.clock()
        return canned_out(reply)


@router.delete("/{reply_id}", status_code=204)
def delete_canned(rt: RuntimeDep, _user: ChatUser, reply_id: IdPath) -> Response:
    """Delete a canned reply (replies already sent keep their text)."""
    with write_session(rt.sessions) as session:
        reply = session.get(CannedReply, reply_id)
        if reply is None:
            raise not_found("canned reply", reply_id)
        session.delete(reply)
    return Response(status_code=204)
