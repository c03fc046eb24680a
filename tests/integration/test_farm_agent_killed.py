"""Kill the agent mid-publish, start a new one: no post lost, none published twice.

The virtual phones live in the agent's process, so "kill" keeps them alive: the first
agent's phones freeze its workers for good at a chosen tap (right after Publish on two
phones, before it on the third) and its network is cut, so it sends nothing more — no
finish report, no renewal, no heartbeat — exactly like a process that died there. A
fresh agent (new process id, same host, same workdir) then drives the same phones.
The controller sees the leases expire, marks the jobs `unconfirmed` and requeues them
with check_first; the new agent reads each phone's feed first and finishes
`already_done` where the post went out, or publishes it where it never did.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from agent.host.client import ControllerClient
from agent.host.supervisor import Supervisor
from simulator.farm import SimFarmSpec, build_phones
from simulator.host import SimAgent
from tests.helpers.farm import (
    AGENT_TOKEN,
    HOST,
    Api,
    ControllerFactory,
    FreezingDevice,
    SeverableTransport,
    SimControl,
    agent_settings,
    as_devices,
    assert_published_exactly_once,
    hits_publish,
    nth_tap,
)
from tests.helpers.images import photo_png
from tests.helpers.waiting import wait_for

pytestmark = pytest.mark.slow


def test_an_agent_killed_mid_publish_loses_nothing_and_repeats_nothing(
    start_controller: ControllerFactory, api_for: Callable[[str], Api], tmp_path: Path
) -> None:
    # no chat syncs: the freeze hooks count taps, and a sync job's taps would shift them
    controller = start_controller(lease_seconds=3.0, chat_sync_enabled=False)
    api = api_for(controller.url)
    phones = build_phones(SimFarmSpec(count=3, host=HOST, faults=False, vary_look=False))
    serials = [phone.serial for phone in phones]
    accounts = [api.create_account(f"shop-{i}", s) for i, s in enumerate(serials)]
    workdir = tmp_path / "agent"
    settings = agent_settings(controller.url, workdir)

    # The first agent: its phones freeze after Publish (two) or before it (the third).
    triggers = [hits_publish, hits_publish, nth_tap(2)]
    frozen = [FreezingDevice(p, trigger) for p, trigger in zip(phones, triggers, strict=True)]
    transport = SeverableTransport()
    first = Supervisor(
        settings,
        as_devices(frozen),
        client=ControllerClient(controller.url, AGENT_TOKEN, transport=transport),
    )
    first.start()
    plan = [
        api.plan(f"kill test {i}: 限时特价", account, [photo_png(500 + i)])
        for i, account in enumerate(accounts)
    ]
    try:
        wait_for(lambda: all(device.frozen.is_set() for device in frozen), timeout=60, interval=0.2)
        # The kill: nothing more leaves the first agent, and its threads stop where they are.
        transport.severed.set()
        first.stop_event.set()
        job_ids = [api.post(item.post_id)["targets"][0]["job_id"] for item in plan]
        assert phones[2].world.published_posts() == [], "the third froze before Publish"

        second = SimAgent(settings, phones=phones, control=("127.0.0.1", 0))
        second.start()
        try:
            assert second.control_url is not None
            control = SimControl(second.control_url)

            wait_for(lambda: api.all_published(plan), timeout=90, interval=0.5)
            assert_published_exactly_once(control, serials, plan)
            workers = {w.serial: w.name for w in second.supervisor.workers}
            outcomes = []
            for job_id, item in zip(job_ids, plan, strict=True):
                job = api.job(job_id)
                assert job["state"] == "succeeded"
                assert job["attempts"] == 2, "the second attempt is the new agent's"
                owners = [report["owner"] for report in job["reports"]]
                assert owners == [f"{HOST}/{workers[item.serial]}"], "the dead agent said nothing"
                outcomes.append(job["result"]["outcome"])
            assert outcomes == ["already_done", "already_done", "succeeded"]
            control.close()
        finally:
            second.stop(timeout=30)
    finally:
        for device in frozen:
            device.release.set()
