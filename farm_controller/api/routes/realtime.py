"""The chat WebSocket: live messages, delivery and conversation changes for one pane.

Connect to ``/api/v1/ws`` and authenticate as every console socket does
(`api.websocket`: a first ``{"type": "auth", "token": …}`` message, or the session
cookie of the controller's own pages). The server answers
``{"type": "ready", "user": name}`` and then pushes the events of `chat.realtime` for the
accounts that user serves. Send ``{"type": "ping"}`` to get a ``{"type": "pong"}``.
Close codes: 4401 bad or missing credentials, 4403 the role may not use the chat
(`auth.policy.ROUTE_ROLES`), 4408 the pane fell behind (reconnect and reload).
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from farm_controller.api.websocket import accept_user
from farm_controller.chat.realtime import Subscription
from farm_controller.runtime import Runtime

router = APIRouter(tags=["chat"])

CLOSE_BEHIND = 4408


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
    user = await accept_user(websocket)
    if user is None:
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
