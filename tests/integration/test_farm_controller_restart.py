"""Restart the controller mid-run (same database file): nothing is lost, nothing doubled.

While the controller is down the agent carries on with the jobs it holds; their finish
reports wait in its spool and go out when the new controller answers. Posts whose run
time passes during the outage are found by the new controller's start-up sweep.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from farm_support import (
    HOST,
    Api,
    Controller,
    ControllerFactory,
    Planned,
    SimControl,
    agent_settings,
    assert_published_exactly_once,
    now_utc,
    photo_png,
    rgb_sha256,
    wait_for,
)

from agent.host.events import JobEvent, JobPhase
from simulator.farm import SimFarmSpec
from simulator.host import SimAgent

pytestmark = pytest.mark.slow

PHONES = 4
POSTS = 12


def test_a_controller_restart_mid_run_loses_nothing(
    start_controller: ControllerFactory, api_for: Callable[[str], Api], tmp_path: Path
) -> None:
    controller = start_controller()
    events: list[JobEvent] = []
    spec = SimFarmSpec(count=PHONES, host=HOST, seed=23, faults=True)
    agent = SimAgent(
        agent_settings(controller.url, tmp_path / "agent"),
        spec,
        control=("127.0.0.1", 0),
        listener=events.append,
    )
    agent.start()
    try:
        assert agent.control_url is not None
        control = SimControl(agent.control_url)
        api = api_for(controller.url)
        serials = [phone.serial for phone in agent.phones]
        accounts = [api.create_account(f"shop-{i}", s) for i, s in enumerate(serials)]
        plan = []
        start = now_utc(plus=3.0)
        for k in range(POSTS):
            image = photo_png(3000 + k)
            media = api.upload(image, f"r{k}.png")
            account = accounts[k % PHONES]
            run_at = start + timedelta(seconds=1.0 * k)
            text = f"restart test {k}: 新品"
            post = api.submit(text, [account["id"]], [media["id"]], run_at)
            plan.append(
                Planned(post["id"], account["device_serial"], text, run_at, (rgb_sha256(image),))
            )

        # Down while phones are mid-publish, for long enough that run times pass.
        wait_for(
            lambda: sum(e.phase is JobPhase.FINISHED for e in events) >= 2, timeout=60, interval=0.1
        )
        controller.stop()
        time.sleep(4.0)
        restarted = Controller(controller.settings)
        restarted.port = controller.port
        restarted.start()
        try:

            def all_published() -> bool:
                states = api.target_states([p.post_id for p in plan])
                return len(states) == POSTS and all(s == "published" for s in states)

            wait_for(all_published, timeout=150, interval=1.0)
            assert_published_exactly_once(control, serials, plan)
        finally:
            restarted.stop()
        control.close()
    finally:
        agent.stop(timeout=30)
