"""Hosts: the machines running agents."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import func, select

from farm_controller.api.deps import SessionDep
from farm_controller.api.params import KeyPath
from farm_controller.api.presenters import device_out, host_out
from farm_controller.errors import not_found
from farm_controller.models import Device, Host
from farm_controller.schemas.fleet import HostDetail, HostOut

router = APIRouter(prefix="/hosts", tags=["fleet"])


@router.get("")
def list_hosts(session: SessionDep) -> list[HostOut]:
    """List hosts with their number of phones."""
    counts = {
        host: count
        for host, count in session.execute(
            select(Device.host_name, func.count(Device.serial)).group_by(Device.host_name)
        )
    }
    return [
        host_out(host, counts.get(host.name, 0))
        for host in session.scalars(select(Host).order_by(Host.name))
    ]


@router.get("/{name}")
def get_host(session: SessionDep, name: KeyPath) -> HostDetail:
    """Show a host and its phones."""
    host = session.get(Host, name)
    if host is None:
        raise not_found("host", name)
    devices = [device_out(device) for device in host.devices]
    return HostDetail(**host_out(host, len(devices)).model_dump(), devices=devices)
