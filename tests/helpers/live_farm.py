"""A farm for the live-screen tests: the controller in-process on a loopback port (its
runtime at hand, to add users) and an agent with virtual phones and its screen link.

Used by ``tests/integration/test_farm_live.py`` and the browser test
``tests/browser/test_farm_view.py``.
"""

from __future__ import annotations

import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from farm_controller import create_app
from farm_controller.auth.principal import Role
from farm_controller.fleet.live_hub import LiveHub
from farm_controller.runtime import Runtime
from simulator.control.server import LoopbackServer
from simulator.farm import SimFarmSpec
from simulator.host import SimAgent
from simulator.phone import VirtualPhone
from tests.helpers.farm import HOST, agent_settings, controller_settings
from tests.helpers.users import FAST_HASHING, add_user
from tests.helpers.waiting import wait_for


class LiveFarm:
    """Controller + agent (+ screen link) with `phones` virtual phones on host ``rack-1``.

    Args:
        folder: where the database, media and the agent's work folder go.
        phones: how many virtual phones.
        controller: settings overrides for the controller.
        agent: settings overrides for the agent.
    """

    def __init__(
        self,
        folder: Path,
        phones: int = 2,
        *,
        controller: dict[str, Any] | None = None,
        agent: dict[str, Any] | None = None,
    ) -> None:
        overrides = {**FAST_HASHING, "scheduler_enabled": True, **(controller or {})}
        self.app = create_app(controller_settings(folder, **overrides))
        self.rt: Runtime = self.app.state.runtime
        self.server = LoopbackServer(self.app, "127.0.0.1", 0, lifespan=True)
        self.url = self.server.url
        spec = SimFarmSpec(count=phones, host=HOST, faults=False, vary_look=False)
        self.sim = SimAgent(agent_settings(self.url, folder / "agent", **(agent or {})), spec)
        self.serials = [phone.serial for phone in self.sim.phones]

    @property
    def hub(self) -> LiveHub:
        return self.rt.live

    def phone(self, serial: str) -> VirtualPhone:
        return self.sim.phone(serial)

    def worker(self, serial: str) -> Any:
        return next(w for w in self.sim.supervisor.workers if w.serial == serial)

    def start(self) -> LiveFarm:
        self.server.start()
        self.sim.start()
        assert self.sim.supervisor.wait_registered(15), "the agent did not register"
        wait_for(lambda: self.sim.supervisor.screens.connected.is_set(), 15, 0.05)
        wait_for(lambda: HOST in self.hub.live_hosts(), 15, 0.05)
        return self

    def stop(self) -> None:
        self.sim.stop(timeout=15)
        self.server.stop()

    def __enter__(self) -> LiveFarm:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def add_user(self, username: str, role: Role, token: str | None = None) -> None:
        """A user with `PASSWORD` and, when given, a personal API token `token`."""
        add_user(self.rt, username, role, token=token)

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )


def settle(phone: VirtualPhone, timeout: float = 5.0) -> str:
    """Wait until the phone is not mid-transition; its screen's name."""
    deadline = time.monotonic() + timeout
    while True:
        label = phone.screen_label()
        if label != "transition" or time.monotonic() > deadline:
            return label
        time.sleep(0.05)
