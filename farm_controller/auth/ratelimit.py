"""The sign-in rate limit: failed attempts per user name and per address, in a window.

Failures are rows (`login_failures`), so every controller replica counts the same ones.
When either count reaches its limit, sign-in answers 429 with ``Retry-After`` until the
oldest counted failure leaves the window, whether or not the password is right.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from farm_controller.errors import FieldProblem, TooMany
from farm_controller.models import LoginFailure
from farm_controller.settings import Settings


def check(session: Session, settings: Settings, username: str, ip: str, now: datetime) -> None:
    """Refuse the attempt when too many failed recently.

    Raises:
        TooMany: (``type: rate_limited``) with ``Retry-After`` seconds.
    """
    since = now - timedelta(seconds=settings.login_window_seconds)
    for column, value, limit in (
        (LoginFailure.username, username.lower(), settings.login_max_failures),
        (LoginFailure.ip, ip, settings.login_max_failures_per_ip),
    ):
        count, oldest = session.execute(
            select(func.count(LoginFailure.id), func.min(LoginFailure.at)).where(
                column == value, LoginFailure.at >= since
            )
        ).one()
        if int(count or 0) >= limit and oldest is not None:
            wait = (oldest - since).total_seconds()
            raise TooMany(
                FieldProblem(
                    "username", "too many failed sign-ins; try again later", "rate_limited"
                ),
                retry_after=wait,
            )


def record_failure(
    session: Session, settings: Settings, username: str, ip: str, now: datetime
) -> None:
    """Count one failed attempt (and forget those that left the window)."""
    session.add(LoginFailure(username=username.lower()[:100], ip=ip[:64], at=now))
    old = now - timedelta(seconds=settings.login_window_seconds)
    session.execute(delete(LoginFailure).where(LoginFailure.at < old))


def clear(session: Session, username: str) -> None:
    """Forget the user name's failures after a successful sign-in."""
    session.execute(delete(LoginFailure).where(LoginFailure.username == username.lower()))
