"""The farm view, the device page and remote control of phones (operators).

Roles: `auth.policy.ROUTE_ROLES`; every change is in the audit log, with the phone:

    GET    /farm                        hosts and phones for the grid (filters host, state, tag)
    GET    /devices/{serial}/live       the device page: facts, recent jobs + evidence, control
    POST   /devices/{serial}/control    take remote control (only while no job runs on it)
    DELETE /devices/{serial}/control    give it back (its jobs run again)
    POST   /devices/{serial}/input      tap / long_press / swipe / text / key, for the holder

The frames themselves come over the WebSockets of `live_socket` (browsers) and
`agent_live` (agents).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from starlette.concurrency import run_in_threadpool

from farm_controller.api.audit_middleware import note
from farm_controller.api.deps import CurrentUser, RuntimeDep
from farm_controller.api.params import KeyPath, TextQuery
from farm_controller.api.presenters import evidence_url
from farm_controller.auth.principal import User
from farm_controller.errors import (
    Conflict,
    DomainError,
    FieldProblem,
    NotFound,
    RemoteFailed,
    TimedOut,
    Unavailable,
    not_found,
)
from farm_controller.fleet.live_hub import AgentUnavailable, LiveHub
from farm_controller.fleet.overview import control_out, device_live, farm_view
from farm_controller.models import Device
from farm_controller.runtime import Runtime
from farm_controller.schemas.live import ControlOut, DeviceLive, FarmView, InputOut
from farm_protocol.device import DeviceState
from farm_protocol.live import (
    CommandError,
    CommandResult,
    ControlCommand,
    InputCommand,
    RemoteInput,
    TextInput,
)

router = APIRouter(tags=["live"])

HOLD_SECONDS = 120.0
"""A hold ends after this long without input (a forgotten tab must not starve the phone)."""

_REFUSALS: dict[CommandError, type[DomainError]] = {
    CommandError.BUSY: Conflict,
    CommandError.HELD: Conflict,
    CommandError.NOT_HELD: Conflict,
    CommandError.OFFLINE: Conflict,
    CommandError.UNKNOWN_DEVICE: NotFound,
    CommandError.FAILED: RemoteFailed,
}


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
    hub = rt.live
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
    hub = rt.live
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
                lambda evidence_id: evidence_url(request, evidence_id),
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
) -> tuple[CommandResult, LiveHub]:
    """Send a command to the phone's agent; refusals become API errors."""
    device = await run_in_threadpool(_device, rt, serial)
    hub = rt.live
    hub.host_of[serial] = device.host_name
    try:
        result = await hub.command(device.host_name, build)
    except AgentUnavailable:
        raise Unavailable(
            FieldProblem(
                None, f"the agent of host {device.host_name} is not connected", "agent_unavailable"
            ),
        ) from None
    except TimeoutError:
        raise TimedOut(
            FieldProblem(None, "the agent did not answer in time", "agent_timeout")
        ) from None
    if result.control is not None:
        hub.set_control(result.control)
    if not result.ok:
        code = result.error or CommandError.FAILED
        note(request, refused=code.value)
        raise _REFUSALS.get(code, Conflict)(FieldProblem(None, result.message, code.value))
    return result, hub


def _control(result: CommandResult, hub: LiveHub, serial: str, user: User) -> ControlOut:
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
