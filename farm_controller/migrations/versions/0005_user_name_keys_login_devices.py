"""User names compared by one key (NFKC + casefold) in a unique column; sign-in failures
counted per name key, address and known browser; the browsers users signed in on.

Collisions: names that were stored apart but are one name now (``Émilie`` and
``émilie`` on SQLite, whose ``lower()`` folds ASCII only; ``E``+combining accent and
``É``; ``ß`` and ``ss``) — the earliest user (lowest id) keeps the name; each later one is
renamed ``<name>-<id>`` (shortened to fit 100 characters, more ``-<id>`` if still taken)
and keeps its role, password, sessions and tokens; conversations assigned to it follow
the new name, while the history (message and note authors, the audit log) keeps the name
it was written under. Each rename is logged (the ``alembic.runtime.migration`` logger,
at warning): tell those users their new name.
Stored sign-in failures (five minutes' worth at most) are dropped.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")


def _key(username: str) -> str:
    # `farm_controller.auth.names.name_key` as of this revision (frozen here on purpose).
    folded = unicodedata.normalize("NFKC", username.strip()).casefold()
    return unicodedata.normalize("NFKC", folded)


def _unique_keys(rows: Sequence[tuple[int, str]]) -> dict[int, tuple[str, str]]:
    """id → (username, key), later users of a taken key renamed ``<name>-<id>``."""
    taken: set[str] = set()
    result: dict[int, tuple[str, str]] = {}
    for user_id, username in sorted(rows):
        name = username
        key = _key(name)
        while key in taken:
            suffix = f"-{user_id}"
            name = name[: 100 - len(suffix)] + suffix
            key = _key(name)
        if name != username:
            log.warning(
                "user %d %r is renamed %r: its name is the same as an earlier user's",
                user_id,
                username,
                name,
            )
        taken.add(key)
        result[user_id] = (name, key)
    return result


def _login_failures_v3() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index("ix_login_failures_ip_at", ["ip", "at"], unique=False)
        batch_op.create_index("ix_login_failures_username_at", ["username", "at"], unique=False)


def _drop_login_failures() -> None:
    op.drop_table("login_failures")  # its indexes go with it


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("username_key", sa.String(length=255), nullable=True))

    users = sa.table(
        "users", sa.column("id", sa.Integer()), sa.column("username"), sa.column("username_key")
    )
    connection = op.get_bind()
    rows = [
        (int(r.id), str(r.username))
        for r in connection.execute(sa.select(users.c.id, users.c.username))
    ]
    conversations = sa.table("conversations", sa.column("assignee"))
    old_names = dict(rows)
    for user_id, (name, key) in _unique_keys(rows).items():
        connection.execute(
            sa.update(users).where(users.c.id == user_id).values(username=name, username_key=key)
        )
        if name != old_names[user_id]:  # the conversations assigned to them follow the rename
            connection.execute(
                sa.update(conversations)
                .where(conversations.c.assignee == old_names[user_id])
                .values(assignee=name)
            )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("username_key", existing_type=sa.String(length=255), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_users_username_key"), ["username_key"])

    _drop_login_failures()
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_key", sa.String(length=255), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index("ix_login_failures_device_at", ["device", "at"], unique=False)
        batch_op.create_index("ix_login_failures_ip_at", ["ip", "at"], unique=False)
        batch_op.create_index("ix_login_failures_name_key_at", ["name_key", "at"], unique=False)

    op.create_table(
        "login_devices",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_login_devices_user_id_users")
        ),
        sa.PrimaryKeyConstraint("key", "user_id", name=op.f("pk_login_devices")),
    )
    with op.batch_alter_table("login_devices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_login_devices_last_used_at"), ["last_used_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_login_devices_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    """Back to 0004; names renamed on the way up keep their new names."""
    with op.batch_alter_table("login_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_devices_user_id"))
        batch_op.drop_index(batch_op.f("ix_login_devices_last_used_at"))
    op.drop_table("login_devices")
    _drop_login_failures()
    _login_failures_v3()
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_username_key"), type_="unique")
        batch_op.drop_column("username_key")
