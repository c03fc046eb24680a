"""Shared helpers for flow tests (imported by conftest and the test modules)."""

from __future__ import annotations

from collections.abc import Callable

from simulator.device import SimulatedDevice
from simulator.phone import VirtualPhone

RESOLUTIONS = {
    "720x1600": (720, 1600, 320),
    "1080x2400": (1080, 2400, 420),
    "1440x3200": (1440, 3200, 560),
}

PhoneFactory = Callable[..., tuple[VirtualPhone, SimulatedDevice]]
