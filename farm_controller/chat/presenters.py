"""Chat rows as API responses (and as the data of real-time events)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from farm_controller.chat.realtime import ChatEvent
from farm_controller.models import (
    Account,
    CannedReply,
    Contact,
    Conversation,
    Device,
    Message,
    Note,
    Tag,
)
from farm_controller.schemas.chat import (
    CannedReplyOut,
    ContactOut,
    ConversationOut,
    ConversationStatus,
    DeliveryStatus,
    LastMessage,
    MessageOut,
    NoteOut,
    TagOut,
)


def tag_out(tag: Tag) -> TagOut:
    """A tag."""
    return TagOut(id=tag.id, name=tag.name, color=tag.color)


def contact_out(contact: Contact) -> ContactOut:
    """A contact with its tags."""
    return ContactOut(
        id=contact.id,
        account_id=contact.account_id,
        name=contact.name,
        display_name=contact.display_name,
        notes=contact.notes,
        attributes=dict(contact.attributes),
        tags=[tag_out(tag) for tag in contact.tags],
        created_at=contact.created_at,
    )


def message_out(message: Message) -> MessageOut:
    """A message."""
    return MessageOut(
        id=message.id,
        conversation_id=message.conversation_id,
        seq=message.seq,
        position=message.position,
        direction="out" if message.direction == "out" else "in",
        author=message.author,
        text=message.text,
        image=message.image,
        media_id=message.media_id,
        status=DeliveryStatus(message.status) if message.status else None,
        job_id=message.job_id,
        attempts=message.attempts,
        send_at=message.send_at,
        error=message.error,
        screen=dict(message.screen),
        created_at=message.created_at,
        delivered_at=message.delivered_at,
    )


def note_out(note: Note) -> NoteOut:
    """A private note."""
    return NoteOut(
        id=note.id,
        conversation_id=note.conversation_id,
        author=note.author,
        text=note.text,
        created_at=note.created_at,
    )


def canned_out(reply: CannedReply) -> CannedReplyOut:
    """A canned reply."""
    return CannedReplyOut(
        id=reply.id,
        shortcode=reply.shortcode,
        text=reply.text,
        media_id=reply.media_id,
        created_by=reply.created_by,
        updated_at=reply.updated_at,
    )


def conversation_out(session: Session, conversation: Conversation) -> ConversationOut:
    """A conversation with its account, phone state and contact."""
    account = conversation.account
    device = session.get(Device, account.device_serial)
    first_response = None
    if conversation.first_response_at is not None and conversation.first_inbound_at is not None:
        first_response = max(
            0.0, (conversation.first_response_at - conversation.first_inbound_at).total_seconds()
        )
    direction = conversation.last_direction
    return ConversationOut(
        id=conversation.id,
        account_id=account.id,
        account_name=account.name,
        device_serial=account.device_serial,
        device_state=device.state if device is not None else None,
        contact=contact_out(conversation.contact),
        status=ConversationStatus(conversation.status),
        assignee=conversation.assignee,
        unread_count=conversation.unread_count,
        waiting_since=conversation.waiting_since,
        first_response_at=conversation.first_response_at,
        first_response_seconds=first_response,
        last_message=LastMessage(
            text=conversation.last_text,
            direction="out" if direction == "out" else "in" if direction == "in" else None,
        ),
        last_activity_at=conversation.last_activity_at,
        created_at=conversation.created_at,
    )


def _event(conversation: Conversation, kind: str, data: dict[str, object]) -> ChatEvent:
    account: Account = conversation.account
    return ChatEvent(kind, account.id, account.name, conversation.id, dict(data))


def conversation_event(session: Session, conversation: Conversation) -> ChatEvent:
    """``conversation.updated``."""
    body = conversation_out(session, conversation).model_dump(mode="json")
    return _event(conversation, "conversation.updated", {"conversation": body})


def message_event(conversation: Conversation, message: Message, created: bool) -> ChatEvent:
    """``message.created`` or ``message.updated``."""
    kind = "message.created" if created else "message.updated"
    return _event(conversation, kind, {"message": message_out(message).model_dump(mode="json")})


def note_event(conversation: Conversation, note: Note) -> ChatEvent:
    """``note.created``."""
    return _event(conversation, "note.created", {"note": note_out(note).model_dump(mode="json")})


def conversations_of_contact(session: Session, contact_ids: Sequence[int]) -> list[Conversation]:
    """The conversations of these contacts."""
    if not contact_ids:
        return []
    return list(
        session.scalars(select(Conversation).where(Conversation.contact_id.in_(contact_ids)))
    )
