"""Who may call what: the API token for /api/v1, each host's token for /api/v1/agent."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from controller_support import (
    AGENT_TOKEN,
    API_TOKEN,
    OTHER_AGENT_TOKEN,
    FakeAgent,
    create_account,
    settings_in,
    submit_post,
)

from farm_controller import create_app
from farm_controller.posts.dispatch import dispatch_due
from farm_controller.runtime import Runtime
from farm_protocol.agent_api import ClaimRequest, RegisterRequest, RenewRequest
from farm_protocol.flow import FlowOutcome
from tests.helpers.servers import serving

PUBLIC = [
    ("GET", "/api/v1/hosts"),
    ("GET", "/api/v1/devices"),
    ("GET", "/api/v1/accounts"),
    ("POST", "/api/v1/accounts"),
    ("GET", "/api/v1/posts"),
    ("POST", "/api/v1/posts"),
    ("POST", "/api/v1/media"),
    ("GET", "/api/v1/jobs"),
    ("GET", "/api/v1/evidence/x"),
]
AGENT = [
    ("POST", "/api/v1/agent/register"),
    ("POST", "/api/v1/agent/heartbeat"),
    ("POST", "/api/v1/agent/claim"),
    ("GET", "/api/v1/agent/media/x"),
    ("POST", "/api/v1/agent/jobs/x/renew"),
    ("POST", "/api/v1/agent/jobs/x/finish"),
]
NO_TOKEN: dict[str, str] = {}
WRONG = {"Authorization": "Bearer " + "w" * 40}
NOT_BEARER = {"Authorization": f"Basic {API_TOKEN}"}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """One controller for the token matrix (its requests store nothing)."""
    root = tmp_path_factory.mktemp("auth")
    settings = settings_in(root)
    with serving(create_app(settings)) as url, httpx.Client(base_url=url) as client:
        yield client


def call(client: httpx.Client, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    # Replace the client's default API token with exactly these headers.
    request = client.build_request(method, path, json={})
    request.headers.pop("Authorization", None)
    request.headers.update(headers)
    return client.send(request)


@pytest.mark.parametrize(("method", "path"), PUBLIC + AGENT)
@pytest.mark.parametrize("headers", [NO_TOKEN, WRONG, NOT_BEARER], ids=["none", "wrong", "basic"])
def test_missing_or_wrong_token_is_401(
    shared: httpx.Client, method: str, path: str, headers: dict[str, str]
) -> None:
    response = call(shared, method, path, headers)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"][0]["type"] == "unauthorized"


@pytest.mark.parametrize(("method", "path"), PUBLIC)
def test_an_agent_token_cannot_call_the_public_api(
    shared: httpx.Client, method: str, path: str
) -> None:
    assert call(shared, method, path, {"Authorization": f"Bearer {AGENT_TOKEN}"}).status_code == 401


@pytest.mark.parametrize(("method", "path"), AGENT)
def test_the_api_token_cannot_call_the_agent_api(
    shared: httpx.Client, method: str, path: str
) -> None:
    assert call(shared, method, path, {"Authorization": f"Bearer {API_TOKEN}"}).status_code == 401


def test_health_needs_no_token(shared: httpx.Client) -> None:
    response = call(shared, "GET", "/api/v1/health", NO_TOKEN)
    assert response.status_code == 200
    assert response.json()["database"] is True


def test_a_host_cannot_register_as_another_host(client: httpx.Client) -> None:
    impostor = FakeAgent(client, token=OTHER_AGENT_TOKEN, host="rack-1")
    response = impostor._post("/register", RegisterRequest(host="rack-1"))
    assert response.status_code == 403
    assert response.json()["detail"][0]["field"] == "host"


def test_a_host_cannot_claim_renew_or_finish_another_hosts_jobs(
    client: httpx.Client, agent: FakeAgent, rt: Runtime
) -> None:
    agent.register("S1")
    account = create_account(client, "a", "S1")
    assert submit_post(client, text="hi", account_ids=[account["id"]]).status_code == 201
    dispatch_due(rt)
    other = FakeAgent(client, token=OTHER_AGENT_TOKEN, host="rack-2", worker="w1")
    other.register("S9")
    # rack-2 asks for rack-1's phone: not its phone, so nothing is leased.
    response = other._post("/claim", ClaimRequest(worker="w1", devices=["S1"]))
    assert response.status_code == 200
    assert response.json() == {"jobs": [], "unknown_devices": ["S1"]}

    [job] = agent.claim("S1")
    # Same worker name, other host: another host's job is 403, not a lost lease.
    renew = other._post(f"/jobs/{job.id}/renew", RenewRequest(worker="w1"))
    assert renew.status_code == 403
    assert renew.json()["detail"][0]["type"] == "forbidden"
    finish = other.finish_response(job.id, "S1", FlowOutcome.SUCCEEDED)
    assert finish.status_code == 403
    # The host's own job under another worker's name: its lease is lost, 409.
    mine = FakeAgent(client, worker="w2").finish_response(job.id, "S1", FlowOutcome.SUCCEEDED)
    assert mine.status_code == 409
    assert mine.json()["detail"][0]["type"] == "lease_lost"
    assert agent.finish(job.id, "S1", FlowOutcome.SUCCEEDED).target_state == "published"
