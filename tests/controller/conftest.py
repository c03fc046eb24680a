"""Fixtures for the controller tests: settings on a SQLite file in tmp_path, a fake clock,
the app served by uvicorn on a loopback port, an httpx client and a fake agent.

A real server is cheap (tens of milliseconds) and runs the same code paths as production
(lifespan, multipart parsing, threads), so every API test uses one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from controller_support import (
    FakeAgent,
    SettingsFactory,
    api_headers,
    settings_in,
)
from fastapi import FastAPI

from farm_controller import Settings, create_app
from farm_controller.runtime import Runtime
from tests.helpers.clock import FakeClock
from tests.helpers.postgres import fresh_schema, in_schema, pg_url_or_skip
from tests.helpers.servers import serving


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_settings(tmp_path: Path) -> SettingsFactory:
    """Settings for a controller on a SQLite file in tmp_path; keyword arguments override."""

    def make(**overrides: Any) -> Settings:
        return settings_in(tmp_path, **overrides)

    return make


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL whose connections work in a fresh PostgreSQL schema (dropped afterwards)."""
    url = pg_url_or_skip()
    with fresh_schema(url, "farm_controller_test") as schema:
        yield in_schema(url, schema)


@pytest.fixture
def app(make_settings: SettingsFactory, clock: FakeClock) -> FastAPI:
    return create_app(make_settings(), clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[httpx.Client]:
    """An httpx client with the API token, on the app served on a loopback port."""
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        http.headers.update(api_headers())
        yield http


@pytest.fixture
def rt(app: FastAPI) -> Runtime:
    runtime: Runtime = app.state.runtime
    return runtime


@pytest.fixture
def agent(client: httpx.Client) -> FakeAgent:
    return FakeAgent(client)
