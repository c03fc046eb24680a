"""A person's actions on jobs: retry and cancel."""

from __future__ import annotations

from farm_queue import InvalidTransitionError, JobNotFoundError
from sqlalchemy import select

from farm_controller.db import write_session
from farm_controller.errors import conflict, not_found
from farm_controller.models import PostTarget
from farm_controller.posts.outcomes import sync_targets
from farm_controller.runtime import Runtime
from farm_protocol.jobs import Job, JobState
from farm_protocol.posts import TargetState


def _get(rt: Runtime, job_id: str) -> Job:
    try:
        return rt.jobs.get(job_id)
    except JobNotFoundError:
        raise not_found("job", job_id) from None


def retry_job(rt: Runtime, job_id: str) -> Job:
    """Try a job again.

    An `unconfirmed` job is requeued with `needs_check` (the agent reads the screen
    first). A `failed` job did not happen, so a new job with the same payload is queued
    (retrying the same failed job twice gives the same new job); its post target follows
    it.

    Raises:
        NotFound: unknown job; Conflict: in any other state.
    """
    job = _get(rt, job_id)
    if job.state is JobState.UNCONFIRMED:
        try:
            job = rt.jobs.requeue_unconfirmed(job_id)
        except InvalidTransitionError as exc:
            raise conflict(str(exc), "invalid_state") from None
        sync_targets(rt, [job])
        return job
    if job.state is not JobState.FAILED:
        raise conflict(
            f"job {job_id} is {job.state}; only failed or unconfirmed jobs can be retried",
            "invalid_state",
        )
    retry = rt.jobs.enqueue(
        job.kind,
        job.device_serial,
        job.payload,
        idempotency_key=f"retry-of:{job.id}",
        max_attempts=job.max_attempts,
    )
    with write_session(rt.sessions) as session:
        target = session.scalars(
            select(PostTarget).where(PostTarget.job_id == job.id).with_for_update()
        ).first()
        if target is not None and target.state is TargetState.FAILED:
            target.job_id = retry.id
            target.state = TargetState.QUEUED
            target.error = None
            target.updated_at = rt.clock()
    return retry


def cancel_job(rt: Runtime, job_id: str) -> Job:
    """Give up on a queued or unconfirmed job; its post target ends cancelled.

    Raises:
        NotFound: unknown job; Conflict: when a phone holds it or it already ended.
    """
    _get(rt, job_id)
    try:
        job = rt.jobs.cancel(job_id)
    except InvalidTransitionError as exc:
        raise conflict(str(exc), "invalid_state") from None
    sync_targets(rt, [job])
    return job
