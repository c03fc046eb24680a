"""A whole farm for the console's browser tests: the controller (real scheduler), an agent
with three virtual phones (`agent.host.SimAgent`, in-process), users of every role, and a
little history for the charts. Also Playwright helpers.

`tests/browser/` has no `__init__.py`; pytest puts this folder on `sys.path`. The
controller's and the agent's settings are the loopback farm's (`tests.helpers.farm`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from farm_controller import create_app
from farm_controller.db import write_session
from farm_controller.models import Contact, Conversation, DeviceStateSpan, PostTarget
from farm_controller.runtime import Runtime
from farm_protocol.device import DeviceState
from farm_protocol.posts import TargetState
from simulator.control.server import LoopbackServer
from simulator.farm import SimFarmSpec
from simulator.host import SimAgent
from tests.helpers.farm import API_TOKEN, HOST, agent_settings, controller_settings
from tests.helpers.users import FAST_HASHING, PASSWORD
from tests.helpers.waiting import wait_until

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
"""Where the browser tests save their screenshots."""
ZONE = "Asia/Shanghai"
USERS = {"root": "admin", "mei": "scheduler", "zhao": "operator", "li": "agent_staff"}
REVIEW_TEXT = "请审核：新品预告 · please review"
"""A confirm-mode post submitted at start, so it waits on its phone by the time a test looks."""
DISPLAY_NAMES = {"root": "管理员", "mei": "小美", "zhao": "老赵", "li": "小李"}


@dataclass
class ConsoleFarm:
    """The running farm.

    Attributes:
        url: The controller.
        rt: Its runtime.
        api: An httpx client with the API token (an admin).
        control: An httpx client on the agent's sim control API (the phones' ground truth).
        accounts: shop-1, shop-2 (auto publish) and shop-3 (confirm mode), by name.
    """

    url: str
    rt: Runtime
    api: httpx.Client
    control: httpx.Client
    accounts: dict[str, dict[str, Any]]

    def feed(self, serial: str) -> list[dict[str, Any]]:
        """What really is in a virtual phone's Moments feed."""
        response = self.control.get(f"/phones/{serial}/feed")
        assert response.status_code == 200, response.text
        posts: list[dict[str, Any]] = response.json()
        return posts

    def post_with_text(self, text: str) -> dict[str, Any]:
        """The newest post with this text."""
        posts = self.api.get("/api/v1/posts", params={"limit": 500}).json()
        [found] = [p for p in posts if p["text"] == text][:1]
        post: dict[str, Any] = self.api.get(f"/api/v1/posts/{found['id']}").json()
        return post


def _history(rt: Runtime, post_id: int, account_ids: list[int]) -> None:
    """Two weeks of outcomes and chats, so the charts have something to draw."""
    rng = random.Random(5)
    now = datetime.now(UTC)
    states = [TargetState.PUBLISHED] * 8 + [TargetState.FAILED, TargetState.UNCONFIRMED]
    with write_session(rt.sessions) as session:
        for day in range(1, 14):
            for n in range(rng.randrange(2, 7)):
                session.add(
                    PostTarget(
                        post_id=post_id,
                        account_id=account_ids[n % len(account_ids)],
                        occurrence_at=now - timedelta(days=day, minutes=7 * n),
                        state=rng.choice(states),
                        updated_at=now,
                    )
                )
            for n in range(rng.randrange(2, 6)):
                contact = Contact(
                    account_id=account_ids[0], name=f"客户{day}-{n}", created_at=now, updated_at=now
                )
                session.add(contact)
                session.flush()
                first = now - timedelta(days=day, hours=n)
                wait = rng.choice([20, 45, 90, 180, 300, 900, None])
                session.add(
                    Conversation(
                        account_id=account_ids[0],
                        contact_id=contact.id,
                        status="resolved",
                        first_inbound_at=first,
                        first_response_at=first + timedelta(seconds=wait) if wait else None,
                        last_activity_at=first,
                        created_at=first,
                        updated_at=first,
                    )
                )


def _online_history(rt: Runtime, serials: list[str]) -> None:
    """Two weeks of each phone's states before it registered: online stretches of 2–10 h,
    offline or unauthorized gaps of up to 3 h (the chart's history)."""
    rng = random.Random(7)
    with write_session(rt.sessions) as session:
        for serial in serials:
            first = min(
                span.started_at for span in session.query(DeviceStateSpan).filter_by(serial=serial)
            )
            at, online = first - timedelta(days=13), True
            while at < first:
                hours = rng.uniform(2, 10) if online else rng.uniform(0.2, 3)
                end = min(first, at + timedelta(hours=hours))
                state = DeviceState.ONLINE
                if not online:
                    state = rng.choice([DeviceState.OFFLINE] * 3 + [DeviceState.UNAUTHORIZED])
                session.add(
                    DeviceStateSpan(
                        serial=serial, host_name=HOST, state=state, started_at=at, ended_at=end
                    )
                )
                at, online = end, not online


@contextmanager
def console_farm(folder: Path) -> Iterator[ConsoleFarm]:
    """Start the controller and the agent; seed accounts, users and history."""
    settings = controller_settings(folder, chat_sync_enabled=False, **FAST_HASHING)
    app = create_app(settings)
    controller = LoopbackServer(app, "127.0.0.1", 0, lifespan=True)
    controller.start()
    agent = SimAgent(
        agent_settings(controller.url, folder / "agent"),
        SimFarmSpec(count=3, host=HOST, seed=3, faults=False),
        control=("127.0.0.1", 0),
    )
    agent.start()
    assert agent.control_url is not None
    api = httpx.Client(
        base_url=controller.url, headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=30
    )
    control = httpx.Client(base_url=agent.control_url, timeout=30)
    try:
        accounts = {}
        for i, phone in enumerate(agent.phones, start=1):
            created = api.post(
                "/api/v1/accounts",
                json={
                    "name": f"shop-{i}",
                    "device_serial": phone.serial,
                    "timezone": ZONE,
                    "daily_post_cap": 20,
                    "publish_mode": "confirm" if i == 3 else "auto",
                    "tags": ["门店", "review" if i == 3 else "auto"],
                },
            )
            assert created.status_code == 201, created.text
            accounts[f"shop-{i}"] = created.json()
        api.put(
            f"/api/v1/accounts/{accounts['shop-1']['id']}/slots", json={"slots": ["09:00", "20:00"]}
        )
        for name, role in USERS.items():
            body: dict[str, Any] = {
                "username": name,
                "display_name": DISPLAY_NAMES[name],
                "role": role,
                "password": PASSWORD,
            }
            if role == "agent_staff":
                body["account_ids"] = [accounts["shop-1"]["id"]]
            assert api.post("/api/v1/users", json=body).status_code == 201
        parked = api.post(
            "/api/v1/posts",
            json={"text": REVIEW_TEXT, "account_ids": [accounts["shop-3"]["id"]]},
        )
        assert parked.status_code == 201, parked.text
        old = api.post(
            "/api/v1/posts",
            json={
                "text": "上周的活动",
                "account_ids": [accounts["shop-1"]["id"]],
                "run_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
            },
        )
        assert old.status_code == 201, old.text
        _history(app.state.runtime, old.json()["id"], [a["id"] for a in accounts.values()][:2])
        registered = wait_until(
            lambda: len(api.get("/api/v1/devices").json()) == len(agent.phones), 20.0, 0.1
        )
        assert registered, "the agent did not register its phones"
        _online_history(app.state.runtime, [phone.serial for phone in agent.phones])
        yield ConsoleFarm(controller.url, app.state.runtime, api, control, accounts)
    finally:
        api.close()
        control.close()
        agent.stop(timeout=20)
        controller.stop()


def playwright_or_skip() -> Any:
    """Playwright's sync API, for a module of browser tests: skips the whole module when
    Playwright or Debian's chromium is missing."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the browser test needs playwright (pip install playwright)"
    )
    if not CHROMIUM.exists():
        pytest.skip(
            "the browser test needs Debian's chromium at /usr/bin/chromium "
            "(apt-get install chromium)",
            allow_module_level=True,
        )
    return sync_api


def sign_in(page: Any, url: str, username: str, path: str = "/") -> None:
    """Open `path`, get sent to the sign-in page, sign in, come back."""
    page.goto(f"{url}{path}")
    page.wait_for_url("**/login**")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(lambda current: "/login" not in current)
    page.wait_for_selector("body.ready, #app .topbar .nav-links")


def set_language(page: Any, language: str) -> None:
    """Switch the console's language (remembered) and reload the page."""
    page.evaluate("(lang) => localStorage.setItem('pf.lang', lang)", language)
    page.reload()
    page.wait_for_selector("body.ready, #app .topbar .nav-links")


def shot(page: Any, name: str, *, full_page: bool = False) -> Path:
    """Save a screenshot as artifacts/browser/console_<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"console_{name}.png"
    page.wait_for_timeout(150)  # let fonts and images settle
    page.screenshot(path=str(path), full_page=full_page)
    return path
