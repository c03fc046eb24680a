"""Recurring posts: the right occurrences, checked at enqueue time, stopping at the end."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from controller_support import FakeAgent, create_account, submit_post

from farm_controller.posts.dispatch import dispatch_due
from farm_controller.posts.recurrence import Schedule, cron_trigger, crontab_weekdays
from farm_controller.runtime import Runtime
from farm_protocol.jobs import JobKind
from tests.helpers.clock import START, FakeClock

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_an_interval_repeats_from_the_first_run_time_until_the_end() -> None:
    schedule = Schedule(
        run_at=START, interval_seconds=3600, until=START + timedelta(hours=3, minutes=30)
    )
    assert schedule.occurrences() == [START + timedelta(hours=h) for h in range(4)]
    assert schedule.next_after(START + timedelta(minutes=1)) == START + timedelta(hours=1)
    assert schedule.next_after(START - timedelta(days=1)) == START
    assert schedule.next_after(START + timedelta(hours=3)) is None


def test_an_end_on_an_occurrence_includes_it() -> None:
    schedule = Schedule(run_at=START, interval_seconds=600, until=START + timedelta(minutes=20))
    assert len(schedule.occurrences()) == 3


def test_cron_is_read_in_the_posts_time_zone() -> None:
    saturday = datetime(2030, 1, 5, 12, 0, tzinfo=SHANGHAI)
    schedule = Schedule(
        run_at=saturday,
        timezone="Asia/Shanghai",
        cron="30 9 * * 1-5",
        until=datetime(2030, 1, 9, 23, 0, tzinfo=SHANGHAI),
    )
    local = [moment.astimezone(SHANGHAI) for moment in schedule.occurrences()]
    assert [(m.day, m.hour, m.minute) for m in local] == [(7, 9, 30), (8, 9, 30), (9, 9, 30)]
    assert all(moment.tzinfo is UTC for moment in schedule.occurrences())
    assert schedule.first() == datetime(2030, 1, 7, 1, 30, tzinfo=UTC)


def test_cron_follows_daylight_saving_time() -> None:
    # New York switches to summer time on 2030-03-10: 08:00 local moves from 13:00 to 12:00 UTC.
    schedule = Schedule(
        run_at=datetime(2030, 3, 9, tzinfo=UTC),
        timezone="America/New_York",
        cron="0 8 * * *",
        until=datetime(2030, 3, 11, 23, tzinfo=UTC),
    )
    assert [m.hour for m in schedule.occurrences()] == [13, 12, 12]


NEW_YORK = ZoneInfo("America/New_York")


def test_a_wall_clock_time_that_occurs_twice_fires_once_at_the_first() -> None:
    # 2027-11-07: New York goes back from EDT to EST at 02:00; 01:30 happens twice.
    schedule = Schedule(
        run_at=datetime(2027, 11, 6, tzinfo=UTC),
        timezone="America/New_York",
        cron="30 1 * * *",
        until=datetime(2027, 11, 9, tzinfo=UTC),
    )
    assert schedule.occurrences() == [
        datetime(2027, 11, 6, 5, 30, tzinfo=UTC),
        datetime(2027, 11, 7, 5, 30, tzinfo=UTC),  # 01:30 EDT; not 06:30Z (01:30 EST) too
        datetime(2027, 11, 8, 6, 30, tzinfo=UTC),
    ]
    assert schedule.next_after(datetime(2027, 11, 7, 5, 30, tzinfo=UTC)) == datetime(
        2027, 11, 8, 6, 30, tzinfo=UTC
    )
    # Every half hour from 01:00: 01:00 and 01:30 once each, 02:00 (EST) after them.
    halves = Schedule(
        run_at=datetime(2027, 11, 7, 4, tzinfo=UTC),
        timezone="America/New_York",
        cron="*/30 1-2 * * *",
        until=datetime(2027, 11, 7, 8, tzinfo=UTC),
    )
    assert [m.astimezone(NEW_YORK).strftime("%H:%M%Z") for m in halves.occurrences()] == [
        "01:00EDT",
        "01:30EDT",
        "02:00EST",
        "02:30EST",
    ]


def test_a_post_that_starts_between_the_two_fires_at_the_second() -> None:
    schedule = Schedule(
        run_at=datetime(2027, 11, 7, 6, tzinfo=UTC),  # 01:00 EST, after 01:30 EDT
        timezone="America/New_York",
        cron="30 1 * * *",
        until=datetime(2027, 11, 9, tzinfo=UTC),
    )
    assert schedule.occurrences()[:2] == [
        datetime(2027, 11, 7, 6, 30, tzinfo=UTC),
        datetime(2027, 11, 8, 6, 30, tzinfo=UTC),
    ]


def test_a_wall_clock_time_that_does_not_exist_fires_once_shifted() -> None:
    # 2027-03-14: New York goes forward at 02:00; 02:30 does not exist that day.
    schedule = Schedule(
        run_at=datetime(2027, 3, 13, tzinfo=UTC),
        timezone="America/New_York",
        cron="30 2 * * *",
        until=datetime(2027, 3, 16, tzinfo=UTC),
    )
    assert schedule.occurrences() == [
        datetime(2027, 3, 13, 7, 30, tzinfo=UTC),
        datetime(2027, 3, 14, 7, 30, tzinfo=UTC),  # 03:30 EDT
        datetime(2027, 3, 15, 6, 30, tzinfo=UTC),
    ]


DST_ZONES = (
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # a 30-minute change
    "America/Havana",  # changes at midnight
    "America/Santiago",
    "Pacific/Chatham",  # +12:45 / +13:45
    "Asia/Shanghai",  # none: the control
)


def _transitions(zone: ZoneInfo, year: int) -> list[datetime]:
    """The instants (UTC, to the hour) at which `zone` changes its offset in `year`."""
    moment = datetime(year, 1, 1, tzinfo=UTC)
    found = []
    while moment.year == year:
        later = moment + timedelta(minutes=15)
        if moment.astimezone(zone).utcoffset() != later.astimezone(zone).utcoffset():
            found.append(later)
        moment = later
    return found


def _values(rng: random.Random, top: int) -> tuple[str, set[int]]:
    """A random cron field for 0..top and the values it selects."""
    kind = rng.choice(["one", "list", "range", "step", "star"])
    if kind == "one":
        value = rng.randrange(top + 1)
        return str(value), {value}
    if kind == "list":
        values = set(rng.sample(range(top + 1), 3))
        return ",".join(map(str, sorted(values))), values
    if kind == "range":
        low = rng.randrange(top)
        high = rng.randrange(low, min(top, low + 4) + 1)
        return f"{low}-{high}", set(range(low, high + 1))
    step = rng.choice([15, 20, 30]) if top == 59 else rng.choice([2, 3, 6])
    return f"*/{step}", set(range(0, top + 1, step))


def test_dst_changes_never_fire_one_cron_slot_twice_on_one_local_day() -> None:
    """Property test: seeded random cron expressions around every offset change of 2027 in
    several zones. Every wall-clock slot that exists fires exactly once, at its first
    instant when it occurs twice; one that does not exist fires at most once, shifted into
    the hour after the change; no local day has two occurrences at one wall-clock time."""
    rng = random.Random(15)
    checked = repeated = missing = 0
    for name in DST_ZONES:
        zone = ZoneInfo(name)
        changes = _transitions(zone, 2027) or [datetime(2027, 6, 1, tzinfo=UTC)]
        for change in changes:
            local_hour = change.astimezone(zone).hour
            for _ in range(8):
                minute_field, minutes = _values(rng, 59)
                hour_field, hours = _values(rng, 23)
                if rng.random() < 0.6:  # most often the hours around the change
                    hours = {(local_hour - 1) % 24, local_hour, (local_hour + 1) % 24}
                    hour_field = ",".join(map(str, sorted(hours)))
                start = change - timedelta(days=2)
                until = change + timedelta(days=2)
                cron = f"{minute_field} {hour_field} * * *"
                schedule = Schedule(run_at=start, timezone=name, cron=cron, until=until)
                got = schedule.occurrences()
                where = (name, cron, change)
                assert got == sorted(set(got)), where
                existing: set[datetime] = set()
                gap_slots = 0
                first_day = start.astimezone(zone).date()
                for offset in range(6):
                    day = date.fromordinal(first_day.toordinal() + offset)
                    for hour in hours:
                        for minute in minutes:
                            wall = datetime(day.year, day.month, day.day, hour, minute)
                            moment = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
                            if not start <= moment <= until:
                                continue
                            if moment.astimezone(zone).replace(tzinfo=None) != wall:
                                gap_slots += 1  # no such wall-clock time that day
                                continue
                            if wall.replace(tzinfo=zone, fold=1).astimezone(UTC) != moment:
                                repeated += 1  # occurs twice: the first instant only
                            existing.add(moment)
                assert existing <= set(got), where
                shifted = [m for m in got if m not in existing]
                assert len(shifted) <= gap_slots, where
                assert all(change <= m < change + timedelta(hours=2) for m in shifted), where
                missing += gap_slots
                slots = [
                    (m.astimezone(zone).date(), m.astimezone(zone).strftime("%H:%M")) for m in got
                ]
                assert len(slots) == len(set(slots)), where
                checked += len(got)
    assert checked > 1000 and repeated > 50 and missing > 50, (checked, repeated, missing)


@pytest.mark.parametrize(
    ("field", "days"),
    [
        ("*", "*"),
        ("0", "sun"),
        ("7", "sun"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("1-7", "mon,tue,wed,thu,fri,sat,sun"),
        ("6,0", "sat,sun"),
        ("*/2", "tue,thu,sat,sun"),
        ("sun,mon", "mon,sun"),
        ("MON-fri", "mon,tue,wed,thu,fri"),
    ],
)
def test_crontab_weekdays_count_sunday_as_zero(field: str, days: str) -> None:
    assert crontab_weekdays(field) == days


def test_sunday_zero_fires_on_sunday() -> None:
    trigger = cron_trigger("0 10 * * 0", "UTC")
    fire = trigger.get_next_fire_time(None, datetime(2030, 1, 1, tzinfo=UTC))  # a Tuesday
    assert fire is not None and fire.strftime("%A") == "Sunday"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("0 9 * *", "5 fields"),
        ("0 9 1 * 1", "not both"),
        ("61 9 * * *", "invalid cron"),
        ("0 9 * * 8", "day of week"),
        ("0 9 * * 5-1", "backwards"),
    ],
)
def test_bad_cron_expressions_are_explained(expression: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cron_trigger(expression, "UTC")


def jobs_by_occurrence(rt: Runtime) -> list[str]:
    return sorted(
        str(job.payload["occurrence_at"]) for job in rt.jobs.list(kind=JobKind.PUBLISH_POST)
    )


def test_dispatch_makes_each_occurrence_once_checks_caps_and_quiet_hours_and_stops(
    client: httpx.Client, agent: FakeAgent, rt: Runtime, clock: FakeClock
) -> None:
    agent.register("S1")
    account = create_account(
        client,
        "hourly",
        "S1",
        daily_post_cap=3,
        quiet_hours={"start": "12:00", "end": "13:00"},
    )
    until = START + timedelta(hours=5)
    response = submit_post(
        client,
        text="每小时",
        account_ids=[account["id"]],
        run_at=START + timedelta(hours=1),
        recurrence={"interval_seconds": 3600, "until": until},
    )
    assert response.status_code == 201, response.text
    post = response.json()
    assert post["recurrence"]["interval_seconds"] == 3600
    assert post["next_occurrence_at"] == "2030-01-01T10:00:00Z"

    outcomes = {}
    for hour in range(10, 17):  # 10:00 … 16:00 UTC; occurrences 10, 11, 12, 13, 14
        clock.now = START.replace(hour=hour)
        dispatch_due(rt)
        dispatch_due(rt)  # a double fire changes nothing
        shown = client.get(f"/api/v1/posts/{post['id']}").json()
        outcomes = {t["occurrence_at"][11:16]: t["state"] for t in shown["targets"]}
    assert outcomes == {
        "10:00": "queued",
        "11:00": "queued",
        "12:00": "quiet_hours",  # its own outcome, not retried
        "13:00": "queued",
        "14:00": "cap_reached",  # three already that day: its own outcome, not retried
    }
    assert shown["state"] == "dispatched"
    assert shown["next_occurrence_at"] is None
    assert len(jobs_by_occurrence(rt)) == 3
    assert len(set(jobs_by_occurrence(rt))) == 3


def test_a_cancelled_recurrence_makes_no_more_occurrences(
    client: httpx.Client, agent: FakeAgent, rt: Runtime, clock: FakeClock
) -> None:
    agent.register("S1")
    account = create_account(client, "daily", "S1")
    post = submit_post(
        client,
        text="早安",
        account_ids=[account["id"]],
        recurrence={"cron": "0 9 * * *", "until": START + timedelta(days=10)},
    ).json()
    dispatch_due(rt)
    assert len(jobs_by_occurrence(rt)) == 1  # today 09:00 (the run time is now)
    cancelled = client.post(f"/api/v1/posts/{post['id']}/cancel").json()
    assert cancelled["state"] == "cancelled"
    assert {t["state"] for t in cancelled["targets"]} == {"cancelled"}
    clock.advance(3 * 86400)
    dispatch_due(rt)
    assert len(jobs_by_occurrence(rt)) == 1
    # Cancelling again is harmless.
    assert client.post(f"/api/v1/posts/{post['id']}/cancel").status_code == 200


def test_the_calendar_lists_a_daily_post_once_on_the_night_clocks_go_back(
    client: httpx.Client,
) -> None:
    # 2030-11-03: New York goes back from EDT to EST at 02:00.
    account = create_account(client, "ny", "S1", timezone="America/New_York")
    response = submit_post(
        client,
        text="早安",
        account_ids=[account["id"]],
        run_at=datetime(2030, 11, 1, tzinfo=UTC),
        timezone="America/New_York",
        recurrence={"cron": "30 1 * * *", "until": datetime(2030, 11, 6, tzinfo=UTC)},
    )
    assert response.status_code == 201, response.text
    listed = client.get(
        "/api/v1/calendar",
        params={"start": "2030-11-02T00:00:00Z", "end": "2030-11-05T00:00:00Z"},
    )
    assert listed.status_code == 200, listed.text
    assert [entry["at"] for entry in listed.json()["entries"]] == [
        "2030-11-02T05:30:00Z",
        "2030-11-03T05:30:00Z",
        "2030-11-04T06:30:00Z",
    ]
