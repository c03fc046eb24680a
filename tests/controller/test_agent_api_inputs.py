"""The agent API validates its input like the public API (issue 15, item 11).

Serials are bounded in length and charset, texts carry no NUL, numbers fit the database;
ids in the public API's bodies are JSON integers (``true`` is not account 1); the
duplicate-text rule compares NFKC text; every request body has a size limit.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from controller_support import (
    FakeAgent,
    SettingsFactory,
    api_headers,
    create_account,
    submit_post,
)
from PIL import Image

from farm_controller import create_app
from farm_controller.posts.dispatch import dispatch_due
from farm_controller.runtime import Runtime
from farm_protocol.agent_api import AGENT_API_PREFIX
from tests.helpers.servers import serving


def phone(serial: str, **fields: Any) -> dict[str, Any]:
    return {"serial": serial, "width": 1080, "height": 2400, "density": 420, **fields}


def register(agent: FakeAgent, *devices: dict[str, Any]) -> httpx.Response:
    body = {"host": agent.host, "devices": list(devices)}
    return agent.client.post(f"{AGENT_API_PREFIX}/register", json=body, headers=agent.headers)


@pytest.mark.parametrize(
    ("device", "field"),
    [
        (phone("S\x001"), "devices[0].serial"),
        (phone("S" * 10_000), "devices[0].serial"),
        (phone("has space"), "devices[0].serial"),
        (phone("a/b"), "devices[0].serial"),
        (phone(""), "devices[0].serial"),
        (phone("S1", model="Pixel\x00"), "devices[0].model"),
        (phone("S1", manufacturer="x" * 10_000), "devices[0].manufacturer"),
        (phone("S1", width=2**40), "devices[0].width"),
        (phone("S1", sdk=2**40), "devices[0].sdk"),
        (phone("S1", app_versions={"com.app": "1\x00"}), "devices[0].app_versions.com.app"),
    ],
)
def test_register_refuses_what_the_database_cannot_store(
    client: httpx.Client, agent: FakeAgent, device: dict[str, Any], field: str
) -> None:
    response = register(agent, device)
    assert response.status_code == 422, response.text
    assert field in [p["field"] for p in response.json()["detail"]]
    assert client.get("/api/v1/devices").json() == []


def test_register_takes_the_serials_adb_gives(client: httpx.Client, agent: FakeAgent) -> None:
    serials = ["R58M1234ABC", "emulator-5554", "192.168.1.5:5555", "[fe80::1%wlan0]:5555"]
    assert register(agent, *(phone(s) for s in serials)).status_code == 200
    assert sorted(d["serial"] for d in client.get("/api/v1/devices").json()) == sorted(serials)


def test_heartbeat_claim_step_and_finish_refuse_nul_naming_the_field(
    client: httpx.Client, agent: FakeAgent, rt: Runtime
) -> None:
    agent.register("S1")
    beat = agent.client.post(
        f"{AGENT_API_PREFIX}/heartbeat",
        json={"devices": [{"serial": "S\x001", "state": "online"}]},
        headers=agent.headers,
    )
    assert beat.status_code == 422 and beat.json()["detail"][0]["field"] == "devices[0].serial"
    claim = agent.client.post(
        f"{AGENT_API_PREFIX}/claim",
        json={"worker": "w1", "devices": ["x" * 10_000]},
        headers=agent.headers,
    )
    assert claim.status_code == 422 and claim.json()["detail"][0]["field"] == "devices[0]"

    account = create_account(client, "shop", "S1")
    assert submit_post(client, text="hi", account_ids=[account["id"]]).status_code == 201
    dispatch_due(rt)
    [job] = agent.claim("S1")
    step = {"index": 0, "name": "open\x00", "action": "tap", "status": "ok", "duration_ms": 1}
    stepped = agent.client.post(
        f"{AGENT_API_PREFIX}/jobs/{job.id}/steps",
        json={"worker": "w1", "step": step},
        headers=agent.headers,
    )
    assert stepped.status_code == 422
    assert "step.name" in stepped.json()["detail"][0]["message"]
    report = {
        "worker": "w1",
        "result": {
            "flow": "publish_post",
            "serial": "S1",
            "outcome": "failed",
            "steps": [],
            "duration_ms": 1,
            "error": "bad\x00",
        },
    }
    finished = agent.client.post(
        f"{AGENT_API_PREFIX}/jobs/{job.id}/finish",
        data={"report": json.dumps(report)},
        headers=agent.headers,
    )
    assert finished.status_code == 422
    assert finished.json()["detail"][0]["field"] == "report"
    assert "result.error" in finished.json()["detail"][0]["message"]
    assert client.get(f"/api/v1/jobs/{job.id}").json()["state"] == "leased"


@pytest.mark.parametrize("bad", [True, 1.0, "1"])
def test_an_id_is_a_json_integer_not_true(client: httpx.Client, bad: object) -> None:
    account = create_account(client, "first", "S1")
    assert account["id"] == 1
    response = client.post("/api/v1/posts", json={"text": "hi", "account_ids": [bad]})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == "account_ids[0]"
    assert client.get("/api/v1/posts").json() == []
    slot = client.post("/api/v1/schedule/next-slot", json={"account_ids": [bad]})
    assert slot.status_code == 422
    assert slot.json()["detail"][0]["field"] == "account_ids[0]"


def test_the_duplicate_rule_compares_nfkc_text(client: httpx.Client) -> None:
    account = create_account(client, "shop", "S1")
    first = submit_post(client, text="Café sale 50%", account_ids=[account["id"]])
    assert first.status_code == 201, first.text
    # Full-width letters and a decomposed é: the same text to a reader.
    same = "Ｃａｆｅ\u0301 ｓａｌｅ ５０％"
    again = submit_post(client, text=same, account_ids=[account["id"]])
    assert again.status_code == 409, again.text
    assert again.json()["detail"][0]["type"] == "duplicate"
    other = submit_post(client, text="Café sale 60%", account_ids=[account["id"]])
    assert other.status_code == 201, other.text


@pytest.fixture
def small_bodies(make_settings: SettingsFactory) -> Iterator[httpx.Client]:
    settings = make_settings(max_body_bytes=20_000, max_image_bytes=100_000)
    with serving(create_app(settings)) as url, httpx.Client(base_url=url, timeout=30) as http:
        http.headers.update(api_headers())
        yield http


def test_a_request_body_over_the_limit_is_refused_naming_body(small_bodies: httpx.Client) -> None:
    http = small_bodies
    create_account(http, "shop", "S1")
    big = {"text": "x" * 30_000, "account_ids": [1]}
    response = http.post("/api/v1/posts", json=big)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0] == {
        "field": "body",
        "message": "the request body is larger than 20000 bytes",
        "type": "too_large",
    }
    # Without a Content-Length (chunked), the limit holds after reading that much.
    chunks = (b'{"text": "' + b"x" * 10_000 for _ in range(3))
    chunked = http.post(
        "/api/v1/posts", content=chunks, headers={"Content-Type": "application/json"}
    )
    assert chunked.status_code == 422 and chunked.json()["detail"][0]["field"] == "body"
    # A small chunked body still goes through.
    small = iter([b'{"text": "hi", ', b'"account_ids": [1]}'])
    ok = http.post("/api/v1/posts", content=small, headers={"Content-Type": "application/json"})
    assert ok.status_code == 201, ok.text
    # A multipart upload larger than the JSON limit keeps its own, larger one.
    noisy = _noisy_png()
    assert 20_000 < len(noisy) < 100_000
    uploaded = http.post("/api/v1/media", files={"file": ("n.png", noisy, "image/png")})
    assert uploaded.status_code == 201, uploaded.text


def _noisy_png() -> bytes:
    """A PNG that does not compress: larger than the JSON limit, under the image limit."""
    rng = random.Random(7)
    picture = Image.frombytes("RGB", (100, 100), bytes(rng.randrange(256) for _ in range(30_000)))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()
