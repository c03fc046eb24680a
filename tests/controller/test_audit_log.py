"""The audit log: every change and every action on a phone, who, where, when, request id."""

from __future__ import annotations

from typing import Any

import httpx
from controller_support import FakeAgent, create_account, submit_post, upload
from sqlalchemy import select

from farm_controller.models import AuditEvent
from farm_controller.posts.dispatch import dispatch_due
from farm_controller.runtime import Runtime
from farm_protocol.flow import FlowOutcome
from tests.helpers.images import png
from tests.helpers.users import PASSWORD, add_user

ROOT_TOKEN = "audit-root-token-" + "r" * 30
MEI_TOKEN = "audit-mei-token-" + "m" * 30


def events(client: httpx.Client, **filters: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit", params={"limit": 500, **filters})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_changes_and_phone_actions_are_recorded_with_who_where_and_request_id(
    client: httpx.Client, rt: Runtime, agent: FakeAgent
) -> None:
    agent.register("S1", "S2")
    a = create_account(client, "shop-a", "S1")
    b = create_account(client, "shop-b", "S2")
    add_user(rt, "mei", "scheduler", token=MEI_TOKEN)
    mei = {"Authorization": f"Bearer {MEI_TOKEN}"}
    media = client.post(
        "/api/v1/media", files={"file": ("a.png", png(), "image/png")}, headers=mei
    ).json()
    posted = client.post(
        "/api/v1/posts",
        json={"text": "hello", "account_ids": [a["id"], b["id"]], "media_ids": [media["id"]]},
        headers={**mei, "X-Request-ID": "trace-42"},
    )
    assert posted.status_code == 201, posted.text
    assert posted.headers["x-request-id"] == "trace-42"
    assert posted.json()["created_by"] == "mei"
    dispatch_due(rt)
    [job] = agent.claim("S1")
    agent.finish(job.id, "S1", FlowOutcome.FAILED, retryable=False, error="boom")
    retried = client.post(f"/api/v1/jobs/{job.id}/retry")
    assert retried.status_code == 200, retried.text

    [submit] = events(client, request_id="trace-42")
    assert submit["actor"] == "mei" and submit["actor_role"] == "scheduler"
    assert submit["via"] == "token" and submit["action"] == "posts.submit_post"
    assert submit["method"] == "POST" and submit["path"] == "/api/v1/posts"
    assert submit["status"] == 201 and sorted(submit["account_ids"]) == sorted([a["id"], b["id"]])
    assert submit["target"] == f"post:{posted.json()['id']}"

    [retry] = events(client, action="jobs.retry")
    assert retry["actor"] == "api" and retry["devices"] == ["S1"]
    assert retry["account_ids"] == [a["id"]] and retry["target"] == f"job:{job.id}"
    assert retry["detail"]["kind"] == "publish_post"

    # Filters: by phone, account, person, action prefix.
    assert [e["action"] for e in events(client, device_serial="S1")] == ["jobs.retry"]
    assert {e["action"] for e in events(client, account_id=b["id"])} == {"posts.submit_post"}
    assert {e["action"] for e in events(client, actor="mei")} == {
        "media.upload_media",
        "posts.submit_post",
    }
    assert {e["action"] for e in events(client, action="accounts.")} == {"accounts.create_account"}
    # The agent's own calls and reads are not people's actions.
    assert not [e for e in events(client) if e["path"].startswith("/api/v1/agent/")]
    assert not [e for e in events(client) if e["method"] == "GET"]


def test_refused_attempts_are_recorded_and_secrets_never_are(
    client: httpx.Client, rt: Runtime
) -> None:
    add_user(rt, "li", "agent_staff", token="audit-li-token-" + "l" * 30)
    staff = {"Authorization": "Bearer audit-li-token-" + "l" * 30}
    assert client.post("/api/v1/accounts", json={"name": "x"}, headers=staff).status_code == 403
    with httpx.Client(base_url=str(client.base_url)) as stranger:
        wrong = stranger.post(
            "/api/v1/auth/login", json={"username": "li", "password": "guessing-123"}
        )
        assert wrong.status_code == 401
        ok = stranger.post("/api/v1/auth/login", json={"username": "li", "password": PASSWORD})
        assert ok.status_code == 200
    refused = events(client, failed="true")
    assert {(e["action"], e["status"], e["actor"]) for e in refused} == {
        ("accounts.create_account", 403, "li"),
        ("auth.login", 401, None),
    }
    signed_in = [e for e in events(client, action="auth.login") if e["status"] == 200]
    assert [e["actor"] for e in signed_in] == ["li"]
    with rt.sessions() as session:
        everything = repr(
            [(e.path, e.detail, e.target) for e in session.scalars(select(AuditEvent))]
        )
    assert PASSWORD not in everything and "guessing-123" not in everything
    assert "audit-li-token" not in everything


def test_only_admins_read_the_audit_log(client: httpx.Client, rt: Runtime) -> None:
    add_user(rt, "zhao", "operator", token="audit-zhao-token-" + "z" * 30)
    response = client.get(
        "/api/v1/audit", headers={"Authorization": "Bearer audit-zhao-token-" + "z" * 30}
    )
    assert response.status_code == 403
    bad = client.get("/api/v1/audit", params={"since": "yesterday"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "since"


def test_uploads_and_posts_by_the_api_token_are_attributed(
    client: httpx.Client, rt: Runtime
) -> None:
    account = create_account(client, "shop", "S1")
    media = upload(client, png())
    assert submit_post(client, text="t", account_ids=[account["id"]], media_ids=[media["id"]])
    actions = [(e["actor"], e["action"]) for e in events(client)]
    assert ("api", "posts.submit_post") in actions and ("api", "media.upload_media") in actions
