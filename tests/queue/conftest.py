"""Fixtures for the queue tests: a controllable clock and one store per implementation.

The `store` fixture yields a `MemoryJobStore`, a `SqlJobStore` on a SQLite file and, when
`PHONEFARM_TEST_PG_URL` names a PostgreSQL database, a `SqlJobStore` on PostgreSQL (each
test session gets its own schema there, truncated before every test).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from farm_queue import JobStore, MemoryJobStore, SqlJobStore, create_tables
from queue_support import StoreFactory
from sqlalchemy import Engine, create_engine, text

from tests.helpers.clock import FakeClock
from tests.helpers.postgres import fresh_schema, pg_url_or_skip


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def sqlite_engine(path: Path) -> Engine:
    return create_engine(f"sqlite:///{path}", pool_size=20, max_overflow=0)


def pg_engine(url: str, schema: str) -> Engine:
    """An engine whose connections work in `schema`."""
    return create_engine(
        url, pool_size=20, max_overflow=0, connect_args={"options": f"-csearch_path={schema}"}
    )


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[tuple[str, str]]:
    """(url, schema): a private PostgreSQL schema with the queue's tables, for this session."""
    url = pg_url_or_skip()
    with fresh_schema(url, "farm_queue_test") as schema:
        engine = pg_engine(url, schema)
        create_tables(engine)
        engine.dispose()
        yield url, schema


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def reopen(
    backend: str, clock: FakeClock, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[StoreFactory | None]:
    """Opens stores (each with its own engine) on this test's storage.

    None for the memory store, which keeps nothing outside its process.
    """
    if backend == "memory":
        yield None
        return
    engines: list[Engine] = []
    if backend == "sqlite":
        path = tmp_path / "jobs.db"

        def new_engine() -> Engine:
            return sqlite_engine(path)
    else:
        url, schema = request.getfixturevalue("pg_schema")

        def new_engine() -> Engine:
            return pg_engine(url, schema)

    def open_store() -> JobStore:
        engine = new_engine()
        engines.append(engine)
        return SqlJobStore(engine, clock=clock)

    first = new_engine()
    engines.append(first)
    if backend == "sqlite":
        create_tables(first)
    else:
        with first.begin() as conn:
            conn.execute(text("TRUNCATE jobs RESTART IDENTITY"))
    yield open_store
    for engine in engines:
        engine.dispose()


@pytest.fixture
def store(clock: FakeClock, reopen: StoreFactory | None) -> JobStore:
    """A fresh, empty store of each implementation, on the fake clock."""
    if reopen is None:
        return MemoryJobStore(clock=clock)
    return reopen()
