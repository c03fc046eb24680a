"""Confirm mode: the agent parks on the final screen; a person approves or rejects."""

from __future__ import annotations

from typing import Any

import httpx
from controller_support import FakeAgent, create_account, submit_post

from farm_controller.posts.dispatch import dispatch_due
from farm_controller.runtime import Runtime
from farm_controller.scheduler import reap
from farm_protocol.agent_api import PublishPostTask
from farm_protocol.flow import FlowOutcome
from farm_protocol.jobs import JobState
from tests.helpers.clock import FakeClock
from tests.helpers.images import png


def parked(client: httpx.Client, agent: FakeAgent, rt: Runtime) -> tuple[dict[str, Any], str]:
    """A confirm-mode post, claimed and parked; returns (post, job id)."""
    agent.register("S1")
    account = create_account(client, "brand", "S1", publish_mode="confirm")
    post = submit_post(client, text="请审核", account_ids=[account["id"]]).json()
    dispatch_due(rt)
    [job] = agent.claim("S1")
    assert isinstance(job.payload, PublishPostTask)
    assert job.payload.publish_mode == "confirm"
    response = agent.park(job.id, png(colour=(1, 2, 3)))
    assert response.target_state == "awaiting_confirmation"
    assert response.decision is None
    return post, job.id


def target(client: httpx.Client, post_id: int) -> dict[str, Any]:
    shown: dict[str, Any] = client.get(f"/api/v1/posts/{post_id}").json()["targets"][0]
    return shown


def test_approve_a_parked_post(client: httpx.Client, agent: FakeAgent, rt: Runtime) -> None:
    post, job_id = parked(client, agent, rt)
    waiting = target(client, post["id"])
    assert waiting["state"] == "awaiting_confirmation"
    screenshot = client.get(waiting["screenshot_url"])
    assert screenshot.status_code == 200 and screenshot.content.startswith(b"\x89PNG")
    assert client.get("/api/v1/posts", params={"target_state": "awaiting_confirmation"}).json()

    assert agent.renew(job_id).decision is None  # nobody decided yet
    account_id = post["account_ids"][0]
    decided = client.post(
        f"/api/v1/posts/{post['id']}/targets/{account_id}/confirm", json={"by": "lin"}
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["decision"] == "confirm"
    assert decided.json()["decided_by"] == "lin"

    # The agent learns it from its heartbeat and its next renew.
    beat = agent.heartbeat("S1")
    assert [(d.job_id, d.decision) for d in beat.decisions] == [(job_id, "confirm")]
    assert agent.renew(job_id).decision == "confirm"
    done = agent.finish(job_id, "S1", FlowOutcome.SUCCEEDED, evidence=[png()])
    assert done.target_state == "published"
    assert agent.heartbeat("S1").decisions == []
    # Nothing awaits a decision any more.
    again = client.post(f"/api/v1/posts/{post['id']}/targets/{account_id}/reject")
    assert again.status_code == 409


def test_reject_a_parked_post(client: httpx.Client, agent: FakeAgent, rt: Runtime) -> None:
    post, job_id = parked(client, agent, rt)
    account_id = post["account_ids"][0]
    assert client.post(f"/api/v1/posts/{post['id']}/targets/{account_id}/reject").status_code == 200
    conflicting = client.post(f"/api/v1/posts/{post['id']}/targets/{account_id}/confirm")
    assert conflicting.status_code == 409
    assert conflicting.json()["detail"][0]["type"] == "already_decided"
    assert agent.renew(job_id).decision == "reject"
    # The agent discards the draft and reports the flow did not publish.
    done = agent.finish(job_id, "S1", FlowOutcome.FAILED, error="discarded")
    assert done.job_state == "failed"
    assert done.target_state == "cancelled"
    shown = target(client, post["id"])
    assert shown["state"] == "cancelled"
    assert "rejected" in shown["error"]
    assert agent.claim("S1") == []  # never retried


def test_a_rejected_post_whose_agent_died_is_cancelled_not_requeued(
    client: httpx.Client, agent: FakeAgent, rt: Runtime, clock: FakeClock
) -> None:
    post, job_id = parked(client, agent, rt)
    account_id = post["account_ids"][0]
    client.post(f"/api/v1/posts/{post['id']}/targets/{account_id}/reject")
    clock.advance(rt.settings.lease_seconds + 1)
    reap(rt)
    assert rt.jobs.get(job_id).state is JobState.CANCELLED
    assert target(client, post["id"])["state"] == "cancelled"


def test_cancelling_a_post_rejects_its_parked_target(
    client: httpx.Client, agent: FakeAgent, rt: Runtime
) -> None:
    post, job_id = parked(client, agent, rt)
    cancelled = client.post(f"/api/v1/posts/{post['id']}/cancel").json()
    assert cancelled["state"] == "cancelled"
    assert cancelled["targets"][0]["decision"] == "reject"
    assert agent.renew(job_id).decision == "reject"


def test_only_publish_jobs_of_the_lease_holder_park(
    client: httpx.Client, agent: FakeAgent, rt: Runtime
) -> None:
    _post, job_id = parked(client, agent, rt)
    stranger = FakeAgent(client, worker="w2")
    assert stranger.park_response(job_id, png()).status_code == 409
    not_image = agent.park_response(job_id, b"nope")
    assert not_image.status_code == 422
    assert not_image.json()["detail"][0]["field"] == "screenshot"
