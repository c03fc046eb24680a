"""The handshake every console WebSocket shares (`/api/v1/ws`, `/api/v1/ws/screens`).

The first message authenticates: ``{"type": "auth", "token": "<personal or API token>"}``
within `AUTH_TIMEOUT` seconds, or ``{"type": "auth"}`` from the controller's own pages,
whose session cookie counts (same Origin). Tokens never appear in a URL, so no access
log records them. Then the role must be allowed the socket's path
(`auth.policy.ROUTE_ROLES`). A refusal sends ``{"type": "error", "message": …}`` and
closes with `CLOSE_UNAUTHORIZED` (4401) or `CLOSE_FORBIDDEN` (4403).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

from farm_controller.api.access_control import websocket_allowed, websocket_user
from farm_controller.auth.principal import User

AUTH_TIMEOUT = 10.0
CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403


async def _authenticate(websocket: WebSocket) -> User | None:
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


async def accept_user(websocket: WebSocket) -> User | None:
    """Accept the socket and run the handshake: the user, or None once refused and closed."""
    await websocket.accept()
    user = await _authenticate(websocket)
    if user is None:
        await refuse(websocket, CLOSE_UNAUTHORIZED, "invalid or missing token")
        return None
    if not websocket_allowed(websocket, user):
        await refuse(websocket, CLOSE_FORBIDDEN, f"not for the {user.role} role")
        return None
    return user
