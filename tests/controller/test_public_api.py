"""The public API's happy paths: media, accounts, posts, hosts and devices, OpenAPI."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
from controller_support import FakeAgent, create_account, submit_post, upload

from device_profiles import profile_dir
from farm_controller.posts.dispatch import dispatch_due
from farm_controller.runtime import Runtime
from tests.helpers.clock import START
from tests.helpers.images import image_bytes, png


def test_media_upload_checks_and_stores_by_content(client: httpx.Client, tmp_path: Path) -> None:
    first = upload(client, png(40, 30))
    assert (first["width"], first["height"], first["content_type"]) == (40, 30, "image/png")
    assert len(first["sha256"]) == 64
    again = upload(client, png(40, 30), "other-name.png")
    assert again["id"] == first["id"]
    jpeg = client.post("/api/v1/media", files={"file": ("x.bin", image_bytes("JPEG"), "x/y")})
    assert jpeg.status_code == 201 and jpeg.json()["content_type"] == "image/jpeg"
    webp = upload(client, image_bytes("WEBP"))
    assert webp["content_type"] == "image/webp"
    stored = [p for p in (tmp_path / "media").rglob("*") if p.is_file()]
    assert len(stored) == 3
    content = client.get(first["url"])
    assert content.content == png(40, 30)
    assert client.get(f"/api/v1/media/{first['id']}").json()["sha256"] == first["sha256"]
    assert client.get("/api/v1/media/nope").status_code == 404


def test_accounts_crud(client: httpx.Client, agent: FakeAgent) -> None:
    created = create_account(
        client,
        "门店-01",
        "S1",
        timezone="Asia/Shanghai",
        daily_post_cap=2,
        quiet_hours={"start": "22:00", "end": "08:00"},
        publish_mode="confirm",
        tags=["vip"],
    )
    assert created["device_state"] is None  # its phone is not registered yet
    assert created["app"] == "simchat"
    agent.register("S1")
    shown = client.get(f"/api/v1/accounts/{created['id']}").json()
    assert shown["device_state"] == "online"
    assert shown["quiet_hours"] == {"start": "22:00:00", "end": "08:00:00"}

    changed = client.patch(
        f"/api/v1/accounts/{created['id']}", json={"daily_post_cap": 5, "quiet_hours": None}
    ).json()
    assert changed["daily_post_cap"] == 5
    assert changed["quiet_hours"] is None
    assert changed["publish_mode"] == "confirm"
    assert client.get("/api/v1/accounts", params={"tag": "vip"}).json()[0]["id"] == created["id"]
    assert client.get("/api/v1/accounts", params={"device_serial": "S9"}).json() == []

    other = create_account(client, "other", "S2")
    taken = client.patch(f"/api/v1/accounts/{other['id']}", json={"name": "门店-01"})
    assert taken.status_code == 409
    assert client.delete(f"/api/v1/accounts/{other['id']}").status_code == 204
    assert client.get(f"/api/v1/accounts/{other['id']}").status_code == 404

    submit_post(client, text="x", account_ids=[created["id"]])
    in_use = client.delete(f"/api/v1/accounts/{created['id']}")
    assert in_use.status_code == 409


def test_post_multipart_with_files_keeps_the_image_order(
    client: httpx.Client, agent: FakeAgent, rt: Runtime
) -> None:
    agent.register("S1")
    account = create_account(client, "shop", "S1")
    existing = upload(client, png(colour=(0, 0, 255)))
    body = {
        "text": "图文",
        "account_ids": [account["id"]],
        "media_ids": [existing["id"]],
        "run_at": (START + timedelta(hours=2)).isoformat(),
        "created_by": "lin",
    }
    response = client.post(
        "/api/v1/posts",
        data={"post": json.dumps(body)},
        files=[
            ("files", ("b.png", png(colour=(0, 255, 0)), "image/png")),
            ("files", ("c.jpg", image_bytes("JPEG"), "image/jpeg")),
        ],
    )
    assert response.status_code == 201, response.text
    post = response.json()
    assert [m["content_type"] for m in post["media"]] == ["image/png", "image/png", "image/jpeg"]
    assert post["media"][0]["id"] == existing["id"]
    assert post["created_by"] == "lin"
    assert post["run_at"] == "2030-01-01T11:00:00Z"
    assert post["timezone"] == "UTC"
    assert post["targets"][0]["state"] == "scheduled"
    assert post["target_counts"] == {"scheduled": 1}


def test_posts_list_filters_and_cancel(client: httpx.Client, agent: FakeAgent, rt: Runtime) -> None:
    agent.register("S1", "S2")
    a = create_account(client, "a", "S1")
    b = create_account(client, "b", "S2", timezone="Asia/Tokyo")
    p1 = submit_post(client, text="one", account_ids=[a["id"]]).json()
    p2 = submit_post(
        client, text="two", account_ids=[b["id"], a["id"]], run_at=START + timedelta(hours=3)
    ).json()
    assert p2["timezone"] == "Asia/Tokyo"  # the first account's zone
    assert p2["account_ids"] == [b["id"], a["id"]]
    dispatch_due(rt)

    def ids(**params: object) -> list[int]:
        return [p["id"] for p in client.get("/api/v1/posts", params=params).json()]

    assert ids() == [p2["id"], p1["id"]]
    assert ids(account_id=b["id"]) == [p2["id"]]
    assert ids(state="dispatched") == [p1["id"]]
    assert ids(target_state="queued") == [p1["id"]]
    assert ids(limit=1) == [p2["id"]]
    assert ids(created_by="api", offset=1) == [p1["id"]]

    cancelled = client.post(f"/api/v1/posts/{p2['id']}/cancel").json()
    assert cancelled["state"] == "cancelled"
    assert cancelled["target_counts"] == {"cancelled": 2}
    assert client.post("/api/v1/posts/999/cancel").status_code == 404
    # Cancelling a dispatched post cancels its queued job.
    cancelled = client.post(f"/api/v1/posts/{p1['id']}/cancel").json()
    assert cancelled["targets"][0]["state"] == "cancelled"
    assert (
        client.get("/api/v1/jobs", params={"state": "cancelled"}).json()[0]["post_id"] == p1["id"]
    )


def test_hosts_and_devices(client: httpx.Client, agent: FakeAgent) -> None:
    agent.register("S1", "S2")
    hosts = client.get("/api/v1/hosts").json()
    assert [(h["name"], h["device_count"], h["online"]) for h in hosts] == [("rack-1", 2, True)]
    detail = client.get("/api/v1/hosts/rack-1").json()
    assert [d["serial"] for d in detail["devices"]] == ["S1", "S2"]
    assert detail["devices"][0]["resolution"] == "1080x2400"
    assert client.get("/api/v1/hosts/nope").status_code == 404
    account = create_account(client, "a", "S1")
    device = client.get("/api/v1/devices/S1").json()
    assert device["account_ids"] == [account["id"]]
    assert device["recent_job_ids"] == []
    # A re-registration without S2: it went away.
    agent.register("S1")
    assert client.get("/api/v1/devices/S2").json()["state"] == "offline"
    assert client.get("/api/v1/devices", params={"host": "rack-1"}).status_code == 200
    beat = agent.heartbeat("S1", "GHOST")
    assert beat.unknown_devices == ["GHOST"]


def test_openapi_documents_every_route(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/posts" in paths and "/api/v1/agent/jobs/{job_id}/finish" in paths
    body = paths["/api/v1/posts"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "multipart/form-data"}
    assert "PostCreate" in schema["components"]["schemas"]
    assert "RecurrenceIn" in schema["components"]["schemas"]
    for path, methods in paths.items():
        for method, operation in methods.items():
            assert operation.get("description"), f"{method} {path} has no docstring"
    assert client.get("/docs").status_code == 200


def test_an_accounts_app_names_an_installed_profile_and_nothing_else(
    client: httpx.Client,
) -> None:
    created = create_account(client, "wx", "S1", app="wechat")
    assert created["app"] == "wechat"
    for bad in ("nope", "../apps/simchat", str(profile_dir("simchat") / "profile.yaml")):
        refused = client.patch(f"/api/v1/accounts/{created['id']}", json={"app": bad})
        assert refused.status_code == 422, refused.text
        [problem] = refused.json()["detail"]
        assert problem["field"] == "app"
        assert "simchat, wechat, wecom" in problem["message"]
        if bad == "nope":  # (the others echo the caller's own input)
            assert str(profile_dir("simchat").parent) not in refused.text
    assert client.get(f"/api/v1/accounts/{created['id']}").json()["app"] == "wechat"
