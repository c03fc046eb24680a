"""Recurring posts: the right occurrences, checked at enqueue time, stopping at the end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
