"""Idempotency: however often and from wherever an occurrence fires, it makes one job."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
from controller_support import FakeAgent, create_account, submit_post
from sqlalchemy import select

from farm_controller.db import write_session
from farm_controller.models import PostTarget
from farm_controller.posts.dispatch import dispatch_due
from farm_controller.runtime import Runtime
from farm_controller.wiring import build_runtime
from farm_protocol.jobs import JobKind
from farm_protocol.posts import TargetState
from tests.helpers.clock import START, FakeClock


def post_for_two(client: httpx.Client, agent: FakeAgent) -> int:
    agent.register("S1", "S2")
    a = create_account(client, "a", "S1")
    b = create_account(client, "b", "S2")
    response = submit_post(
        client, text="双发", account_ids=[a["id"], b["id"]], run_at=START + timedelta(minutes=5)
    )
    assert response.status_code == 201, response.text
    post_id: int = response.json()["id"]
    return post_id


def publish_jobs(rt: Runtime) -> list[str]:
    return [job.idempotency_key or "" for job in rt.jobs.list(kind=JobKind.PUBLISH_POST)]


def test_nothing_is_dispatched_before_its_run_time(
    client: httpx.Client, agent: FakeAgent, rt: Runtime, clock: FakeClock
) -> None:
    post_for_two(client, agent)
    dispatch_due(rt)
    assert publish_jobs(rt) == []
    clock.advance(300)
    dispatch_due(rt)
    assert len(publish_jobs(rt)) == 2


def test_a_double_fire_makes_one_job_per_target(
    client: httpx.Client, agent: FakeAgent, rt: Runtime, clock: FakeClock
) -> None:
    post_id = post_for_two(client, agent)
    clock.advance(300)
    first = dispatch_due(rt)
    second = dispatch_due(rt)
    assert len(first.jobs) == 2 and second.jobs == []
    occurrence = (START + timedelta(minutes=5)).isoformat()
    accounts = client.get(f"/api/v1/posts/{post_id}").json()["account_ids"]
    assert sorted(publish_jobs(rt)) == sorted(
        f"post:{post_id}:{account_id}:{occurrence}" for account_id in accounts
    )


def test_concurrent_fires_from_two_controllers_make_one_job_per_target(
    client: httpx.Client, agent: FakeAgent, rt: Runtime, clock: FakeClock
) -> None:
    post_for_two(client, agent)
    clock.advance(300)
    # A second runtime on the same database: its own process lock, as another replica.
    other = build_runtime(rt.settings, clock=clock)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def fire(runtime: Runtime) -> None:
        try:
            barrier.wait()
            dispatch_due(runtime)
        except BaseException as exc:  # report it in the test, not in the thread
            errors.append(exc)

    threads = [threading.Thread(target=fire, args=(r,)) for r in (rt, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.close()
    assert errors == []
    assert len(publish_jobs(rt)) == 2


def test_a_crash_between_settling_and_enqueueing_is_healed_without_a_second_job(
    client: httpx.Client, agent: FakeAgent, rt: Runtime, clock: FakeClock
) -> None:
    post_id = post_for_two(client, agent)
    clock.advance(300)
    dispatch_due(rt)
    jobs_before = sorted(publish_jobs(rt))
    # Pretend the process died after enqueueing but before recording the job ids.
    with write_session(rt.sessions) as session:
        for target in session.scalars(select(PostTarget).where(PostTarget.post_id == post_id)):
            target.job_id = None
            target.state = TargetState.QUEUED
    dispatch_due(rt)
    assert sorted(publish_jobs(rt)) == jobs_before
    targets = client.get(f"/api/v1/posts/{post_id}").json()["targets"]
    assert all(t["job_id"] for t in targets)
