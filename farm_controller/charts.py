"""Chart aggregates: posts per day by outcome, chat first-response time per day.

Days are local days in the viewer's time zone. Device online time is not computed: the
controller stores each phone's current state and when it was last seen, not the history
of its states, so there is nothing to add up (`device_online` says so).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from farm_controller.models import Conversation, PostTarget
from farm_controller.schemas.charts import (
    DeviceOnlineChart,
    FirstResponseChart,
    PostsChart,
    PostsDay,
    ResponseDay,
)
from farm_protocol.posts import TargetState

_OUTCOME = {
    TargetState.PUBLISHED: "published",
    TargetState.FAILED: "failed",
    TargetState.UNCONFIRMED: "unconfirmed",
    TargetState.CAP_REACHED: "skipped",
    TargetState.QUIET_HOURS: "skipped",
    TargetState.SCHEDULED: "pending",
    TargetState.QUEUED: "pending",
    TargetState.PUBLISHING: "pending",
    TargetState.AWAITING_CONFIRMATION: "pending",
}


def _days(now: datetime, days: int, zone: ZoneInfo) -> tuple[list[date], datetime, datetime]:
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=zone)
    after = today + timedelta(days=1)
    end = datetime(after.year, after.month, after.day, tzinfo=zone)
    return [first + timedelta(days=i) for i in range(days)], start, end


def posts_per_day(session: Session, now: datetime, days: int, timezone: str) -> PostsChart:
    """Targets due on each of the last `days` local days, by outcome (cancelled left out)."""
    zone = ZoneInfo(timezone)
    labels, start, end = _days(now, days, zone)
    counts: dict[date, dict[str, int]] = {day: defaultdict(int) for day in labels}
    rows = session.execute(
        select(PostTarget.occurrence_at, PostTarget.state).where(
            PostTarget.occurrence_at >= start, PostTarget.occurrence_at < end
        )
    )
    for moment, state in rows:
        kind = _OUTCOME.get(state)
        day = moment.astimezone(zone).date()
        if kind is not None and day in counts:
            counts[day][kind] += 1
    return PostsChart(
        timezone=timezone,
        days=[
            PostsDay(
                day=day,
                published=counts[day]["published"],
                failed=counts[day]["failed"],
                unconfirmed=counts[day]["unconfirmed"],
                skipped=counts[day]["skipped"],
                pending=counts[day]["pending"],
            )
            for day in labels
        ],
    )


def _quantile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    index = max(0, math.ceil(q * len(sorted_values)) - 1)
    return sorted_values[index]


def first_response(session: Session, now: datetime, days: int, timezone: str) -> FirstResponseChart:
    """Median and 90th percentile first-response time by the day the customer first wrote."""
    zone = ZoneInfo(timezone)
    labels, start, end = _days(now, days, zone)
    waits: dict[date, list[float]] = {day: [] for day in labels}
    totals: dict[date, int] = dict.fromkeys(labels, 0)
    rows = session.execute(
        select(Conversation.first_inbound_at, Conversation.first_response_at).where(
            Conversation.first_inbound_at >= start, Conversation.first_inbound_at < end
        )
    )
    for inbound, response in rows:
        if inbound is None:
            continue
        day = inbound.astimezone(zone).date()
        if day not in totals:
            continue
        totals[day] += 1
        if response is not None:
            waits[day].append(max(0.0, (response - inbound).total_seconds()))
    out = []
    for day in labels:
        values = sorted(waits[day])
        out.append(
            ResponseDay(
                day=day,
                conversations=totals[day],
                answered=len(values),
                median_seconds=_quantile(values, 0.5),
                p90_seconds=_quantile(values, 0.9),
            )
        )
    return FirstResponseChart(timezone=timezone, days=out)


def device_online() -> DeviceOnlineChart:
    """Device online time is not recorded (see the module docstring)."""
    return DeviceOnlineChart(
        available=False,
        reason=(
            "the controller keeps each phone's current state and last heartbeat, not the "
            "history of its states, so online time cannot be computed yet"
        ),
    )
