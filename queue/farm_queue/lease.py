"""The queue's rules, as pure functions: job in, changed job out.

Every store finds and locks the job, calls the rule here, and writes the result back, so
the memory and SQL stores cannot disagree about what a transition means. Nothing here
does I/O or reads a clock: `now` is always passed in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from farm_protocol.jobs import FINAL_STATES, Job, JobKind, JobState
from farm_queue.store import InvalidTransitionError, LeaseLostError

MAX_BACKOFF = timedelta(seconds=300)
"""The longest default wait before a retry."""


def backoff(attempts: int) -> timedelta:
    """Default wait before retrying a job that failed on attempt number `attempts`.

    2**attempts seconds (2 s, 4 s, 8 s, …), at most `MAX_BACKOFF`.
    """
    if attempts >= 9:  # 2**9 > 300; also keeps huge exponents from being computed
        return MAX_BACKOFF
    return min(timedelta(seconds=2 ** max(attempts, 0)), MAX_BACKOFF)


def json_copy(value: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of `value` as it will look after a trip through a JSON column.

    Raises:
        TypeError: `value` is not JSON-serialisable.
    """
    copied: dict[str, Any] = json.loads(json.dumps(dict(value)))
    return copied


def new_job(
    kind: JobKind,
    device_serial: str,
    payload: Mapping[str, Any],
    *,
    now: datetime,
    not_before: datetime | None,
    idempotency_key: str | None,
    max_attempts: int,
) -> Job:
    """A fresh `queued` job.

    Raises:
        ValueError: `not_before` is naive or `max_attempts` is below 1.
        TypeError: `payload` is not JSON-serialisable.
    """
    if not_before is not None:
        require_aware(not_before, "not_before")
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    return Job(
        kind=JobKind(kind),
        device_serial=device_serial,
        payload=json_copy(payload),
        not_before=not_before if not_before is not None else now,
        idempotency_key=idempotency_key,
        max_attempts=max_attempts,
        created_at=now,
        updated_at=now,
    )


def check_claim(lease_seconds: float, limit: int) -> None:
    """Validate `claim` arguments.

    Raises:
        ValueError: `lease_seconds` or `limit` is not positive.
    """
    if lease_seconds <= 0:
        raise ValueError("lease_seconds must be positive")
    if limit < 1:
        raise ValueError("limit must be at least 1")


def require_aware(moment: datetime, name: str = "now") -> datetime:
    """Return `moment` unchanged.

    Raises:
        ValueError: `moment` is naive (the queue only deals in aware UTC times).
    """
    if moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment


def is_due(job: Job, now: datetime) -> bool:
    """True when `claim` may take the job at `now`."""
    return job.state is JobState.QUEUED and job.not_before <= now


def is_expired(job: Job, now: datetime) -> bool:
    """True when the job's lease ran out at or before `now`."""
    return (
        job.state is JobState.LEASED
        and job.lease_expires_at is not None
        and job.lease_expires_at <= now
    )


def _change(job: Job, now: datetime, **changes: Any) -> Job:
    # model_copy skips validation; every value passed here is already of the field's type.
    return job.model_copy(update={"updated_at": now, **changes})


def _released(job: Job, now: datetime, state: JobState, **changes: Any) -> Job:
    finished = now if state in FINAL_STATES else None
    return _change(
        job,
        now,
        state=state,
        lease_owner=None,
        lease_expires_at=None,
        finished_at=finished,
        **changes,
    )


def _require_lease(job: Job, owner: str) -> None:
    if job.state is not JobState.LEASED or job.lease_owner != owner:
        raise LeaseLostError(job.id, owner, job.state, job.lease_owner)


def lease(job: Job, owner: str, now: datetime, lease_seconds: float) -> Job:
    """`queued` → `leased` by `owner` until `now + lease_seconds`; one more attempt.

    The store is responsible for choosing the job (due, device not busy) under its lock.

    Raises:
        InvalidTransitionError: The job is not `queued`.
    """
    if job.state is not JobState.QUEUED:
        raise InvalidTransitionError(job.id, job.state, "claim")
    return _change(
        job,
        now,
        state=JobState.LEASED,
        lease_owner=owner,
        lease_expires_at=now + timedelta(seconds=lease_seconds),
        attempts=job.attempts + 1,
    )


def renew(job: Job, owner: str, now: datetime, lease_seconds: float) -> Job:
    """Move the lease's end to `now + lease_seconds`.

    Raises:
        LeaseLostError: The job is not `leased` by `owner`.
        ValueError: `lease_seconds` is not positive.
    """
    if lease_seconds <= 0:
        raise ValueError("lease_seconds must be positive")
    _require_lease(job, owner)
    return _change(job, now, lease_expires_at=now + timedelta(seconds=lease_seconds))


def complete(
    job: Job, owner: str, now: datetime, result: Mapping[str, Any], evidence: Iterable[str]
) -> Job:
    """`leased` → `succeeded`.

    Raises:
        LeaseLostError: The job is not `leased` by `owner`.
        TypeError: `result` is not JSON-serialisable.
    """
    _require_lease(job, owner)
    return _released(
        job,
        now,
        JobState.SUCCEEDED,
        result=json_copy(result),
        evidence=[*job.evidence, *evidence],
    )


def fail(
    job: Job,
    owner: str,
    now: datetime,
    error: str,
    *,
    retryable: bool,
    evidence: Iterable[str],
    retry_delay: timedelta | None,
) -> Job:
    """`leased` → `queued` with backoff when retryable and attempts remain, else `failed`.

    Raises:
        LeaseLostError: The job is not `leased` by `owner`.
    """
    _require_lease(job, owner)
    all_evidence = [*job.evidence, *evidence]
    if retryable and job.attempts < job.max_attempts:
        delay = retry_delay if retry_delay is not None else backoff(job.attempts)
        return _released(
            job,
            now,
            JobState.QUEUED,
            not_before=now + max(delay, timedelta(0)),
            error=error,
            evidence=all_evidence,
        )
    return _released(job, now, JobState.FAILED, error=error, evidence=all_evidence)


def mark_unconfirmed(job: Job, owner: str | None, now: datetime, error: str) -> Job:
    """`leased` → `unconfirmed`: the action may or may not have happened.

    Raises:
        LeaseLostError: `owner` is given and is not the lease holder.
        InvalidTransitionError: `owner` is None and the job is not `leased`.
    """
    if owner is not None:
        _require_lease(job, owner)
    elif job.state is not JobState.LEASED:
        raise InvalidTransitionError(job.id, job.state, "mark unconfirmed")
    return _released(job, now, JobState.UNCONFIRMED, error=error)


def requeue_unconfirmed(job: Job, now: datetime) -> Job:
    """`unconfirmed` → `queued`, due now, with `needs_check=True`.

    Raises:
        InvalidTransitionError: The job is not `unconfirmed`.
    """
    if job.state is not JobState.UNCONFIRMED:
        raise InvalidTransitionError(job.id, job.state, "requeue")
    return _released(job, now, JobState.QUEUED, not_before=now, needs_check=True)


def cancel(job: Job, now: datetime) -> Job:
    """`queued` or `unconfirmed` → `cancelled`.

    Raises:
        InvalidTransitionError: The job is in any other state.
    """
    if job.state not in (JobState.QUEUED, JobState.UNCONFIRMED):
        raise InvalidTransitionError(job.id, job.state, "cancel")
    return _released(job, now, JobState.CANCELLED)


def expire(job: Job, now: datetime) -> Job:
    """Decide what happens to a job whose lease ran out.

    Irreversible kinds go to `unconfirmed`: the agent may have tapped Publish or Send just
    before it went silent, so nobody may retry without reading the screen first. Other
    kinds go back to `queued` (due now), or to `failed` when their attempts are spent.

    Raises:
        InvalidTransitionError: The job is not `leased`.
    """
    if job.state is not JobState.LEASED:
        raise InvalidTransitionError(job.id, job.state, "expire")
    error = f"lease of {job.lease_owner} expired at {job.lease_expires_at}"
    if job.irreversible:
        return _released(job, now, JobState.UNCONFIRMED, error=error)
    if job.attempts < job.max_attempts:
        return _released(job, now, JobState.QUEUED, not_before=now, error=error)
    return _released(job, now, JobState.FAILED, error=error)
