"""The database engine and the two kinds of session the controller opens.

SQLite allows one writer at a time. A session that reads, then writes, would take the
write lock only at its first write, and fail at once (no busy wait) if another writer
committed in between. So every *write* transaction here starts with ``BEGIN IMMEDIATE``,
taking the lock up front, as `farm_queue.SqlJobStore` does for its own writes. On
PostgreSQL the same code runs with row locks (``FOR UPDATE``) where it reads to decide.

The job store opens its own connections and transactions: code that changes both the
controller's tables and the queue must never call the store while a write session is open
(on SQLite the store would wait for our lock until its busy timeout). The services commit
first, then call the store, then record the outcome in a new session.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000

SessionFactory = sessionmaker[Session]


def make_engine(database_url: str) -> Engine:
    """An engine for `database_url`; for a SQLite file, its folder is created.

    SQLite connections get WAL mode (readers do not wait for the writer), foreign keys
    and a busy timeout.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False}, pool_size=20, max_overflow=20
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # The busy timeout first: switching to WAL takes a lock and must wait for it too.
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def safe_url(database_url: str) -> str:
    """The URL with its password hidden, for logs."""
    return make_url(database_url).render_as_string(hide_password=True)


def session_factory(engine: Engine) -> SessionFactory:
    """Sessions whose objects stay readable after commit (they are returned to the API)."""
    return sessionmaker(engine, expire_on_commit=False)


def begin_write(session: Session) -> None:
    """Start the session's transaction as a write transaction (SQLite: ``BEGIN IMMEDIATE``).

    Call before the session's first statement.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.driver_connection
    if driver is not None and not getattr(driver, "in_transaction", True):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def write_session(sessions: SessionFactory) -> Iterator[Session]:
    """A session in a write transaction; commits when the block ends without an error."""
    with sessions() as session:
        begin_write(session)
        yield session
        session.commit()


@contextmanager
def read_session(sessions: SessionFactory) -> Iterator[Session]:
    """A session for reading; whatever it did is rolled back at the end."""
    with sessions() as session:
        yield session
