"""Fixtures for the adb tests: one private adb server per session and a farm of 4 phones.

Every test that needs the adb server is skipped, with the reason, when `adb` is not on
PATH. The server runs on its own port with its own HOME (never a developer's server).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from adb_support import ADB, SKIP_REASON, PrivateAdbServer, WirePhone, connect, make_phone
from PIL import Image, ImageDraw

from agent.flows.app import App, load_app

# test_agent_adb_farm runs a real controller with the integration tests' `farm_support`
_INTEGRATION = str(Path(__file__).resolve().parents[1] / "integration")
if _INTEGRATION not in sys.path:
    sys.path.append(_INTEGRATION)


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
def app() -> App:
    return load_app("simchat")


def _photo(path: Path, seed: int) -> Path:
    img = Image.new("RGB", (640, 480), (30 + seed * 50 % 200, 120, 170 - seed * 30 % 150))
    draw = ImageDraw.Draw(img)
    for i in range(5):
        x, y = (seed * 97 + i * 131) % 540, (seed * 53 + i * 71) % 380
        draw.ellipse([x, y, x + 100, y + 80], fill=((i * 60 + seed * 20) % 255, 190, 40 + i * 30))
    img.save(path, quality=95)
    return path


@pytest.fixture(scope="session")
def photos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("wire-photos")
    return [_photo(folder / f"wire-photo-{i}.jpg", i) for i in range(1, 3)]
