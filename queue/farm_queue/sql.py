"""`SqlJobStore`: the queue in a SQL database (SQLite or PostgreSQL) through SQLAlchemy 2.

Every operation is one short transaction: find and lock the row(s), apply the rule from
`farm_queue.lease`, write the result back.

How concurrent claimers are kept apart:

- **SQLite** allows one writer at a time. Each write transaction starts with
  `BEGIN IMMEDIATE`, which takes the write lock up front (waiting up to the busy timeout),
  so a claim's read-then-update is never interleaved with another writer, in this process
  or any other. Within one store, writer threads also queue on a `threading.Lock`. Use a
  file database; WAL mode (`PRAGMA journal_mode=WAL`) lets readers run alongside the
  writer and makes commits cheaper.
- **PostgreSQL** runs claimers in parallel. Candidate rows are taken with
  `SELECT … FOR UPDATE SKIP LOCKED`, so two claimers never lock the same job, and a
  transaction-scoped advisory lock per device (`pg_try_advisory_xact_lock`) keeps two
  claimers from leasing two different jobs of the same device at once; a busy device is
  skipped rather than waited for.

Either way the partial unique index `uq_jobs_one_lease_per_device` makes the database
refuse a second lease on a device, whatever the code above does.
"""

from __future__ import annotations

import builtins
import functools
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    TextualSelect,
    bindparam,
    exists,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from farm_protocol.jobs import Job, JobKind, JobState
from farm_queue import lease
from farm_queue.store import Clock, JobNotFoundError, utc_now
from farm_queue.tables import UtcDateTime, jobs
from farm_queue.transitions import RuleJobStore

ADVISORY_LOCK_CLASS = 0x6651  # "fQ": first key of the queue's PostgreSQL advisory locks

_leased = jobs.alias("leased")

# -- the claim's statements, built once (building them per call costs more than running them)

DEVICES_PER_QUERY = 100
"""Devices looked up per statement when a claim names many (SQLite caps a UNION at 500)."""


# Each branch is wrapped in `SELECT * FROM (...)`: SQLite refuses ORDER BY / LIMIT on the
# members of a compound SELECT themselves.
_HEAD_SQL = (
    "SELECT * FROM (SELECT device_serial, not_before, seq FROM {table}"
    " WHERE device_serial = :device_{n} AND state = '{queued}' AND not_before <= :now"
    " AND NOT EXISTS (SELECT 1 FROM {table} AS leased"
    " WHERE leased.device_serial = :device_{n} AND leased.state = '{leased}')"
    " ORDER BY not_before, seq LIMIT 1) AS head_{n}"
)


@functools.lru_cache(maxsize=DEVICES_PER_QUERY)
def _due_heads(count: int) -> TextualSelect:
    """For `count` devices without a lease: (device, not_before, seq) of their oldest due job.

    One indexed read per device (a UNION ALL of per-device `LIMIT 1` reads), so the cost
    follows the number of devices asked about, not the length of the backlog. Parameters:
    `now` and `device_0` … `device_<count-1>`; built once per device count.

    Written as text on purpose: as a Core expression, SQLAlchemy would walk all `count`
    branches for the statement's cache key on every call, which costs far more than running
    the query. The states are literals (constants, not input) so that SQLite plans each
    branch as an index range read.
    """
    heads = " UNION ALL ".join(
        _HEAD_SQL.format(
            n=n, table=jobs.name, queued=JobState.QUEUED.value, leased=JobState.LEASED.value
        )
        for n in range(count)
    )
    return (
        text(heads)
        .bindparams(bindparam("now", type_=UtcDateTime()))
        .columns(jobs.c.device_serial, jobs.c.not_before, jobs.c.seq)
    )


def _devices_in_claim_order(conn: Connection, devices: list[str], now: datetime) -> list[str]:
    """Devices without a lease that have a due job, in the order of their oldest due job."""
    heads: list[tuple[str, datetime, int]] = []
    for start in range(0, len(devices), DEVICES_PER_QUERY):
        chunk = devices[start : start + DEVICES_PER_QUERY]
        params: dict[str, Any] = {"now": now}
        params.update((f"device_{n}", device) for n, device in enumerate(chunk))
        heads.extend(conn.execute(_due_heads(len(chunk)), params))
    heads.sort(key=lambda head: (head[1], head[2]))
    return [device for device, _, _ in heads]


_DEVICE_HEAD = (
    select(jobs)
    .where(
        jobs.c.device_serial == bindparam("device"),
        jobs.c.state == JobState.QUEUED,
        jobs.c.not_before <= bindparam("now"),
        ~exists().where(
            _leased.c.device_serial == bindparam("device"),
            _leased.c.state == JobState.LEASED,
        ),
    )
    .order_by(jobs.c.not_before, jobs.c.seq)
    .limit(1)
    .with_for_update(skip_locked=True, of=jobs)
)
"""A device's oldest due job, locked, unless the device holds a lease."""

_TRY_LOCK_DEVICE = select(
    func.pg_try_advisory_xact_lock(ADVISORY_LOCK_CLASS, func.hashtext(bindparam("device")))
)
"""PostgreSQL: take the device's claim lock until the transaction ends, if it is free."""


def _to_job(row: Row[Any]) -> Job:
    values = dict(row._mapping)
    del values["seq"]
    return Job.model_validate(values)


def _values(job: Job) -> dict[str, Any]:
    """Column values for `job`, everything but the keys."""
    values = job.model_dump()
    del values["id"]
    return values


class SqlJobStore(RuleJobStore):
    """A job store in the `jobs` table of a SQLite or PostgreSQL database.

    The tables must exist: Alembic migrations in deployments, `create_tables` in tests.

    Args:
        engine: Where the jobs live. SQLite engines should use pysqlite's default
            transaction handling (the store issues `BEGIN IMMEDIATE` itself).
        clock: Returns the current aware UTC time; the wall clock by default. All times
            come from this clock, not from the database server.
        busy_timeout: SQLite only: seconds a writer waits for the database lock before
            giving up with "database is locked".
    """

    def __init__(self, engine: Engine, *, clock: Clock = utc_now, busy_timeout: float = 30.0):
        self._engine = engine
        self._clock = clock
        self._sqlite = engine.dialect.name == "sqlite"
        self._postgres = engine.dialect.name == "postgresql"
        self._busy_timeout_ms = int(busy_timeout * 1000)
        # SQLite has one writer at a time anyway. Threads of this process queue on a lock
        # (instant hand-over) instead of polling SQLite's busy handler, which sleeps for
        # milliseconds between tries; other processes still meet at BEGIN IMMEDIATE.
        self._writer_lock: AbstractContextManager[object] = (
            threading.Lock() if self._sqlite else nullcontext()
        )

    @property
    def engine(self) -> Engine:
        """The engine the store uses."""
        return self._engine

    # -- transactions --------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction; commits when the block ends without an exception."""
        with self._writer_lock, self._engine.connect() as conn:
            if self._sqlite:
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
                driver = conn.connection.driver_connection
                # pysqlite would only BEGIN (DEFERRED) at the first write, after our reads;
                # taking the write lock first makes read-then-update atomic and avoids
                # lock-upgrade deadlocks. An engine that already began keeps its choice.
                if driver is not None and not driver.in_transaction:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
            yield conn
            conn.commit()

    def _apply(self, job_id: str, rule: Callable[[Job, datetime], Job]) -> Job:
        with self._write() as conn:
            row = conn.execute(
                select(jobs).where(jobs.c.id == job_id).with_for_update()
            ).one_or_none()
            if row is None:
                raise JobNotFoundError(job_id)
            job = rule(_to_job(row), self._clock())
            conn.execute(update(jobs).where(jobs.c.seq == row.seq).values(_values(job)))
        return job

    def _by_key(self, idempotency_key: str) -> Job | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(jobs).where(jobs.c.idempotency_key == idempotency_key)
            ).one_or_none()
        return None if row is None else _to_job(row)

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
        try:
            with self._write() as conn:
                if idempotency_key is not None:
                    row = conn.execute(
                        select(jobs).where(jobs.c.idempotency_key == idempotency_key)
                    ).one_or_none()
                    if row is not None:
                        return _to_job(row)
                conn.execute(insert(jobs).values(id=job.id, **_values(job)))
        except IntegrityError:
            # A concurrent enqueue with the same key won the race (PostgreSQL); theirs
            # is the job.
            existing = None if idempotency_key is None else self._by_key(idempotency_key)
            if existing is None:
                raise
            return existing
        return job

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
        now = lease.require_aware(now or self._clock())
        devices = sorted(set(device_serials))
        if not devices:
            return []
        claimed: builtins.list[Job] = []
        with self._write() as conn:
            if len(devices) == 1:
                candidates = devices
            else:
                candidates = _devices_in_claim_order(conn, devices, now)
            for device in candidates:
                if len(claimed) >= limit:
                    break
                if not self._lock_device(conn, device):
                    continue  # another claimer is leasing for this device right now
                # Re-read the device's head under the lock: this statement sees every lease
                # committed before the lock was taken.
                row = conn.execute(_DEVICE_HEAD, {"device": device, "now": now}).one_or_none()
                if row is None:
                    continue
                job = lease.lease(_to_job(row), owner, now, lease_seconds)
                # Guarded as well as locked: should the engine's transactions ever let a
                # concurrent claim through, it finds the job no longer queued.
                leased = conn.execute(
                    update(jobs)
                    .where(jobs.c.seq == row.seq, jobs.c.state == JobState.QUEUED)
                    .values(_values(job))
                )
                if leased.rowcount == 1:
                    claimed.append(job)
        return claimed

    def _lock_device(self, conn: Connection, device: str) -> bool:
        """Take the device's claim lock for this transaction; False if someone holds it.

        SQLite needs none: `BEGIN IMMEDIATE` already made this transaction the only writer.
        """
        if not self._postgres:
            return True
        return bool(conn.execute(_TRY_LOCK_DEVICE, {"device": device}).scalar())

    def reap_expired(self, now: datetime | None = None) -> builtins.list[Job]:
        """See `JobStore.reap_expired`."""
        now = lease.require_aware(now or self._clock())
        reaped: builtins.list[Job] = []
        with self._write() as conn:
            rows = conn.execute(
                select(jobs)
                .where(jobs.c.state == JobState.LEASED, jobs.c.lease_expires_at <= now)
                .order_by(jobs.c.seq)
                # A lease being renewed or completed right now is left for the next round.
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                job = lease.expire(_to_job(row), now)
                conn.execute(update(jobs).where(jobs.c.seq == row.seq).values(_values(job)))
                reaped.append(job)
        return reaped

    def get(self, job_id: str) -> Job:
        """See `JobStore.get`."""
        with self._engine.connect() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).one_or_none()
        if row is None:
            raise JobNotFoundError(job_id)
        return _to_job(row)

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
        query = select(jobs).order_by(jobs.c.seq).limit(limit).offset(offset)
        if state is not None:
            query = query.where(jobs.c.state == state)
        if device_serial is not None:
            query = query.where(jobs.c.device_serial == device_serial)
        if kind is not None:
            query = query.where(jobs.c.kind == kind)
        with self._engine.connect() as conn:
            return [_to_job(row) for row in conn.execute(query)]

    def count_by_state(self) -> dict[JobState, int]:
        """See `JobStore.count_by_state`."""
        counts = dict.fromkeys(JobState, 0)
        with self._engine.connect() as conn:
            for state, count in conn.execute(
                select(jobs.c.state, func.count()).group_by(jobs.c.state)
            ):
                counts[JobState(state)] = count
        return counts
