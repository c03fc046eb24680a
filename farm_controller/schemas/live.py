"""The farm view and the device page: phones at a glance, live screens, remote control."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from farm_protocol.device import DeviceState
from farm_protocol.jobs import JobKind, JobState
from farm_protocol.live import StreamSpec, StreamTier


class AccountBrief(BaseModel):
    """An account on a phone."""

    id: int
    name: str
    tags: list[str]


class JobBrief(BaseModel):
    """A job in one line."""

    id: str
    kind: JobKind
    state: JobState
    at: datetime = Field(description="when it started (current) or last changed")
    error: str | None = None


class ControlOut(BaseModel):
    """Who remote-controls a phone now (`holder` None: nobody; its jobs run)."""

    serial: str
    holder: str | None = None
    expires_in: float | None = Field(default=None, description="seconds without input left")
    yours: bool = Field(default=False, description="held by the caller")


class FarmDevice(BaseModel):
    """One phone in the farm grid."""

    serial: str
    host: str
    model: str
    width: int
    height: int
    state: DeviceState
    battery: int | None
    screen_on: bool
    locked: bool
    last_seen: datetime
    accounts: list[AccountBrief]
    app_signed_in: bool | None = Field(
        description="True when the phone's last finished job succeeded in the app; None: unknown"
    )
    app_checked_at: datetime | None = None
    current_job: JobBrief | None = None
    last_job: JobBrief | None = Field(default=None, description="the newest finished job")
    last_error: str | None = Field(default=None, description="the last job's error, if it failed")
    control: ControlOut | None = None
    live: bool = Field(description="its host's screen link is up: the screen can be watched")


class FarmHost(BaseModel):
    """One host in the farm view."""

    name: str
    online: bool
    agent_version: str
    last_seen: datetime
    device_count: int
    live: bool = Field(description="its screen link is connected")


class FarmView(BaseModel):
    """Hosts and phones for the grid (after the filters), and what the filters offer."""

    hosts: list[FarmHost]
    devices: list[FarmDevice]
    tags: list[str] = Field(description="every account tag (for the filter)")
    counts: dict[str, int] = Field(description="phones per state, before the state filter")
    total: int = Field(description="phones before any filter")
    streams: dict[StreamTier, StreamSpec]


class EvidenceBrief(BaseModel):
    """An evidence screenshot of a job."""

    id: str
    kind: str
    filename: str
    url: str


class RecentJob(BaseModel):
    """A job of the phone with its evidence."""

    id: str
    kind: JobKind
    state: JobState
    attempts: int
    created_at: datetime
    finished_at: datetime | None
    error: str | None
    evidence: list[EvidenceBrief]


class DeviceLive(BaseModel):
    """The device page: the phone, its facts, its recent jobs, who controls it."""

    device: FarmDevice
    manufacturer: str
    sdk: int
    density: int
    app_versions: dict[str, str]
    registered_at: datetime
    recent_jobs: list[RecentJob]
    control: ControlOut
    streams: dict[StreamTier, StreamSpec]


class InputOut(BaseModel):
    """The phone carried out the input."""

    serial: str
    action: str
    took_ms: float = Field(description="time on the agent")
    control: ControlOut
