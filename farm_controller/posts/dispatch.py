"""Turning due occurrences into `publish_post` jobs: nothing lost, nothing twice.

Each (post, account, occurrence) is a `PostTarget` row, created `scheduled` when the post
is stored (first occurrence) or when the previous occurrence is dispatched (recurrences),
so the database always knows what is due. `dispatch_due` is what APScheduler fires at a
run time, what the start-up sweep runs, and what the periodic sweep repeats; running it
twice, or in two processes, is harmless:

1. In one write transaction, every due `scheduled` target is settled: `cancelled` (post
   cancelled), `quiet_hours`, `cap_reached` (its own outcome, never retried) or `queued`;
   the recurrence's next occurrence gets its rows (the unique index on post, account and
   occurrence refuses a second set).
2. Every `queued` target without a job gets one, with the idempotency key
   ``post:{post_id}:{account_id}:{occurrence_iso}``: a second enqueue returns the first
   job. A crash between 1 and 2 leaves `queued` targets without a job, which the next
   sweep enqueues.

Missed occurrences (the controller was down) are all dispatched, oldest first; the daily
cap, counted in the account's local day, limits how many of them become jobs.
"""

from __future__ import annotations

import builtins
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from farm_queue import InvalidTransitionError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from farm_controller.db import read_session, write_session
from farm_controller.models import Post, PostTarget
from farm_controller.posts.recurrence import Schedule
from farm_controller.posts.rules import in_quiet_hours, posts_on_day, quiet_hours_text
from farm_controller.runtime import Runtime
from farm_protocol.jobs import Job, JobKind
from farm_protocol.posts import TargetState

log = logging.getLogger(__name__)

BATCH = 500
MAX_ROUNDS = 1000


@dataclass
class DispatchReport:
    """What one `dispatch_due` call did (target ids by outcome)."""

    queued: list[int] = field(default_factory=list)
    cap_reached: list[int] = field(default_factory=list)
    quiet_hours: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    upcoming: set[datetime] = field(default_factory=set)


def schedule_of(post: Post) -> Schedule:
    """The occurrences of a stored post."""
    return Schedule(
        run_at=post.run_at,
        timezone=post.timezone,
        interval_seconds=post.interval_seconds,
        cron=post.cron,
        until=post.until,
    )


def _settle(session: Session, target: PostTarget, now: datetime) -> TargetState:
    post, account = target.post, target.account
    if post.state == "cancelled":
        return TargetState.CANCELLED
    if in_quiet_hours(account, target.occurrence_at):
        target.error = f"in the account's quiet hours ({quiet_hours_text(account)})"
        return TargetState.QUIET_HOURS
    # Only occurrences already handed on count here: among those due, the earlier
    # occurrence wins the day's slot (the submission check counted scheduled ones too).
    booked = posts_on_day(
        session, account, target.occurrence_at, exclude_target=target.id, include_scheduled=False
    )
    if booked >= account.daily_post_cap:
        target.error = (
            f"account already has {booked} post(s) that day; its daily cap is "
            f"{account.daily_post_cap}"
        )
        return TargetState.CAP_REACHED
    return TargetState.QUEUED


def _add_next_occurrence(
    session: Session, post: Post, after: datetime, now: datetime, report: DispatchReport
) -> None:
    upcoming = schedule_of(post).next_after(after) if post.recurring else None
    if upcoming is None or post.state == "cancelled":
        remaining = session.scalar(
            select(PostTarget.id)
            .where(PostTarget.post_id == post.id, PostTarget.state == TargetState.SCHEDULED)
            .limit(1)
        )
        if remaining is None and post.state != "cancelled":
            post.state = "dispatched"
        return
    existing = set(
        session.scalars(
            select(PostTarget.account_id).where(
                PostTarget.post_id == post.id, PostTarget.occurrence_at == upcoming
            )
        )
    )
    for link in post.accounts:
        if link.account_id not in existing:
            session.add(
                PostTarget(
                    post_id=post.id,
                    account_id=link.account_id,
                    occurrence_at=upcoming,
                    state=TargetState.SCHEDULED,
                    updated_at=now,
                )
            )
    report.upcoming.add(upcoming)


def _settle_due(rt: Runtime, now: datetime, report: DispatchReport) -> int:
    with write_session(rt.sessions) as session:
        due = session.scalars(
            select(PostTarget)
            .where(PostTarget.state == TargetState.SCHEDULED, PostTarget.occurrence_at <= now)
            .order_by(PostTarget.occurrence_at, PostTarget.id)
            .limit(BATCH)
            .options(selectinload(PostTarget.post), selectinload(PostTarget.account))
            .with_for_update(skip_locked=True)
        ).all()
        occurrences: dict[tuple[int, datetime], Post] = {}
        for target in due:
            state = _settle(session, target, now)
            target.state = state
            target.updated_at = now
            session.flush()  # the next target's cap count sees this one
            {
                TargetState.QUEUED: report.queued,
                TargetState.CAP_REACHED: report.cap_reached,
                TargetState.QUIET_HOURS: report.quiet_hours,
                TargetState.CANCELLED: report.cancelled,
            }[state].append(target.id)
            occurrences[(target.post_id, target.occurrence_at)] = target.post
        for (_post_id, occurrence), post in occurrences.items():
            _add_next_occurrence(session, post, occurrence, now, report)
        return len(due)


def _enqueue_pending(rt: Runtime, report: DispatchReport) -> int:
    with read_session(rt.sessions) as session:
        pending = session.scalars(
            select(PostTarget)
            .where(PostTarget.state == TargetState.QUEUED, PostTarget.job_id.is_(None))
            .order_by(PostTarget.occurrence_at, PostTarget.id)
            .limit(BATCH)
            .options(
                selectinload(PostTarget.post).selectinload(Post.media),
                selectinload(PostTarget.account),
            )
        ).all()
        work = [
            (
                target.id,
                target.idempotency_key,
                target.account.device_serial,
                target.occurrence_at,
                {
                    "post_id": target.post_id,
                    "target_id": target.id,
                    "account_id": target.account_id,
                    "occurrence_at": target.occurrence_at.isoformat(),
                    "text": target.post.text,
                    "media_ids": [link.media_id for link in target.post.media],
                },
            )
            for target in pending
        ]
    if not work:
        return 0
    created: dict[int, Job] = {}
    for target_id, key, serial, occurrence, payload in work:
        created[target_id] = rt.jobs.enqueue(
            JobKind.PUBLISH_POST,
            serial,
            payload,
            not_before=occurrence,
            idempotency_key=key,
            max_attempts=rt.settings.publish_max_attempts,
        )
    orphaned: list[str] = []
    with write_session(rt.sessions) as session:
        for target in session.scalars(
            select(PostTarget).where(PostTarget.id.in_(created)).with_for_update()
        ):
            job = created[target.id]
            if target.job_id is None:
                target.job_id = job.id
            if target.state is TargetState.CANCELLED:
                orphaned.append(job.id)  # cancelled by another process meanwhile
    for job_id in orphaned:
        with contextlib.suppress(InvalidTransitionError):
            rt.jobs.cancel(job_id)
    report.jobs.extend(created.values())
    return len(work)


def dispatch_due(rt: Runtime, now: datetime | None = None) -> DispatchReport:
    """Settle every due scheduled occurrence and make jobs of the queued ones.

    Args:
        rt: The controller.
        now: The time to decide with; the runtime's clock when omitted.

    Returns:
        What was done, and the run times of newly scheduled occurrences.
    """
    now = now or rt.clock()
    report = DispatchReport()
    with rt.dispatch_lock:
        for _ in range(MAX_ROUNDS):
            if _settle_due(rt, now, report) == 0:
                break
        while _enqueue_pending(rt, report) == BATCH:
            pass
    if report.queued or report.cap_reached or report.quiet_hours:
        log.info(
            "dispatched: %d queued, %d cap reached, %d quiet hours",
            len(report.queued),
            len(report.cap_reached),
            len(report.quiet_hours),
        )
    return report


def upcoming_times(rt: Runtime, after: datetime, limit: int = 1000) -> builtins.list[datetime]:
    """The distinct run times of scheduled occurrences after `after`, soonest first."""
    with read_session(rt.sessions) as session:
        return list(
            session.scalars(
                select(PostTarget.occurrence_at)
                .where(PostTarget.state == TargetState.SCHEDULED, PostTarget.occurrence_at > after)
                .distinct()
                .order_by(PostTarget.occurrence_at)
                .limit(limit)
            )
        )
