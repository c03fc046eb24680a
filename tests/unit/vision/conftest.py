"""Fixtures for the vision tests: the simchat profile, compiled once."""

from __future__ import annotations

import pytest

from agent.flows.app import App, load_app


@pytest.fixture(scope="session")
def app() -> App:
    """The simchat profile with its templates loaded."""
    return load_app("simchat")


@pytest.fixture(scope="session")
def accent(app: App) -> tuple[int, int, int]:
    """The app's accent colour (OpenCV HSV), as `Scene` takes it."""
    assert app.profile.accent_hsv is not None
    return app.profile.accent_hsv
