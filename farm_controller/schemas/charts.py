"""Chart data: aggregates computed by the controller, drawn by the console."""

from __future__ import annotations

from datetime import date, datetime

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


class OnlineDay(BaseModel):
    """The fleet's online time on one local day."""

    day: date
    online_hours: float = Field(description="hours online (or busy), summed over the phones")
    phones: int = Field(description="phones seen that day: in any state but offline at some moment")
    hours: float = Field(
        description=(
            "hours of the day counted: 24 (23 or 25 on a daylight-saving change), up to now "
            "today, none before the history began"
        )
    )
    availability: float | None = Field(
        description="online_hours / (phones × hours), 0–1; null without phones or hours"
    )


class DeviceOnlineChart(BaseModel):
    """Device online time per day (by the phones' recorded state history, in `timezone`)."""

    timezone: str
    host: str | None = Field(description="only this host's phones; null for the whole fleet")
    recorded_since: datetime | None = Field(
        description="when the state history began; null when no phone was ever registered"
    )
    days: list[OnlineDay]
