"""A fake agent (httpx, the shared wire types) publishes a post through a real server."""

from __future__ import annotations

import hashlib

import httpx
from controller_support import (
    FakeAgent,
    SettingsFactory,
    api_headers,
    create_account,
    submit_post,
    upload,
)

from farm_controller import create_app
from farm_protocol.agent_api import PublishPostTask
from farm_protocol.flow import FlowOutcome
from farm_protocol.jobs import JobKind
from tests.helpers.images import png
from tests.helpers.servers import serving
from tests.helpers.waiting import wait_for


def test_register_heartbeat_claim_renew_finish_publishes_the_post(
    make_settings: SettingsFactory,
) -> None:
    settings = make_settings(scheduler_enabled=True, sweep_interval=0.5, reaper_interval=0.2)
    with serving(create_app(settings)) as url, httpx.Client(base_url=url) as http:
        http.headers.update(api_headers())
        agent = FakeAgent(http)
        registered = agent.register("SER-1", "SER-2")
        assert registered.lease_seconds == settings.lease_seconds
        assert agent.heartbeat("SER-1", "SER-2").unknown_devices == []
        account = create_account(http, "shop-1", "SER-1", timezone="Asia/Shanghai")
        images = [upload(http, png(colour=(i * 40, 10, 10)), f"p{i}.png") for i in range(2)]
        response = submit_post(
            http,
            text="新品上市 🎉",
            media_ids=[m["id"] for m in images],
            account_ids=[account["id"]],
        )
        assert response.status_code == 201, response.text
        post = response.json()
        assert post["targets"][0]["state"] in ("scheduled", "queued")

        # The run time is now: APScheduler dispatches it; the agent polls until it has it.
        jobs = wait_for(lambda: agent.claim("SER-1", "SER-2"), timeout=5.0, interval=0.02)
        assert len(jobs) == 1
        job = jobs[0]
        assert job.kind is JobKind.PUBLISH_POST
        assert job.device_serial == "SER-1"
        assert job.owner == "rack-1/w1"
        assert job.check_first is False
        task = job.payload
        assert isinstance(task, PublishPostTask)
        assert task.text == "新品上市 🎉"
        assert task.publish_mode == "auto"
        assert task.account_name == "shop-1"
        assert [m.id for m in task.media] == [m["id"] for m in images]
        for ref in task.media:
            assert hashlib.sha256(agent.download(ref.url)).hexdigest() == ref.sha256

        target = http.get(f"/api/v1/posts/{post['id']}").json()["targets"][0]
        assert target["state"] == "publishing"
        device = http.get("/api/v1/devices/SER-1").json()
        assert device["state"] == "busy"
        assert device["current_job_id"] == job.id

        renewed = agent.renew(job.id)
        assert renewed.lease_expires_at >= job.lease_expires_at
        assert renewed.decision is None
        assert agent.step(job.id, 0, "open app").steps == 1
        assert agent.step(job.id, 1, "publish").steps == 2

        finished = agent.finish(job.id, "SER-1", FlowOutcome.SUCCEEDED, evidence=[png(), b"junk"])
        assert finished.job_state == "succeeded"
        assert finished.target_state == "published"
        assert len(finished.evidence_ids) == 1
        assert len(finished.rejected_evidence) == 1

        shown = http.get(f"/api/v1/posts/{post['id']}").json()
        assert shown["targets"][0]["state"] == "published"
        assert shown["targets"][0]["published_at"] is not None
        assert shown["target_counts"] == {"published": 1}

        detail = http.get(f"/api/v1/jobs/{job.id}").json()
        assert detail["state"] == "succeeded"
        assert [s["name"] for s in detail["steps"]] == ["open app", "publish"]
        assert [r["outcome"] for r in detail["reports"]] == ["succeeded"]
        assert detail["reports"][0]["result"]["evidence_ids"] == {
            "step-0.png": finished.evidence_ids[0]
        }
        assert detail["target"]["state"] == "published"
        evidence_url = detail["evidence_files"][0]["url"]
        image = http.get(evidence_url)
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"
        assert http.get("/api/v1/devices/SER-1").json()["current_job_id"] is None

        # A retried finish (the first answer was lost) is answered, not refused.
        again = agent.finish(job.id, "SER-1", FlowOutcome.SUCCEEDED)
        assert again.job_state == "succeeded"
        assert again.note == "already recorded"

        health = http.get("/api/v1/health", headers={})
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        assert health.json()["jobs"]["succeeded"] == 1
