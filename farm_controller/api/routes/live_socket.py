"""``/api/v1/ws/screens``: live screens of the phones a browser shows.

Authenticate as every console socket does (`api.websocket`), then send
``{"type": "watch", "thumbs": [serials], "focus": serial | null}`` whenever what is on
screen changes. Binary messages are frames (`farm_protocol.live.encode_frame`: a 2-byte
header length, the JSON header, the JPEG); text messages are ``{"type": "control",
serial, holder, expires_in}`` and ``{"type": "link", host, live, serials}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from farm_controller.api.websocket import accept_user, watch_access
from farm_controller.auth.principal import User
from farm_controller.fleet.live_hub import Viewer
from farm_controller.fleet.overview import hosts_of
from farm_controller.runtime import Runtime

router = APIRouter(tags=["live"])

MAX_WATCHED = 300


class WatchMessage(BaseModel):
    """What a browser shows now: thumbnails, and at most one phone in focus."""

    type: str = "watch"
    thumbs: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(
        default_factory=list, max_length=MAX_WATCHED
    )
    focus: str | None = Field(default=None, min_length=1, max_length=128)


async def _send_to_viewer(websocket: WebSocket, viewer: Viewer) -> None:
    while True:
        await viewer.wake.wait()
        texts, frames = viewer.drain()
        for text in texts:
            await websocket.send_json(text)
        for frame in frames:
            await websocket.send_bytes(frame)
            viewer.frames_out += 1
            viewer.bytes_out += len(frame)


@router.websocket("/ws/screens")
async def watch_screens(websocket: WebSocket) -> None:
    """Live screens of the phones a browser shows (thumbnails and one in focus)."""
    rt: Runtime = websocket.app.state.runtime
    caller = await accept_user(websocket)
    if caller is None:
        return
    user = caller.user
    hub = rt.live
    viewer = hub.add_viewer(user)
    sender = asyncio.create_task(_send_to_viewer(websocket, viewer))

    def narrow(now: User) -> None:
        viewer.user = now

    watched = watch_access(
        rt, websocket, caller, on_change=narrow, stop=lambda: hub.remove_viewer(viewer)
    )
    try:
        await websocket.send_json({"type": "ready", "user": user.name, "role": user.role})
        while not sender.done():
            raw = await websocket.receive_text()
            try:
                message: Any = json.loads(raw)
            except ValueError:
                continue
            kind = message.get("type") if isinstance(message, dict) else None
            if kind == "ping":
                viewer.offer_text({"type": "pong"})
            elif kind == "watch":
                try:
                    wanted = WatchMessage.model_validate(message)
                except ValidationError as exc:
                    viewer.offer_text({"type": "error", "message": str(exc.errors()[0]["msg"])})
                    continue
                serials = [*wanted.thumbs, *([wanted.focus] if wanted.focus else [])]
                hosts = await run_in_threadpool(_hosts, rt, serials)
                hub.watch(viewer, wanted.thumbs, wanted.focus, hosts)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        rt.access_watch.forget(watched)
        hub.remove_viewer(viewer)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender


def _hosts(rt: Runtime, serials: list[str]) -> dict[str, str]:
    with rt.sessions() as session:
        return hosts_of(session, serials)
