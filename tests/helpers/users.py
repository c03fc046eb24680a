"""Console users with known tokens and passwords, and cheap password hashing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from farm_controller.auth import tokens
from farm_controller.auth import users as user_rows
from farm_controller.auth.principal import Role
from farm_controller.db import write_session
from farm_controller.models import Account
from farm_controller.runtime import Runtime

FAST_HASHING: dict[str, Any] = {"password_hash_memory_kib": 8, "password_hash_time_cost": 1}
"""Settings that make argon2 cheap enough for tests (never use them elsewhere)."""

PASSWORD = "correct horse battery"


def add_user(
    rt: Runtime,
    username: str,
    role: Role,
    *,
    accounts_served: Sequence[str | int] = (),
    token: str | None = None,
    password: str | None = PASSWORD,
) -> int:
    """Store a user (accounts by name or id) with `password` and, when given, a personal
    API token whose value is `token`; returns the user's id."""
    now = rt.clock()
    with write_session(rt.sessions) as session:
        names = {a.name: a.id for a in session.scalars(select(Account))}
        ids = [ref if isinstance(ref, int) else names[ref] for ref in accounts_served]
        user = user_rows.create(
            session,
            rt.passwords,
            username=username,
            role=role,
            now=now,
            password=password,
            account_ids=ids,
        )
        if token is not None:
            tokens.issue(session, user, "test", now, secret=token)
        return user.id


def add_users(rt: Runtime, users: Mapping[str, Mapping[str, Any]]) -> None:
    """`add_user` for each ``{"name": {"token", "role", "accounts"}}``."""
    for name, spec in users.items():
        add_user(
            rt,
            name,
            spec.get("role", "agent_staff"),
            accounts_served=spec.get("accounts", ()),
            token=spec.get("token"),
        )


HOSTILE_NEXT = [
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\r/evil.example/",
    "/\r\n/evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "/\t\\evil.example/",
    "/.//evil.example/",
    "/%2e//evil.example/",
    "/..//evil.example/",
    " //evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
]
"""Values of the sign-in page's ``next`` that a browser would open as another site (or as
script): a tab, CR or LF after the first slash is dropped by the URL parser, ``\\`` reads
as ``/``, dot segments resolve to ``//``."""
