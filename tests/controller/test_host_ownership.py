"""A host owns only its phones and its jobs (issue 15, item 2).

A phone belongs to the host that registered it until an operator moves it; a host cannot
take another host's phone by registering its serial, cannot renew, step, park or finish
another host's job (403), downloads only the media of the jobs it holds, and cannot mark
a job done without the verified steps its outcome needs.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from controller_support import (
    OTHER_AGENT_TOKEN,
    OTHER_HOST,
    FakeAgent,
    create_account,
    submit_post,
    upload,
)

from farm_controller.posts.dispatch import dispatch_due
from farm_controller.runtime import Runtime
from farm_protocol.agent_api import (
    AGENT_API_PREFIX,
    FinishReport,
    PublishPostTask,
    StepReport,
)
from farm_protocol.flow import FlowOutcome, FlowResult, StepResult, StepStatus
from tests.helpers.images import png


def other_host(client: httpx.Client) -> FakeAgent:
    return FakeAgent(client, token=OTHER_AGENT_TOKEN, host=OTHER_HOST, worker="w1")


def post_for_s1(client: httpx.Client, agent: FakeAgent, rt: Runtime, **fields: Any) -> int:
    """rack-1 registers S1; a post for S1's account is due and dispatched."""
    agent.register("S1")
    account = create_account(client, "shop", "S1")
    response = submit_post(client, text="hi", account_ids=[account["id"]], **fields)
    assert response.status_code == 201, response.text
    dispatch_due(rt)
    post_id: int = response.json()["id"]
    return post_id


def target_state(client: httpx.Client, post_id: int) -> str:
    state: str = client.get(f"/api/v1/posts/{post_id}").json()["targets"][0]["state"]
    return state


def bare_finish(
    agent: FakeAgent,
    job_id: str,
    outcome: FlowOutcome,
    steps: list[StepResult] | None = None,
    **data: Any,
) -> httpx.Response:
    """A finish report with no evidence and (unless given) no steps."""
    result = FlowResult(
        flow="publish_post", serial="S1", outcome=outcome, steps=steps or [], duration_ms=0
    )
    sent = FinishReport(worker=agent.worker, result=result).model_dump(mode="json")
    sent["result"]["data"] = data
    return agent.client.post(
        f"{AGENT_API_PREFIX}/jobs/{job_id}/finish",
        data={"report": json.dumps(sent)},
        headers=agent.headers,
    )


def test_registering_another_hosts_phone_does_not_take_it(
    client: httpx.Client, agent: FakeAgent, rt: Runtime
) -> None:
    post_id = post_for_s1(client, agent, rt)
    thief = other_host(client)
    answer = thief.register("S1", "S9")
    assert answer.foreign_devices == ["S1"]
    assert client.get("/api/v1/devices/S1").json()["host"] == "rack-1"
    assert client.get("/api/v1/devices/S9").json()["host"] == OTHER_HOST
    # Its heartbeats about the phone are ignored and it can claim none of its jobs.
    assert thief.heartbeat("S1").unknown_devices == ["S1"]
    assert thief.claim("S1") == []
    assert target_state(client, post_id) == "queued"
    # The phone's own host still works it.
    [job] = agent.claim("S1")
    assert agent.finish(job.id, "S1", FlowOutcome.SUCCEEDED).target_state == "published"


def test_an_operator_moves_a_phone_to_another_host(
    client: httpx.Client, agent: FakeAgent, rt: Runtime
) -> None:
    post_for_s1(client, agent, rt)
    unknown_host = client.post("/api/v1/devices/S1/move", json={"host": "rack-9"})
    assert unknown_host.status_code == 422
    assert unknown_host.json()["detail"][0]["field"] == "host"
    nul = client.post("/api/v1/devices/S1/move", json={"host": "rack\x002"})
    assert nul.status_code == 422 and nul.json()["detail"][0]["field"] == "host"
    missing = client.post("/api/v1/devices/NOPE/move", json={"host": OTHER_HOST})
    assert missing.status_code == 404

    moved = client.post("/api/v1/devices/S1/move", json={"host": OTHER_HOST})
    assert moved.status_code == 200, moved.text
    assert moved.json()["host"] == OTHER_HOST and moved.json()["state"] == "offline"
    new_host = other_host(client)
    assert new_host.register("S1").foreign_devices == []
    assert agent.register("S1").foreign_devices == ["S1"]  # the old host no longer has it
    assert agent.claim("S1") == []
    [job] = new_host.claim("S1")
    assert new_host.finish(job.id, "S1", FlowOutcome.SUCCEEDED).target_state == "published"


def test_another_hosts_job_is_403_for_renew_step_park_and_finish(
    client: httpx.Client, agent: FakeAgent, rt: Runtime
) -> None:
    post_id = post_for_s1(client, agent, rt)
    [job] = agent.claim("S1")
    thief = other_host(client)
    thief.register("S9")
    step = StepResult(index=0, name="x", action="tap", status=StepStatus.OK, duration_ms=1)
    responses = {
        "renew": thief.client.post(
            f"{AGENT_API_PREFIX}/jobs/{job.id}/renew",
            json={"worker": "w1"},
            headers=thief.headers,
        ),
        "step": thief._post(f"/jobs/{job.id}/steps", StepReport(worker="w1", step=step)),
        "park": thief.park_response(job.id, png()),
        "finish": thief.finish_response(job.id, "S1", FlowOutcome.SUCCEEDED),
    }
    for name, response in responses.items():
        assert response.status_code == 403, (name, response.text)
        assert response.json()["detail"][0]["type"] == "forbidden", name
    assert target_state(client, post_id) == "publishing"
    # After the job is decided, a repeated or late finish from another host is 403 too.
    agent.finish(job.id, "S1", FlowOutcome.SUCCEEDED)
    late = thief.finish_response(job.id, "S1", FlowOutcome.SUCCEEDED)
    assert late.status_code == 403
    assert agent.finish_response(job.id, "S1", FlowOutcome.SUCCEEDED).status_code == 200


def test_a_finish_without_the_verified_steps_its_outcome_needs_is_refused(
    client: httpx.Client, agent: FakeAgent, rt: Runtime
) -> None:
    post_id = post_for_s1(client, agent, rt)
    [job] = agent.claim("S1")
    empty = bare_finish(agent, job.id, FlowOutcome.SUCCEEDED)
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["field"] == "report.result.steps"
    assert target_state(client, post_id) == "publishing"

    # A last step that failed is no verified success either.
    failed_step = StepResult(
        index=0, name="publish", action="tap", status=StepStatus.FAILED, duration_ms=1
    )
    result = FlowResult(
        flow="publish_post",
        serial="S1",
        outcome=FlowOutcome.SUCCEEDED,
        steps=[failed_step],
        duration_ms=1,
    )
    unverified = agent._post_report(
        f"/jobs/{job.id}/finish", FinishReport(worker="w1", result=result), []
    )
    assert unverified.status_code == 422
    assert unverified.json()["detail"][0]["field"] == "report.result.steps[0].status"

    # already_done must carry the check that found the post on the screen.
    ok_step = failed_step.model_copy(update={"status": StepStatus.OK})
    no_check = bare_finish(agent, job.id, FlowOutcome.ALREADY_DONE, [ok_step])
    assert no_check.status_code == 422
    assert no_check.json()["detail"][0]["field"] == "report.result.data.found"
    # What the real agent reports (a verified last step) is taken.
    stepped = agent.finish_response(job.id, "S1", FlowOutcome.SUCCEEDED)
    assert stepped.status_code == 200, stepped.text
    assert target_state(client, post_id) == "published"


def test_a_failure_may_come_without_steps(
    client: httpx.Client, agent: FakeAgent, rt: Runtime
) -> None:
    post_for_s1(client, agent, rt)
    [job] = agent.claim("S1")
    failed = bare_finish(agent, job.id, FlowOutcome.FAILED)
    assert failed.status_code == 200, failed.text
    assert failed.json()["job_state"] in ("queued", "failed")


def test_a_host_downloads_only_the_media_of_the_jobs_it_holds(
    client: httpx.Client, agent: FakeAgent, rt: Runtime
) -> None:
    image = upload(client, png(colour=(1, 2, 3)))
    url = f"{AGENT_API_PREFIX}/media/{image['id']}"
    thief = other_host(client)
    thief.register("S9")
    post_for_s1(client, agent, rt, media_ids=[image["id"]])
    # Before the job is leased, nobody downloads it.
    assert agent.client.get(url, headers=agent.headers).status_code == 404
    [job] = agent.claim("S1")
    assert isinstance(job.payload, PublishPostTask)
    assert agent.download(job.payload.media[0].url) == png(colour=(1, 2, 3))
    assert thief.client.get(url, headers=thief.headers).status_code == 404
    agent.finish(job.id, "S1", FlowOutcome.SUCCEEDED)
    assert agent.client.get(url, headers=agent.headers).status_code == 404
