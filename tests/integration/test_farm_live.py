"""Live screens and remote control end to end: controller (uvicorn, loopback), an agent with
virtual phones and its screen link, a WebSocket viewer, the REST control API.

The ground truth is the virtual phone's own `screen_label()`, not what the API answers.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from farm_controller.models import AuditEvent
from farm_protocol.jobs import JobKind, JobState
from farm_protocol.live import AgentHello, StreamTier, decode_header
from tests.helpers.farm import AGENT_TOKEN, API_TOKEN, HOST
from tests.helpers.live_farm import LiveFarm, settle
from tests.helpers.waiting import wait_for

pytestmark = pytest.mark.slow

OPERATOR_TOKEN = "operator-token-" + "o" * 30
OTHER_TOKEN = "operator2-token-" + "p" * 30
STAFF_TOKEN = "staff-token-" + "s" * 30
SCHEDULER_TOKEN = "scheduler-token-" + "c" * 30


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveFarm]:
    folder: Path = tmp_path_factory.mktemp("live")
    with LiveFarm(folder, 3, controller={"chat_sync_enabled": False}) as live:
        live.add_user("op", "operator", OPERATOR_TOKEN)
        live.add_user("op2", "operator", OTHER_TOKEN)
        live.add_user("li", "agent_staff", STAFF_TOKEN)
        live.add_user("sam", "scheduler", SCHEDULER_TOKEN)
        live.sim.supervisor.screens.take_wait = 0.3
        yield live


@contextmanager
def viewer(farm: LiveFarm, token: str) -> Iterator[ClientConnection]:
    with connect(farm.url.replace("http://", "ws://") + "/api/v1/ws/screens") as ws:
        ws.send(json.dumps({"type": "auth", "token": token}))
        yield ws


def tap_node(farm: LiveFarm, token: str, serial: str, node_id: str) -> int:
    phone = farm.phone(serial)
    [node] = phone.find(node_id)
    x0, y0, x1, y1 = node.bounds
    body = {"action": "tap", "x": (x0 + x1) / 2 / phone.width, "y": (y0 + y1) / 2 / phone.height}
    with farm.client(token) as api:
        response = api.post(f"/api/v1/devices/{serial}/input", json=body)
    return response.status_code


def test_a_tap_through_the_pipeline_changes_the_phone_and_is_audited(farm: LiveFarm) -> None:
    serial = farm.serials[0]
    phone = farm.phone(serial)
    with farm.client(OPERATOR_TOKEN) as api:
        assert api.post(f"/api/v1/devices/{serial}/control").json()["yours"] is True
        for node_id, screen in [
            ("app_simchat", "chat_list"),
            ("tab_discover", "discover"),
            ("entry_moments", "moments_feed"),
        ]:
            assert tap_node(farm, OPERATOR_TOKEN, serial, node_id) == 200
            assert settle(phone) == screen
        home = api.post(f"/api/v1/devices/{serial}/input", json={"action": "key", "key": "home"})
        assert home.status_code == 200, home.text
        assert settle(phone) == "launcher"
        typed = api.post(f"/api/v1/devices/{serial}/input", json={"action": "text", "text": "秘密"})
        assert typed.status_code == 200
        assert api.delete(f"/api/v1/devices/{serial}/control").json()["holder"] is None
    with farm.rt.sessions() as session:
        events = list(
            session.scalars(select(AuditEvent).where(AuditEvent.devices.like(f"%,{serial},%")))
        )
    actions = [event.action for event in events]
    assert actions.count("live.remote_input") == 5
    assert actions.count("live.take_control") == 1 and actions.count("live.release_control") == 1
    assert {event.actor for event in events} == {"op"}
    taps = [e.detail for e in events if e.detail.get("input") == "tap"]
    assert len(taps) == 3 and all(0 <= tap["x"] <= 1 for tap in taps)
    text = next(e.detail for e in events if e.detail.get("input") == "text")
    assert text == {"input": "text", "chars": 2}  # what was typed is not kept


def test_input_needs_control_and_control_pauses_jobs(farm: LiveFarm) -> None:
    serial = farm.serials[1]
    worker = farm.worker(serial)
    with farm.client(OPERATOR_TOKEN) as api, farm.client(OTHER_TOKEN) as other:
        refused = api.post(f"/api/v1/devices/{serial}/input", json={"action": "key", "key": "home"})
        assert refused.status_code == 409 and refused.json()["detail"][0]["type"] == "not_held"

        # A worker with a job in hand (here: as if it had one) cannot be taken.
        while not worker.control.begin_work():
            time.sleep(0.01)
        try:
            busy = api.post(f"/api/v1/devices/{serial}/control")
            assert busy.status_code == 409 and busy.json()["detail"][0]["type"] == "busy"
        finally:
            worker.control.end_work()

        assert api.post(f"/api/v1/devices/{serial}/control").status_code == 200
        held = other.post(f"/api/v1/devices/{serial}/control")
        assert held.status_code == 409 and held.json()["detail"][0]["type"] == "held"
        stranger = other.post(
            f"/api/v1/devices/{serial}/input", json={"action": "text", "text": "x"}
        )
        assert stranger.json()["detail"][0]["type"] == "not_held"

        # While held, the phone claims nothing: its job waits in the queue.
        job = farm.rt.jobs.enqueue(JobKind.RUN_FLOW, serial, {"flow": "noop"}, max_attempts=1)
        time.sleep(1.5)
        assert farm.rt.jobs.get(job.id).state is JobState.QUEUED
        grid = api.get("/api/v1/farm").json()
        [row] = [d for d in grid["devices"] if d["serial"] == serial]
        assert row["control"]["holder"] == "op"

        # Released (here by the other operator): the job runs (this agent fails run_flow).
        assert other.delete(f"/api/v1/devices/{serial}/control").status_code == 200
        wait_for(lambda: farm.rt.jobs.get(job.id).state is JobState.FAILED, 15, interval=0.2)
        page = api.get(f"/api/v1/devices/{serial}/live").json()
        assert page["recent_jobs"][0]["id"] == job.id
        assert "run_flow" in page["device"]["last_error"]
        assert page["control"]["holder"] is None


def test_streams_run_only_while_someone_watches(farm: LiveFarm) -> None:
    focus, other = farm.serials[0], farm.serials[2]
    link = farm.sim.supervisor.screens
    assert link.streaming() == {}
    with viewer(farm, OPERATOR_TOKEN) as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "ready"
        ws.send(json.dumps({"type": "watch", "thumbs": [focus, other, "nope"], "focus": focus}))
        seen: dict[tuple[str, StreamTier], list[int]] = {}
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            message = ws.recv(timeout=5)
            if isinstance(message, bytes):
                header = decode_header(message)
                seen.setdefault((header.serial, header.tier), []).append(header.width)
        assert set(seen) == {
            (focus, StreamTier.THUMB),
            (focus, StreamTier.FOCUS),
            (other, StreamTier.THUMB),
        }
        assert set(seen[(focus, StreamTier.FOCUS)]) == {540}
        assert set(seen[(other, StreamTier.THUMB)]) == {180}
        assert set(link.streaming()) == {focus, other}

        ws.send(json.dumps({"type": "watch", "thumbs": [other], "focus": None}))
        wait_for(lambda: set(link.streaming()) == {other}, 5, 0.05)
    wait_for(lambda: link.streaming() == {}, 5, 0.05)
    assert farm.hub.watched() == {}


def test_a_focused_virtual_phone_streams_at_least_five_frames_a_second(farm: LiveFarm) -> None:
    serial = farm.serials[2]
    phone = farm.phone(serial)
    done = threading.Event()

    def busy_screen() -> None:  # a screen that keeps changing (tabs switching)
        tabs = ["chat_list", "contacts", "discover", "me"]
        i = 0
        while not done.is_set():
            phone.goto(tabs[i % len(tabs)])
            i += 1
            done.wait(0.1)

    changer = threading.Thread(target=busy_screen, daemon=True)
    changer.start()
    try:
        with viewer(farm, OPERATOR_TOKEN) as ws:
            ws.recv(timeout=5)
            ws.send(json.dumps({"type": "watch", "thumbs": [], "focus": serial}))
            frames = 0
            started = time.monotonic()
            while time.monotonic() - started < 2.0:
                message = ws.recv(timeout=5)
                frames += isinstance(message, bytes)
            fps = frames / (time.monotonic() - started)
    finally:
        done.set()
        changer.join(2)
    # the ≥ 5 frames/s target is measured by scripts/bench_dashboard, not asserted here:
    # a loaded CI machine must not fail the suite; here frames must keep flowing
    assert frames >= 3, fps


@pytest.mark.parametrize("token", [STAFF_TOKEN, SCHEDULER_TOKEN])
def test_other_roles_are_refused(farm: LiveFarm, token: str) -> None:
    serial = farm.serials[0]
    with farm.client(token) as api:
        for method, path, body in [
            ("GET", "/api/v1/farm", None),
            ("GET", f"/api/v1/devices/{serial}/live", None),
            ("POST", f"/api/v1/devices/{serial}/control", None),
            ("DELETE", f"/api/v1/devices/{serial}/control", None),
            ("POST", f"/api/v1/devices/{serial}/input", {"action": "key", "key": "home"}),
            ("GET", "/farm", None),
            ("GET", f"/devices/{serial}", None),
        ]:
            response = api.request(method, path, json=body)
            assert response.status_code == 403, (method, path, response.status_code)
    with viewer(farm, token) as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "error"
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        assert ws.close_code == 4403


def test_the_screen_link_needs_the_host_token(farm: LiveFarm) -> None:
    url = farm.url.replace("http://", "ws://") + "/api/v1/agent/ws"
    for token in (API_TOKEN, OPERATOR_TOKEN, "x" * 40):
        with (
            pytest.raises(InvalidStatus) as refused,
            connect(url, additional_headers={"Authorization": f"Bearer {token}"}),
        ):
            pass
        assert refused.value.response.status_code == 403
    with connect(url, additional_headers={"Authorization": f"Bearer {AGENT_TOKEN}"}) as ws:
        ws.send(AgentHello(host="someone-else").model_dump_json())
        with pytest.raises(ConnectionClosed):
            while True:
                ws.recv(timeout=5)
        assert ws.close_code == 4403
    assert HOST in farm.hub.live_hosts()  # the real agent's link is untouched
