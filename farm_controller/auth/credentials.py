"""Who a credential belongs to: the settings' API token, a personal API token, a session.

Requests authenticate once (`api.access_control`); a WebSocket authenticates at its
handshake and is checked again for as long as it stays open (`auth.access_watch`), with
the same functions but without touching the token's or session's last use.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING

from farm_controller.auth import sessions, tokens
from farm_controller.auth.principal import User
from farm_controller.auth.users import principal
from farm_controller.db import write_session
from farm_controller.models import ApiTokenRecord

if TYPE_CHECKING:
    from farm_controller.runtime import Runtime


@dataclass(frozen=True)
class Credential:
    """What a connection authenticated with: a bearer token, or a session cookie's secret."""

    token: bytes | None = None
    session_secret: str | None = None


def authenticate_token(rt: Runtime, token: bytes, *, touch: bool = True) -> User | None:
    """The user a bearer token belongs to: the settings' API token, or a personal token."""
    expected = rt.settings.api_token
    if expected is not None and hmac.compare_digest(token, expected.get_secret_value().encode()):
        return User.api()
    now = rt.clock()
    with rt.sessions() as session:
        found = tokens.find(session, token, now)
        if found is None:
            return None
        record, user = found
        result = principal(user, "token")
        stale = touch and tokens.needs_touch(record, now)
        record_id = record.id
    if stale:
        with write_session(rt.sessions) as session:
            row = session.get(ApiTokenRecord, record_id)
            if row is not None:
                row.last_used_at = now
    return result


def authenticate_session(rt: Runtime, secret: str, *, touch: bool = True) -> User | None:
    """The user of a session cookie's secret (moves the session's idle expiry)."""
    now = rt.clock()
    with rt.sessions() as session:
        found = sessions.find(session, secret, now)
        if found is None:
            return None
        web, user = found
        result = principal(user, "session", session_id=web.id, csrf_token=web.csrf_token)
        stale = touch and sessions.needs_touch(web, now)
    if stale:
        with write_session(rt.sessions) as session:
            sessions.touch(session, rt.settings, web.id, now)
    return result


def authenticate(rt: Runtime, credential: Credential, *, touch: bool = True) -> User | None:
    """The user a credential belongs to now (None: nobody, or no longer)."""
    if credential.token is not None:
        return authenticate_token(rt, credential.token, touch=touch)
    if credential.session_secret is not None:
        return authenticate_session(rt, credential.session_secret, touch=touch)
    return None
