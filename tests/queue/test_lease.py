"""The pure rules in `farm_queue.lease` that the contract suite does not pin down alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from farm_queue import lease
from farm_queue.store import InvalidTransitionError

from farm_protocol.jobs import IRREVERSIBLE_KINDS, Job, JobKind, JobState
from tests.helpers.clock import START


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(0, 1), (1, 2), (2, 4), (3, 8), (8, 256), (9, 300), (10, 300), (10_000, 300)],
)
def test_backoff_doubles_up_to_five_minutes(attempts: int, seconds: int) -> None:
    assert lease.backoff(attempts) == timedelta(seconds=seconds)


def leased(kind: JobKind, attempts: int = 1, max_attempts: int = 3) -> Job:
    job = lease.new_job(
        kind,
        "dev-1",
        {},
        now=START,
        not_before=None,
        idempotency_key=None,
        max_attempts=max_attempts,
    )
    job = job.model_copy(update={"attempts": attempts - 1})
    return lease.lease(job, "agent", START, 30)


@pytest.mark.parametrize("kind", list(JobKind))
def test_expire_never_requeues_an_irreversible_job(kind: JobKind) -> None:
    for attempts in (1, 3):
        expired = lease.expire(leased(kind, attempts), START + timedelta(seconds=30))
        if kind in IRREVERSIBLE_KINDS:
            assert expired.state is JobState.UNCONFIRMED
        elif attempts < 3:
            assert expired.state is JobState.QUEUED
        else:
            assert expired.state is JobState.FAILED


def test_irreversible_kinds() -> None:
    assert {JobKind.PUBLISH_POST, JobKind.SEND_MESSAGE} == IRREVERSIBLE_KINDS


def test_expire_only_leased_jobs() -> None:
    job = leased(JobKind.SYNC_CHATS)
    done = lease.complete(job, "agent", START, {}, ())
    with pytest.raises(InvalidTransitionError, match="succeeded"):
        lease.expire(done, START)


def test_is_expired_at_the_boundary() -> None:
    job = leased(JobKind.SYNC_CHATS)
    assert not lease.is_expired(job, START + timedelta(seconds=29.999))
    assert lease.is_expired(job, START + timedelta(seconds=30))


def test_a_negative_retry_delay_means_now() -> None:
    job = leased(JobKind.RUN_FLOW)
    retried = lease.fail(
        job,
        "agent",
        START,
        "x",
        retryable=True,
        evidence=(),
        retry_delay=timedelta(seconds=-5),
    )
    assert retried.not_before == START
