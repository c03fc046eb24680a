"""Browser sessions: a random secret in an HttpOnly, SameSite=Lax cookie; its sha256 in
`user_sessions` with the user, a CSRF token and the expiry.

A session ends after `session_idle_minutes` without a request, `session_max_hours` after
sign-in, at sign-out, and when the user's password changes or the user is deactivated.
Cookie-authenticated requests that change something must echo the session's CSRF token
in ``X-CSRF-Token`` (`api.access_control`); the SameSite cookie is the second line.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from farm_controller.models import UserRecord, WebSession
from farm_controller.settings import Settings

COOKIE = "pf_session"
CSRF_HEADER = "x-csrf-token"
TOUCH_RESOLUTION_SECONDS = 60


def session_key(secret: str | bytes) -> str:
    """The stored key of a cookie's secret."""
    raw = secret.encode("utf-8", "replace") if isinstance(secret, str) else secret
    return hashlib.sha256(raw).hexdigest()


def _expiry(settings: Settings, created: datetime, seen: datetime) -> datetime:
    return min(
        created + timedelta(hours=settings.session_max_hours),
        seen + timedelta(minutes=settings.session_idle_minutes),
    )


def start(
    session: Session,
    settings: Settings,
    user: UserRecord,
    now: datetime,
    *,
    ip: str = "",
    user_agent: str = "",
) -> tuple[WebSession, str]:
    """Open a session for `user`; returns the row and the cookie's secret."""
    secret = secrets.token_urlsafe(32)
    row = WebSession(
        id=session_key(secret),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(24),
        created_at=now,
        last_seen_at=now,
        expires_at=_expiry(settings, now, now),
        ip=ip[:64],
        user_agent=user_agent[:300],
    )
    session.add(row)
    # Old, expired sessions of anyone go when someone signs in: no sweeper needed.
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    session.flush()
    return row, secret


def find(session: Session, secret: str, now: datetime) -> tuple[WebSession, UserRecord] | None:
    """The live session for a cookie's secret and its active user, or None."""
    row = session.execute(
        select(WebSession, UserRecord)
        .join(UserRecord, UserRecord.id == WebSession.user_id)
        .where(WebSession.id == session_key(secret))
    ).first()
    if row is None:
        return None
    web, user = row
    if web.expires_at <= now or not user.active:
        return None
    return web, user


def touch(session: Session, settings: Settings, key: str, now: datetime) -> None:
    """Record activity on the session (moves its idle expiry)."""
    web = session.get(WebSession, key)
    if web is None:
        return
    web.last_seen_at = now
    web.expires_at = _expiry(settings, web.created_at, now)


def needs_touch(web: WebSession, now: datetime) -> bool:
    """True when the last activity is worth writing again (once a minute at most)."""
    return (now - web.last_seen_at).total_seconds() >= TOUCH_RESOLUTION_SECONDS


def end(session: Session, key: str) -> None:
    """Sign the session out."""
    session.execute(delete(WebSession).where(WebSession.id == key))


def end_all(session: Session, user_id: int, *, keep: str | None = None) -> None:
    """Sign every session of the user out (but `keep`)."""
    query = delete(WebSession).where(WebSession.user_id == user_id)
    if keep is not None:
        query = query.where(WebSession.id != keep)
    session.execute(query)
