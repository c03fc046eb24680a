"""The `JobStore` contract, run against every implementation (memory, SQLite, PostgreSQL).

Each test states one promise of `farm_queue.store.JobStore`; an implementation is correct
when all of them pass for it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from farm_queue import (
    InvalidTransitionError,
    JobNotFoundError,
    JobStore,
    LeaseLostError,
    QueueError,
)
from queue_support import StoreFactory

from farm_protocol.jobs import Job, JobKind, JobState
from tests.helpers.clock import FakeClock

POST = JobKind.PUBLISH_POST
MESSAGE = JobKind.SEND_MESSAGE
SYNC = JobKind.SYNC_CHATS
FLOW = JobKind.RUN_FLOW
LEASE = 60.0


def enqueue(store: JobStore, device: str = "dev-1", kind: JobKind = SYNC, **kwargs: Any) -> Job:
    return store.enqueue(kind, device, {"n": 1}, **kwargs)


def claim_one(store: JobStore, device: str = "dev-1", owner: str = "agent-a") -> Job:
    claimed = store.claim(owner, [device], lease_seconds=LEASE)
    assert len(claimed) == 1, claimed
    return claimed[0]


# -- enqueue --------------------------------------------------------------------------------


def test_enqueue_creates_a_queued_job_due_now(store: JobStore, clock: FakeClock) -> None:
    job = store.enqueue(POST, "dev-1", {"text": "你好", "images": ["a", "b"]})

    assert job.state is JobState.QUEUED
    assert len(job.id) == 32
    assert (job.kind, job.device_serial) == (POST, "dev-1")
    assert job.payload == {"text": "你好", "images": ["a", "b"]}
    assert (job.attempts, job.max_attempts) == (0, 3)
    assert job.not_before == job.created_at == job.updated_at == clock.now
    assert (job.lease_owner, job.lease_expires_at, job.finished_at) == (None, None, None)
    assert (job.result, job.error) == (None, None)
    assert job.evidence == []
    assert job.needs_check is False
    assert store.get(job.id) == job


def test_times_come_back_aware_utc(store: JobStore) -> None:
    plus8 = timezone(timedelta(hours=8))
    job = enqueue(store, not_before=datetime(2030, 1, 2, 8, 0, tzinfo=plus8))

    stored = store.get(job.id)
    assert stored.not_before == datetime(2030, 1, 2, 0, 0, tzinfo=UTC)
    for moment in (stored.not_before, stored.created_at, stored.updated_at):
        assert moment.utcoffset() == timedelta(0)


def test_enqueue_rejects_bad_arguments(store: JobStore) -> None:
    with pytest.raises(ValueError, match="aware"):
        enqueue(store, not_before=datetime(2030, 1, 1))
    with pytest.raises(ValueError, match="max_attempts"):
        enqueue(store, max_attempts=0)
    with pytest.raises(TypeError):
        store.enqueue(SYNC, "dev-1", {"when": datetime.now(UTC)})
    assert store.list() == []


def test_idempotency_key_never_makes_a_second_job(store: JobStore) -> None:
    first = enqueue(store, idempotency_key="post-7/acct-3")
    again = store.enqueue(MESSAGE, "dev-9", {"other": True}, idempotency_key="post-7/acct-3")
    other = enqueue(store, idempotency_key="post-7/acct-4")

    assert again == first
    assert other.id != first.id
    assert len(store.list()) == 2

    # Still the same job once it has moved on, even to a final state.
    claim_one(store)
    store.complete(first.id, "agent-a", {})
    assert enqueue(store, idempotency_key="post-7/acct-3").id == first.id
    assert len(store.list()) == 2


def test_concurrent_enqueues_with_one_key_make_one_job(store: JobStore) -> None:
    ids: list[str] = []
    barrier = threading.Barrier(8)

    def submit() -> None:
        barrier.wait()
        ids.append(enqueue(store, idempotency_key="same").id)

    run_threads(submit, 8)
    assert len(set(ids)) == 1
    assert len(store.list()) == 1


def test_returned_jobs_are_snapshots(store: JobStore) -> None:
    job = enqueue(store)
    job.payload["n"] = 99
    store.get(job.id).payload["n"] = 98
    assert store.get(job.id).payload == {"n": 1}


def test_get_unknown_job_raises(store: JobStore) -> None:
    with pytest.raises(JobNotFoundError) as raised:
        store.get("f" * 32)
    assert isinstance(raised.value, QueueError)
    assert isinstance(raised.value, LookupError)


# -- claim ----------------------------------------------------------------------------------


def test_claim_leases_and_counts_the_attempt(store: JobStore, clock: FakeClock) -> None:
    job = enqueue(store)
    clock.advance(5)

    leased = claim_one(store, owner="host-1/worker-dev-1")

    assert leased.id == job.id
    assert leased.state is JobState.LEASED
    assert leased.lease_owner == "host-1/worker-dev-1"
    assert leased.lease_expires_at == clock.now + timedelta(seconds=LEASE)
    assert leased.attempts == 1
    assert leased.updated_at == clock.now
    assert store.get(job.id) == leased


def test_claim_waits_for_not_before(store: JobStore, clock: FakeClock) -> None:
    job = enqueue(store, not_before=clock.now + timedelta(minutes=10))

    assert store.claim("a", ["dev-1"], lease_seconds=LEASE) == []
    clock.advance(599)
    assert store.claim("a", ["dev-1"], lease_seconds=LEASE) == []
    clock.advance(1)  # not_before <= now: due
    assert [j.id for j in store.claim("a", ["dev-1"], lease_seconds=LEASE)] == [job.id]


def test_claim_uses_the_given_now(store: JobStore, clock: FakeClock) -> None:
    enqueue(store, not_before=clock.now + timedelta(hours=1))
    later = clock.now + timedelta(hours=1)

    [job] = store.claim("a", ["dev-1"], lease_seconds=LEASE, now=later)
    assert job.lease_expires_at == later + timedelta(seconds=LEASE)


def test_claim_takes_oldest_not_before_first_then_fifo(store: JobStore, clock: FakeClock) -> None:
    t = clock.now
    late = enqueue(store, "dev-1", not_before=t - timedelta(seconds=10))
    early = enqueue(store, "dev-2", not_before=t - timedelta(seconds=30))
    tie_first = enqueue(store, "dev-3", not_before=t - timedelta(seconds=20))
    tie_second = enqueue(store, "dev-4", not_before=t - timedelta(seconds=20))
    devices = ["dev-1", "dev-2", "dev-3", "dev-4"]

    [first] = store.claim("a", devices, lease_seconds=LEASE)
    assert first.id == early.id
    rest = store.claim("a", devices, lease_seconds=LEASE, limit=10)
    assert [j.id for j in rest] == [tie_first.id, tie_second.id, late.id]


def test_claim_takes_a_devices_oldest_job(store: JobStore, clock: FakeClock) -> None:
    newer = enqueue(store, not_before=clock.now - timedelta(seconds=1))
    older = enqueue(store, not_before=clock.now - timedelta(seconds=2))
    assert claim_one(store).id == older.id
    store.complete(older.id, "agent-a", {})
    assert claim_one(store).id == newer.id


def test_claim_only_for_the_given_devices(store: JobStore) -> None:
    enqueue(store, "dev-1")
    enqueue(store, "dev-2")

    assert store.claim("a", [], lease_seconds=LEASE) == []
    assert store.claim("a", ["dev-3"], lease_seconds=LEASE) == []
    [job] = store.claim("a", ["dev-2", "dev-3"], lease_seconds=LEASE, limit=5)
    assert job.device_serial == "dev-2"


def test_claim_for_hundreds_of_devices(store: JobStore, clock: FakeClock) -> None:
    devices = [f"dev-{n:03d}" for n in range(450)]
    t = clock.now
    newest = enqueue(store, devices[5], not_before=t - timedelta(seconds=1))
    oldest = enqueue(store, devices[449], not_before=t - timedelta(seconds=3))
    middle = enqueue(store, devices[250], not_before=t - timedelta(seconds=2))
    enqueue(store, devices[120], not_before=t + timedelta(seconds=1))  # not due yet

    claimed = store.claim("a", devices, lease_seconds=LEASE, limit=50)
    assert [j.id for j in claimed] == [oldest.id, middle.id, newest.id]


def test_claim_respects_limit(store: JobStore) -> None:
    for n in range(5):
        enqueue(store, f"dev-{n}")
    devices = [f"dev-{n}" for n in range(5)]

    assert len(store.claim("a", devices, lease_seconds=LEASE, limit=2)) == 2
    assert len(store.claim("a", devices, lease_seconds=LEASE, limit=2)) == 2
    assert len(store.claim("a", devices, lease_seconds=LEASE, limit=2)) == 1
    assert store.claim("a", devices, lease_seconds=LEASE, limit=2) == []


def test_one_lease_per_device(store: JobStore) -> None:
    first = enqueue(store, "dev-1")
    second = enqueue(store, "dev-1")
    other = enqueue(store, "dev-2")

    claimed = store.claim("a", ["dev-1", "dev-2"], lease_seconds=LEASE, limit=10)
    assert sorted(j.id for j in claimed) == sorted([first.id, other.id])
    # dev-1 already holds a lease, whoever asks.
    assert store.claim("b", ["dev-1"], lease_seconds=LEASE, limit=10) == []

    store.complete(first.id, "a", {})
    assert claim_one(store, "dev-1", owner="b").id == second.id


def test_claim_rejects_bad_arguments(store: JobStore) -> None:
    enqueue(store)
    with pytest.raises(ValueError):
        store.claim("a", ["dev-1"], lease_seconds=0)
    with pytest.raises(ValueError):
        store.claim("a", ["dev-1"], lease_seconds=LEASE, limit=0)
    with pytest.raises(ValueError, match="aware"):
        store.claim("a", ["dev-1"], lease_seconds=LEASE, now=datetime(2030, 1, 1))
    assert store.get(store.list()[0].id).state is JobState.QUEUED


# -- renew ----------------------------------------------------------------------------------


def test_renew_extends_the_lease(store: JobStore, clock: FakeClock) -> None:
    enqueue(store)
    job = claim_one(store)
    clock.advance(50)

    renewed = store.renew(job.id, "agent-a", lease_seconds=120)
    assert renewed.lease_expires_at == clock.now + timedelta(seconds=120)
    assert store.get(job.id).lease_expires_at == renewed.lease_expires_at
    # The renewed lease is not reaped at the old expiry.
    clock.advance(20)
    assert store.reap_expired() == []


def test_renew_after_the_lease_is_lost_raises(store: JobStore, clock: FakeClock) -> None:
    enqueue(store)
    job = claim_one(store)

    with pytest.raises(LeaseLostError):
        store.renew(job.id, "someone-else", lease_seconds=LEASE)

    clock.advance(LEASE)
    store.reap_expired()
    with pytest.raises(LeaseLostError, match="agent-a"):
        store.renew(job.id, "agent-a", lease_seconds=LEASE)

    # Claimed again by another worker: the old owner still cannot renew.
    assert claim_one(store, owner="agent-b").id == job.id
    with pytest.raises(LeaseLostError):
        store.renew(job.id, "agent-a", lease_seconds=LEASE)
    with pytest.raises(JobNotFoundError):
        store.renew("0" * 32, "agent-a", lease_seconds=LEASE)


def test_an_expired_lease_not_yet_reaped_can_still_be_renewed(
    store: JobStore, clock: FakeClock
) -> None:
    enqueue(store)
    job = claim_one(store)
    clock.advance(LEASE + 1)
    assert store.renew(job.id, "agent-a", lease_seconds=LEASE).state is JobState.LEASED
    assert store.reap_expired() == []


# -- complete -------------------------------------------------------------------------------


def test_complete_records_success(store: JobStore, clock: FakeClock) -> None:
    enqueue(store)
    job = claim_one(store)
    clock.advance(3)

    done = store.complete(job.id, "agent-a", {"post_id": "p-1"}, evidence=["shot-1", "shot-2"])

    assert done.state is JobState.SUCCEEDED
    assert done.result == {"post_id": "p-1"}
    assert done.evidence == ["shot-1", "shot-2"]
    assert done.finished_at == done.updated_at == clock.now
    assert (done.lease_owner, done.lease_expires_at) == (None, None)
    assert store.get(job.id) == done


def test_complete_needs_the_lease(store: JobStore) -> None:
    queued = enqueue(store)
    with pytest.raises(LeaseLostError):
        store.complete(queued.id, "agent-a", {})
    job = claim_one(store)
    with pytest.raises(LeaseLostError):
        store.complete(job.id, "agent-b", {})
    store.complete(job.id, "agent-a", {})
    with pytest.raises(LeaseLostError):
        store.complete(job.id, "agent-a", {})
    with pytest.raises(JobNotFoundError):
        store.complete("0" * 32, "agent-a", {})


def test_a_result_that_is_not_json_changes_nothing(store: JobStore) -> None:
    enqueue(store)
    job = claim_one(store)
    with pytest.raises(TypeError):
        store.complete(job.id, "agent-a", {"at": object()})
    assert store.get(job.id) == job


# -- fail -----------------------------------------------------------------------------------


def test_retryable_failure_requeues_with_exponential_backoff(
    store: JobStore, clock: FakeClock
) -> None:
    job = enqueue(store, max_attempts=3)

    claim_one(store)
    retried = store.fail(job.id, "agent-a", "dialog in the way", retryable=True)
    assert retried.state is JobState.QUEUED
    assert retried.not_before == clock.now + timedelta(seconds=2)  # 2**1
    assert retried.error == "dialog in the way"
    assert (retried.lease_owner, retried.lease_expires_at, retried.finished_at) == (
        None,
        None,
        None,
    )
    assert store.claim("a", ["dev-1"], lease_seconds=LEASE) == []

    clock.advance(2)
    assert claim_one(store).attempts == 2
    retried = store.fail(job.id, "agent-a", "again", retryable=True)
    assert retried.not_before == clock.now + timedelta(seconds=4)  # 2**2

    clock.advance(4)
    assert claim_one(store).attempts == 3
    failed = store.fail(job.id, "agent-a", "third time", retryable=True)
    assert failed.state is JobState.FAILED  # attempts exhausted
    assert failed.finished_at == clock.now
    assert failed.error == "third time"
    clock.advance(3600)
    assert store.claim("a", ["dev-1"], lease_seconds=LEASE) == []


def test_fail_with_an_explicit_delay(store: JobStore, clock: FakeClock) -> None:
    job = enqueue(store)
    claim_one(store)
    retried = store.fail(job.id, "agent-a", "busy", retryable=True, retry_delay=timedelta(0))
    assert retried.not_before == clock.now
    assert claim_one(store).id == job.id
    retried = store.fail(
        job.id, "agent-a", "busy", retryable=True, retry_delay=timedelta(minutes=30)
    )
    assert retried.not_before == clock.now + timedelta(minutes=30)


def test_non_retryable_failure_is_final(store: JobStore, clock: FakeClock) -> None:
    job = enqueue(store, max_attempts=5)
    claim_one(store)
    failed = store.fail(job.id, "agent-a", "logged out", retryable=False, evidence=["shot"])
    assert failed.state is JobState.FAILED
    assert failed.attempts == 1
    assert failed.finished_at == clock.now
    assert failed.evidence == ["shot"]
    with pytest.raises(LeaseLostError):
        store.fail(job.id, "agent-a", "again", retryable=True)


def test_evidence_accumulates_over_attempts(store: JobStore, clock: FakeClock) -> None:
    job = enqueue(store)
    claim_one(store)
    store.fail(job.id, "agent-a", "x", retryable=True, evidence=["try-1"])
    clock.advance(10)
    claim_one(store)
    done = store.complete(job.id, "agent-a", {}, evidence=iter(["try-2a", "try-2b"]))
    assert done.evidence == ["try-1", "try-2a", "try-2b"]
    assert store.get(job.id).evidence == ["try-1", "try-2a", "try-2b"]


def test_fail_needs_the_lease(store: JobStore) -> None:
    job = enqueue(store)
    with pytest.raises(LeaseLostError):
        store.fail(job.id, "agent-a", "x", retryable=True)
    claim_one(store)
    with pytest.raises(LeaseLostError):
        store.fail(job.id, "agent-b", "x", retryable=True)
    assert store.get(job.id).state is JobState.LEASED


# -- unconfirmed ----------------------------------------------------------------------------


def test_mark_unconfirmed_by_the_lease_holder(store: JobStore, clock: FakeClock) -> None:
    job = enqueue(store, kind=POST)
    claim_one(store)
    with pytest.raises(LeaseLostError):
        store.mark_unconfirmed(job.id, "agent-b", "phone dropped")

    marked = store.mark_unconfirmed(job.id, "agent-a", "phone dropped after tapping Publish")
    assert marked.state is JobState.UNCONFIRMED
    assert marked.error == "phone dropped after tapping Publish"
    assert (marked.lease_owner, marked.lease_expires_at, marked.finished_at) == (None, None, None)
    assert store.get(job.id) == marked
    # Not claimable until someone decides.
    clock.advance(3600)
    assert store.claim("a", ["dev-1"], lease_seconds=LEASE) == []


def test_mark_unconfirmed_without_owner(store: JobStore) -> None:
    job = enqueue(store, kind=MESSAGE)
    with pytest.raises(InvalidTransitionError, match="queued"):
        store.mark_unconfirmed(job.id, None, "operator says unknown")
    claim_one(store)
    assert store.mark_unconfirmed(job.id, None, "agent host lost").state is JobState.UNCONFIRMED
    with pytest.raises(LeaseLostError):
        store.mark_unconfirmed(job.id, "agent-a", "late report")
    with pytest.raises(JobNotFoundError):
        store.mark_unconfirmed("0" * 32, None, "x")


def test_requeue_unconfirmed_asks_for_a_check(store: JobStore, clock: FakeClock) -> None:
    job = enqueue(store, kind=POST, not_before=clock.now)
    claim_one(store)
    store.mark_unconfirmed(job.id, "agent-a", "unknown")
    clock.advance(30)

    requeued = store.requeue_unconfirmed(job.id)
    assert requeued.state is JobState.QUEUED
    assert requeued.needs_check is True
    assert requeued.not_before == clock.now

    again = claim_one(store, owner="agent-b")
    assert again.needs_check is True
    assert again.attempts == 2
    # needs_check stays set: every later attempt reads the screen first.
    assert store.complete(job.id, "agent-b", {"already_done": True}).needs_check is True


def test_requeue_only_from_unconfirmed(store: JobStore) -> None:
    job = enqueue(store, kind=POST)
    with pytest.raises(InvalidTransitionError, match="queued"):
        store.requeue_unconfirmed(job.id)
    claim_one(store)
    with pytest.raises(InvalidTransitionError, match="leased"):
        store.requeue_unconfirmed(job.id)
    with pytest.raises(JobNotFoundError):
        store.requeue_unconfirmed("0" * 32)


# -- cancel ---------------------------------------------------------------------------------


def test_cancel_a_queued_job(store: JobStore, clock: FakeClock) -> None:
    job = enqueue(store)
    cancelled = store.cancel(job.id)
    assert cancelled.state is JobState.CANCELLED
    assert cancelled.finished_at == clock.now
    assert store.claim("a", ["dev-1"], lease_seconds=LEASE) == []


def test_cancel_an_unconfirmed_job(store: JobStore) -> None:
    job = enqueue(store, kind=POST)
    claim_one(store)
    store.mark_unconfirmed(job.id, "agent-a", "unknown")
    assert store.cancel(job.id).state is JobState.CANCELLED


@pytest.mark.parametrize("state", ["leased", "succeeded", "failed", "cancelled"])
def test_cancel_is_refused_in_other_states(store: JobStore, state: str) -> None:
    job = enqueue(store)
    if state == "cancelled":
        store.cancel(job.id)
    else:
        claim_one(store)
        if state == "succeeded":
            store.complete(job.id, "agent-a", {})
        elif state == "failed":
            store.fail(job.id, "agent-a", "x", retryable=False)

    with pytest.raises(InvalidTransitionError, match=f"it is {state}") as raised:
        store.cancel(job.id)
    assert raised.value.state == state
    assert store.get(job.id).state == state


def test_cancel_unknown_job_raises(store: JobStore) -> None:
    with pytest.raises(JobNotFoundError):
        store.cancel("0" * 32)


# -- reap -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [POST, MESSAGE])
def test_reap_sends_irreversible_jobs_to_unconfirmed(
    store: JobStore, clock: FakeClock, kind: JobKind
) -> None:
    job = enqueue(store, kind=kind, max_attempts=5)
    claim_one(store)
    clock.advance(LEASE)

    [reaped] = store.reap_expired()

    assert reaped.id == job.id
    assert reaped.state is JobState.UNCONFIRMED  # never straight back to queued
    assert (reaped.lease_owner, reaped.lease_expires_at) == (None, None)
    assert reaped.error is not None and "expired" in reaped.error
    assert store.get(job.id) == reaped
    assert store.claim("b", ["dev-1"], lease_seconds=LEASE) == []


@pytest.mark.parametrize("kind", [SYNC, FLOW])
def test_reap_requeues_reversible_jobs(store: JobStore, clock: FakeClock, kind: JobKind) -> None:
    job = enqueue(store, kind=kind)
    claim_one(store)
    clock.advance(LEASE + 5)

    [reaped] = store.reap_expired()

    assert reaped.state is JobState.QUEUED
    assert reaped.not_before == clock.now
    assert reaped.attempts == 1
    assert reaped.needs_check is False
    again = claim_one(store, owner="agent-b")
    assert (again.id, again.attempts) == (job.id, 2)


def test_reap_fails_reversible_jobs_without_attempts_left(
    store: JobStore, clock: FakeClock
) -> None:
    job = enqueue(store, max_attempts=1)
    claim_one(store)
    clock.advance(LEASE)
    [reaped] = store.reap_expired()
    assert reaped.state is JobState.FAILED
    assert reaped.finished_at == clock.now
    assert store.get(job.id).state is JobState.FAILED


def test_reap_leaves_live_leases_alone(store: JobStore, clock: FakeClock) -> None:
    enqueue(store, "dev-1")
    enqueue(store, "dev-2")
    short = store.claim("a", ["dev-1"], lease_seconds=10)[0]
    long = store.claim("a", ["dev-2"], lease_seconds=100)[0]

    clock.advance(9)
    assert store.reap_expired() == []
    clock.advance(1)  # lease_expires_at <= now: expired
    assert [j.id for j in store.reap_expired()] == [short.id]
    assert store.get(long.id).state is JobState.LEASED
    assert store.reap_expired() == []
    # An explicit `now` wins over the clock.
    assert [j.id for j in store.reap_expired(now=clock.now + timedelta(seconds=90))] == [long.id]


def test_reaped_device_can_be_claimed_again(store: JobStore, clock: FakeClock) -> None:
    stuck = enqueue(store, kind=POST)
    waiting = enqueue(store)
    claim_one(store)
    assert store.claim("b", ["dev-1"], lease_seconds=LEASE) == []
    clock.advance(LEASE)
    store.reap_expired()
    assert store.get(stuck.id).state is JobState.UNCONFIRMED
    assert claim_one(store, owner="b").id == waiting.id


# -- reading --------------------------------------------------------------------------------


def test_list_filters_and_pages(store: JobStore) -> None:
    a = store.enqueue(POST, "dev-1", {})
    b = store.enqueue(SYNC, "dev-1", {})
    c = store.enqueue(SYNC, "dev-2", {})
    d = store.enqueue(MESSAGE, "dev-2", {})
    store.claim("agent", ["dev-2"], lease_seconds=LEASE)  # leases c
    store.cancel(d.id)

    def ids(jobs: list[Job]) -> list[str]:
        return [j.id for j in jobs]

    assert ids(store.list()) == [a.id, b.id, c.id, d.id]
    assert ids(store.list(state=JobState.QUEUED)) == [a.id, b.id]
    assert ids(store.list(state=JobState.LEASED)) == [c.id]
    assert ids(store.list(device_serial="dev-2")) == [c.id, d.id]
    assert ids(store.list(kind=SYNC)) == [b.id, c.id]
    assert ids(store.list(kind=SYNC, device_serial="dev-1")) == [b.id]
    assert ids(store.list(state=JobState.CANCELLED, kind=MESSAGE, device_serial="dev-2")) == [d.id]
    assert store.list(state=JobState.FAILED) == []
    assert ids(store.list(limit=2)) == [a.id, b.id]
    assert ids(store.list(limit=2, offset=1)) == [b.id, c.id]
    assert ids(store.list(offset=3)) == [d.id]


def test_count_by_state(store: JobStore) -> None:
    assert store.count_by_state() == dict.fromkeys(JobState, 0)
    for device in ("dev-1", "dev-2", "dev-3"):
        enqueue(store, device)
    store.claim("a", ["dev-1"], lease_seconds=LEASE)
    store.cancel(store.list(device_serial="dev-3")[0].id)
    counts = store.count_by_state()
    expected = dict.fromkeys(JobState, 0)
    expected.update({JobState.QUEUED: 1, JobState.LEASED: 1, JobState.CANCELLED: 1})
    assert counts == expected
    assert set(counts) == set(JobState)


# -- durability -----------------------------------------------------------------------------


def test_jobs_survive_a_restart(
    store: JobStore, reopen: StoreFactory | None, clock: FakeClock
) -> None:
    if reopen is None:
        pytest.skip("the memory store keeps nothing across restarts, by design")
    queued = enqueue(store, "dev-1", idempotency_key="k-1")
    leased_job = enqueue(store, "dev-2", kind=POST)
    claim_one(store, "dev-2")

    restarted = reopen()

    assert restarted.get(queued.id) == store.get(queued.id)
    assert restarted.enqueue(SYNC, "dev-1", {}, idempotency_key="k-1").id == queued.id
    assert restarted.count_by_state()[JobState.LEASED] == 1
    # The lease taken before the restart still blocks the device and still expires.
    assert restarted.claim("b", ["dev-2"], lease_seconds=LEASE) == []
    clock.advance(LEASE)
    [reaped] = restarted.reap_expired()
    assert (reaped.id, reaped.state) == (leased_job.id, JobState.UNCONFIRMED)


# -- concurrency ----------------------------------------------------------------------------


def run_threads(target: Callable[[], None], count: int) -> None:
    errors: list[BaseException] = []

    def guarded() -> None:
        try:
            target()
        except BaseException as exc:  # surface failures in worker threads
            errors.append(exc)

    threads = [threading.Thread(target=guarded) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not [t for t in threads if t.is_alive()], "claimer threads hung"
    if errors:
        raise errors[0]


def test_concurrent_claimers_never_get_the_same_job(store: JobStore) -> None:
    devices = [f"dev-{n}" for n in range(12)]
    expected = {enqueue(store, devices[n % len(devices)]).id for n in range(120)}
    leased: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker() -> None:
        owner = threading.current_thread().name
        barrier.wait()
        idle_rounds = 0
        while idle_rounds < 20:
            jobs = store.claim(owner, devices, lease_seconds=LEASE, limit=3)
            idle_rounds = 0 if jobs else idle_rounds + 1
            for job in jobs:
                with lock:
                    leased.append(job.id)
                store.complete(job.id, owner, {"by": owner})

    run_threads(worker, 8)

    counts = Counter(leased)
    assert set(counts) == expected
    assert max(counts.values()) == 1, [i for i, n in counts.items() if n > 1]
    assert store.count_by_state()[JobState.SUCCEEDED] == 120


def test_concurrent_claimers_take_one_job_per_device(store: JobStore) -> None:
    devices = [f"dev-{n}" for n in range(10)]
    for n in range(60):
        enqueue(store, devices[n % len(devices)])
    leased: list[Job] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        for _ in range(10):
            jobs = store.claim(
                threading.current_thread().name, devices, lease_seconds=LEASE, limit=4
            )
            with lock:
                leased.extend(jobs)

    run_threads(worker, 8)

    assert sorted(j.device_serial for j in leased) == sorted(devices)
    assert len({j.id for j in leased}) == len(devices)
    assert store.count_by_state()[JobState.LEASED] == len(devices)
