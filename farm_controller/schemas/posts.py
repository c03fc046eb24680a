"""Posts: text and images for some accounts, at a run time or on a recurrence."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from farm_controller.schemas.media import MediaOut
from farm_controller.schemas.types import DbId, Storable, TypeableText, UtcAware
from farm_protocol.posts import Decision, TargetState

PostState = Literal["scheduled", "dispatched", "cancelled"]
"""`scheduled`: occurrences remain to be queued; `dispatched`: all were; `cancelled`."""


class RecurrenceIn(BaseModel):
    """Repeat a post every `interval_seconds`, or on a 5-field `cron` expression, until `until`.

    The cron expression is read in the post's `timezone`; day of week 0 and 7 are Sunday.
    """

    model_config = ConfigDict(extra="forbid")

    interval_seconds: int | None = Field(default=None, ge=60, le=366 * 86400)
    cron: Storable | None = Field(default=None, min_length=9, max_length=200)
    until: UtcAware

    @model_validator(mode="after")
    def _one_kind(self) -> RecurrenceIn:
        if (self.interval_seconds is None) == (self.cron is None):
            raise ValueError("give either interval_seconds or cron")
        return self


class PostCreate(BaseModel):
    """A new post. With multipart, send this as the `post` field and images as `files`."""

    model_config = ConfigDict(extra="forbid")

    text: TypeableText = Field(default="", max_length=100_000)
    media_ids: list[Annotated[Storable, Field(max_length=64)]] = Field(
        default_factory=list, max_length=100
    )
    account_ids: list[DbId] = Field(default_factory=list, max_length=1000)
    run_at: UtcAware | None = Field(default=None, description="timezone-aware; now when omitted")
    timezone: Storable | None = Field(
        default=None,
        max_length=64,
        description="IANA zone for cron; the first account's when omitted",
    )
    recurrence: RecurrenceIn | None = None
    allow_duplicate: bool = Field(
        default=False, description="post even when the same text went to an account within 24 h"
    )
    created_by: Storable | None = Field(default=None, max_length=200)


class RecurrenceOut(BaseModel):
    """A post's recurrence."""

    interval_seconds: int | None
    cron: str | None
    until: datetime | None


class TargetOut(BaseModel):
    """One occurrence of a post for one account."""

    id: int
    post_id: int
    account_id: int
    account_name: str
    occurrence_at: datetime
    state: TargetState
    job_id: str | None
    decision: Decision | None
    decided_by: str | None
    decided_at: datetime | None
    screenshot_url: str | None = Field(description="confirm mode: the parked screen")
    published_at: datetime | None
    error: str | None
    updated_at: datetime


class PostSummary(BaseModel):
    """A post and how many of its targets are in each state."""

    id: int
    text: str
    media: list[MediaOut]
    account_ids: list[int]
    run_at: datetime
    timezone: str
    recurrence: RecurrenceOut | None
    created_by: str
    state: PostState
    created_at: datetime
    cancelled_at: datetime | None
    target_counts: dict[TargetState, int]


class PostOut(PostSummary):
    """A post with every target (one per account and occurrence so far)."""

    targets: list[TargetOut]
    next_occurrence_at: datetime | None = Field(description="the next occurrence not yet queued")


class DecisionIn(BaseModel):
    """Who decides (optional until users exist)."""

    model_config = ConfigDict(extra="forbid")

    by: Storable | None = Field(default=None, max_length=200)
