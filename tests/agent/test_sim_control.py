"""The sim control API: ground truth and faults of virtual phones, loopback only."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator

import httpx
import pytest
from agent_support import small_phone
from PIL import Image

from agent.devices.errors import DeviceOfflineError
from simulator.control.app import create_sim_control_app
from simulator.control.server import LoopbackServer, parse_bind
from simulator.device import SimulatedDevice
from simulator.phone import VirtualPhone


@pytest.fixture
def phones() -> list[VirtualPhone]:
    return [small_phone("sim-1"), small_phone("sim-2")]


@pytest.fixture
def api(phones: list[VirtualPhone]) -> Iterator[httpx.Client]:
    server = LoopbackServer(create_sim_control_app(phones))
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            yield client
    finally:
        server.stop()


def test_lists_phones_with_what_they_show(api: httpx.Client) -> None:
    listed = api.get("/phones").json()
    assert [p["serial"] for p in listed] == ["sim-1", "sim-2"]
    assert listed[0]["screen"] == "launcher"
    assert listed[0]["connected"] is True
    assert api.get("/phones/nope").status_code == 404


def test_the_feed_shows_published_posts_with_pixel_hashes(
    api: httpx.Client, phones: list[VirtualPhone]
) -> None:
    image = Image.new("RGB", (40, 30), (10, 200, 30))
    phones[0].world.publish_post("hello", [image], ["a.png"])
    [post] = api.get("/phones/sim-1/feed").json()
    assert post["text"] == "hello"
    assert post["images"] == [
        {
            "width": 40,
            "height": 30,
            "rgb_sha256": hashlib.sha256(image.tobytes()).hexdigest(),
            "media_name": "a.png",
        }
    ]
    assert api.get("/phones/sim-2/feed").json() == []


def test_a_customer_message_is_injected_and_shows_in_the_chat(api: httpx.Client) -> None:
    contact = api.get("/phones/sim-1/contacts").json()[0]
    sent = api.post("/phones/sim-1/messages", json={"contact": contact["name"], "text": "在吗？"})
    assert sent.status_code == 201
    chat = api.get("/phones/sim-1/messages", params={"contact": contact["name"]}).json()
    assert chat[-1]["text"] == "在吗？"
    assert chat[-1]["direction"] == "in"
    unknown = api.post("/phones/sim-1/messages", json={"contact": "nobody", "text": "x"})
    assert unknown.status_code == 404


def test_faults_happen_on_the_phone(api: httpx.Client, phones: list[VirtualPhone]) -> None:
    device = SimulatedDevice(phones[1])
    assert (
        api.post("/phones/sim-2/faults", json={"kind": "disconnect"}).json()["connected"] is False
    )
    with pytest.raises(DeviceOfflineError):
        device.screenshot()
    api.post("/phones/sim-2/faults", json={"kind": "reconnect"})
    assert device.window_size() == (720, 1600)
    assert api.post("/phones/sim-2/faults", json={"kind": "lock"}).json()["locked"] is True
    dialog = api.post("/phones/sim-2/faults", json={"kind": "dialog", "dialog": "update"})
    assert dialog.status_code == 200
    assert api.post("/phones/sim-2/faults", json={"kind": "explode"}).status_code == 422


def test_the_screenshot_is_a_png_of_the_screen(api: httpx.Client) -> None:
    response = api.get("/phones/sim-1/screenshot")
    assert response.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (720, 1600)


@pytest.mark.parametrize(
    "bind", ["0.0.0.0:8765", "192.168.1.4:8765", "example.com:80", "8765", "127.0.0.1:x"]
)
def test_only_loopback_binds_are_accepted(bind: str) -> None:
    with pytest.raises(ValueError):
        parse_bind(bind)


def test_loopback_binds_parse() -> None:
    assert parse_bind("127.0.0.1:8765") == ("127.0.0.1", 8765)
    assert parse_bind("localhost:0") == ("127.0.0.1", 0)
    assert parse_bind("[::1]:9000") == ("::1", 9000)
