"""The transitions every store makes the same way: load a job, apply a `lease` rule, save.

`RuleJobStore` implements them on top of one primitive, `_apply`, which each store
provides with its own locking (a mutex in memory, a row lock in SQL).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from farm_protocol.jobs import Job
from farm_queue import lease
from farm_queue.store import JobStore


class RuleJobStore(JobStore):
    """A `JobStore` whose single-job transitions are `lease` rules applied atomically."""

    @abstractmethod
    def _apply(self, job_id: str, rule: Callable[[Job, datetime], Job]) -> Job:
        """Load the job, compute `rule(job, now)` and store the result, atomically.

        Raises:
            JobNotFoundError: no such job.
        """

    def renew(self, job_id: str, owner: str, *, lease_seconds: float) -> Job:
        """See `JobStore.renew`."""
        return self._apply(job_id, lambda job, now: lease.renew(job, owner, now, lease_seconds))

    def complete(
        self, job_id: str, owner: str, result: Mapping[str, Any], evidence: Iterable[str] = ()
    ) -> Job:
        """See `JobStore.complete`."""
        evidence = tuple(evidence)
        return self._apply(
            job_id, lambda job, now: lease.complete(job, owner, now, result, evidence)
        )

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
        """See `JobStore.fail`."""
        evidence = tuple(evidence)
        return self._apply(
            job_id,
            lambda job, now: lease.fail(
                job,
                owner,
                now,
                error,
                retryable=retryable,
                evidence=evidence,
                retry_delay=retry_delay,
            ),
        )

    def mark_unconfirmed(self, job_id: str, owner: str | None, error: str) -> Job:
        """See `JobStore.mark_unconfirmed`."""
        return self._apply(job_id, lambda job, now: lease.mark_unconfirmed(job, owner, now, error))

    def requeue_unconfirmed(self, job_id: str) -> Job:
        """See `JobStore.requeue_unconfirmed`."""
        return self._apply(job_id, lease.requeue_unconfirmed)

    def cancel(self, job_id: str) -> Job:
        """See `JobStore.cancel`."""
        return self._apply(job_id, lease.cancel)
