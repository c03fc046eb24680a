"""A phone that stops answering: its job fails cleanly with evidence, the API shows the
phone offline, the other phones carry on, and a retry once it is back publishes once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from simulator.farm import SimFarmSpec
from tests.helpers.farm import HOST, Api, ControllerFactory, sim_agent
from tests.helpers.images import photo_png
from tests.helpers.waiting import wait_for

pytestmark = pytest.mark.slow


def test_a_phone_that_drops_fails_its_job_with_evidence_and_shows_offline(
    start_controller: ControllerFactory, api_for: Callable[[str], Api], tmp_path: Path
) -> None:
    controller = start_controller()
    spec = SimFarmSpec(count=2, host=HOST, faults=False)
    with sim_agent(controller.url, tmp_path / "agent", spec) as (agent, control):
        api = api_for(controller.url)
        dropping, steady = (phone.serial for phone in agent.phones)
        accounts = [api.create_account(f"shop-{s}", s) for s in (dropping, steady)]
        media = api.upload(photo_png(77), "drop.png")
        post = api.submit("drop test", [a["id"] for a in accounts], [media["id"]], None)
        target = {t["account_id"]: t for t in api.post(post["id"])["targets"]}
        job_id = wait_for(
            lambda: api.post(post["id"])["targets"][0]["job_id"], timeout=10, interval=0.2
        )
        assert target[accounts[0]["id"]]["account_name"] == f"shop-{dropping}"

        wait_for(lambda: len(api.job(job_id)["steps"]) >= 3, timeout=60, interval=0.2)
        control.fault(dropping, "disconnect")

        job = wait_for(
            lambda: (j := api.job(job_id))["state"] == "failed" and j, timeout=60, interval=0.5
        )
        assert "offline" in (job["error"] or "")
        assert job["evidence_files"], "the last screen seen before the drop is kept"
        assert wait_for(
            lambda: api.device(dropping)["state"] == "offline", timeout=15, interval=0.2
        )
        final = wait_for(
            lambda: (p := api.post(post["id"]))["target_counts"].get("published") == 1 and p,
            timeout=60,
            interval=0.2,
        )
        assert final["target_counts"] == {"failed": 1, "published": 1}
        assert control.feed(dropping) == []
        assert [p["text"] for p in control.feed(steady)] == ["drop test"]

        # Back again: the phone is online, and a retry publishes it exactly once.
        control.fault(dropping, "reconnect")
        wait_for(lambda: api.device(dropping)["state"] == "online", timeout=30, interval=0.2)
        retried = api.retry(job_id)
        wait_for(lambda: api.job(retried["id"])["state"] == "succeeded", timeout=60, interval=0.2)
        assert [p["text"] for p in control.feed(dropping)] == ["drop test"]
