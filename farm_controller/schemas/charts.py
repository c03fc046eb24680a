"""Chart data: aggregates computed by the controller, drawn by the console."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class PostsDay(BaseModel):
    """Post targets of one local day, by outcome."""

    day: date
    published: int
    failed: int
    unconfirmed: int
    skipped: int = Field(description="cap_reached or quiet_hours")
    pending: int = Field(description="not final yet: scheduled, queued, publishing, parked")


class PostsChart(BaseModel):
    """Posts per day (by the day each occurrence was due, in `timezone`)."""

    timezone: str
    days: list[PostsDay]


class ResponseDay(BaseModel):
    """First-response times of the conversations whose customer first wrote that day."""

    day: date
    conversations: int
    answered: int
    median_seconds: float | None
    p90_seconds: float | None


class FirstResponseChart(BaseModel):
    """Chat first-response time per day."""

    timezone: str
    days: list[ResponseDay]


class DeviceOnlineChart(BaseModel):
    """Device online time, when the controller has the history to compute it."""

    available: bool
    reason: str
