"""Replies: a person's message → a `send_message` job for the account's phone → its status.

Replies are only ever created by people, through `create_reply` (there is no bot): the
platform's rule. Before anything is queued the account's reply cap (messages per minute)
is checked; "cap reached" is refused, never retried later by itself.

A reply's status mirrors its current job (`status_for`)::

    job queued                      → queued  (unconfirmed while it waits for a check)
    job leased                      → sent    (a phone is sending it)
    job succeeded (also already_done) → delivered (the bubble was seen on the screen)
    job failed                      → failed  (known not sent: `retry` really resends)
    job unconfirmed                 → unconfirmed (requeued with check_first, see outcomes)
    job cancelled                   → cancelled (a person withdrew a scheduled reply)

`delivered` and `cancelled` never change again (a reply the screen showed delivered stays
so when its pending check job is cancelled). Every path that changes a job calls
`sync_replies` afterwards, and the periodic sweep (`reconcile_replies`) repeats it and
enqueues replies whose job was never created (a crash between the two steps).
"""

from __future__ import annotations

import builtins
import contextlib
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from farm_queue import InvalidTransitionError, JobNotFoundError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from farm_controller.auth.principal import User
from farm_controller.chat.access import conversation_for, message_of
from farm_controller.chat.inbox import deliver
from farm_controller.chat.presenters import conversation_event, message_event
from farm_controller.db import read_session, write_session
from farm_controller.errors import FieldProblem, Invalid, TooMany, conflict
from farm_controller.models import Account, CannedReply, Contact, Conversation, Message
from farm_controller.runtime import Runtime
from farm_controller.schemas.chat import DeliveryStatus, ReplyCreate
from farm_protocol.chat import SendMessageTask
from farm_protocol.jobs import Job, JobKind, JobState

log = logging.getLogger(__name__)

CAP_WINDOW = timedelta(minutes=1)
PREVIEW = 200
FINAL_STATUSES = frozenset({DeliveryStatus.DELIVERED.value, DeliveryStatus.CANCELLED.value})


def status_for(job: Job) -> DeliveryStatus:
    """The status a reply has while `job` is its current job."""
    match job.state:
        case JobState.QUEUED:
            return DeliveryStatus.UNCONFIRMED if job.needs_check else DeliveryStatus.QUEUED
        case JobState.LEASED:
            return DeliveryStatus.SENT
        case JobState.SUCCEEDED:
            return DeliveryStatus.DELIVERED
        case JobState.FAILED:
            return DeliveryStatus.FAILED
        case JobState.UNCONFIRMED:
            return DeliveryStatus.UNCONFIRMED
        case JobState.CANCELLED:
            return DeliveryStatus.CANCELLED
    raise AssertionError(job.state)  # pragma: no cover


def cap_of(rt: Runtime, account: Account) -> int:
    """The account's replies-per-minute cap."""
    return account.messages_per_minute or rt.settings.messages_per_minute


def _check_cap(
    rt: Runtime, session: Session, account: Account, due: datetime, scheduled: bool
) -> None:
    """Refuse a reply due at `due` when a minute around it already holds the cap."""
    cap = cap_of(rt, account)
    due_at = func.coalesce(Message.send_at, Message.created_at)
    booked = int(
        session.scalar(
            select(func.count(Message.id))
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Conversation.account_id == account.id,
                Message.direction == "out",
                Message.author.is_not(None),
                Message.status != DeliveryStatus.CANCELLED.value,
                due_at > due - CAP_WINDOW,
                due_at < due + CAP_WINDOW,
            )
        )
        or 0
    )
    if booked >= cap:
        raise TooMany(
            FieldProblem(
                "send_at" if scheduled else "text",
                f"account {account.name!r} may send at most {cap} message(s) per minute and "
                f"already has {booked} within a minute of {due.isoformat()}; send it later",
                "cap_reached",
            ),
            retry_after=60,
        )


def send_task(
    message: Message, contact: Contact, app: str | None = None, check_first: bool = False
) -> SendMessageTask:
    """The `send_message` payload of a reply (`app`: the account's app profile)."""
    return SendMessageTask(
        message_id=message.id,
        conversation_id=message.conversation_id,
        contact_name=contact.name,
        text=message.text,
        check_first=check_first,
        app=app,
    )


def _job_key(message: Message) -> str:
    return f"message:{message.id}:{message.attempts}"


def _enqueue(rt: Runtime, message_id: int) -> Job | None:
    """Make the reply's current attempt a job (idempotent: one key per attempt)."""
    with read_session(rt.sessions) as session:
        message = session.get(Message, message_id)
        if message is None or message.status != DeliveryStatus.QUEUED.value:
            return None
        conversation = session.get(Conversation, message.conversation_id)
        assert conversation is not None
        serial = conversation.account.device_serial
        payload = send_task(message, conversation.contact, conversation.account.app).model_dump(
            mode="json", exclude={"kind"}
        )
        payload["account_id"] = conversation.account_id
        key, not_before = _job_key(message), message.send_at
    job = rt.jobs.enqueue(
        JobKind.SEND_MESSAGE,
        serial,
        payload,
        not_before=not_before,
        idempotency_key=key,
        max_attempts=rt.settings.send_max_attempts,
    )
    with write_session(rt.sessions) as session:
        message = session.get(Message, message_id)
        if message is not None and message.job_id is None:
            message.job_id = job.id
    return job


def create_reply(rt: Runtime, user: User, conversation_id: int, body: ReplyCreate) -> Message:
    """Store a person's reply and queue it for the account's phone.

    Raises:
        NotFound: unknown (or invisible) conversation; 422 no text, unknown canned
            reply, a send time in the past; 429 the account's reply cap is reached.
    """
    now = rt.clock()
    with write_session(rt.sessions) as session:
        conversation = conversation_for(session, user, conversation_id, lock=True)
        account = session.get(Account, conversation.account_id, with_for_update=True)
        assert account is not None
        canned = None
        if body.canned_reply_id is not None:
            canned = session.get(CannedReply, body.canned_reply_id)
            if canned is None:
                raise Invalid(
                    FieldProblem(
                        "canned_reply_id",
                        f"no canned reply with id {body.canned_reply_id}",
                        "not_found",
                    ),
                )
        text = body.text if body.text is not None else (canned.text if canned else None)
        if not text or not text.strip():
            raise Invalid(FieldProblem("text", "a reply needs text", "missing"))
        send_at = body.send_at
        if send_at is not None and send_at <= now:
            send_at = None  # "now" or a moment ago: send at once
        if body.send_at is not None and body.send_at < now - timedelta(minutes=1):
            raise Invalid(FieldProblem("send_at", "send_at is in the past", "past"))
        _check_cap(rt, session, account, send_at or now, send_at is not None)
        message = Message(
            conversation_id=conversation.id,
            seq=conversation.next_seq,
            direction="out",
            author=user.name,
            text=text,
            image=False,
            media_id=canned.media_id if canned else None,
            canned_reply_id=canned.id if canned else None,
            status=DeliveryStatus.QUEUED.value,
            attempts=1,
            send_at=send_at,
            screen={},
            created_at=now,
            updated_at=now,
        )
        conversation.next_seq += 1
        conversation.waiting_since = None
        if conversation.first_inbound_at is not None and conversation.first_response_at is None:
            conversation.first_response_at = now
        conversation.last_text = text[:PREVIEW]
        conversation.last_direction = "out"
        conversation.last_activity_at = now
        conversation.updated_at = now
        session.add(message)
        session.flush()
        message_id = message.id
    job = _enqueue(rt, message_id)
    with read_session(rt.sessions) as session:
        message = _reload(session, message_id)
        conversation = message_conversation(session, message)
        rt.hub.publish(
            message_event(conversation, message, True), conversation_event(session, conversation)
        )
    if job is not None:
        log.info("reply %d queued as job %s", message_id, job.id)
    return message


def _reload(session: Session, message_id: int) -> Message:
    message = session.get(Message, message_id)
    assert message is not None
    return message


def message_conversation(session: Session, message: Message) -> Conversation:
    """The conversation of a message."""
    conversation = session.get(Conversation, message.conversation_id)
    assert conversation is not None
    return conversation


def retry_reply(rt: Runtime, user: User, conversation_id: int, message_id: int) -> Message:
    """Send a failed reply again, as a new job (it was known not to have gone out).

    Raises:
        NotFound: unknown message; 409 unless it failed; 429 the cap is reached.
    """
    now = rt.clock()
    with write_session(rt.sessions) as session:
        conversation = conversation_for(session, user, conversation_id, lock=True)
        message = message_of(session, conversation, message_id)
        if message.direction != "out" or message.status != DeliveryStatus.FAILED.value:
            raise conflict(
                f"message {message_id} is {message.status or 'inbound'}; only failed replies "
                "can be retried",
                "invalid_state",
            )
        account = session.get(Account, conversation.account_id, with_for_update=True)
        assert account is not None
        _check_cap(rt, session, account, now, False)
        message.attempts += 1
        message.status = DeliveryStatus.QUEUED.value
        message.job_id = None
        message.send_at = None
        message.error = None
        message.updated_at = now
    _enqueue(rt, message_id)
    return _publish_message(rt, message_id)


def cancel_reply(rt: Runtime, user: User, conversation_id: int, message_id: int) -> Message:
    """Withdraw a reply that no phone has started sending (e.g. a scheduled one).

    Raises:
        NotFound: unknown message; 409 once a phone has it.
    """
    with read_session(rt.sessions) as session:
        conversation = conversation_for(session, user, conversation_id)
        message = message_of(session, conversation, message_id)
        job_id, status = message.job_id, message.status
    if status != DeliveryStatus.QUEUED.value:
        raise conflict(
            f"message {message_id} is {status or 'inbound'}; only queued replies can be cancelled",
            "invalid_state",
        )
    if job_id is not None:
        try:
            job = rt.jobs.cancel(job_id)
        except InvalidTransitionError as exc:
            raise conflict(f"a phone is sending it already ({exc})", "invalid_state") from None
        except JobNotFoundError:
            job = None
        if job is not None:
            sync_replies(rt, [job])
    with write_session(rt.sessions) as session:
        message = _reload(session, message_id)
        if message.status == DeliveryStatus.QUEUED.value:
            message.status = DeliveryStatus.CANCELLED.value
            message.updated_at = rt.clock()
    return _publish_message(rt, message_id)


def _publish_message(rt: Runtime, message_id: int) -> Message:
    with read_session(rt.sessions) as session:
        message = _reload(session, message_id)
        conversation = message_conversation(session, message)
        rt.hub.publish(message_event(conversation, message, False))
        return message


def apply_job(conversation: Conversation, message: Message, job: Job, now: datetime) -> bool:
    """Bring the reply in line with its job; True when it changed."""
    if message.status in FINAL_STATUSES or message.job_id != job.id:
        return False
    status = status_for(job)
    if status.value == message.status:
        return False
    if status is DeliveryStatus.DELIVERED:
        deliver(conversation, message, job.finished_at or now)
    else:
        message.status = status.value
        message.updated_at = now
    if status in (DeliveryStatus.FAILED, DeliveryStatus.UNCONFIRMED):
        message.error = job.error
    return True


def sync_replies(rt: Runtime, jobs: Iterable[Job]) -> None:
    """Mirror each `send_message` job's state on its reply and tell the panes."""
    by_id = {job.id: job for job in jobs if job.kind is JobKind.SEND_MESSAGE}
    if not by_id:
        return
    now = rt.clock()
    changed: builtins.list[int] = []
    with write_session(rt.sessions) as session:
        for message in session.scalars(
            select(Message).where(Message.job_id.in_(by_id)).with_for_update()
        ):
            conversation = message_conversation(session, message)
            if apply_job(conversation, message, by_id[str(message.job_id)], now):
                changed.append(message.id)
    if changed:
        with read_session(rt.sessions) as session:
            events = []
            for message_id in changed:
                message = _reload(session, message_id)
                events.append(message_event(message_conversation(session, message), message, False))
            rt.hub.publish(*events)


def believe_delivered(rt: Runtime, job: Job) -> Job:
    """The phone sent the reply, but the lease was already taken back: believe the phone.

    The job waiting for a check (or a retry) is cancelled; the reply is delivered.
    """
    if job.state in (JobState.QUEUED, JobState.UNCONFIRMED):
        with contextlib.suppress(InvalidTransitionError):
            job = rt.jobs.cancel(job.id)
    now = rt.clock()
    with write_session(rt.sessions) as session:
        message = session.scalars(
            select(Message).where(Message.job_id == job.id).with_for_update()
        ).first()
        if message is None or message.status == DeliveryStatus.DELIVERED.value:
            return job
        conversation = message_conversation(session, message)
        deliver(conversation, message, now)
        message.error = "delivered (reported after the lease ran out)"
        message_id = message.id
    _publish_message(rt, message_id)
    return job


def reconcile_replies(rt: Runtime, limit: int = 1000) -> None:
    """Heal replies after a crash: enqueue those without a job, mirror unfinished ones."""
    with read_session(rt.sessions) as session:
        orphans = list(
            session.scalars(
                select(Message.id)
                .where(Message.status == DeliveryStatus.QUEUED.value, Message.job_id.is_(None))
                .limit(limit)
            )
        )
        job_ids = list(
            session.scalars(
                select(Message.job_id)
                .where(
                    Message.job_id.is_not(None),
                    Message.status.in_(
                        [
                            DeliveryStatus.QUEUED.value,
                            DeliveryStatus.SENT.value,
                            DeliveryStatus.UNCONFIRMED.value,
                        ]
                    ),
                )
                .limit(limit)
            )
        )
    for message_id in orphans:
        _enqueue(rt, message_id)
    jobs = []
    for job_id in job_ids:
        if job_id is None:
            continue
        try:
            jobs.append(rt.jobs.get(job_id))
        except JobNotFoundError:
            log.warning("reply refers to missing job %s", job_id)
    sync_replies(rt, jobs)
