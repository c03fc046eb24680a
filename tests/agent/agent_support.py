"""Helpers shared by the agent tests: images, waiting, virtual phones, settings.

`tests/agent/` has no `__init__.py`; pytest puts this folder on `sys.path`, so tests
import this module by its unique name.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PIL import Image, ImageDraw

from agent.host.settings import AgentSettings
from simulator.faults import FaultPlan
from simulator.phone import VirtualPhone

T = TypeVar("T")

SettingsFactory = Callable[..., AgentSettings]
"""Makes agent settings for the fake controller (the `make_settings` fixture)."""


def photo_png(seed: int, size: tuple[int, int] = (480, 360)) -> bytes:
    """A distinct, photo-like PNG (shapes in seeded colours)."""
    rng = random.Random(seed)
    img = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(img)
    for _ in range(8):
        x, y = rng.randrange(size[0] - 80), rng.randrange(size[1] - 60)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse([x, y, x + rng.randrange(40, 160), y + rng.randrange(30, 120)], fill=colour)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return buffer.getvalue()


def wait_for(predicate: Callable[[], T], timeout: float = 30.0, interval: float = 0.05) -> T:
    """Poll until `predicate()` is truthy and return it; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def small_phone(serial: str, seed: int = 1, faults: bool = False) -> VirtualPhone:
    """A 720x1600 light zh-CN virtual phone (random interruptions when `faults`)."""
    plan = FaultPlan.random_interruptions(seed) if faults else FaultPlan(seed=seed)
    return VirtualPhone(serial=serial, width=720, height=1600, density=320, faults=plan)


def settings_for(url: str, token: str, host: str, workdir: Path, **overrides: Any) -> AgentSettings:
    """Agent settings paced for tests: quick polls, short backoff."""
    values: dict[str, Any] = {
        "controller_url": url,
        "token": token,
        "host": host,
        "workdir": workdir,
        "claim_interval": 0.1,
        "status_interval": 0.5,
        "offline_poll": 0.2,
        "backoff_initial": 0.05,
        "backoff_cap": 0.5,
        "http_timeout": 5.0,
    }
    values.update(overrides)
    return AgentSettings(**values)
