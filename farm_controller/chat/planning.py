"""When each account's chats are read: `sync_chats` jobs, one at a time per account.

`plan_syncs` runs every `chat_sync_tick` seconds. An account gets a new sync job when its
previous one has finished and its interval has passed since that one was queued: the
short `chat_sync_busy_interval` when the last sync saw unread messages or a customer is
waiting for an answer, else `chat_sync_interval`. A sync is not queued while a reply
waits for the same phone: replies go first.

The payload is a `SyncChatsTask` whose anchors are the last `chat_anchor_size` messages
seen on screen for each contact of the account (the most recently active
`chat_max_anchors` contacts). It is computed again when the job is claimed
(`sync_job.SyncChatsJob`), so the agent always scrolls back to what is stored now.

Idempotency keys are ``sync:<account>:<round>``: a plan run twice (or by two controllers)
makes one job per round.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from farm_queue import JobNotFoundError
from sqlalchemy import select
from sqlalchemy.orm import Session

from farm_controller.chat.inbox import known, screen_tail
from farm_controller.db import read_session, write_session
from farm_controller.models import Account, ChatSync, Contact, Conversation
from farm_controller.runtime import Runtime
from farm_controller.schemas.chat import ConversationStatus
from farm_protocol.chat import ChatAnchor, SyncChatsTask
from farm_protocol.jobs import Job, JobKind, JobState

log = logging.getLogger(__name__)


def anchors_for(rt: Runtime, session: Session, account_id: int) -> list[ChatAnchor]:
    """The tail of every recently active contact of the account."""
    settings = rt.settings
    rows = session.execute(
        select(Contact.name, Conversation.id)
        .join(Conversation, Conversation.contact_id == Contact.id)
        .where(Contact.account_id == account_id)
        .order_by(Conversation.last_activity_at.desc(), Conversation.id.desc())
        .limit(settings.chat_max_anchors)
    ).all()
    anchors = []
    for name, conversation_id in rows:
        tail = known(screen_tail(session, conversation_id, settings.chat_anchor_size))
        if tail:
            anchors.append(ChatAnchor(contact_name=name, tail=tail))
    return anchors


def sync_task(rt: Runtime, session: Session, account_id: int) -> SyncChatsTask:
    """The task of a sync job for the account, as of now."""
    account = session.get(Account, account_id)
    return SyncChatsTask(
        account_id=account_id,
        anchors=anchors_for(rt, session, account_id),
        app=account.app if account else None,
    )


def _busy(session: Session, state: ChatSync | None, account_id: int) -> bool:
    if state is not None and state.unread_seen > 0:
        return True
    waiting = session.scalar(
        select(Conversation.id)
        .where(
            Conversation.account_id == account_id,
            Conversation.status == ConversationStatus.OPEN.value,
            Conversation.waiting_since.is_not(None),
        )
        .limit(1)
    )
    return waiting is not None


def _unfinished(rt: Runtime, job_id: str | None) -> bool:
    if job_id is None:
        return False
    try:
        return not rt.jobs.get(job_id).final
    except JobNotFoundError:
        return False


def _reply_waiting(rt: Runtime, serial: str) -> bool:
    queued = rt.jobs.list(state=JobState.QUEUED, device_serial=serial, kind=JobKind.SEND_MESSAGE)
    now = rt.clock()
    return any(job.not_before <= now for job in queued)


def due_accounts(rt: Runtime, now: datetime) -> list[tuple[int, str, int]]:
    """(account id, phone serial, next round) of every account whose sync is due."""
    settings = rt.settings
    due = []
    with read_session(rt.sessions) as session:
        states = {state.account_id: state for state in session.scalars(select(ChatSync))}
        for account_id, serial in session.execute(
            select(Account.id, Account.device_serial).order_by(Account.id)
        ):
            state = states.get(account_id)
            if state is not None and _unfinished(rt, state.job_id):
                continue
            interval = (
                settings.chat_sync_busy_interval
                if _busy(session, state, account_id)
                else settings.chat_sync_interval
            )
            last = state.enqueued_at if state is not None else None
            if last is not None and now - last < timedelta(seconds=interval):
                continue
            if _reply_waiting(rt, serial):
                continue
            due.append((account_id, serial, (state.rounds if state is not None else 0) + 1))
    return due


def plan_syncs(rt: Runtime, now: datetime | None = None) -> list[Job]:
    """Queue a sync job for every account whose sync is due (see the module docstring)."""
    now = now or rt.clock()
    jobs = []
    for account_id, serial, round_ in due_accounts(rt, now):
        with read_session(rt.sessions) as session:
            payload = sync_task(rt, session, account_id).model_dump(mode="json", exclude={"kind"})
        job = rt.jobs.enqueue(
            JobKind.SYNC_CHATS,
            serial,
            payload,
            idempotency_key=f"sync:{account_id}:{round_}",
            max_attempts=2,
        )
        with write_session(rt.sessions) as session:
            state = session.get(ChatSync, account_id)
            if state is None:
                state = ChatSync(account_id=account_id, unread_seen=0, rounds=0)
                session.add(state)
            if state.rounds < round_:
                state.rounds = round_
                state.job_id = job.id
                state.enqueued_at = now
        jobs.append(job)
    if jobs:
        log.debug("queued %d sync_chats job(s)", len(jobs))
    return jobs


def account_of_sync(rt: Runtime, job: Job) -> int | None:
    """The account a `sync_chats` job reads (its payload's, else its phone's first)."""
    account_id = job.payload.get("account_id")
    if isinstance(account_id, int):
        return account_id
    with read_session(rt.sessions) as session:
        return session.scalar(
            select(Account.id)
            .where(Account.device_serial == job.device_serial)
            .order_by(Account.id)
            .limit(1)
        )


def sync_now(rt: Runtime, account_id: int) -> None:
    """Make the account's next sync due at the next plan (a person asked to refresh)."""
    with write_session(rt.sessions) as session:
        state = session.get(ChatSync, account_id)
        if state is not None:
            state.enqueued_at = None
