"""Personal API tokens: for scripts, one user's role and accounts, revocable one by one.

A token is ``pf_`` + 43 random URL-safe characters (256 bits), shown once when it is
made. Only its sha256 is stored: with that much entropy a fast hash is as good as a slow
one, and it can be looked up directly. The first characters are kept to tell tokens
apart in lists.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from farm_controller.models import ApiTokenRecord, UserRecord

TOKEN_PREFIX = "pf_"
SHOWN_PREFIX = 10
LAST_USED_RESOLUTION_SECONDS = 60


def digest(token: str | bytes) -> str:
    """The stored form of a token."""
    raw = token.encode("utf-8", "replace") if isinstance(token, str) else token
    return hashlib.sha256(raw).hexdigest()


def new_token() -> str:
    """A fresh random token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def issue(
    session: Session,
    user: UserRecord,
    name: str,
    now: datetime,
    *,
    expires_at: datetime | None = None,
    secret: str | None = None,
) -> tuple[ApiTokenRecord, str]:
    """Make a token for `user`; returns the row and the token (its only appearance).

    Args:
        session: A write session.
        user: Whose token it is.
        name: What it is for ("nightly export").
        now: Creation time.
        expires_at: When it stops working (None: when revoked).
        secret: The token itself, for tests and bootstraps that must know it in advance
            (at least 24 characters); a random one by default.
    """
    token = secret if secret is not None else new_token()
    if len(token) < 24:
        raise ValueError("a token has at least 24 characters")
    record = ApiTokenRecord(
        user_id=user.id,
        name=name,
        token_sha256=digest(token),
        prefix=token[:SHOWN_PREFIX],
        created_at=now,
        expires_at=expires_at,
    )
    session.add(record)
    session.flush()
    return record, token


def find(session: Session, token: bytes, now: datetime) -> tuple[ApiTokenRecord, UserRecord] | None:
    """The live token and its active user, or None."""
    row = session.execute(
        select(ApiTokenRecord, UserRecord)
        .join(UserRecord, UserRecord.id == ApiTokenRecord.user_id)
        .where(ApiTokenRecord.token_sha256 == digest(token))
    ).first()
    if row is None:
        return None
    record, user = row
    if record.revoked_at is not None or not user.active:
        return None
    if record.expires_at is not None and record.expires_at <= now:
        return None
    return record, user


def needs_touch(record: ApiTokenRecord, now: datetime) -> bool:
    """True when `last_used_at` is worth writing again (once a minute at most)."""
    last = record.last_used_at
    return last is None or (now - last).total_seconds() >= LAST_USED_RESOLUTION_SECONDS
