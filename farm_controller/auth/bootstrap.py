"""The first admin: made from the command line (`phonefarm admin create`) or by the demo.

rt = create_app(settings).state.runtime
admin = ensure_demo_admin(rt)           # prints nothing; the demo prints admin.password
"""

from __future__ import annotations

from dataclasses import dataclass

from farm_queue import Clock, utc_now

from farm_controller.auth import users as user_rows
from farm_controller.auth.passwords import Passwords
from farm_controller.db import SessionFactory, write_session
from farm_controller.runtime import Runtime

DEMO_ADMIN = "admin"


@dataclass(frozen=True)
class AdminCredentials:
    """An admin's sign-in (the password is only here when it was just set)."""

    username: str
    password: str | None
    created: bool


def create_admin(
    sessions: SessionFactory,
    passwords: Passwords,
    username: str,
    password: str | None = None,
    *,
    display_name: str = "",
    clock: Clock = utc_now,
) -> AdminCredentials:
    """Create an admin; without a password one is generated (and returned).

    Raises:
        Conflict: when the user name is taken, 422 for a weak password or a bad name.
    """
    generated = password is None
    secret = user_rows.generate_password() if password is None else password
    with write_session(sessions) as session:
        user = user_rows.create(
            session,
            passwords,
            username=username,
            role="admin",
            now=clock(),
            display_name=display_name,
            password=secret,
        )
        name = user.username
    return AdminCredentials(name, secret if generated else password, created=True)


def ensure_demo_admin(
    runtime: Runtime, username: str = DEMO_ADMIN, password: str | None = None
) -> AdminCredentials:
    """Make sure the demo has an admin to sign in with, and return its credentials.

    A missing admin is created; an existing one (from an earlier demo run on the same
    database) gets a new password, so the demo can always print one. The password is
    generated unless given. Never call this on a production database: it resets the
    user's password.
    """
    secret = password or user_rows.generate_password()
    with write_session(runtime.sessions) as session:
        user = user_rows.by_name(session, username)
        if user is not None:
            user_rows.set_password(session, runtime.passwords, user, secret, runtime.clock())
            user.role = "admin"
            user.active = True
            return AdminCredentials(user.username, secret, created=False)
    return create_admin(
        runtime.sessions,
        runtime.passwords,
        username,
        secret,
        display_name="Demo admin",
        clock=runtime.clock,
    )
