"""Hosts and their phones."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from farm_controller.schemas.types import Storable
from farm_protocol.device import DeviceState


class DeviceOut(BaseModel):
    """A phone as the controller last heard of it."""

    serial: str
    host: str
    model: str
    manufacturer: str
    sdk: int
    width: int
    height: int
    resolution: str
    density: int
    state: DeviceState
    battery: int | None
    screen_on: bool
    locked: bool
    app_versions: dict[str, str]
    current_job_id: str | None
    registered_at: datetime
    last_seen: datetime


class DeviceDetail(DeviceOut):
    """A phone, its accounts and its latest jobs."""

    account_ids: list[int]
    recent_job_ids: list[str]


class DeviceMove(BaseModel):
    """Move a phone to another host (`POST /devices/{serial}/move`)."""

    host: Storable = Field(
        min_length=1, max_length=100, description="the host it is plugged into now"
    )


class HostOut(BaseModel):
    """A machine running an agent."""

    name: str
    agent_version: str
    online: bool
    registered_at: datetime
    last_seen: datetime
    device_count: int


class HostDetail(HostOut):
    """A host and its phones."""

    devices: list[DeviceOut]
