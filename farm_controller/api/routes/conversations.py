"""Conversations: the unified inbox, its messages, replies, assignment, status and notes.

A staff member (`agent_staff`) sees only the conversations of their accounts: lists are
filtered, and any other id answers 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from farm_controller.api.deps import ChatUser, RuntimeDep, SessionDep
from farm_controller.api.params import IdPath, IdQuery, Offset, TextQuery
from farm_controller.auth.principal import User
from farm_controller.auth.users import by_name, principal
from farm_controller.chat import replies
from farm_controller.chat.access import conversation_for
from farm_controller.chat.presenters import (
    conversation_event,
    conversation_out,
    message_out,
    note_event,
    note_out,
)
from farm_controller.db import write_session
from farm_controller.errors import FieldProblem, Invalid
from farm_controller.models import (
    Account,
    Contact,
    ContactTag,
    Conversation,
    Message,
    Note,
    Tag,
)
from farm_controller.runtime import Runtime
from farm_controller.schemas.chat import (
    AssignBody,
    ConversationDetail,
    ConversationPage,
    ConversationStatus,
    MessageOut,
    NoteCreate,
    NoteOut,
    ReplyCreate,
    StatusBody,
)

router = APIRouter(prefix="/conversations", tags=["chat"])

PAGE_OF_MESSAGES = 200


@router.get("")
def list_conversations(
    session: SessionDep,
    user: ChatUser,
    status: ConversationStatus | None = None,
    unread: bool = False,
    mine: bool = False,
    unassigned: bool = False,
    account_id: IdQuery = None,
    tag: TextQuery = None,
    q: TextQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> ConversationPage:
    """List conversations, newest activity first, with filters and a text search."""
    query = (
        select(Conversation)
        .join(Account, Account.id == Conversation.account_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(user.account_filter(Account.id, Account.name))
    )
    if status is not None:
        query = query.where(Conversation.status == status.value)
    if unread:
        query = query.where(Conversation.unread_count > 0)
    if mine:
        query = query.where(Conversation.assignee == user.name)
    if unassigned:
        query = query.where(Conversation.assignee.is_(None))
    if account_id is not None:
        query = query.where(Conversation.account_id == account_id)
    if tag:
        query = query.where(
            exists()
            .where(ContactTag.contact_id == Conversation.contact_id)
            .where(ContactTag.tag_id == Tag.id)
            .where(Tag.name == tag)
        )
    if q and q.strip():
        needle = q.strip().lower()
        query = query.where(
            or_(
                func.lower(Contact.name).contains(needle, autoescape=True),
                func.lower(Contact.display_name).contains(needle, autoescape=True),
                exists()
                .where(Message.conversation_id == Conversation.id)
                .where(func.lower(Message.text).contains(needle, autoescape=True)),
            )
        )
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(
        query.order_by(Conversation.last_activity_at.desc(), Conversation.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return ConversationPage(
        items=[conversation_out(session, c) for c in rows], total=total, limit=limit, offset=offset
    )


def _before(session: Session, conversation: Conversation, seq: int) -> ColumnElement[bool]:
    """Messages listed before the one numbered `seq`: in the phone's screen order, then
    replies not yet seen there (by when they were written)."""
    first = session.scalars(
        select(Message).where(Message.conversation_id == conversation.id, Message.seq == seq)
    ).first()
    if first is None:
        raise Invalid(
            FieldProblem("before_seq", f"no message {seq} in this conversation", "not_found")
        )
    if first.position is not None:
        return and_(Message.position.is_not(None), Message.position < first.position)
    return or_(Message.position.is_not(None), Message.seq < first.seq)


def _detail(
    session: Session, conversation: Conversation, before_seq: int | None
) -> ConversationDetail:
    query = select(Message).where(Message.conversation_id == conversation.id)
    if before_seq is not None:
        query = query.where(_before(session, conversation, before_seq))
    newest_first = (Message.position.is_(None).desc(), Message.position.desc(), Message.seq.desc())
    page = session.scalars(query.order_by(*newest_first).limit(PAGE_OF_MESSAGES + 1)).all()
    messages = list(reversed(page[:PAGE_OF_MESSAGES]))
    notes = session.scalars(
        select(Note).where(Note.conversation_id == conversation.id).order_by(Note.id)
    ).all()
    return ConversationDetail(
        **conversation_out(session, conversation).model_dump(),
        messages=[message_out(m) for m in messages],
        has_more=len(page) > PAGE_OF_MESSAGES,
        notes=[note_out(n) for n in notes],
    )


@router.get("/{conversation_id}")
def get_conversation(
    session: SessionDep, user: ChatUser, conversation_id: IdPath, before_seq: IdQuery = None
) -> ConversationDetail:
    """Show a conversation: its newest 200 messages (older with before_seq) and notes."""
    return _detail(session, conversation_for(session, user, conversation_id), before_seq)


def _change(
    rt: Runtime, user: User, conversation_id: int, what: str, value: object
) -> ConversationDetail:
    with write_session(rt.sessions) as session:
        conversation = conversation_for(session, user, conversation_id, lock=True)
        if what == "read":
            conversation.unread_count = 0
        elif what == "assignee":
            conversation.assignee = value if isinstance(value, str) else None
        elif what == "status":
            conversation.status = str(value)
        conversation.updated_at = rt.clock()
        session.flush()
        rt_event = conversation_event(session, conversation)
        detail = _detail(session, conversation, None)
    rt.hub.publish(rt_event)
    return detail


@router.post("/{conversation_id}/read")
def mark_read(rt: RuntimeDep, user: ChatUser, conversation_id: IdPath) -> ConversationDetail:
    """Mark the conversation read (its unread count becomes 0)."""
    return _change(rt, user, conversation_id, "read", None)


@router.post("/{conversation_id}/assign")
def assign(
    rt: RuntimeDep, session: SessionDep, user: ChatUser, conversation_id: IdPath, body: AssignBody
) -> ConversationDetail:
    """Assign the conversation to a user who serves its account (null: unassign)."""
    conversation = conversation_for(session, user, conversation_id)
    name = None
    if body.assignee is not None:
        record = by_name(session, body.assignee)
        assignee = principal(record, "session") if record is not None and record.active else None
        account = conversation.account
        if assignee is None:
            raise Invalid(FieldProblem("assignee", f"no user named {body.assignee!r}", "not_found"))
        if not assignee.may_see(account.id, account.name):
            raise Invalid(
                FieldProblem(
                    "assignee",
                    f"{body.assignee!r} does not serve account {account.name!r}",
                    "forbidden",
                ),
            )
        name = assignee.name
    return _change(rt, user, conversation_id, "assignee", name)


@router.post("/{conversation_id}/status")
def change_status(
    rt: RuntimeDep, user: ChatUser, conversation_id: IdPath, body: StatusBody
) -> ConversationDetail:
    """Resolve, reopen or set a conversation pending (a new inbound message reopens it)."""
    return _change(rt, user, conversation_id, "status", body.status.value)


@router.post("/{conversation_id}/notes", status_code=201)
def add_note(rt: RuntimeDep, user: ChatUser, conversation_id: IdPath, body: NoteCreate) -> NoteOut:
    """Add a private note (staff only see it; it never goes to the customer)."""
    with write_session(rt.sessions) as session:
        conversation = conversation_for(session, user, conversation_id)
        note = Note(
            conversation_id=conversation.id,
            author=user.name,
            text=body.text,
            created_at=rt.clock(),
        )
        session.add(note)
        session.flush()
        event = note_event(conversation, note)
        out = note_out(note)
    rt.hub.publish(event)
    return out


@router.post("/{conversation_id}/messages", status_code=201)
def reply(rt: RuntimeDep, user: ChatUser, conversation_id: IdPath, body: ReplyCreate) -> MessageOut:
    """Reply: queue the text for the account's phone (429 when its per-minute cap is full)."""
    return message_out(replies.create_reply(rt, user, conversation_id, body))


@router.post("/{conversation_id}/messages/{message_id}/retry")
def retry_reply(
    rt: RuntimeDep, user: ChatUser, conversation_id: IdPath, message_id: IdPath
) -> MessageOut:
    """Send a failed reply again (a new job: the failed one is known not to have gone out)."""
    return message_out(replies.retry_reply(rt, user, conversation_id, message_id))


@router.post("/{conversation_id}/messages/{message_id}/cancel")
def cancel_reply(
    rt: RuntimeDep, user: ChatUser, conversation_id: IdPath, message_id: IdPath
) -> MessageOut:
    """Withdraw a queued (e.g. scheduled) reply before a phone starts sending it."""
    return message_out(replies.cancel_reply(rt, user, conversation_id, message_id))
