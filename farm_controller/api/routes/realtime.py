"""The chat WebSocket: live messages, delivery and conversation changes for one pane.

Connect to ``/api/v1/ws`` and send ``{"type": "auth", "token": "<personal or API token>"}``
first (within 10 s): the token never appears in a URL, so no access log records it. A
signed-in console page sends ``{"type": "auth"}`` without a token: its session cookie
counts when the page is the controller's own (same Origin). The server answers
``{"type": "ready", "user": name}`` and then pushes the events of `chat.realtime` for the
accounts that user serves. Send ``{"type": "ping"}`` to get a ``{"type": "pong"}``.
Close codes: 4401 bad or missing credentials, 4403 the role may not use the chat
(`auth.policy.ROUTE_ROLES`), 4408 the pane fell behind (reconnect and reload).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from farm_controller.auth.middleware import websocket_allowed, websocket_user
from farm_controller.chat.realtime import Subscription
from farm_controller.runtime import Runtime
from farm_controller.users import User

router = APIRouter(tags=["chat"])

AUTH_TIMEOUT = 10.0
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_BEHIND = 4408


async def _authenticate(websocket: WebSocket) -> User | None:
    try:
        raw = await asyncio.wait_for(websocket.receive_text(), timeout=AUTH_TIMEOUT)
        first: Any = json.loads(raw)
    except (TimeoutError, ValueError, WebSocketDisconnect, KeyError):
        return None
    if not isinstance(first, dict) or first.get("type") != "auth":
        return None
    token = first.get("token")
    if token is not None and (not isinstance(token, str) or not token):
        return None
    return await websocket_user(websocket, token)


async def _send_events(websocket: WebSocket, subscription: Subscription) -> None:
    while True:
        event = await subscription.queue.get()
        if event is None:
            await websocket.close(CLOSE_BEHIND, "fell behind; reconnect and reload")
            return
        await websocket.send_json(event)


@router.websocket("/ws")
async def chat_events(websocket: WebSocket) -> None:
    """Live chat events for the authenticated user's accounts."""
    rt: Runtime = websocket.app.state.runtime
    await websocket.accept()
    user = await _authenticate(websocket)
    if user is None:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.send_json({"type": "error", "message": "invalid or missing token"})
            await websocket.close(CLOSE_UNAUTHORIZED, "unauthorized")
        return
    if not websocket_allowed(websocket, user):
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.send_json({"type": "error", "message": f"not for the {user.role} role"})
            await websocket.close(CLOSE_FORBIDDEN, "forbidden")
        return
    subscription = rt.hub.subscribe(user)
    sender = asyncio.create_task(_send_events(websocket, subscription))
    try:
        await websocket.send_json({"type": "ready", "user": user.name, "role": user.role})
        while not sender.done():
            raw = await websocket.receive_text()
            with contextlib.suppress(ValueError):
                message = json.loads(raw)
                if isinstance(message, dict) and message.get("type") == "ping":
                    subscription.offer({"type": "pong"})
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        rt.hub.unsubscribe(subscription)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
