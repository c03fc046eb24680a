"""Each job kind's rules on the controller, and the tasks the agent API documents."""

from __future__ import annotations

import httpx
from controller_support import FakeAgent

from farm_controller.jobs.agent_side import KINDS
from farm_controller.runtime import Runtime
from farm_protocol.jobs import JobKind, JobState


def test_every_job_kind_has_its_rules() -> None:
    assert set(KINDS) == set(JobKind)
    assert all(rules.kind is kind for kind, rules in KINDS.items())
    assert [kind for kind, rules in KINDS.items() if rules.parks] == [JobKind.PUBLISH_POST]


def test_the_agent_api_documents_every_kinds_task(client: httpx.Client) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    payload = schemas["ClaimedJob"]["properties"]["payload"]
    assert set(payload["discriminator"]["mapping"]) == {kind.value for kind in JobKind}
    for name in ("PublishPostTask", "SyncChatsTask", "SendMessageTask", "RunFlowTask"):
        assert "kind" in schemas[name]["required"], name


def test_a_job_whose_task_cannot_be_made_fails_at_claim(
    client: httpx.Client, agent: FakeAgent, rt: Runtime
) -> None:
    agent.register("S1")
    job = rt.jobs.enqueue(JobKind.SEND_MESSAGE, "S1", {"contact_name": "甲"})
    assert agent.claim("S1") == []
    failed = rt.jobs.get(job.id)
    assert failed.state is JobState.FAILED
    assert "bad send_message payload" in (failed.error or "")
    assert "text: Field required" in (failed.error or "")
    assert client.get("/api/v1/devices/S1").json()["current_job_id"] is None
