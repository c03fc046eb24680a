"""The calendar, the composer's checks, posting time slots and CSV import as the API shows
them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from farm_controller.schemas.errors import ErrorItem
from farm_controller.schemas.types import DbId, UtcAware

EntryState = Literal[
    "planned",
    "scheduled",
    "queued",
    "publishing",
    "awaiting_confirmation",
    "published",
    "failed",
    "unconfirmed",
    "cancelled",
    "cap_reached",
    "quiet_hours",
]
"""A target's state; `planned`: a later occurrence of a recurrence, not stored yet."""

Slot = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="local HH:MM")]


class CalendarEntry(BaseModel):
    """One post for one account at one time."""

    post_id: int
    account_id: int
    account_name: str
    at: datetime
    state: EntryState
    target_id: int | None = Field(description="null for a planned occurrence")
    job_id: str | None
    text: str = Field(description="the first 200 characters")
    image_count: int
    thumbnail_url: str | None
    recurring: bool
    timezone: str
    published_at: datetime | None
    error: str | None


class CalendarOut(BaseModel):
    """The entries in [start, end), earliest first."""

    start: datetime
    end: datetime
    entries: list[CalendarEntry]
    truncated: bool = Field(description="more entries than the limit: narrow the range")


class CheckOut(BaseModel):
    """What submitting this post would meet; nothing is stored."""

    ok: bool = Field(description="true: POST /posts would accept it as it is")
    errors: list[ErrorItem] = Field(description="the request is wrong (422)")
    conflicts: list[ErrorItem] = Field(
        description="conflicts with stored posts (409): cap_reached; duplicate (allow_duplicate)"
    )
    warnings: list[ErrorItem] = Field(description="later occurrences that will be skipped")
    occurrences: list[datetime] = Field(description="the first occurrences")
    occurrence_count: int


class NextSlotIn(BaseModel):
    """Find the next time every one of these accounts has a free posting slot."""

    model_config = ConfigDict(extra="forbid")

    account_ids: list[DbId] = Field(min_length=1, max_length=500)
    after: UtcAware | None = Field(default=None, description="now when omitted")


class AccountSlot(BaseModel):
    """One account's slots and its own next free one."""

    account_id: int
    account_name: str
    timezone: str
    slots: list[str]
    next_free: datetime | None


class NextSlotOut(BaseModel):
    """The earliest time that is a free slot for every account (null: none in 14 days)."""

    at: datetime | None
    accounts: list[AccountSlot]


class SlotsIn(BaseModel):
    """An account's posting time slots (local times; empty: none)."""

    model_config = ConfigDict(extra="forbid")

    slots: list[Slot] = Field(max_length=48)


class ImportRow(BaseModel):
    """What became of one CSV row (numbered from 2: row 1 is the header)."""

    row: int
    post_id: int | None
    problems: list[ErrorItem]


class ImportOut(BaseModel):
    """The result of a CSV import (with dry_run, nothing was stored)."""

    dry_run: bool
    created: int
    failed: int
    rows: list[ImportRow]
