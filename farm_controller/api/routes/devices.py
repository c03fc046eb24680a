"""Devices: the phones, their state, accounts and latest jobs."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from farm_controller.api.deps import RuntimeDep, SessionDep
from farm_controller.api.params import KeyPath, TextQuery
from farm_controller.api.presenters import device_out
from farm_controller.errors import not_found
from farm_controller.fleet import registry
from farm_controller.models import Account, Device
from farm_controller.runtime import Runtime
from farm_controller.schemas.fleet import DeviceDetail, DeviceMove, DeviceOut
from farm_protocol.device import DeviceState

router = APIRouter(prefix="/devices", tags=["fleet"])


@router.get("")
def list_devices(
    session: SessionDep, state: DeviceState | None = None, host: TextQuery = None
) -> list[DeviceOut]:
    """List phones, optionally in one state or on one host."""
    query = select(Device).order_by(Device.serial)
    if state is not None:
        query = query.where(Device.state == state)
    if host is not None:
        query = query.where(Device.host_name == host)
    return [device_out(device) for device in session.scalars(query)]


@router.get("/{serial}")
def get_device(rt: RuntimeDep, session: SessionDep, serial: KeyPath) -> DeviceDetail:
    """Show a phone with its accounts and latest jobs."""
    device = session.get(Device, serial)
    if device is None:
        raise not_found("device", serial)
    accounts = session.scalars(
        select(Account.id).where(Account.device_serial == serial).order_by(Account.id)
    )
    return DeviceDetail(
        **device_out(device).model_dump(),
        account_ids=list(accounts),
        recent_job_ids=_recent_job_ids(rt, serial),
    )


@router.post("/{serial}/move")
def move_device(rt: RuntimeDep, serial: KeyPath, body: DeviceMove) -> DeviceOut:
    """Move a phone to another host (it was plugged into that host's USB).

    A phone belongs to the host that registered it first: another host that registers it
    is not given it until it is moved here. It is offline on its new host until that host
    registers or heartbeats it.
    """
    return device_out(registry.move_device(rt, serial, body.host))


def _recent_job_ids(rt: Runtime, serial: str, count: int = 10) -> list[str]:
    """The phone's newest jobs, newest first (the store lists oldest first)."""
    page, offset = 500, 0
    recent: list[str] = []
    while True:
        jobs = rt.jobs.list(device_serial=serial, limit=page, offset=offset)
        recent = (recent + [job.id for job in jobs])[-count:]
        if len(jobs) < page:
            return list(reversed(recent))
        offset += page
