"""The `JobStore` interface: what every job store promises, method by method.

Implementations: `MemoryJobStore` (one process, tests, the demo) and `SqlJobStore`
(SQLite or PostgreSQL through SQLAlchemy). Both are checked by one contract test suite.
The transition rules themselves live in `farm_queue.lease` and are shared by both.

Exceptions::

    QueueError                   base of everything the queue raises on purpose
    ├── JobNotFoundError         no job with that id
    ├── LeaseLostError           the caller no longer holds the job's lease
    └── InvalidTransitionError   the job's state does not allow the operation

Time: every store takes a `clock` (a callable returning an aware UTC datetime) so that
tests control time; `claim` and `reap_expired` also accept an explicit `now`.
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from farm_protocol.jobs import Job, JobKind, JobState

Clock = Callable[[], datetime]
"""Returns the current time as an aware UTC datetime."""


def utc_now() -> datetime:
    """The default clock: the wall clock in UTC."""
    return datetime.now(UTC)


class QueueError(Exception):
    """Base class of the errors a job store raises on purpose."""


class JobNotFoundError(QueueError, LookupError):
    """No job has the given id."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job with id {job_id!r}")
        self.job_id = job_id


class LeaseLostError(QueueError):
    """The caller does not hold the job's lease (any more).

    The lease expired and was reaped, another owner holds it now, or the job already
    reached another state. The caller must stop working on the job.
    """

    def __init__(self, job_id: str, owner: str, state: JobState, holder: str | None) -> None:
        held = f" (leased by {holder!r})" if holder else ""
        super().__init__(f"job {job_id} is not leased by {owner!r}: it is {state}{held}")
        self.job_id = job_id
        self.owner = owner
        self.state = state


class InvalidTransitionError(QueueError):
    """The job's current state does not allow the requested operation."""

    def __init__(self, job_id: str, state: JobState, operation: str) -> None:
        super().__init__(f"cannot {operation} job {job_id}: it is {state}")
        self.job_id = job_id
        self.state = state
        self.operation = operation


class JobStore(ABC):
    """Durable jobs with leases: the contract every implementation keeps.

    Every method is atomic: it either applies completely or not at all, also when many
    threads or processes (SQL stores) call it at the same time. Returned `Job` objects are
    snapshots; changing one does not change the store.

    Invariants every implementation keeps:

    - A device holds at most one `leased` job at a time.
    - A job is leased by at most one owner at a time, and each claim leases it to exactly
      one caller.
    - An irreversible job (`IRREVERSIBLE_KINDS`) whose outcome is unknown goes to
      `unconfirmed`, never straight back to `queued`.
    """

    @abstractmethod
    def enqueue(
        self,
        kind: JobKind,
        device_serial: str,
        payload: Mapping[str, Any],
        *,
        not_before: datetime | None = None,
        idempotency_key: str | None = None,
        max_attempts: int = 3,
    ) -> Job:
        """Add a `queued` job.

        Args:
            kind: What the agent should do.
            device_serial: The phone that must do it.
            payload: JSON-serialisable arguments for the agent.
            not_before: Earliest time the job may be claimed (aware); now when omitted.
            idempotency_key: When a job with this key already exists (in any state), that
                job is returned unchanged and the other arguments are ignored: one key,
                never a second job.
            max_attempts: How many claims the job gets before a retryable failure becomes
                final.

        Returns:
            The new job, or the existing one with the same idempotency key.

        Raises:
            ValueError: `not_before` is naive or `max_attempts` is below 1.
            TypeError: `payload` is not JSON-serialisable.
        """

    @abstractmethod
    def claim(
        self,
        owner: str,
        device_serials: Collection[str],
        *,
        lease_seconds: float,
        limit: int = 1,
        now: datetime | None = None,
    ) -> builtins.list[Job]:
        """Lease up to `limit` due jobs for the given devices, atomically.

        A job is due when it is `queued` and `not_before <= now`. Due jobs are taken oldest
        `not_before` first, then in enqueue order. A device that already holds a `leased`
        job is skipped, and at most one job per device is taken, so a device never holds
        two leases. Concurrent callers never receive the same job.

        Each claimed job becomes `leased` by `owner` until `now + lease_seconds`, and its
        `attempts` grows by one.

        Args:
            owner: Who takes the lease (e.g. ``"host-3/worker-R58M"``).
            device_serials: The phones the caller can work for.
            lease_seconds: Lease length; renew before it runs out.
            limit: Most jobs to lease in this call.
            now: The time to decide with; the store's clock when omitted.

        Returns:
            The leased jobs (possibly none), in the order they were taken.

        Raises:
            ValueError: `lease_seconds` or `limit` is not positive.
        """

    @abstractmethod
    def renew(self, job_id: str, owner: str, *, lease_seconds: float) -> Job:
        """Extend a lease to `clock() + lease_seconds`.

        A lease that ran out but was not reaped yet may still be renewed.

        Raises:
            JobNotFoundError: No such job.
            LeaseLostError: The job is not `leased` by `owner` (any more).
        """

    @abstractmethod
    def complete(
        self, job_id: str, owner: str, result: Mapping[str, Any], evidence: Iterable[str] = ()
    ) -> Job:
        """Record success: `leased` → `succeeded` (final), lease released.

        Args:
            job_id: The job.
            owner: The lease holder.
            result: JSON-serialisable outcome, stored as `Job.result`.
            evidence: Evidence ids, appended to `Job.evidence`.

        Raises:
            JobNotFoundError: No such job.
            LeaseLostError: The job is not `leased` by `owner` (any more).
        """

    @abstractmethod
    def fail(
        self,
        job_id: str,
        owner: str,
        error: str,
        *,
        retryable: bool,
        evidence: Iterable[str] = (),
        retry_delay: timedelta | None = None,
    ) -> Job:
        """Record a failure whose outcome is known (the action did not happen).

        `leased` → `queued` when `retryable` and `attempts < max_attempts`, with
        `not_before = now + retry_delay` (default `lease.backoff(attempts)`: 2**attempts
        seconds, at most 300); otherwise `leased` → `failed` (final). The lease is released
        either way and `error` is kept as `Job.error`.

        Use `mark_unconfirmed` instead when an irreversible action may have happened.

        Raises:
            JobNotFoundError: No such job.
            LeaseLostError: The job is not `leased` by `owner` (any more).
        """

    @abstractmethod
    def mark_unconfirmed(self, job_id: str, owner: str | None, error: str) -> Job:
        """Record that the outcome of the job's action is unknown: `leased` → `unconfirmed`.

        The job waits there until someone reads the phone's screen and decides
        (`requeue_unconfirmed` or `cancel`). The lease is released.

        Args:
            job_id: The job.
            owner: The lease holder; None when the controller or an operator decides,
                whoever holds the lease.
            error: Why the outcome is unknown.

        Raises:
            JobNotFoundError: No such job.
            LeaseLostError: `owner` is given and does not hold the lease (any more).
            InvalidTransitionError: `owner` is None and the job is not `leased`.
        """

    @abstractmethod
    def requeue_unconfirmed(self, job_id: str) -> Job:
        """Check-then-retry: `unconfirmed` → `queued`, due now, with `needs_check=True`.

        The agent that claims it next must read the screen before redoing the action.
        `attempts` keeps counting: when they are spent, the check gets one more attempt
        and a retryable failure then becomes final.

        Raises:
            JobNotFoundError: No such job.
            InvalidTransitionError: The job is not `unconfirmed`.
        """

    @abstractmethod
    def cancel(self, job_id: str) -> Job:
        """Give up on a job: `queued` or `unconfirmed` → `cancelled` (final).

        Raises:
            JobNotFoundError: No such job.
            InvalidTransitionError: The job is in any other state (the message names it).
        """

    @abstractmethod
    def reap_expired(self, now: datetime | None = None) -> builtins.list[Job]:
        """Take back every lease that ran out (`lease_expires_at <= now`).

        The decision per job is `lease.expire`: irreversible kinds go to `unconfirmed`
        (never straight back to `queued`); other kinds go back to `queued`, due now, or to
        `failed` when their attempts are spent.

        Args:
            now: The time to decide with; the store's clock when omitted.

        Returns:
            The jobs after the change.
        """

    @abstractmethod
    def get(self, job_id: str) -> Job:
        """Return the job with this id.

        Raises:
            JobNotFoundError: No such job.
        """

    @abstractmethod
    def list(
        self,
        *,
        state: JobState | None = None,
        device_serial: str | None = None,
        kind: JobKind | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[Job]:
        """Return jobs matching every given filter, in enqueue order.

        Args:
            state: Only jobs in this state.
            device_serial: Only jobs for this phone.
            kind: Only jobs of this kind.
            limit: At most this many jobs.
            offset: Skip this many matching jobs first.
        """

    @abstractmethod
    def count_by_state(self) -> dict[JobState, int]:
        """Return how many jobs are in each state; every state is present, zero or not."""
