"""Settings for the whole suite.

pytest-xdist workers inherit ``COLUMNS=80`` / ``LINES=24``; rich consoles created at import
would then keep 80 columns even where a test asks for a wider terminal. Without them the
suite behaves the same in one process and in several.
"""

from __future__ import annotations

import os

import pytest

for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked slow (whole farms, minutes each) run first: on two xdist workers they
    then overlap with the many short ones instead of running alone at the end."""
    items.sort(
        key=lambda item: (
            item.get_closest_marker("slow") is None,
            "integration" not in item.path.parts,  # the longest: whole farms on loopback
        )
    )
