"""Device state history: one span per stretch of time a phone spent in one state on one
host (`busy` recorded as `online`), what the online-time chart adds up. Every phone known
now gets an open span from now on, in its current state: the history starts here.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from farm_queue.tables import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "device_state_spans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=128), nullable=False),
        sa.Column("host_name", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["serial"], ["devices.serial"], name=op.f("fk_device_state_spans_serial_devices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_state_spans")),
    )
    with op.batch_alter_table("device_state_spans", schema=None) as batch_op:
        batch_op.create_index("ix_device_state_spans_ended_at", ["ended_at"], unique=False)
        batch_op.create_index("ix_device_state_spans_started_at", ["started_at"], unique=False)
        batch_op.create_index(
            "ix_device_state_spans_serial_ended_at", ["serial", "ended_at"], unique=False
        )

    devices = sa.table("devices", sa.column("serial"), sa.column("host_name"), sa.column("state"))
    seed = sa.table(
        "device_state_spans",
        sa.column("serial"),
        sa.column("host_name"),
        sa.column("state"),
        sa.column("started_at", UtcDateTime()),
    )
    op.execute(
        sa.insert(seed).from_select(
            ["serial", "host_name", "state", "started_at"],
            sa.select(
                devices.c.serial,
                devices.c.host_name,
                sa.case((devices.c.state == "busy", "online"), else_=devices.c.state),
                sa.literal(datetime.now(UTC), UtcDateTime()),
            ),
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("device_state_spans", schema=None) as batch_op:
        batch_op.drop_index("ix_device_state_spans_serial_ended_at")
        batch_op.drop_index("ix_device_state_spans_started_at")
        batch_op.drop_index("ix_device_state_spans_ended_at")

    op.drop_table("device_state_spans")
