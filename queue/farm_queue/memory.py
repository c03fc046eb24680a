"""`MemoryJobStore`: the whole queue in one process's memory.

A real implementation, not a mock: it keeps the same contract as the SQL store (the
contract suite runs against both) and is what unit tests and the single-process demo use.
Nothing survives the process.
"""

from __future__ import annotations

import builtins
import itertools
import threading
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

from farm_protocol.jobs import Job, JobKind, JobState
from farm_queue import lease
from farm_queue.store import Clock, JobNotFoundError, utc_now
from farm_queue.transitions import RuleJobStore


class MemoryJobStore(RuleJobStore):
    """A thread-safe job store held in a dict, guarded by one lock.

    Args:
        clock: Returns the current aware UTC time; the wall clock by default.
    """

    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._order: dict[str, int] = {}  # job id -> enqueue sequence number
        self._sequence = itertools.count()
        self._by_key: dict[str, str] = {}  # idempotency key -> job id
        self._queued: dict[str, set[str]] = {}  # device -> ids of its queued jobs
        self._leased: dict[str, str] = {}  # device -> id of its one leased job

    # -- bookkeeping ---------------------------------------------------------------------

    def _put(self, job: Job) -> Job:
        """Store `job` (new or changed), keep the indexes right, return a safe copy."""
        old = self._jobs.get(job.id)
        if old is not None:
            if old.state is JobState.QUEUED:
                self._queued[old.device_serial].discard(old.id)
            elif old.state is JobState.LEASED:
                del self._leased[old.device_serial]
        if job.state is JobState.QUEUED:
            self._queued.setdefault(job.device_serial, set()).add(job.id)
        elif job.state is JobState.LEASED:
            # The invariant, checked where it is kept.
            assert job.device_serial not in self._leased, "second lease on one device"
            self._leased[job.device_serial] = job.id
        self._jobs[job.id] = job
        return job.model_copy(deep=True)

    def _find(self, job_id: str) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise JobNotFoundError(job_id) from None

    def _apply(self, job_id: str, rule: Callable[[Job, datetime], Job]) -> Job:
        with self._lock:
            return self._put(rule(self._find(job_id), self._clock()))

    # -- JobStore ------------------------------------------------------------------------

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
        """See `JobStore.enqueue`."""
        job = lease.new_job(
            kind,
            device_serial,
            payload,
            now=self._clock(),
            not_before=not_before,
            idempotency_key=idempotency_key,
            max_attempts=max_attempts,
        )
        with self._lock:
            if idempotency_key is not None and idempotency_key in self._by_key:
                return self._jobs[self._by_key[idempotency_key]].model_copy(deep=True)
            if idempotency_key is not None:
                self._by_key[idempotency_key] = job.id
            self._order[job.id] = next(self._sequence)
            return self._put(job)

    def claim(
        self,
        owner: str,
        device_serials: Collection[str],
        *,
        lease_seconds: float,
        limit: int = 1,
        now: datetime | None = None,
    ) -> builtins.list[Job]:
        """See `JobStore.claim`."""
        lease.check_claim(lease_seconds, limit)
        with self._lock:
            now = lease.require_aware(now or self._clock())
            heads: builtins.list[Job] = []
            for device in set(device_serials):
                if device in self._leased:
                    continue
                due = [
                    self._jobs[i]
                    for i in self._queued.get(device, ())
                    if self._jobs[i].not_before <= now
                ]
                if due:
                    heads.append(min(due, key=self._claim_order))
            heads.sort(key=self._claim_order)
            return [self._put(lease.lease(job, owner, now, lease_seconds)) for job in heads[:limit]]

    def _claim_order(self, job: Job) -> tuple[datetime, int]:
        return job.not_before, self._order[job.id]

    def reap_expired(self, now: datetime | None = None) -> builtins.list[Job]:
        """See `JobStore.reap_expired`."""
        with self._lock:
            now = lease.require_aware(now or self._clock())
            expired = [
                self._jobs[i] for i in self._leased.values() if lease.is_expired(self._jobs[i], now)
            ]
            expired.sort(key=lambda job: self._order[job.id])
            return [self._put(lease.expire(job, now)) for job in expired]

    def get(self, job_id: str) -> Job:
        """See `JobStore.get`."""
        with self._lock:
            return self._find(job_id).model_copy(deep=True)

    def list(
        self,
        *,
        state: JobState | None = None,
        device_serial: str | None = None,
        kind: JobKind | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[Job]:
        """See `JobStore.list`."""
        with self._lock:
            matching = [
                job
                for job in self._jobs.values()  # dicts keep insertion (= enqueue) order
                if (state is None or job.state == state)
                and (device_serial is None or job.device_serial == device_serial)
                and (kind is None or job.kind == kind)
            ]
            return [job.model_copy(deep=True) for job in matching[offset : offset + limit]]

    def count_by_state(self) -> dict[JobState, int]:
        """See `JobStore.count_by_state`."""
        with self._lock:
            counts = dict.fromkeys(JobState, 0)
            for job in self._jobs.values():
                counts[job.state] += 1
            return counts
