"""Hosts and phones: registration, heartbeats, and marking the silent ones offline.

A phone belongs to the host that registered it first, until an operator moves it
(`move_device`, ``POST /api/v1/devices/{serial}/move``): another host that registers the
same serial is not given it (the serial comes back in `RegisterResponse.foreign_devices`),
its heartbeats about it are ignored (`unknown_devices`), and it can claim none of its jobs.

Every change of a phone's state goes through `set_state`, which also keeps the phone's
state history (`DeviceStateSpan`, what the online-time chart adds up). Only a change
writes a span: the heartbeats that repeat a state, and a phone's flips between `online`
and `busy` (both count as online), cost no extra statement.
"""

from __future__ import annotations

import builtins
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from farm_controller.db import write_session
from farm_controller.errors import FieldProblem, Invalid, not_found
from farm_controller.models import Account, Device, DeviceStateSpan, Host, PostTarget
from farm_controller.runtime import Runtime
from farm_protocol.agent_api import (
    HeartbeatRequest,
    HeartbeatResponse,
    PendingDecision,
    RegisterRequest,
    RegisterResponse,
)
from farm_protocol.device import DeviceState
from farm_protocol.jobs import Job
from farm_protocol.posts import TargetState

ONLINE_STATES = frozenset({DeviceState.ONLINE, DeviceState.BUSY})
"""The states that count as online (and are recorded as `online` in the history)."""


def recorded_state(state: DeviceState) -> DeviceState:
    """The state a history span records for `state`: `busy` is recorded as `online`."""
    return DeviceState.ONLINE if state in ONLINE_STATES else state


def set_state(
    session: Session,
    device: Device,
    state: DeviceState,
    at: datetime,
    host_name: str | None = None,
) -> None:
    """Set a phone's state (and host); record the change in its state history.

    When the recorded state or the host changes, the phone's open span is closed at `at`
    and a new one opened; otherwise nothing but the row itself is written. A new phone
    (`device.state` not set yet) gets its first span. Call it after the phone's other
    columns are set: closing a span flushes the session.

    Args:
        session: A write session.
        device: The phone, in `session`.
        state: Its new state.
        at: When it changed. A time before the open span began (a silent phone's last
            heartbeat can be older than its last claim) is moved up to that beginning,
            so spans never overlap.
        host_name: The host it is on now (default: unchanged).
    """
    host = host_name if host_name is not None else device.host_name
    unchanged = (
        device.state is not None
        and recorded_state(device.state) is recorded_state(state)
        and device.host_name == host
    )
    device.state = state
    device.host_name = host
    if unchanged:
        return
    open_spans = list(
        session.scalars(
            select(DeviceStateSpan).where(
                DeviceStateSpan.serial == device.serial, DeviceStateSpan.ended_at.is_(None)
            )
        )
    )
    start = max([at, *(span.started_at for span in open_spans)])
    for span in open_spans:
        span.ended_at = start
    session.add(
        DeviceStateSpan(
            serial=device.serial, host_name=host, state=recorded_state(state), started_at=start
        )
    )


def register(rt: Runtime, host_name: str, request: RegisterRequest) -> RegisterResponse:
    """Record the host and its phones; phones it no longer lists go offline."""
    now = rt.clock()
    with write_session(rt.sessions) as session:
        host = session.get(Host, host_name)
        if host is None:
            host = Host(name=host_name, registered_at=now, last_seen=now)
            session.add(host)
        host.agent_version = request.agent_version
        host.online = True
        host.last_seen = now
        listed = set()
        foreign: list[str] = []
        for info in request.devices:
            device = session.get(Device, info.serial)
            if device is None:
                device = Device(serial=info.serial, registered_at=now, host_name=host_name)
                session.add(device)
            elif device.host_name != host_name:
                # Another host's phone: only an operator moves it (`move_device`).
                foreign.append(info.serial)
                continue
            listed.add(info.serial)
            device.model = info.model
            device.manufacturer = info.manufacturer
            device.sdk = info.sdk
            device.width = info.width
            device.height = info.height
            device.density = info.density
            device.battery = info.battery
            device.screen_on = info.screen_on
            device.locked = info.locked
            device.app_versions = dict(info.app_versions)
            device.last_seen = now
            set_state(session, device, info.state, now, host_name)
        session.flush()
        for device in session.scalars(select(Device).where(Device.host_name == host_name)):
            if device.serial not in listed:
                set_state(session, device, DeviceState.OFFLINE, now)
    settings = rt.settings
    return RegisterResponse(
        host=host_name,
        server_time=now,
        heartbeat_interval=settings.heartbeat_interval,
        heartbeat_timeout=settings.heartbeat_timeout,
        lease_seconds=settings.lease_seconds,
        foreign_devices=foreign,
    )


def move_device(rt: Runtime, serial: str, host_name: str) -> Device:
    """An operator moves a phone to another host (it was plugged into that host).

    The phone is offline on its new host until that host registers or heartbeats it; a
    job its old host still holds stays that host's until its lease ends.

    Raises:
        NotFound: no such phone.
        Invalid: `host_name` is no host the controller has a token for (field ``host``).
    """
    if host_name not in rt.settings.agent_tokens:
        raise Invalid(FieldProblem("host", f"no agent token is configured for host {host_name!r}"))
    now = rt.clock()
    with write_session(rt.sessions) as session:
        device = session.get(Device, serial, with_for_update=True)
        if device is None:
            raise not_found("device", serial)
        if device.host_name != host_name:
            if session.get(Host, host_name) is None:
                session.add(Host(name=host_name, registered_at=now, last_seen=now, online=False))
                session.flush()
            set_state(session, device, DeviceState.OFFLINE, now, host_name)
        return device


def heartbeat(rt: Runtime, host_name: str, request: HeartbeatRequest) -> HeartbeatResponse:
    """Record that the host is alive and how its phones are; return pending decisions."""
    now = rt.clock()
    unknown: list[str] = []
    with write_session(rt.sessions) as session:
        host = session.get(Host, host_name)
        if host is None:
            return HeartbeatResponse(
                server_time=now, unknown_devices=[status.serial for status in request.devices]
            )
        host.online = True
        host.last_seen = now
        for status in request.devices:
            device = session.get(Device, status.serial)
            if device is None or device.host_name != host_name:
                unknown.append(status.serial)
                continue
            set_state(session, device, status.state, now)
            device.last_seen = now
            if status.battery is not None:
                device.battery = status.battery
            if status.screen_on is not None:
                device.screen_on = status.screen_on
            if status.locked is not None:
                device.locked = status.locked
        decisions = [
            PendingDecision(job_id=job_id, decision=decision)
            for job_id, decision in session.execute(
                select(PostTarget.job_id, PostTarget.decision)
                .join(Account, Account.id == PostTarget.account_id)
                .join(Device, Device.serial == Account.device_serial)
                .where(
                    Device.host_name == host_name,
                    PostTarget.state == TargetState.AWAITING_CONFIRMATION,
                    PostTarget.decision.is_not(None),
                    PostTarget.job_id.is_not(None),
                )
            )
            if job_id is not None and decision is not None
        ]
    return HeartbeatResponse(server_time=now, decisions=decisions, unknown_devices=unknown)


def release_device(rt: Runtime, job: Job) -> None:
    """The phone no longer works on `job` (finished, or its lease was taken back)."""
    with write_session(rt.sessions) as session:
        device = session.get(Device, job.device_serial)
        if device is not None and device.current_job_id == job.id:
            device.current_job_id = None
            if device.state is DeviceState.BUSY:
                set_state(session, device, DeviceState.ONLINE, rt.clock())


def mark_silent_offline(rt: Runtime, now: datetime | None = None) -> builtins.list[str]:
    """Mark hosts and phones not heard of within the heartbeat timeout offline.

    A phone's history has it go offline at its last heartbeat, not now: that is the last
    time anything was known of it (and a controller that was down for an hour does not
    count that hour as online time).

    Returns:
        The serials of the phones that went offline now.
    """
    now = now or rt.clock()
    cutoff = now - timedelta(seconds=rt.settings.heartbeat_timeout)
    with write_session(rt.sessions) as session:
        session.execute(
            update(Host).where(Host.online.is_(True), Host.last_seen < cutoff).values(online=False)
        )
        silent = list(
            session.scalars(
                select(Device)
                .where(Device.state != DeviceState.OFFLINE, Device.last_seen < cutoff)
                .with_for_update()
            )
        )
        for device in silent:
            set_state(session, device, DeviceState.OFFLINE, device.last_seen)
        return [device.serial for device in silent]
