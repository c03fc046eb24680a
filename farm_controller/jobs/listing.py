"""Listing jobs for the console: newest first, by state, kind, phone or account.

`JobStore.list` gives enqueue order only. When the store is the `SqlJobStore` on the
controller's own database, the console reads the queue's ``jobs`` table directly
(read-only, same filters, newest first); any other store is paged through oldest first
and reversed, which is fine for the small stores tests use.

An account's jobs are its phone's jobs: one account per phone (ARCHITECTURE.md).
"""

from __future__ import annotations

import builtins
from typing import Literal

from farm_queue import SqlJobStore
from farm_queue.tables import jobs as jobs_table
from sqlalchemy import select

from farm_controller.runtime import Runtime
from farm_protocol.jobs import Job, JobKind, JobState

Order = Literal["oldest", "newest"]
_PAGE = 500


def list_jobs(
    rt: Runtime,
    *,
    state: JobState | None = None,
    device_serial: str | None = None,
    kind: JobKind | None = None,
    order: Order = "oldest",
    limit: int = 100,
    offset: int = 0,
) -> builtins.list[Job]:
    """Jobs matching every filter, in enqueue order or newest first."""
    if order == "oldest":
        return rt.jobs.list(
            state=state, device_serial=device_serial, kind=kind, limit=limit, offset=offset
        )
    store = rt.jobs
    if isinstance(store, SqlJobStore) and store.engine is rt.engine:
        query = select(jobs_table).order_by(jobs_table.c.seq.desc()).limit(limit).offset(offset)
        if state is not None:
            query = query.where(jobs_table.c.state == state)
        if device_serial is not None:
            query = query.where(jobs_table.c.device_serial == device_serial)
        if kind is not None:
            query = query.where(jobs_table.c.kind == kind)
        with rt.engine.connect() as connection:
            rows = connection.execute(query).all()
        found = []
        for row in rows:
            values = dict(row._mapping)
            del values["seq"]
            found.append(Job.model_validate(values))
        return found
    everything: builtins.list[Job] = []
    start = 0
    while True:
        page = store.list(
            state=state, device_serial=device_serial, kind=kind, limit=_PAGE, offset=start
        )
        everything.extend(page)
        if len(page) < _PAGE:
            break
        start += _PAGE
    everything.reverse()
    return everything[offset : offset + limit]
