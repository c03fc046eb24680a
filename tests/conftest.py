"""Settings and fixtures for the whole suite.

pytest-xdist workers inherit ``COLUMNS=80`` / ``LINES=24``; rich consoles created at import
would then keep 80 columns even where a test asks for a wider terminal. Without them the
suite behaves the same in one process and in several.

`app` is the simchat profile (flows, vision, chat reading, adb); the controller's tests
override it with their FastAPI app.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # the project is imported lazily: COLUMNS and LINES go first
    from agent.flows.app import App

for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)


@pytest.fixture(scope="session")
def app() -> App:
    """The simchat profile with its templates loaded, once per session."""
    from agent.flows.app import load_app

    return load_app("simchat")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked slow (whole farms, minutes each) run first: on two xdist workers they
    then overlap with the many short ones instead of running alone at the end."""
    items.sort(
        key=lambda item: (
            item.get_closest_marker("slow") is None,
            "integration" not in item.path.parts,  # the longest: whole farms on loopback
        )
    )
