"""Restarting the controller on the same database loses nothing and repeats nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
from controller_support import FakeAgent, SettingsFactory, api_headers, create_account, submit_post

from farm_controller import create_app
from farm_controller.runtime import Runtime
from farm_controller.scheduler import sweep
from farm_protocol.jobs import JobKind, JobState
from tests.helpers.clock import START, FakeClock
from tests.helpers.servers import serving


@contextmanager
def controller(
    make_settings: SettingsFactory, clock: FakeClock
) -> Iterator[tuple[httpx.Client, Runtime]]:
    """A controller process: its start-up sweep runs; the periodic one is far away."""
    settings = make_settings(scheduler_enabled=True, sweep_interval=3600, reaper_interval=3600)
    app = create_app(settings, clock=clock)
    with serving(app) as url, httpx.Client(base_url=url) as http:
        http.headers.update(api_headers())
        yield http, app.state.runtime


def publish_keys(http: httpx.Client) -> list[str]:
    jobs = http.get("/api/v1/jobs", params={"kind": JobKind.PUBLISH_POST}).json()
    return sorted(job["idempotency_key"] for job in jobs)


def test_restart_keeps_jobs_and_schedules_and_catches_up_exactly_once(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    with controller(make_settings, clock) as (http, rt):
        FakeAgent(http).register("S1")
        account = create_account(http, "shop", "S1", daily_post_cap=20)
        now_post = submit_post(http, text="now", account_ids=[account["id"]]).json()
        sweep(rt)  # its run time is now: queued before the stop
        later = submit_post(
            http, text="later", account_ids=[account["id"]], run_at=START + timedelta(hours=1)
        ).json()
        hourly = submit_post(
            http,
            text="hourly",
            account_ids=[account["id"]],
            run_at=START + timedelta(minutes=30),
            recurrence={"interval_seconds": 3600, "until": START + timedelta(hours=4)},
        ).json()
        assert len(publish_keys(http)) == 1

    clock.advance(2 * 3600)  # the controller is down from 09:00 to 11:00

    with controller(make_settings, clock) as (http, rt):
        # The queued job survived; the start-up sweep queued what fell due meanwhile.
        keys = publish_keys(http)
        assert len(keys) == 4
        assert sum(key.startswith(f"post:{now_post['id']}:") for key in keys) == 1
        assert sum(key.startswith(f"post:{later['id']}:") for key in keys) == 1
        hourly_keys = [key for key in keys if key.startswith(f"post:{hourly['id']}:")]
        assert [key.split(":", 3)[3][11:16] for key in hourly_keys] == ["09:30", "10:30"]
        shown = http.get(f"/api/v1/posts/{hourly['id']}").json()
        assert shown["state"] == "scheduled"
        assert shown["next_occurrence_at"] == "2030-01-01T11:30:00Z"
        # (publish jobs only: the chat planner may have queued a chat read for the phone by now)
        published = http.get("/api/v1/jobs", params={"kind": JobKind.PUBLISH_POST}).json()
        assert [j["state"] for j in published] == [JobState.QUEUED] * 4

    with controller(make_settings, clock) as (http, rt):
        assert publish_keys(http) == keys  # a second start-up repeats nothing

    clock.advance(3600)  # 12:00: one more hourly occurrence (11:30) is due
    with controller(make_settings, clock) as (http, rt):
        assert len(publish_keys(http)) == 5
        assert len(set(publish_keys(http))) == 5
