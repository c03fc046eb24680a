"""The sign-in rate limit: brute force stays slow, and nobody can lock anyone else out.

Failures are rows (`login_failures`), so every controller replica counts the same ones;
each is counted under the name's key (`names.name_key`: any spelling is one name), the
address and, from a known browser, that browser. A browser is *known* to a user once it
signed in as them: the `pf_device` cookie holds a random secret, `login_devices` its
sha256 (`remember_device`). Within `login_window_seconds`:

- **an unknown browser** is refused when its address has `login_max_failures` failures
  on this name (the attacker's own address only), or the name has
  `login_max_failures_per_name` from unknown browsers anywhere (a distributed attack), or
  the address has `login_max_failures_per_ip` on any names (spraying);
- **a browser known to the user** counts only its own failures (`login_max_failures`):
  failures elsewhere never close it, so the owner's browser still signs in while the
  name is attacked.

A refused attempt (429, ``Retry-After`` until enough failures leave the window) does
not check the password — the limit gives no oracle — and is not counted itself. A
sign-in clears the failures of its address (or browser) on that name, not the name's
count elsewhere.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from farm_controller.auth.names import name_key
from farm_controller.errors import FieldProblem, TooMany
from farm_controller.models import LoginDevice, LoginFailure, UserRecord
from farm_controller.settings import Settings

DEVICE_COOKIE = "pf_device"
DEVICE_DAYS = 180
"""A browser stays known this long after its last sign-in."""


def device_key(secret: str) -> str:
    """The stored key of a device cookie's secret."""
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt: the name's key, the address, the known browser (if any)."""

    name_key: str
    ip: str
    device: str | None

    @classmethod
    def of(
        cls,
        session: Session,
        username: str,
        ip: str,
        device_secret: str | None,
        user: UserRecord | None,
    ) -> Attempt:
        """The attempt; `device` is set only when the cookie is one `user` signed in on."""
        device = None
        if device_secret and user is not None:
            key = device_key(device_secret)
            if session.get(LoginDevice, (key, user.id)) is not None:
                device = key
        return cls(name_key(username)[:255], ip[:64], device)


def _scopes(settings: Settings, attempt: Attempt) -> list[tuple[ColumnElement[bool], int]]:
    if attempt.device is not None:
        mine = (LoginFailure.device == attempt.device) & (LoginFailure.name_key == attempt.name_key)
        return [(mine, settings.login_max_failures)]
    unknown = LoginFailure.device.is_(None)
    return [
        (
            unknown & (LoginFailure.name_key == attempt.name_key) & (LoginFailure.ip == attempt.ip),
            settings.login_max_failures,
        ),
        (
            unknown & (LoginFailure.name_key == attempt.name_key),
            settings.login_max_failures_per_name,
        ),
        (unknown & (LoginFailure.ip == attempt.ip), settings.login_max_failures_per_ip),
    ]


def check(session: Session, settings: Settings, attempt: Attempt, now: datetime) -> None:
    """Refuse the attempt when one of its counts is full (see the module).

    Raises:
        TooMany: (``type: rate_limited``) with ``Retry-After`` seconds.
    """
    since = now - timedelta(seconds=settings.login_window_seconds)
    for where, limit in _scopes(settings, attempt):
        times = session.scalars(
            select(LoginFailure.at)
            .where(where, LoginFailure.at >= since)
            .order_by(LoginFailure.at.desc())
            .limit(limit)
        ).all()
        if len(times) >= limit:
            # Free again once the oldest of the last `limit` failures leaves the window.
            wait = (times[-1] - since).total_seconds()
            raise TooMany(
                FieldProblem(
                    "username", "too many failed sign-ins; try again later", "rate_limited"
                ),
                retry_after=max(wait, 1.0),
            )


def record_failure(session: Session, settings: Settings, attempt: Attempt, now: datetime) -> None:
    """Count one failed attempt (and forget those that left the window)."""
    session.add(
        LoginFailure(name_key=attempt.name_key, ip=attempt.ip, device=attempt.device, at=now)
    )
    old = now - timedelta(seconds=settings.login_window_seconds)
    session.execute(delete(LoginFailure).where(LoginFailure.at < old))


def clear(session: Session, attempt: Attempt) -> None:
    """Forget this address's (or this browser's) failures on the name after a sign-in."""
    where = LoginFailure.name_key == attempt.name_key
    if attempt.device is not None:
        where = where & (LoginFailure.device == attempt.device)
    else:
        where = where & LoginFailure.device.is_(None) & (LoginFailure.ip == attempt.ip)
    session.execute(delete(LoginFailure).where(where))


def remember_device(session: Session, user: UserRecord, secret: str | None, now: datetime) -> str:
    """Make the browser known to `user` after a sign-in; returns the cookie's secret.

    A browser already known to the user keeps its secret; any other gets a new one, so a
    cookie planted by someone else never becomes a known browser.
    """
    row = session.get(LoginDevice, (device_key(secret), user.id)) if secret else None
    if row is None or secret is None:
        secret = secrets.token_urlsafe(32)
        session.add(
            LoginDevice(key=device_key(secret), user_id=user.id, created_at=now, last_used_at=now)
        )
    else:
        row.last_used_at = now
    stale = now - timedelta(days=DEVICE_DAYS)
    session.execute(delete(LoginDevice).where(LoginDevice.last_used_at < stale))
    return secret
