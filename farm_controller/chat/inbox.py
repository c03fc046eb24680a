"""Merging what a `sync_chats` job read into the chat store, exactly once.

For each conversation the agent read, the stored tail (messages with a screen position,
in screen order) is aligned with the window by `farm_protocol.chat_align.new_messages`,
the rule the agent scrolls by; only bubbles after the overlap become messages, numbered
by the conversation's next sequence number (with the conversation, the unique
de-duplication key). Re-reading the same screen, or a window
that overlaps an earlier one, therefore adds nothing twice, and a burst longer than one
screen is complete as long as the window reaches back to the overlap.

An outgoing bubble after the overlap is first matched with a reply whose outcome the
controller does not know yet (`sent` or `unconfirmed`, same text): the screen shows it
went out, so that reply becomes `delivered` and its pending check job is cancelled,
instead of a second copy being stored. Other outgoing bubbles were typed on the phone
itself and are stored without an author.

Inbound messages count as unread, start the conversation's waiting time, reopen it when
it was resolved or pending, and run the keyword auto-tag rules. An outgoing bubble typed
on the phone itself ends the wait and the unread count; it is a first response only when
the customer's message was learnt earlier (history read together with its answer says
nothing about how long the answer took, so the first-response chart leaves it out).

A `send_message` job's report carries what the conversation showed after the send (or
the check): `merge_window` stores it the same way, so replies take their screen order.

Merges of one account are serialised by locking its row (SQLite: the write lock), so two
reports of the same window cannot both append it.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from farm_queue import InvalidTransitionError, JobNotFoundError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from farm_controller.chat.presenters import conversation_event, message_event
from farm_controller.chat.realtime import ChatEvent
from farm_controller.db import write_session
from farm_controller.models import (
    Account,
    AutoTagRule,
    ChatSync,
    Contact,
    ContactTag,
    Conversation,
    Message,
)
from farm_controller.runtime import Runtime
from farm_controller.schemas.chat import ConversationStatus, DeliveryStatus
from farm_protocol.chat import BubbleRead, ConversationRead, KnownMessage, SyncChatsResult
from farm_protocol.chat_align import new_messages, same_message

log = logging.getLogger(__name__)

ALIGN_TAIL = 30
"""Stored messages compared with a window, at most (never more than the window holds: a
window that repeats only the end of a longer tail must still be recognised)."""

PREVIEW = 200


@dataclass
class MergeReport:
    """What one merge stored."""

    created: int = 0
    confirmed: int = 0
    unaligned: list[str] = field(default_factory=list)
    events: list[ChatEvent] = field(default_factory=list)
    confirmed_jobs: list[str] = field(default_factory=list)


def screen_tail(session: Session, conversation_id: int, size: int) -> list[Message]:
    """The newest `size` messages seen on the phone's screen, oldest first."""
    rows = session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.position.is_not(None))
        .order_by(Message.position.desc())
        .limit(size)
    ).all()
    return list(reversed(rows))


def known(messages: list[Message]) -> list[KnownMessage]:
    """Stored messages as the screen shows them."""
    return [
        KnownMessage(direction="out" if m.direction == "out" else "in", text=m.text)
        for m in messages
    ]


def contact_and_conversation(
    session: Session, account: Account, name: str, now: datetime
) -> tuple[Contact, Conversation]:
    """The contact called `name` on `account` and its conversation (created when new)."""
    contact = session.scalars(
        select(Contact).where(Contact.account_id == account.id, Contact.name == name)
    ).first()
    if contact is None:
        contact = Contact(
            account_id=account.id,
            name=name,
            notes="",
            attributes={},
            created_at=now,
            updated_at=now,
        )
        session.add(contact)
        session.flush()
    conversation = session.scalars(
        select(Conversation).where(Conversation.contact_id == contact.id)
    ).first()
    if conversation is None:
        conversation = Conversation(
            account_id=account.id,
            contact_id=contact.id,
            status=ConversationStatus.OPEN.value,
            unread_count=0,
            last_activity_at=now,
            last_text="",
            next_seq=1,
            next_position=1,
            created_at=now,
            updated_at=now,
        )
        session.add(conversation)
        session.flush()
    return contact, conversation


def apply_auto_tags(
    session: Session, rules: list[AutoTagRule], contact: Contact, text: str, now: datetime
) -> bool:
    """Tag the contact by every rule whose keyword the text contains; True when any did."""
    folded = text.casefold()
    have = {tag.id for tag in contact.tags}
    added = False
    for rule in rules:
        if rule.tag_id in have or rule.keyword.casefold() not in folded:
            continue
        session.add(
            ContactTag(
                contact_id=contact.id,
                tag_id=rule.tag_id,
                added_by=f"rule:{rule.id}",
                created_at=now,
            )
        )
        have.add(rule.tag_id)
        added = True
    if added:
        session.flush()
        session.expire(contact, ["tags"])
    return added


def _screen_facts(bubble: BubbleRead, job_id: str, aligned: bool) -> dict[str, object]:
    facts: dict[str, object] = {
        "via": bubble.via,
        "confidence": bubble.confidence,
        "sync_job": job_id,
    }
    if bubble.time_label:
        facts["time_label"] = bubble.time_label
    if not aligned:
        facts["unaligned"] = True
    return facts


def _pending_replies(session: Session, conversation_id: int) -> list[Message]:
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.conversation_id == conversation_id,
                Message.direction == "out",
                Message.position.is_(None),
                Message.status.in_([DeliveryStatus.SENT.value, DeliveryStatus.UNCONFIRMED.value]),
            )
            .order_by(Message.seq)
        )
    )


def deliver(conversation: Conversation, message: Message, now: datetime) -> None:
    """Mark a reply delivered and give it the next place on the screen."""
    message.status = DeliveryStatus.DELIVERED.value
    message.error = None
    message.delivered_at = now
    message.updated_at = now
    if message.position is None:
        message.position = conversation.next_position
        conversation.next_position += 1


def _merge_conversation(
    session: Session,
    account: Account,
    read: ConversationRead,
    rules: list[AutoTagRule],
    job_id: str,
    now: datetime,
    report: MergeReport,
    anchored_only: bool = False,
) -> int:
    contact, conversation = contact_and_conversation(session, account, read.contact_name, now)
    tail = screen_tail(session, conversation.id, min(ALIGN_TAIL, len(read.bubbles)))
    alignment = new_messages(known(tail), read)
    if not alignment.anchored and anchored_only:
        return 0
    if not alignment.anchored:
        report.unaligned.append(read.contact_name)
        log.warning(
            "sync %s: no overlap with the stored tail of conversation %d; %d bubble(s) taken "
            "as new",
            job_id,
            conversation.id,
            len(alignment.new),
        )
    pending = _pending_replies(session, conversation.id)
    touched: list[tuple[Message, bool]] = []
    inbound = 0
    for bubble in alignment.new:
        if bubble.direction == "out":
            match = next((m for m in pending if same_message(known([m])[0], bubble)), None)
            if match is not None:
                pending.remove(match)
                deliver(conversation, match, now)
                match.screen = {**match.screen, **_screen_facts(bubble, job_id, True)}
                if match.job_id:
                    report.confirmed_jobs.append(match.job_id)
                report.confirmed += 1
                touched.append((match, False))
                continue
        message = Message(
            conversation_id=conversation.id,
            seq=conversation.next_seq,
            position=conversation.next_position,
            direction=bubble.direction,
            author=None,
            text=bubble.text,
            image=bubble.image,
            status=DeliveryStatus.DELIVERED.value if bubble.direction == "out" else None,
            attempts=0,
            screen=_screen_facts(bubble, job_id, alignment.anchored),
            created_at=now,
            updated_at=now,
            delivered_at=now if bubble.direction == "out" else None,
        )
        conversation.next_seq += 1
        conversation.next_position += 1
        session.add(message)
        touched.append((message, True))
        report.created += 1
        if bubble.direction == "in":
            inbound += 1
            conversation.unread_count += 1
            conversation.waiting_since = conversation.waiting_since or now
            conversation.first_inbound_at = conversation.first_inbound_at or now
            if conversation.status != ConversationStatus.OPEN.value:
                conversation.status = ConversationStatus.OPEN.value  # a new message reopens
            apply_auto_tags(session, rules, contact, bubble.text, now)
        else:
            # Someone answered on the phone itself: the customer is no longer waiting, and
            # what came before was read there.
            conversation.waiting_since = None
            conversation.unread_count = 0
            if conversation.first_response_at is None and conversation.first_inbound_at:
                if conversation.first_inbound_at < now:
                    conversation.first_response_at = now
                else:
                    # Question and answer both learnt now (history read by a first sync):
                    # how long the answer took is unknown, so it is not counted.
                    conversation.first_inbound_at = None
        conversation.last_text = (bubble.text or "[image]")[:PREVIEW]
        conversation.last_direction = bubble.direction
        conversation.last_activity_at = now
    if not touched:
        return 0
    conversation.updated_at = now
    session.flush()
    report.events.extend(message_event(conversation, m, created) for m, created in touched)
    report.events.append(conversation_event(session, conversation))
    return inbound


def _merge(
    session: Session,
    account_id: int,
    reads: list[ConversationRead],
    job_id: str,
    now: datetime,
    sync: SyncChatsResult | None,
) -> MergeReport:
    report = MergeReport()
    account = session.get(Account, account_id, with_for_update=True)
    if account is None:
        log.warning("job %s: account %s is gone; nothing merged", job_id, account_id)
        return report
    rules = list(session.scalars(select(AutoTagRule).order_by(AutoTagRule.id)))
    inbound = 0
    for read in reads:
        inbound += _merge_conversation(
            session, account, read, rules, job_id, now, report, anchored_only=sync is None
        )
    if sync is None:
        return report
    state = session.get(ChatSync, account_id)
    if state is None:
        state = ChatSync(account_id=account_id, unread_seen=0, rounds=0)
        session.add(state)
    state.finished_at = now
    state.unread_seen = inbound + sum(sync.chat_list_unread.values())
    return report


def _store(
    rt: Runtime,
    account_id: int,
    reads: list[ConversationRead],
    job_id: str,
    sync: SyncChatsResult | None,
) -> MergeReport:
    now = rt.clock()
    for attempt in range(3):
        try:
            with write_session(rt.sessions) as session:
                report = _merge(session, account_id, reads, job_id, now, sync)
            break
        except IntegrityError:
            # Another merge created the same contact or sequence number first (PostgreSQL,
            # several controllers): do it again on what is stored now.
            if attempt == 2:
                raise
    rt.hub.publish(*report.events)
    for confirmed in report.confirmed_jobs:
        if confirmed == job_id:
            continue  # the job reporting this window: its own finish decides it
        with contextlib.suppress(InvalidTransitionError, JobNotFoundError):
            rt.jobs.cancel(confirmed)  # its delivery was seen on the screen
    if report.created or report.confirmed:
        log.info(
            "job %s: %d new message(s), %d reply(ies) seen delivered",
            job_id,
            report.created,
            report.confirmed,
        )
    return report


def merge_sync(rt: Runtime, account_id: int, result: SyncChatsResult, job_id: str) -> MergeReport:
    """Store what a sync read (see the module docstring) and tell the panes.

    Safe to call again with the same result: nothing is stored twice.
    """
    return _store(rt, account_id, result.conversations, job_id, result)


def merge_window(rt: Runtime, account_id: int, read: ConversationRead, job_id: str) -> MergeReport:
    """Store what a conversation showed when a reply was sent or checked (`job_id`).

    The reply (and any earlier one whose outcome was unknown) is delivered at its place
    on the screen, among the messages around it, instead of at the end when its job's
    outcome arrives: a reply found by a check after a later one was sent is then still
    stored before it. Merged only when the window overlaps what is stored (else nothing is
    stored, and the reply is placed at the end as before); the sync state is not touched.
    """
    return _store(rt, account_id, [read], job_id, None)
