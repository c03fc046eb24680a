"""Fixtures for the agent tests: a fake controller on a loopback port, settings, phones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agent_support import SettingsFactory, settings_for
from fake_controller import HOST, TOKEN, FakeController

from agent.host.client import ControllerClient
from agent.host.settings import AgentSettings
from simulator.control.server import LoopbackServer


@pytest.fixture
def fake() -> Iterator[FakeController]:
    """A fake controller served on a loopback port (`fake.base_url`)."""
    controller = FakeController()
    server = LoopbackServer(controller.app)
    controller.base_url = server.url
    server.start()
    try:
        yield controller
    finally:
        server.stop()


@pytest.fixture
def make_settings(fake: FakeController, tmp_path: Path) -> SettingsFactory:
    """Agent settings pointing at the fake controller; keyword arguments override."""

    def make(**overrides: Any) -> AgentSettings:
        return settings_for(fake.base_url, TOKEN, HOST, tmp_path / "agent", **overrides)

    return make


@pytest.fixture
def client(fake: FakeController) -> Iterator[ControllerClient]:
    """A controller client on the fake."""
    http = ControllerClient(fake.base_url, TOKEN, timeout=5.0)
    try:
        yield http
    finally:
        http.close()
