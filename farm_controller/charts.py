"""Chart aggregates: posts per day by outcome, chat first-response time per day, and
device online time per day.

Days are local days in the viewer's time zone. Device online time adds up the phones'
state history (`DeviceStateSpan`, kept by `fleet.set_state`: a span per stretch of time
in one state on one host, written only when the state changes). `online` and `busy`
count as online; a day's availability is its online hours over the phones seen that day
times the hours of it that have passed (today up to now; none before the history began,
which is when the migration that created it ran).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from farm_controller.fleet.registry import ONLINE_STATES
from farm_controller.models import Conversation, DeviceStateSpan, PostTarget
from farm_controller.schemas.charts import (
    DeviceOnlineChart,
    FirstResponseChart,
    OnlineDay,
    PostsChart,
    PostsDay,
    ResponseDay,
)
from farm_protocol.device import DeviceState
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


def device_online(
    session: Session, now: datetime, days: int, timezone: str, host: str | None = None
) -> DeviceOnlineChart:
    """Hours online per local day, summed over the fleet (or one host's phones).

    Adds up the state history (`DeviceStateSpan`): `online` and `busy` count as online;
    `offline`, `error` and `unauthorized` do not. A phone counts on a day when it was in
    any state but `offline` at some moment of it. A day's `hours` run from its start (or
    from when the history began) to its end (or to `now`, today).
    """
    zone = ZoneInfo(timezone)
    labels, start, end = _days(now, days, zone)
    # Day bounds as UTC instants: aware datetimes that share a tzinfo subtract as wall
    # clocks, which would give every day 24 h, also the two a year that have 23 and 25.
    bounds = [_day_start(day, zone) for day in [*labels, labels[-1] + timedelta(days=1)]]
    limit = min(end.astimezone(UTC), now.astimezone(UTC))
    recorded_since = session.scalar(select(func.min(DeviceStateSpan.started_at)))
    query = (
        select(
            DeviceStateSpan.serial,
            DeviceStateSpan.state,
            DeviceStateSpan.started_at,
            DeviceStateSpan.ended_at,
        )
        .where(
            DeviceStateSpan.started_at < limit,
            or_(DeviceStateSpan.ended_at.is_(None), DeviceStateSpan.ended_at > start),
        )
        .order_by(DeviceStateSpan.serial, DeviceStateSpan.started_at, DeviceStateSpan.id)
    )
    if host is not None:
        query = query.where(DeviceStateSpan.host_name == host)
    online = [0.0] * len(labels)
    seen: list[set[str]] = [set() for _ in labels]
    spans = list(session.execute(query))
    for index, (serial, state, began, ended) in enumerate(spans):
        stop = min(ended or limit, limit)
        if index + 1 < len(spans) and spans[index + 1].serial == serial:
            stop = min(stop, spans[index + 1].started_at)  # spans never overlap
        stop = max(stop, began)
        first = max(0, bisect_right(bounds, began) - 1)
        for i in range(first, len(labels)):
            day_start, day_end = bounds[i], bounds[i + 1]
            if day_start >= stop and not began == stop == day_start:
                break  # (an instant span at a day's start still counts on that day)
            if state is not DeviceState.OFFLINE:
                seen[i].add(serial)
            if state in ONLINE_STATES:
                overlap = (min(stop, day_end) - max(began, day_start)).total_seconds()
                online[i] += max(0.0, overlap)
    out = []
    for i, day in enumerate(labels):
        counted_from = max(bounds[i], recorded_since) if recorded_since else bounds[i + 1]
        hours = max(0.0, (min(bounds[i + 1], limit) - counted_from).total_seconds()) / 3600
        phones = len(seen[i])
        online_hours = online[i] / 3600
        out.append(
            OnlineDay(
                day=day,
                online_hours=round(online_hours, 4),
                phones=phones,
                hours=round(hours, 4),
                availability=(
                    round(min(1.0, online_hours / (phones * hours)), 4)
                    if phones and hours > 0
                    else None
                ),
            )
        )
    return DeviceOnlineChart(timezone=timezone, host=host, recorded_since=recorded_since, days=out)


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
