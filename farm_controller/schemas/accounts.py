"""Accounts: the app identity on each phone, its time zone, caps and publish mode."""

from __future__ import annotations

from datetime import datetime, time
from functools import cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from device_profiles import bundled_apps
from farm_controller.schemas.types import Storable, TypeableLine
from farm_protocol.device import DeviceState
from farm_protocol.posts import PublishMode


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(name: str) -> str:
    """Return `name` when it is a known IANA time zone.

    Raises:
        ValueError: It is not.
    """
    if name not in _zones():
        raise ValueError(f"{name!r} is not an IANA time zone (e.g. Asia/Shanghai, UTC)")
    return name


def check_app(name: str) -> str:
    """Return `name` when it names an installed app profile (`device_profiles/apps`).

    Raises:
        ValueError: It does not (the message lists the installed ones, never a path).
    """
    installed = bundled_apps()
    if name not in installed:
        raise ValueError(
            f"{name!r} is not an installed app profile (installed: {', '.join(installed)})"
        )
    return name


TimeZoneName = Annotated[str, AfterValidator(check_timezone)]
Name = Annotated[TypeableLine, Field(min_length=1, max_length=200)]
Serial = Annotated[Storable, Field(min_length=1, max_length=128)]
App = Annotated[Storable, Field(min_length=1, max_length=64), AfterValidator(check_app)]


class QuietHours(BaseModel):
    """A daily window (local time of the account) in which nothing is published.

    `start` later than `end` spans midnight (22:00–08:00).
    """

    model_config = ConfigDict(extra="forbid")

    start: time
    end: time

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are local times of the account, without an offset")
        if self.start == self.end:
            raise ValueError("quiet hours need different start and end times")
        return self


Tag = Annotated[TypeableLine, Field(min_length=1, max_length=64)]


class AccountCreate(BaseModel):
    """A new account."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    device_serial: Serial
    app: App | None = Field(
        default=None,
        description="an installed device profile (simchat, wechat, wecom); default simchat",
    )
    timezone: TimeZoneName = "UTC"
    daily_post_cap: int = Field(default=3, ge=1, le=100)
    quiet_hours: QuietHours | None = None
    publish_mode: PublishMode = PublishMode.AUTO
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    messages_per_minute: int | None = Field(
        default=None, ge=1, le=600, description="chat reply cap; the controller's default if null"
    )


class AccountUpdate(BaseModel):
    """Changes to an account; omitted fields stay, `quiet_hours: null` removes them."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    device_serial: Serial | None = None
    app: App | None = None
    timezone: TimeZoneName | None = None
    daily_post_cap: int | None = Field(default=None, ge=1, le=100)
    quiet_hours: QuietHours | None = None
    publish_mode: PublishMode | None = None
    tags: list[Tag] | None = Field(default=None, max_length=50)
    messages_per_minute: int | None = Field(
        default=None, ge=1, le=600, description="null: back to the controller's default"
    )


class AccountOut(BaseModel):
    """An account as stored."""

    id: int
    name: str
    device_serial: str
    device_state: DeviceState | None = Field(description="null when no agent registered it yet")
    app: str
    timezone: str
    daily_post_cap: int
    quiet_hours: QuietHours | None
    publish_mode: PublishMode
    tags: list[str]
    messages_per_minute: int | None = Field(description="chat reply cap (null: the default)")
    posting_slots: list[str] = Field(
        default_factory=list, description='local "HH:MM" posting time slots'
    )
    created_at: datetime
    updated_at: datetime
