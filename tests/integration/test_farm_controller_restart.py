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

from agent.host.events import JobEvent, JobPhase
from simulator.farm import SimFarmSpec
from tests.helpers.farm import (
    HOST,
    Api,
    Controller,
    ControllerFactory,
    assert_published_exactly_once,
    now_utc,
    sim_agent,
)
from tests.helpers.images import photo_png
from tests.helpers.waiting import wait_for

pytestmark = pytest.mark.slow

PHONES = 4
POSTS = 12


def test_a_controller_restart_mid_run_loses_nothing(
    start_controller: ControllerFactory, api_for: Callable[[str], Api], tmp_path: Path
) -> None:
    controller = start_controller()
    events: list[JobEvent] = []
    spec = SimFarmSpec(count=PHONES, host=HOST, seed=23, faults=True)
    workdir = tmp_path / "agent"
    with sim_agent(controller.url, workdir, spec, listener=events.append) as (agent, control):
        api = api_for(controller.url)
        serials = [phone.serial for phone in agent.phones]
        accounts = [api.create_account(f"shop-{i}", s) for i, s in enumerate(serials)]
        plan = []
        start = now_utc(plus=3.0)
        for k in range(POSTS):
            account = accounts[k % PHONES]
            run_at = start + timedelta(seconds=1.0 * k)
            plan.append(api.plan(f"restart test {k}: 新品", account, [photo_png(3000 + k)], run_at))

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
            wait_for(lambda: api.all_published(plan), timeout=150, interval=1.0)
            assert_published_exactly_once(control, serials, plan)
        finally:
            restarted.stop()
