"""The `jobs` table (SQLAlchemy Core) and its `metadata`.

The controller's Alembic environment includes `metadata` next to its own, so migrations
own the schema in deployments; `create_tables` is for tests, benches and the demo.

Enums are stored as their string values (no database enum types), so adding a `JobKind`
needs no migration. Timestamps are stored in UTC and always come back aware.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from farm_protocol.jobs import JobKind, JobState

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
"""Everything the queue stores. Include it in the controller's Alembic `target_metadata`."""


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime in any database.

    PostgreSQL keeps it as `timestamptz`. SQLite has no time zones: the value is stored
    as naive UTC text (which sorts and compares correctly) and made aware again on load.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the queue stores aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class EnumString(TypeDecorator[StrEnum]):
    """A `StrEnum` stored as its plain string value.

    Binding the value explicitly matters: some drivers (psycopg) would otherwise send an
    enum member's *name*.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: StrEnum | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


_JSON: Any = JSON().with_variant(JSONB(), "postgresql")
_STATES = ", ".join(f"'{state.value}'" for state in JobState)

jobs = Table(
    "jobs",
    metadata,
    # `seq` gives a total enqueue order (FIFO among jobs due at the same instant); `id` is
    # the public identifier.
    Column("seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("id", String(32), nullable=False, unique=True),
    Column("kind", EnumString(JobKind, 32), nullable=False),
    Column("device_serial", String(128), nullable=False),
    Column("payload", _JSON, nullable=False),
    Column("state", EnumString(JobState, 16), nullable=False),
    Column("attempts", Integer(), nullable=False),
    Column("max_attempts", Integer(), nullable=False),
    Column("not_before", UtcDateTime(), nullable=False),
    Column("idempotency_key", String(255), nullable=True, unique=True),
    Column("lease_owner", String(255), nullable=True),
    Column("lease_expires_at", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("result", _JSON, nullable=True),
    Column("error", Text(), nullable=True),
    Column("evidence", _JSON, nullable=False),
    Column("needs_check", Boolean(), nullable=False),
    CheckConstraint(f"state IN ({_STATES})", name="state"),
    CheckConstraint("attempts >= 0 AND max_attempts >= 1", name="attempts"),
    Index("ix_jobs_state_not_before", "state", "not_before"),
    # (device_serial, state) followed by the claim order, so a device's oldest due job is
    # the first entry of one index range.
    Index("ix_jobs_device_serial_state", "device_serial", "state", "not_before", "seq"),
    # The one-lease-per-device invariant, enforced by the database itself as a backstop
    # to the claim logic in `farm_queue.sql`.
    Index(
        "uq_jobs_one_lease_per_device",
        "device_serial",
        unique=True,
        sqlite_where=text("state = 'leased'"),
        postgresql_where=text("state = 'leased'"),
    ),
)


def create_tables(engine: Engine) -> None:
    """Create the queue's tables if they do not exist (tests, benches, the demo).

    Deployments use the controller's Alembic migrations instead.
    """
    metadata.create_all(engine)
