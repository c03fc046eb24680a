"""A whole farm on loopback: controller, agent, virtual phones (the integration tests, the
adb farm test, the browser tests).

Everything talks real HTTP: the controller is uvicorn on a loopback port, the agent uses
its real client, and the tests read the virtual phones' ground truth through the sim
control API.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from agent.devices.base import Device, Key
from agent.devices.base import Image as ImageArray
from agent.devices.errors import DeviceOfflineError
from agent.host.settings import AgentSettings
from farm_controller import Settings, create_app
from farm_protocol.device import DeviceInfo
from simulator.control.server import LoopbackServer
from simulator.device import SimulatedDevice
from simulator.farm import SimFarmSpec
from simulator.host import SimAgent
from simulator.phone import VirtualPhone
from tests.helpers.images import rgb_sha256

API_TOKEN = "integration-api-token-" + "a" * 20
AGENT_TOKEN = "integration-agent-token-" + "b" * 20
HOST = "rack-1"


# -- the controller -------------------------------------------------------------------


def controller_settings(folder: Path, **overrides: Any) -> Settings:
    """A controller on a SQLite file in `folder`, paced for tests."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{folder / 'farm.db'}",
        "media_dir": folder / "media",
        "evidence_dir": folder / "evidence",
        "api_token": API_TOKEN,
        "agent_tokens": {HOST: AGENT_TOKEN},
        "heartbeat_interval": 0.5,
        "heartbeat_timeout": 2.5,
        "lease_seconds": 10.0,
        "reaper_interval": 0.3,
        "sweep_interval": 1.0,
    }
    values.update(overrides)
    return Settings(**values)


class Controller:
    """The controller app served on a loopback port; restartable on the same port and DB."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = 0
        self.server: LoopbackServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Controller:
        self.server = LoopbackServer(
            create_app(self.settings), "127.0.0.1", self.port, lifespan=True
        )
        self.port = self.server.port
        self.server.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


ControllerFactory = Callable[..., Controller]
"""Starts a controller with settings overrides (the `start_controller` fixture)."""


class Api:
    """The controller's public API, as a scheduler would use it."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=30
        )

    def close(self) -> None:
        self.http.close()

    def _ok(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, f"{response.status_code}: {response.text}"
        return response.json()

    def create_account(self, name: str, serial: str, **fields: Any) -> dict[str, Any]:
        body = {"name": name, "device_serial": serial, "daily_post_cap": 20, **fields}
        return dict(self._ok(self.http.post("/api/v1/accounts", json=body), 201))

    def upload(self, data: bytes, name: str) -> dict[str, Any]:
        files = {"file": (name, data, "image/png")}
        return dict(self._ok(self.http.post("/api/v1/media", files=files), 201))

    def submit(
        self, text: str, account_ids: list[int], media_ids: list[str], run_at: datetime | None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"text": text, "account_ids": account_ids, "media_ids": media_ids}
        if run_at is not None:
            body["run_at"] = run_at.isoformat()
        return dict(self._ok(self.http.post("/api/v1/posts", json=body), 201))

    def post(self, post_id: int) -> dict[str, Any]:
        return dict(self._ok(self.http.get(f"/api/v1/posts/{post_id}")))

    def target_states(self, post_ids: Sequence[int]) -> list[str]:
        listed = self._ok(self.http.get("/api/v1/posts", params={"limit": 500}))
        wanted = set(post_ids)
        return [
            state
            for post in listed
            if post["id"] in wanted
            for state, count in post["target_counts"].items()
            for _ in range(count)
        ]

    def job(self, job_id: str) -> dict[str, Any]:
        return dict(self._ok(self.http.get(f"/api/v1/jobs/{job_id}")))

    def device(self, serial: str) -> dict[str, Any]:
        return dict(self._ok(self.http.get(f"/api/v1/devices/{serial}")))

    def retry(self, job_id: str) -> dict[str, Any]:
        return dict(self._ok(self.http.post(f"/api/v1/jobs/{job_id}/retry")))

    def plan(
        self,
        text: str,
        account: dict[str, Any],
        images: Sequence[bytes],
        run_at: datetime | None = None,
    ) -> Planned:
        """Upload `images` and submit a post of them for `account` (now when `run_at` is
        None); what must then appear on its phone."""
        media = [self.upload(data, f"photo-{i}.png") for i, data in enumerate(images)]
        not_before = run_at or now_utc()
        post = self.submit(text, [account["id"]], [m["id"] for m in media], run_at)
        hashes = tuple(rgb_sha256(data) for data in images)
        return Planned(post["id"], account["device_serial"], text, not_before, hashes)

    def all_published(self, plan: Sequence[Planned]) -> bool:
        """Every planned post has exactly its one target, published."""
        states = self.target_states([item.post_id for item in plan])
        return len(states) == len(plan) and all(state == "published" for state in states)


def agent_settings(url: str, workdir: Path, **overrides: Any) -> AgentSettings:
    """The test host's agent settings: quick polls, short backoff."""
    values: dict[str, Any] = {
        "controller_url": url,
        "token": AGENT_TOKEN,
        "host": HOST,
        "workdir": workdir,
        "claim_interval": 0.2,
        "status_interval": 1.0,
        "offline_poll": 0.3,
        "backoff_initial": 0.1,
        "backoff_cap": 1.0,
    }
    values.update(overrides)
    return AgentSettings(**values)


# -- the ground truth -------------------------------------------------------------------


class SimControl:
    """The agent's sim control API: what the virtual phones really show and did."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=30)

    def close(self) -> None:
        self.http.close()

    def feed(self, serial: str) -> list[dict[str, Any]]:
        response = self.http.get(f"/phones/{serial}/feed")
        assert response.status_code == 200, response.text
        return list(response.json())

    def fault(self, serial: str, kind: str) -> dict[str, Any]:
        response = self.http.post(f"/phones/{serial}/faults", json={"kind": kind})
        assert response.status_code == 200, response.text
        return dict(response.json())


@contextmanager
def sim_agent(
    url: str, workdir: Path, spec: SimFarmSpec, **options: Any
) -> Iterator[tuple[SimAgent, SimControl]]:
    """An agent on this host with virtual phones (`spec`) and its sim control API, for the
    block; `options` go to `SimAgent` (e.g. `listener`)."""
    agent = SimAgent(agent_settings(url, workdir), spec, control=("127.0.0.1", 0), **options)
    agent.start()
    try:
        assert agent.control_url is not None
        with closing(SimControl(agent.control_url)) as control:
            yield agent, control
    finally:
        agent.stop(timeout=30)


@dataclass(frozen=True)
class Planned:
    """A post the test submitted: what must appear, where, and not before when."""

    post_id: int
    serial: str
    text: str
    run_at: datetime
    image_hashes: tuple[str, ...]


def assert_published_exactly_once(
    control: SimControl, serials: Sequence[str], plan: Sequence[Planned]
) -> None:
    """Every planned post is in its phone's feed exactly once, on time, with its images;
    no phone has a post that was not planned."""
    feeds = {serial: control.feed(serial) for serial in serials}
    for item in plan:
        matches = [p for p in feeds[item.serial] if p["text"] == item.text]
        assert len(matches) == 1, f"{item.text!r} is on {item.serial} {len(matches)} times"
        post = matches[0]
        published_at = datetime.fromisoformat(post["published_at"])
        assert published_at >= item.run_at, f"{item.text!r} went out before its run time"
        assert tuple(i["rgb_sha256"] for i in post["images"]) == item.image_hashes, item.text
        elsewhere = [
            s for s in serials if s != item.serial and any(p["text"] == item.text for p in feeds[s])
        ]
        assert not elsewhere, f"{item.text!r} also appeared on {elsewhere}"
    for serial in serials:
        planned = sum(1 for item in plan if item.serial == serial)
        assert len(feeds[serial]) == planned, f"{serial} published {len(feeds[serial])} posts"


def now_utc(plus: float = 0.0) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=plus)


# -- killing an agent without killing its phones ---------------------------------------


class SeverableTransport(httpx.HTTPTransport):
    """An HTTP transport that can be cut: afterwards every request fails to connect, as
    if the process had died (the controller hears nothing more from it)."""

    def __init__(self) -> None:
        super().__init__()
        self.severed = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.severed.is_set():
            raise httpx.ConnectError("the agent process is dead", request=request)
        return super().handle_request(request)


class FreezingDevice:
    """A `Device` that freezes for good once `trigger(phone, x, y, tap_number)` says so.

    The tap that triggers it goes through; every later call blocks until `release` is set
    and then raises `DeviceOfflineError` — the worker thread is stuck exactly like a
    process that was killed at that moment.
    """

    def __init__(
        self, phone: VirtualPhone, trigger: Callable[[VirtualPhone, int, int, int], bool]
    ) -> None:
        self.inner = SimulatedDevice(phone)
        self.phone = phone
        self.trigger = trigger
        self.frozen = threading.Event()
        self.release = threading.Event()
        self.taps = 0

    def _gate(self) -> None:
        if self.frozen.is_set():
            self.release.wait()
            raise DeviceOfflineError(self.phone.serial, "the agent was killed")

    @property
    def serial(self) -> str:
        return self.inner.serial

    def info(self) -> DeviceInfo:
        self._gate()
        return self.inner.info()

    def window_size(self) -> tuple[int, int]:
        self._gate()
        return self.inner.window_size()

    def screenshot(self) -> ImageArray:
        self._gate()
        return self.inner.screenshot()

    def tap(self, x: int, y: int) -> None:
        self._gate()
        self.taps += 1
        fire = self.trigger(self.phone, x, y, self.taps)
        self.inner.tap(x, y)
        if fire:
            self.frozen.set()

    def long_press(self, x: int, y: int, duration_ms: int = 800) -> None:
        self._gate()
        self.inner.long_press(x, y, duration_ms)

    def swipe(self, x1: int, y1: int, x2: int, y2: int, duration_ms: int = 300) -> None:
        self._gate()
        self.inner.swipe(x1, y1, x2, y2, duration_ms)

    def type_text(self, text: str) -> None:
        self._gate()
        self.inner.type_text(text)

    def press_key(self, key: Key) -> None:
        self._gate()
        self.inner.press_key(key)

    def push_media(self, local_path: Path) -> str:
        self._gate()
        return self.inner.push_media(local_path)

    def app_start(self, package: str) -> None:
        self._gate()
        self.inner.app_start(package)

    def app_stop(self, package: str) -> None:
        self._gate()
        self.inner.app_stop(package)

    def current_app(self) -> str:
        self._gate()
        return self.inner.current_app()

    def dump_hierarchy(self) -> str:
        self._gate()
        return self.inner.dump_hierarchy()


def hits_publish(phone: VirtualPhone, x: int, y: int, _taps: int) -> bool:
    """True for a tap on the composer's Publish button (the irreversible moment)."""
    return phone.screen_label() == "composer" and any(
        node.contains(x, y) for node in phone.find("btn_publish")
    )


def nth_tap(n: int) -> Callable[[VirtualPhone, int, int, int], bool]:
    """Trigger on the n-th tap (before Publish for small n)."""
    return lambda _phone, _x, _y, taps: taps == n


def as_devices(devices: Sequence[FreezingDevice]) -> list[Device]:
    return list(devices)
