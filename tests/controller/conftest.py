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
from console_support import FAST_HASHING
from controller_support import (
    AGENT_TOKEN,
    API_TOKEN,
    HOST,
    OTHER_AGENT_TOKEN,
    OTHER_HOST,
    FakeAgent,
    FakeClock,
    SettingsFactory,
    api_headers,
    serving,
)
from fastapi import FastAPI

from farm_controller import Settings, create_app
from farm_controller.runtime import Runtime


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_settings(tmp_path: Path) -> SettingsFactory:
    """Settings for a controller on a SQLite file in tmp_path; keyword arguments override."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": f"sqlite:///{tmp_path / 'farm.db'}",
            "media_dir": tmp_path / "media",
            "evidence_dir": tmp_path / "evidence",
            "api_token": API_TOKEN,
            "agent_tokens": {HOST: AGENT_TOKEN, OTHER_HOST: OTHER_AGENT_TOKEN},
            "scheduler_enabled": False,
            "max_image_bytes": 200_000,
            **FAST_HASHING,
        }
        values.update(overrides)
        return Settings(**values)

    return make


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
