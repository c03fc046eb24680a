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

from farm_controller.api.websocket import accept_user, watch_access
from farm_controller.auth.principal import User
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
    caller = await accept_user(websocket)
    if caller is None:
        return
    user = caller.user
    subscription = rt.hub.subscribe(user)
    sender = asyncio.create_task(_send_events(websocket, subscription))

    def narrow(now: User) -> None:
        subscription.user = now  # the hub filters every later event by it

    watched = watch_access(
        rt, websocket, caller, on_change=narrow, stop=lambda: rt.hub.unsubscribe(subscription)
    )
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
        rt.access_watch.forget(watched)
        rt.hub.unsubscribe(subscription)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
