"""Fixtures for the adb tests: one private adb server per session and a farm of 4 phones.

Every test that needs the adb server is skipped, with the reason, when `adb` is not on
PATH. The server runs on its own port with its own HOME (never a developer's server).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from adb_support import WirePhone, connect, make_phone

from tests.helpers.adb import ADB, SKIP_REASON, PrivateAdbServer
from tests.helpers.images import write_photo


@pytest.fixture(scope="session")
def adb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateAdbServer]:
    if ADB is None:
        pytest.skip(SKIP_REASON)
    server = PrivateAdbServer(tmp_path_factory.mktemp("adb-home"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def farm(adb_server: PrivateAdbServer) -> Iterator[list[WirePhone]]:
    """Four virtual phones connected over TCP (two with random interruptions)."""
    phones = [make_phone(i, random_faults=i % 2 == 1) for i in range(4)]
    for wire in phones:
        connect(adb_server, wire)
    yield phones
    for wire in phones:
        wire.adbd.stop()


@pytest.fixture(scope="session")
def photos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("wire-photos")
    return [write_photo(folder / f"wire-photo-{i}.jpg", i) for i in range(1, 3)]
