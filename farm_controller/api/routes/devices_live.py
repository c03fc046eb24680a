"""The farm view, live screens and remote control of phones (operators).

REST (roles: `auth.policy.ROUTE_ROLES`; every change is in the audit log, with the phone):

    GET    /farm                        hosts and phones for the grid (filters host, state, tag)
    GET    /devices/{serial}/live       the device page: facts, recent jobs + evidence, control
    POST   /devices/{serial}/control    take remote control (only while no job runs on it)
    DELETE /devices/{serial}/control    give it back (its jobs run again)
    POST   /devices/{serial}/input      tap / long_press / swipe / text / key, for the holder

WebSockets:

``/api/v1/ws/screens`` (browsers) — send ``{"type": "auth"}`` first (the session cookie of
the console's own pages counts; a script sends ``"token"``), then
``{"type": "watch", "thumbs": [serials], "focus": serial | null}`` whenever what is on
screen changes. Binary messages are frames (`farm_protocol.screens.encode_frame`: a
2-byte header length, the JSON header, the JPEG); text messages are
``{"type": "control", serial, holder, expires_in}`` and ``{"type": "link", host, live,
serials}``. Close codes as the chat socket: 4401, 4403.

``/api/v1/agent/ws`` (agents, host token in ``Authorization``) — `farm_protocol.screens`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from farm_controller.api.deps import CurrentUser, RuntimeDep
from farm_controller.audit import note
from farm_controller.auth.middleware import bearer_of, websocket_allowed, websocket_user
from farm_controller.errors import ApiError, FieldProblem, not_found
from farm_controller.models import Device
from farm_controller.runtime import Runtime
from farm_controller.schemas.live import ControlOut, DeviceLive, FarmView, InputOut
from farm_controller.schemas.types import KeyPath, TextQuery
from farm_controller.screens import hub_of
from farm_controller.screens.hub import AgentLink, AgentUnavailable, ScreenHub, Viewer
from farm_controller.screens.overview import control_out, device_live, farm_view, hosts_of
from farm_controller.users import User
from farm_protocol.device import DeviceState
from farm_protocol.screens import (
    AGENT_MESSAGE,
    SCREENS_WS_PATH,
    AgentHello,
    CommandError,
    CommandResult,
    ControlCommand,
    InputCommand,
    RemoteInput,
    TextInput,
)

log = logging.getLogger(__name__)

router = APIRouter(tags=["live"])
agent_router = APIRouter(tags=["agent"])

HOLD_SECONDS = 120.0
"""A hold ends after this long without input (a forgotten tab must not starve the phone)."""
AUTH_TIMEOUT = 10.0
MAX_WATCHED = 300
CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403

_REFUSALS = {
    CommandError.BUSY: 409,
    CommandError.HELD: 409,
    CommandError.NOT_HELD: 409,
    CommandError.OFFLINE: 409,
    CommandError.UNKNOWN_DEVICE: 404,
    CommandError.FAILED: 502,
}


def _hub(request: Request) -> ScreenHub:
    return hub_of(request.app.state)


def _device(rt: Runtime, serial: str) -> Device:
    with rt.sessions() as session:
        device = session.get(Device, serial)
        if device is None:
            raise not_found("device", serial)
        session.expunge(device)
        return device


# -- the grid and the device page ---------------------------------------------------------


@router.get("/farm")
async def get_farm(
    request: Request,
    rt: RuntimeDep,
    user: CurrentUser,
    host: TextQuery = None,
    state: DeviceState | None = None,
    tag: TextQuery = None,
) -> FarmView:
    """Hosts and phones for the farm grid: state, battery, accounts, jobs, live screens."""
    hub = _hub(request)
    live = hub.live_hosts()
    controls = hub.holds()

    def read() -> FarmView:
        with rt.sessions() as session:
            return farm_view(
                rt,
                session,
                host=host,
                state=state,
                tag=tag,
                live_hosts=live,
                controls=controls,
                caller=user.name,
                streams=hub.specs,
            )

    return await run_in_threadpool(read)


@router.get("/devices/{serial}/live")
async def get_device_live(
    request: Request, rt: RuntimeDep, user: CurrentUser, serial: KeyPath
) -> DeviceLive:
    """The device page: the phone's facts, its recent jobs with evidence, who controls it."""
    hub = _hub(request)
    live = hub.live_hosts()
    control = hub.control(serial)

    def read() -> DeviceLive:
        with rt.sessions() as session:
            device = session.get(Device, serial)
            if device is None:
                raise not_found("device", serial)
            return device_live(
                rt,
                session,
                request,
                device,
                live_hosts=live,
                control=control,
                caller=user.name,
                streams=hub.specs,
            )

    return await run_in_threadpool(read)


# -- remote control -----------------------------------------------------------------------


async def _command(
    request: Request,
    rt: Runtime,
    serial: str,
    build: Callable[[str], ControlCommand | InputCommand],
) -> tuple[CommandResult, ScreenHub]:
    """Send a command to the phone's agent; refusals become API errors."""
    device = await run_in_threadpool(_device, rt, serial)
    hub = _hub(request)
    hub.host_of[serial] = device.host_name
    try:
        result = await hub.command(device.host_name, build)
    except AgentUnavailable:
        raise ApiError(
            503,
            FieldProblem(
                None, f"the agent of host {device.host_name} is not connected", "agent_unavailable"
            ),
        ) from None
    except TimeoutError:
        raise ApiError(
            504, FieldProblem(None, "the agent did not answer in time", "agent_timeout")
        ) from None
    if result.control is not None:
        hub.set_control(result.control)
    if not result.ok:
        code = result.error or CommandError.FAILED
        note(request, refused=code.value)
        raise ApiError(_REFUSALS.get(code, 409), FieldProblem(None, result.message, code.value))
    return result, hub


def _control(result: CommandResult, hub: ScreenHub, serial: str, user: User) -> ControlOut:
    return control_out(result.control or hub.control(serial), user.name)


@router.post("/devices/{serial}/control")
async def take_control(
    request: Request, rt: RuntimeDep, user: CurrentUser, serial: KeyPath
) -> ControlOut:
    """Take remote control of an idle phone: it claims no job until you release it (or
    after 120 s without input). 409 `busy` while it works on a job, `held` if taken."""
    note(request, devices=[serial], remote="take")
    result, hub = await _command(
        request,
        rt,
        serial,
        lambda command_id: ControlCommand(
            id=command_id, serial=serial, action="take", user=user.name, hold_seconds=HOLD_SECONDS
        ),
    )
    return _control(result, hub, serial, user)


@router.delete("/devices/{serial}/control")
async def release_control(
    request: Request, rt: RuntimeDep, user: CurrentUser, serial: KeyPath
) -> ControlOut:
    """Release remote control of a phone (anybody's hold): its jobs run again."""
    note(request, devices=[serial], remote="release")
    result, hub = await _command(
        request,
        rt,
        serial,
        lambda command_id: ControlCommand(
            id=command_id, serial=serial, action="release", user=user.name
        ),
    )
    return _control(result, hub, serial, user)


def _audit_detail(action: RemoteInput) -> dict[str, Any]:
    """What the audit log keeps of an input: never the typed text itself, only its length."""
    if isinstance(action, TextInput):
        return {"input": "text", "chars": len(action.text)}
    detail = action.model_dump()
    detail["input"] = detail.pop("action")
    return detail


@router.post("/devices/{serial}/input")
async def remote_input(
    request: Request,
    rt: RuntimeDep,
    user: CurrentUser,
    serial: KeyPath,
    body: Annotated[RemoteInput, Body()],
) -> InputOut:
    """Tap, long-press, swipe (x, y as fractions of the screen), type text or press a key
    on a phone you control. 409 `not_held` when you have not taken control."""
    note(request, devices=[serial], **_audit_detail(body))
    result, hub = await _command(
        request,
        rt,
        serial,
        lambda command_id: InputCommand(id=command_id, serial=serial, user=user.name, input=body),
    )
    return InputOut(
        serial=serial,
        action=body.action,
        took_ms=result.took_ms,
        control=_control(result, hub, serial, user),
    )


# -- browsers: watching screens -----------------------------------------------------------


class WatchMessage(BaseModel):
    """What a browser shows now: thumbnails, and at most one phone in focus."""

    type: str = "watch"
    thumbs: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(
        default_factory=list, max_length=MAX_WATCHED
    )
    focus: str | None = Field(default=None, min_length=1, max_length=128)


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


async def _refuse(websocket: WebSocket, code: int, message: str) -> None:
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.send_json({"type": "error", "message": message})
        await websocket.close(code, message[:100])


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
    await websocket.accept()
    user = await _authenticate(websocket)
    if user is None:
        await _refuse(websocket, CLOSE_UNAUTHORIZED, "invalid or missing token")
        return
    if not websocket_allowed(websocket, user):
        await _refuse(websocket, CLOSE_FORBIDDEN, f"not for the {user.role} role")
        return
    hub = hub_of(websocket.app.state)
    viewer = hub.add_viewer(user)
    sender = asyncio.create_task(_send_to_viewer(websocket, viewer))
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
        hub.remove_viewer(viewer)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender


def _hosts(rt: Runtime, serials: list[str]) -> dict[str, str]:
    with rt.sessions() as session:
        return hosts_of(session, serials)


# -- agents: the screen link ---------------------------------------------------------------


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
        await _refuse(websocket, CLOSE_BAD_REQUEST, "send an AgentHello first")
        return
    if hello.host != host:
        await _refuse(websocket, CLOSE_FORBIDDEN, f"this token belongs to host {host!r}")
        return
    hub = hub_of(websocket.app.state)
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
