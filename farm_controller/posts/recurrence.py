"""When a post's occurrences are: once, every N seconds, or on a 5-field cron expression.

Intervals are exact durations counted from the first run time (UTC). Cron expressions are
read in the post's IANA time zone, so ``0 9 * * 1-5`` means 09:00 local on weekdays, also
across daylight-saving changes. Both end at `until` (inclusive).

On the days clocks change, a cron slot still fires once that local day:

- a wall-clock time that occurs twice (01:30 on the night New York goes back from EDT to
  EST) fires at its first instant only (05:30Z, not also 06:30Z) — unless the post
  started between the two, when the second is that day's only one;
- a wall-clock time that does not exist (02:30 on the night clocks go forward) fires once,
  shifted by the change (03:30 EDT).

The cron dialect is classic crontab (minute hour day-of-month month day-of-week, with
``*``, ``a-b``, ``a,b``, ``*/n`` and names), with two deliberate differences spelled out:

- day of week ``0`` and ``7`` are Sunday, as in crontab; APScheduler 3 alone would read
  ``0`` as Monday, so the field is translated to weekday names here;
- restricting both day of month and day of week is refused (crontab ORs them, APScheduler
  ANDs them: either would surprise someone).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

MIN_INTERVAL_SECONDS = 60
MAX_SPAN = timedelta(days=366)
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _weekday(token: str) -> int:
    token = token.strip().lower()
    if token[:3] in _DAY_NAMES and token.isalpha():
        return _DAY_NAMES.index(token[:3])
    if not token.isdigit() or not 0 <= int(token) <= 7:
        raise ValueError(f"day of week {token!r} is not 0-7 or a day name")
    return int(token) % 7


def crontab_weekdays(field: str) -> str:
    """Translate a crontab day-of-week field (0 or 7 = Sunday) to APScheduler day names.

    Raises:
        ValueError: The field is not a valid crontab day-of-week field.
    """
    if field == "*":
        return "*"
    days: set[int] = set()
    for item in field.split(","):
        span, _, step_text = item.partition("/")
        step = int(step_text) if step_text else 1
        if step_text and (not step_text.isdigit() or step < 1):
            raise ValueError(f"bad step in day of week {item!r}")
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            low, high = span.split("-", 1)
            first, last = _weekday(low), _weekday(high)
            if high.strip() == "7":
                last = 7  # "1-7" means Monday to Sunday
            if last < first:
                raise ValueError(f"day-of-week range {span!r} runs backwards")
        else:
            first = last = _weekday(span)
            if step_text:
                last = 6
        days.update(day % 7 for day in range(first, last + 1, step))
    if not days:
        raise ValueError("day of week selects no day")
    # APScheduler counts weekdays from Monday; names avoid that trap entirely.
    ordered = sorted(days, key=lambda day: (day + 6) % 7)
    return ",".join(_DAY_NAMES[day] for day in ordered)


@functools.lru_cache(maxsize=256)
def cron_trigger(expression: str, timezone: str) -> CronTrigger:
    """An APScheduler trigger for a crontab expression in `timezone` (cached: the calendar
    asks for thousands of occurrences).

    Raises:
        ValueError: The expression is not a valid 5-field crontab expression (the
            message says what is wrong).
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(
            f"a cron expression has 5 fields (minute hour day month weekday); got {len(fields)}"
        )
    minute, hour, day, month, weekday = fields
    if day != "*" and weekday != "*":
        raise ValueError("restrict day of month or day of week, not both")
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=crontab_weekdays(weekday),
            second=0,
            timezone=ZoneInfo(timezone),
        )
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invalid cron expression {expression!r}: {exc}") from None


@dataclass(frozen=True)
class Schedule:
    """The occurrences of one post.

    Attributes:
        run_at: The requested run time (aware). A cron schedule starts at its first match at
            or after it; the other kinds start at it.
        timezone: IANA zone the cron expression is read in.
        interval_seconds: Repeat every this many seconds.
        cron: Repeat on this crontab expression.
        until: Last moment an occurrence may have (inclusive); required for a recurrence.
    """

    run_at: datetime
    timezone: str = "UTC"
    interval_seconds: int | None = None
    cron: str | None = None
    until: datetime | None = None

    @property
    def recurring(self) -> bool:
        """True when there is more than one occurrence."""
        return self.interval_seconds is not None or self.cron is not None

    def first(self) -> datetime | None:
        """The first occurrence (UTC), or None when a cron schedule never matches in time."""
        start = self.run_at.astimezone(UTC)
        if self.cron is None:
            return start
        return self._next_cron(start - timedelta(microseconds=1))

    def next_after(self, moment: datetime) -> datetime | None:
        """The first occurrence strictly after `moment`, or None when the schedule ended."""
        moment = moment.astimezone(UTC)
        if self.interval_seconds is not None:
            start = self.run_at.astimezone(UTC)
            if moment < start:
                candidate = start
            else:
                steps = math.floor((moment - start).total_seconds() / self.interval_seconds) + 1
                candidate = start + timedelta(seconds=steps * self.interval_seconds)
            return self._within(candidate)
        if self.cron is not None:
            return self._next_cron(moment)
        first = self.first()
        return first if first is not None and first > moment else None

    def occurrences(self, limit: int = 10_000) -> list[datetime]:
        """Every occurrence in order (at most `limit`)."""
        found: list[datetime] = []
        current = self.first()
        while current is not None and len(found) < limit:
            found.append(current)
            if not self.recurring:
                break
            current = self.next_after(current)
        return found

    def _next_cron(self, moment: datetime) -> datetime | None:
        assert self.cron is not None
        trigger = cron_trigger(self.cron, self.timezone)
        zone = ZoneInfo(self.timezone)
        start = self.run_at.astimezone(UTC)
        # Whole seconds: the trigger rounds `now` up to the next second itself.
        after = moment.replace(microsecond=0) + timedelta(seconds=1)
        while True:
            fire = trigger.get_next_fire_time(None, after)
            if fire is None:
                return None
            found = self._within(fire.astimezone(UTC))
            if found is None:
                return None
            twin = earlier_twin(found, zone)
            if twin is None or twin < start:
                return found
            # The repeat of a wall-clock time the schedule already fired at (or will).
            after = found + timedelta(seconds=1)

    def _within(self, moment: datetime) -> datetime | None:
        if self.until is not None and moment > self.until:
            return None
        return moment


def earlier_twin(moment: datetime, zone: ZoneInfo) -> datetime | None:
    """The earlier instant with the same wall-clock time in `zone` as `moment`, if any.

    Only on the night clocks go back does a wall-clock time occur twice: for the second
    occurrence (``fold=1``) this is the first (UTC); for every other moment, None.
    """
    wall = moment.astimezone(zone).replace(tzinfo=None)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    return first if first < moment else None
