"""Contacts: a customer's profile (客户画像) and tags."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from farm_controller.api.deps import ChatUser, RuntimeDep, SessionDep
from farm_controller.api.params import IdPath
from farm_controller.chat.access import contact_for
from farm_controller.chat.presenters import (
    contact_out,
    conversation_event,
    conversations_of_contact,
)
from farm_controller.db import write_session
from farm_controller.models import Contact, ContactTag, Tag
from farm_controller.runtime import Runtime
from farm_controller.schemas.chat import ContactOut, ContactTagsBody, ContactUpdate

router = APIRouter(prefix="/contacts", tags=["chat"])


def tag_named(session: Session, name: str, now: datetime) -> Tag:
    """The tag called `name`, created when there is none."""
    name = name.strip()
    tag = session.scalars(select(Tag).where(Tag.name == name)).first()
    if tag is None:
        tag = Tag(name=name, color="#64748b", created_at=now)
        session.add(tag)
        session.flush()
    return tag


def _publish_contact(rt: Runtime, session: Session, contact: Contact) -> None:
    session.flush()
    session.expire(contact, ["tags"])
    events = [
        conversation_event(session, c) for c in conversations_of_contact(session, [contact.id])
    ]
    rt.hub.publish(*events)


@router.get("/{contact_id}")
def get_contact(session: SessionDep, user: ChatUser, contact_id: IdPath) -> ContactOut:
    """Show a contact's profile and tags."""
    return contact_out(contact_for(session, user, contact_id))


@router.patch("/{contact_id}")
def update_contact(
    rt: RuntimeDep, user: ChatUser, contact_id: IdPath, body: ContactUpdate
) -> ContactOut:
    """Change a contact's display name, profile notes or attributes."""
    changes = body.model_dump(exclude_unset=True)
    with write_session(rt.sessions) as session:
        contact = contact_for(session, user, contact_id)
        if "display_name" in changes:
            contact.display_name = (body.display_name or "").strip() or None
        if body.notes is not None:
            contact.notes = body.notes
        if body.attributes is not None:
            contact.attributes = dict(body.attributes)
        contact.updated_at = rt.clock()
        _publish_contact(rt, session, contact)
        return contact_out(contact)


@router.put("/{contact_id}/tags")
def set_tags(
    rt: RuntimeDep, user: ChatUser, contact_id: IdPath, body: ContactTagsBody
) -> ContactOut:
    """Set the contact's tags by name (new names become tags)."""
    now = rt.clock()
    with write_session(rt.sessions) as session:
        contact = contact_for(session, user, contact_id)
        wanted = {tag_named(session, name, now).id for name in body.tags}
        have = {tag.id for tag in contact.tags}
        if have - wanted:
            session.execute(
                delete(ContactTag).where(
                    ContactTag.contact_id == contact.id, ContactTag.tag_id.in_(have - wanted)
                )
            )
        for tag_id in sorted(wanted - have):
            session.add(
                ContactTag(contact_id=contact.id, tag_id=tag_id, added_by=user.name, created_at=now)
            )
        contact.updated_at = now
        _publish_contact(rt, session, contact)
        return contact_out(contact)
