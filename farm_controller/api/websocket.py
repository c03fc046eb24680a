"""The handshake every console WebSocket shares (`/api/v1/ws`, `/api/v1/ws/screens`).

The first message authenticates: ``{"type": "auth", "token": "<personal or API token>"}``
within `AUTH_TIMEOUT` seconds, or ``{"type": "auth"}`` from the controller's own pages,
whose session cookie counts (same Origin). Tokens never appear in a URL, so no access
log records them. Then the role must be allowed the socket's path
(`auth.policy.ROUTE_ROLES`). A refusal sends ``{"type": "error", "message": …}`` and
closes with `CLOSE_UNAUTHORIZED` (4401) or `CLOSE_FORBIDDEN` (4403).

The access checked at the handshake is checked again for as long as the socket is open
(`auth.access_watch`, every 0.5 s): when the user is deactivated, the token revoked or
the session signed out, the socket is closed with 4401; when the role may no longer use
it, with 4403; when the user's accounts change, the socket narrows to what they may see.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

from farm_controller.api.access_control import websocket_allowed, websocket_user
from farm_controller.auth.access_watch import Ended, Watched
from farm_controller.auth.credentials import Credential
from farm_controller.auth.principal import User
from farm_controller.runtime import Runtime

AUTH_TIMEOUT = 10.0
CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403


@dataclass(frozen=True)
class Caller:
    """Who a socket streams for, and the credential their access is checked by."""

    user: User
    credential: Credential


async def _authenticate(websocket: WebSocket) -> tuple[User, Credential] | None:
    try:
        first: Any = json.loads(
            await asyncio.wait_for(websocket.receive_text(), timeout=AUTH_TIMEOUT)
        )
    except (TimeoutError, ValueError, WebSocketDisconnect, KeyError):
        return None
    if not isinstance(first, dict) or first.get("type") != "auth":
        return None
    token = first.get("token")
    if token is not None and (not isinstance(token, str) or not token):
        return None
    return await websocket_user(websocket, token)


async def refuse(websocket: WebSocket, code: int, message: str) -> None:
    """Tell the other end why, then close with `code` (a closed socket is fine)."""
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.send_json({"type": "error", "message": message})
        await websocket.close(code, message[:100])


async def accept_user(websocket: WebSocket) -> Caller | None:
    """Accept the socket and run the handshake: the caller, or None once refused and closed."""
    await websocket.accept()
    found = await _authenticate(websocket)
    if found is None:
        await refuse(websocket, CLOSE_UNAUTHORIZED, "invalid or missing token")
        return None
    user, credential = found
    if not websocket_allowed(websocket, user):
        await refuse(websocket, CLOSE_FORBIDDEN, f"not for the {user.role} role")
        return None
    return Caller(user, credential)


def watch_access(
    rt: Runtime,
    websocket: WebSocket,
    caller: Caller,
    *,
    on_change: Callable[[User], None],
    stop: Callable[[], None],
) -> Watched:
    """Keep the socket to the access its credential still gives (see the module docstring).

    `on_change` narrows (or widens) what the socket streams to the user as they are now;
    `stop` ends the streaming at once when access ends, before the socket is closed.
    Call `rt.access_watch.forget` with the result when the socket ends.
    """

    async def end(reason: Ended) -> None:
        stop()
        if reason is Ended.FORBIDDEN:
            await refuse(websocket, CLOSE_FORBIDDEN, "your role may no longer use this")
        else:
            await refuse(websocket, CLOSE_UNAUTHORIZED, "your access ended; sign in again")

    return rt.access_watch.watch(
        rt,
        caller.credential,
        caller.user,
        allowed=lambda user: websocket_allowed(websocket, user),
        on_change=on_change,
        on_end=end,
    )
