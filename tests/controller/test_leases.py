"""Expired leases, unknown outcomes and failures: nothing lost, nothing done twice."""

from __future__ import annotations

from typing import Any

import httpx
from controller_support import FakeAgent, create_account, submit_post

from farm_controller.posts.dispatch import dispatch_due
from farm_controller.runtime import Runtime
from farm_controller.scheduler import reap, sweep
from farm_protocol.agent_api import PublishPostTask
from farm_protocol.flow import FlowOutcome
from farm_protocol.jobs import JobState
from tests.helpers.clock import FakeClock
from tests.helpers.images import png


def queued_post(client: httpx.Client, agent: FakeAgent, rt: Runtime, text: str = "hi") -> int:
    """Register S1, give it an account and a post due now, and dispatch it."""
    agent.register("S1")
    account = create_account(client, "shop", "S1")
    response = submit_post(client, text=text, account_ids=[account["id"]])
    assert response.status_code == 201, response.text
    dispatch_due(rt)
    post_id: int = response.json()["id"]
    return post_id


def target_of(client: httpx.Client, post_id: int) -> dict[str, Any]:
    target: dict[str, Any] = client.get(f"/api/v1/posts/{post_id}").json()["targets"][0]
    return target


def test_an_expired_publish_lease_is_requeued_with_check_first(
    client: httpx.Client, agent: FakeAgent, rt: Runtime, clock: FakeClock
) -> None:
    post_id = queued_post(client, agent, rt)
    [job] = agent.claim("S1", lease_seconds=30)
    assert target_of(client, post_id)["state"] == "publishing"

    clock.advance(29)
    reap(rt)
    assert rt.jobs.get(job.id).state is JobState.LEASED  # not yet

    clock.advance(2)  # the agent went silent: the lease runs out
    reap(rt)
    requeued = rt.jobs.get(job.id)
    # Never straight back to a blind retry: queued again, but the agent must look first.
    assert requeued.state is JobState.QUEUED
    assert requeued.needs_check is True
    assert "expired" in (requeued.error or "")
    assert target_of(client, post_id)["state"] == "queued"
    assert "expired" in target_of(client, post_id)["error"]
    assert client.get("/api/v1/devices/S1").json()["current_job_id"] is None

    [again] = agent.claim("S1")
    assert again.id == job.id
    assert again.check_first is True
    assert isinstance(again.payload, PublishPostTask) and again.payload.check_first is True
    # The agent read the feed and found the post: it is published, once.
    done = agent.finish(again.id, "S1", FlowOutcome.ALREADY_DONE)
    assert done.job_state == "succeeded"
    assert target_of(client, post_id)["state"] == "published"


def test_unconfirmed_stays_for_a_person_once_the_check_attempts_are_spent(
    client: httpx.Client, agent: FakeAgent, rt: Runtime, clock: FakeClock
) -> None:
    post_id = queued_post(client, agent, rt)
    max_attempts = rt.settings.publish_max_attempts
    for attempt in range(1, max_attempts + 2):
        [job] = agent.claim("S1", lease_seconds=10)
        assert job.attempts == attempt
        clock.advance(11)
        reap(rt)
    # attempts 1..max were requeued with a check; attempt max+1 (the extra check) was not.
    stuck = rt.jobs.get(job.id)
    assert stuck.state is JobState.UNCONFIRMED
    assert target_of(client, post_id)["state"] == "unconfirmed"
    assert agent.claim("S1") == []
    sweep(rt)  # the periodic sweep does not requeue it either
    assert rt.jobs.get(job.id).state is JobState.UNCONFIRMED

    # A person decides: retry reads the screen first.
    retried = client.post(f"/api/v1/jobs/{job.id}/retry").json()
    assert retried["state"] == "queued" and retried["needs_check"] is True
    assert target_of(client, post_id)["state"] == "queued"


def test_an_unknown_outcome_is_requeued_with_check_first(
    client: httpx.Client, agent: FakeAgent, rt: Runtime
) -> None:
    queued_post(client, agent, rt)
    [job] = agent.claim("S1")
    finished = agent.finish(
        job.id, "S1", FlowOutcome.UNKNOWN, evidence=[png()], error="phone froze after Publish"
    )
    assert finished.job_state == "queued"
    assert finished.target_state == "queued"
    [again] = agent.claim("S1")
    assert again.check_first is True
    detail = client.get(f"/api/v1/jobs/{job.id}").json()
    assert detail["error"] == "phone froze after Publish"
    assert len(detail["evidence_files"]) == 1


def test_a_success_reported_after_the_lease_ran_out_is_believed(
    client: httpx.Client, agent: FakeAgent, rt: Runtime, clock: FakeClock
) -> None:
    queued_post(client, agent, rt)
    [job] = agent.claim("S1", lease_seconds=10)
    clock.advance(11)
    reap(rt)  # the agent was cut off from the controller while it published
    late = agent.finish(job.id, "S1", FlowOutcome.SUCCEEDED)
    assert late.target_state == "published"
    assert late.job_state == "cancelled"  # its check is no longer needed
    assert "late" in late.note
    assert agent.claim("S1") == []


def test_a_late_failure_is_refused_as_lease_lost(
    client: httpx.Client, agent: FakeAgent, rt: Runtime, clock: FakeClock
) -> None:
    queued_post(client, agent, rt)
    [job] = agent.claim("S1", lease_seconds=10)
    clock.advance(11)
    reap(rt)
    response = agent.finish_response(job.id, "S1", FlowOutcome.FAILED)
    assert response.status_code == 409
    assert response.json()["detail"][0]["type"] == "lease_lost"
    renew = agent._post(f"/jobs/{job.id}/renew", None)
    assert renew.status_code == 422  # no worker given


def test_failures_retry_then_fail_and_a_person_can_retry(
    client: httpx.Client, agent: FakeAgent, rt: Runtime, clock: FakeClock
) -> None:
    post_id = queued_post(client, agent, rt)
    for _ in range(rt.settings.publish_max_attempts - 1):
        [job] = agent.claim("S1")
        result = agent.finish(job.id, "S1", FlowOutcome.FAILED, error="no network")
        assert result.job_state == "queued"
        assert result.target_state == "queued"
        clock.advance(400)  # past the backoff
    [job] = agent.claim("S1")
    final = agent.finish(job.id, "S1", FlowOutcome.FAILED, error="no network")
    assert final.job_state == "failed"
    assert target_of(client, post_id)["state"] == "failed"
    assert target_of(client, post_id)["error"] == "no network"

    retry = client.post(f"/api/v1/jobs/{job.id}/retry")
    assert retry.status_code == 200
    new_id = retry.json()["id"]
    assert new_id != job.id
    assert client.post(f"/api/v1/jobs/{job.id}/retry").json()["id"] == new_id  # idempotent
    assert target_of(client, post_id)["state"] == "queued"
    assert target_of(client, post_id)["job_id"] == new_id
    [again] = agent.claim("S1")
    assert again.id == new_id
    agent.finish(again.id, "S1", FlowOutcome.SUCCEEDED)
    assert target_of(client, post_id)["state"] == "published"
    assert client.get(f"/api/v1/jobs/{job.id}").json()["target"]["state"] == "published"


def test_a_non_retryable_failure_is_final(
    client: httpx.Client, agent: FakeAgent, rt: Runtime
) -> None:
    post_id = queued_post(client, agent, rt)
    [job] = agent.claim("S1")
    result = agent.finish(job.id, "S1", FlowOutcome.FAILED, retryable=False, error="logged out")
    assert result.job_state == "failed"
    assert target_of(client, post_id)["state"] == "failed"


def test_jobs_can_be_cancelled_unless_a_phone_holds_them(
    client: httpx.Client, agent: FakeAgent, rt: Runtime
) -> None:
    post_id = queued_post(client, agent, rt)
    [job] = rt.jobs.list()
    [claimed] = agent.claim("S1")
    refused = client.post(f"/api/v1/jobs/{job.id}/cancel")
    assert refused.status_code == 409
    assert "leased" in refused.json()["detail"][0]["message"]
    agent.finish(claimed.id, "S1", FlowOutcome.FAILED)
    cancelled = client.post(f"/api/v1/jobs/{job.id}/cancel")
    assert cancelled.status_code == 200
    assert target_of(client, post_id)["state"] == "cancelled"
    assert client.post("/api/v1/jobs/nope/cancel").status_code == 404
    assert client.post(f"/api/v1/jobs/{job.id}/retry").status_code == 409


def test_bad_agent_reports_are_refused_naming_the_field(
    client: httpx.Client, agent: FakeAgent, rt: Runtime
) -> None:
    queued_post(client, agent, rt)
    [job] = agent.claim("S1")
    url = f"/api/v1/agent/jobs/{job.id}/finish"
    not_json = client.post(url, data={"report": "{"}, headers=agent.headers)
    assert not_json.status_code == 422
    no_outcome = client.post(
        url, data={"report": '{"worker": "w1", "result": {"flow": "x"}}'}, headers=agent.headers
    )
    assert no_outcome.status_code == 422
    fields = {p["field"] for p in no_outcome.json()["detail"]}
    assert "report.result.outcome" in fields
    missing = client.post(url, data={}, headers=agent.headers)
    assert missing.status_code == 422 and missing.json()["detail"][0]["field"] == "report"
    unknown = agent.finish_response("0" * 32, "S1", FlowOutcome.SUCCEEDED)
    assert unknown.status_code == 404
    bad_claim = client.post(
        "/api/v1/agent/claim",
        json={"worker": "no spaces/slashes", "devices": ["S1"]},
        headers=agent.headers,
    )
    assert bad_claim.status_code == 422 and bad_claim.json()["detail"][0]["field"] == "worker"
    # The job is untouched by all of this.
    assert rt.jobs.get(job.id).state is JobState.LEASED
