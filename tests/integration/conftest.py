"""Fixtures for the integration tests: a controller on a loopback port and its public API.

Everything here is real: uvicorn, SQLite files, the agent's threads and virtual phones.
The tests are marked `slow`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.farm import Api, Controller, ControllerFactory, controller_settings


@pytest.fixture
def start_controller(tmp_path: Path) -> Iterator[ControllerFactory]:
    """Start a controller (settings overrides as keyword arguments); stopped afterwards."""
    started: list[Controller] = []

    def start(**overrides: Any) -> Controller:
        controller = Controller(controller_settings(tmp_path, **overrides)).start()
        started.append(controller)
        return controller

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def api_for() -> Iterator[Callable[[str], Api]]:
    """Make public API clients (closed afterwards)."""
    made: list[Api] = []

    def make(url: str) -> Api:
        api = Api(url)
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()
