"""Forty scheduled posts across eight virtual phones with random interruptions.

The issue's "done when": every post appears exactly once, at or after its run time, with
its images — checked on the phones' ground truth through the sim control API.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from farm_support import (
    HOST,
    Api,
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

from simulator.farm import SimFarmSpec
from simulator.host import SimAgent

pytestmark = pytest.mark.slow

PHONES = 8
POSTS = 40


def test_forty_posts_on_eight_phones_each_published_exactly_once_on_time(
    start_controller: ControllerFactory, api_for: Callable[[str], Api], tmp_path: Path
) -> None:
    controller = start_controller()
    spec = SimFarmSpec(count=PHONES, host=HOST, seed=11, faults=True)
    agent = SimAgent(
        agent_settings(controller.url, tmp_path / "agent"), spec, control=("127.0.0.1", 0)
    )
    agent.start()
    try:
        assert agent.control_url is not None
        control = SimControl(agent.control_url)
        api = api_for(controller.url)
        serials = [phone.serial for phone in agent.phones]
        accounts = [api.create_account(f"shop-{i}", s) for i, s in enumerate(serials)]

        plan: list[Planned] = []
        start = now_utc(plus=6.0)
        for k in range(POSTS):
            images = [photo_png(1000 + 10 * k + j) for j in range(k % 3)]
            media = [api.upload(data, f"p{k}-{j}.png") for j, data in enumerate(images)]
            account = accounts[k % PHONES]
            run_at = start + timedelta(seconds=0.6 * k)
            text = f"第{k + 1}条 post #{k + 1} for {account['name']}"
            post = api.submit(text, [account["id"]], [m["id"] for m in media], run_at)
            plan.append(
                Planned(
                    post_id=post["id"],
                    serial=account["device_serial"],
                    text=text,
                    run_at=run_at,
                    image_hashes=tuple(rgb_sha256(data) for data in images),
                )
            )
        post_ids = [item.post_id for item in plan]

        def all_final() -> bool:
            states = api.target_states(post_ids)
            return len(states) == POSTS and all(s == "published" for s in states)

        wait_for(all_final, timeout=200, interval=1.0)
        assert_published_exactly_once(control, serials, plan)
        faults = sum(len(p.fault_log) for p in agent.phones)
        assert faults > 0, "the phones suffered random interruptions along the way"
        control.close()
    finally:
        agent.stop(timeout=30)
