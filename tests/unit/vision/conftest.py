"""Fixtures for the vision tests: the simchat profile, compiled once."""

from __future__ import annotations

import pytest

from agent.flows.app import App


@pytest.fixture(scope="session")
def accent(app: App) -> tuple[int, int, int]:
    """The app's accent colour (OpenCV HSV), as `Scene` takes it."""
    assert app.profile.accent_hsv is not None
    return app.profile.accent_hsv
