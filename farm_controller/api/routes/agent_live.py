"""``/api/v1/agent/ws``: an agent's screen link (host token in ``Authorization``).

Frames come in as binary messages; watch, control and input commands go out
(`farm_protocol.live`). The link is the host's until it closes or a newer link of the
same host replaces it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from farm_controller.api.access_control import bearer_of
from farm_controller.api.websocket import (
    AUTH_TIMEOUT,
    CLOSE_BAD_REQUEST,
    CLOSE_FORBIDDEN,
    CLOSE_UNAUTHORIZED,
    refuse,
)
from farm_controller.fleet.live_hub import AgentLink
from farm_controller.runtime import Runtime
from farm_protocol.live import AGENT_MESSAGE, SCREENS_WS_PATH, AgentHello, CommandResult

log = logging.getLogger(__name__)

agent_router = APIRouter(tags=["agent"])


def agent_host(rt: Runtime, authorization: str | None) -> str | None:
    """The host whose agent token is in an ``Authorization: Bearer`` header (None: none)."""
    token = bearer_of(authorization)
    if not token:
        return None
    found: str | None = None
    for host, secret in rt.settings.agent_tokens.items():
        # Compare with every token, so the time taken does not tell which one is close.
        if hmac.compare_digest(token, secret.get_secret_value().encode()):
            found = host
    return found


async def _send_to_agent(websocket: WebSocket, link: AgentLink) -> None:
    while True:
        message = await link.outbox.get()
        if message is None:
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await websocket.close(1000, "replaced or closed")
            return
        await websocket.send_text(message)


@agent_router.websocket(SCREENS_WS_PATH)
async def agent_screen_link(websocket: WebSocket) -> None:
    """An agent's screen link: frames in, watch/control/input commands out."""
    rt: Runtime = websocket.app.state.runtime
    host = agent_host(rt, websocket.headers.get("authorization"))
    if host is None:
        await websocket.close(CLOSE_UNAUTHORIZED)  # before accept: the handshake gets 403
        return
    await websocket.accept()
    try:
        raw = await asyncio.wait_for(websocket.receive_text(), timeout=AUTH_TIMEOUT)
        hello = AgentHello.model_validate_json(raw)
    except (TimeoutError, ValueError, WebSocketDisconnect, KeyError):
        await refuse(websocket, CLOSE_BAD_REQUEST, "send an AgentHello first")
        return
    if hello.host != host:
        await refuse(websocket, CLOSE_FORBIDDEN, f"this token belongs to host {host!r}")
        return
    hub = rt.live
    link = hub.connect_agent(host, hello)
    log.info("host %s: screen link up (%d phones)", host, len(hello.serials))
    sender = asyncio.create_task(_send_to_agent(websocket, link))
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            data = message.get("bytes")
            if data is not None:
                hub.agent_frame(link, data)
                continue
            text = message.get("text")
            if text is None:
                continue
            try:
                parsed = AGENT_MESSAGE.validate_json(text)
            except ValidationError:
                log.warning("host %s sent a message the controller does not understand", host)
                continue
            if isinstance(parsed, CommandResult):
                hub.agent_result(link, parsed)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.disconnect_agent(link)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
        log.info("host %s: screen link down", host)
