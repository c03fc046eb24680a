"""Forty scheduled posts across eight virtual phones with random interruptions.

The issue's "done when": every post appears exactly once, at or after its run time, with
its images — checked on the phones' ground truth through the sim control API.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from simulator.farm import SimFarmSpec
from tests.helpers.farm import (
    HOST,
    Api,
    ControllerFactory,
    Planned,
    assert_published_exactly_once,
    now_utc,
    sim_agent,
)
from tests.helpers.images import photo_png
from tests.helpers.waiting import wait_for

pytestmark = pytest.mark.slow

PHONES = 8
POSTS = 40


def test_forty_posts_on_eight_phones_each_published_exactly_once_on_time(
    start_controller: ControllerFactory, api_for: Callable[[str], Api], tmp_path: Path
) -> None:
    controller = start_controller()
    spec = SimFarmSpec(count=PHONES, host=HOST, seed=11, faults=True)
    with sim_agent(controller.url, tmp_path / "agent", spec) as (agent, control):
        api = api_for(controller.url)
        serials = [phone.serial for phone in agent.phones]
        accounts = [api.create_account(f"shop-{i}", s) for i, s in enumerate(serials)]

        plan: list[Planned] = []
        start = now_utc(plus=6.0)
        for k in range(POSTS):
            images = [photo_png(1000 + 10 * k + j) for j in range(k % 3)]
            account = accounts[k % PHONES]
            run_at = start + timedelta(seconds=0.6 * k)
            text = f"第{k + 1}条 post #{k + 1} for {account['name']}"
            plan.append(api.plan(text, account, images, run_at))

        wait_for(lambda: api.all_published(plan), timeout=200, interval=1.0)
        assert_published_exactly_once(control, serials, plan)
        faults = sum(len(p.fault_log) for p in agent.phones)
        assert faults > 0, "the phones suffered random interruptions along the way"
