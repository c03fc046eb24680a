"""What a job's state means for its post target, and what happens to unconfirmed publishes.

The queue is the truth about jobs; a target mirrors its job (`target_state_for`). Every
path that changes a job calls `sync_targets` afterwards, and the periodic sweep
(`reconcile`) repeats it for every unfinished target, so a crash between the two steps
heals itself.

The unconfirmed policy (`settle_unconfirmed`), explicit because it guards "nothing done
twice": a `publish_post` job whose outcome is unknown (the agent went silent, or reported
`unknown`) is put back in the queue *with `needs_check`*, so the agent reads the feed
before publishing again. It is requeued while ``attempts <= max_attempts`` (the check
gets one attempt beyond the normal ones); after that it stays `unconfirmed` for a person
(`POST /jobs/{id}/retry` requeues it with the check, `…/cancel` gives up). A parked post a
person rejected is never requeued: it is cancelled (nothing was published in confirm mode
before the confirm). A `send_message` job gets the same policy: the agent reads the chat
before typing the reply again (`chat.replies` mirrors the job on the reply).
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Iterable

from farm_queue import InvalidTransitionError, JobNotFoundError
from sqlalchemy import select

from farm_controller.chat.replies import reconcile_replies, sync_replies
from farm_controller.db import read_session, write_session
from farm_controller.models import PostTarget
from farm_controller.runtime import Runtime
from farm_protocol.jobs import Job, JobKind, JobState
from farm_protocol.posts import FINAL_TARGET_STATES, Decision, TargetState

log = logging.getLogger(__name__)

_CHECKED_KINDS = frozenset({JobKind.PUBLISH_POST, JobKind.SEND_MESSAGE})


def target_state_for(job: Job, target: PostTarget) -> TargetState | None:
    """The state `target` should be in, given its job; None to leave it as it is.

    Final targets never change here (a late report of success is handled by the finish
    endpoint, which knows the phone's answer).
    """
    if target.state in FINAL_TARGET_STATES:
        return None
    match job.state:
        case JobState.QUEUED:
            return TargetState.QUEUED
        case JobState.LEASED:
            if target.state is TargetState.AWAITING_CONFIRMATION:
                return None
            return TargetState.PUBLISHING
        case JobState.SUCCEEDED:
            return TargetState.PUBLISHED
        case JobState.FAILED:
            if target.decision is Decision.REJECT:
                return TargetState.CANCELLED
            return TargetState.FAILED
        case JobState.UNCONFIRMED:
            return TargetState.UNCONFIRMED
        case JobState.CANCELLED:
            return TargetState.CANCELLED
    return None


def apply_job(target: PostTarget, job: Job) -> bool:
    """Bring `target` in line with `job`; True when it changed."""
    state = target_state_for(job, target)
    if state is None or state is target.state:
        return False
    target.state = state
    target.updated_at = job.updated_at
    if state is TargetState.PUBLISHED:
        target.published_at = job.finished_at or job.updated_at
        target.error = None
    elif state in (TargetState.FAILED, TargetState.UNCONFIRMED, TargetState.QUEUED):
        target.error = job.error
    elif state is TargetState.CANCELLED and target.decision is Decision.REJECT:
        target.error = f"rejected by {target.decided_by or 'a reviewer'}"
    return True


def sync_targets(rt: Runtime, jobs: Iterable[Job]) -> None:
    """Mirror each job's state on its post target (jobs without one are skipped)."""
    by_id = {job.id: job for job in jobs if job.kind is JobKind.PUBLISH_POST}
    if not by_id:
        return
    # A job can be claimed before the dispatcher has written its id on the target; the
    # payload's target id finds the target then (and links it).
    by_target = {
        job.payload["target_id"]: job
        for job in by_id.values()
        if isinstance(job.payload.get("target_id"), int)
    }
    with write_session(rt.sessions) as session:
        for target in session.scalars(
            select(PostTarget)
            .where(
                PostTarget.job_id.in_(by_id)
                | (PostTarget.job_id.is_(None) & PostTarget.id.in_(by_target))
            )
            .with_for_update()
        ):
            job = by_id[target.job_id] if target.job_id else by_target[target.id]
            target.job_id = job.id
            apply_job(target, job)


def _decision_of(rt: Runtime, job_id: str) -> Decision | None:
    with read_session(rt.sessions) as session:
        return session.scalar(select(PostTarget.decision).where(PostTarget.job_id == job_id))


def settle_unconfirmed(rt: Runtime, jobs: Iterable[Job]) -> builtins.list[Job]:
    """Apply the unconfirmed policy (module docstring) to the given jobs; sync their targets.

    Returns:
        Every given job after the policy (changed or not).
    """
    jobs = builtins.list(jobs)
    # Show `unconfirmed` (and why) on the targets first; the policy may move them on.
    sync_targets(rt, jobs)
    sync_replies(rt, jobs)
    settled: builtins.list[Job] = []
    for job in jobs:
        if job.state is not JobState.UNCONFIRMED or job.kind not in _CHECKED_KINDS:
            settled.append(job)
            continue
        try:
            if _decision_of(rt, job.id) is Decision.REJECT:
                job = rt.jobs.cancel(job.id)
            elif rt.settings.requeue_unconfirmed and job.attempts <= job.max_attempts:
                job = rt.jobs.requeue_unconfirmed(job.id)
                log.info("requeued unconfirmed job %s with check_first", job.id)
        except (InvalidTransitionError, JobNotFoundError):
            job = rt.jobs.get(job.id)  # someone else moved it first; mirror what it is now
        settled.append(job)
    sync_targets(rt, settled)
    sync_replies(rt, settled)
    return settled


def _refresh_targets(rt: Runtime, job_ids: builtins.list[str]) -> None:
    """Mirror each job's state *as it is now* on its target.

    The job is read while the target's row is locked: a snapshot read earlier could be
    older than what a concurrent claim or finish has since mirrored (a claimed job's
    target would go back from `publishing` to `queued`).
    """
    if not job_ids:
        return
    with write_session(rt.sessions) as session:
        for target in session.scalars(
            select(PostTarget).where(PostTarget.job_id.in_(job_ids)).with_for_update()
        ):
            assert target.job_id is not None
            try:
                job = rt.jobs.get(target.job_id)
            except JobNotFoundError:
                log.warning("post target refers to missing job %s", target.job_id)
                continue
            apply_job(target, job)


def reconcile(rt: Runtime, limit: int = 1000) -> None:
    """Heal what a crash between a queue change and its target update left behind.

    Mirrors every unfinished target's job again and applies the unconfirmed policy to
    unconfirmed publish jobs.
    """
    with read_session(rt.sessions) as session:
        job_ids = list(
            session.scalars(
                select(PostTarget.job_id)
                .where(
                    PostTarget.job_id.is_not(None),
                    PostTarget.state.not_in(FINAL_TARGET_STATES),
                )
                .limit(limit)
            )
        )
    _refresh_targets(rt, [job_id for job_id in job_ids if job_id is not None])
    for kind in _CHECKED_KINDS:
        settle_unconfirmed(rt, rt.jobs.list(state=JobState.UNCONFIRMED, kind=kind, limit=limit))
    reconcile_replies(rt, limit)
