"""Fixtures for flow tests: virtual phones, sample images, the compiled simchat profile."""

from __future__ import annotations

from pathlib import Path

import pytest
from flow_support import RESOLUTIONS, PhoneFactory

from simulator.device import SimulatedDevice
from simulator.faults import FaultPlan
from simulator.phone import VirtualPhone
from tests.helpers.images import write_photo


@pytest.fixture(scope="session")
def photos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("photos")
    return [write_photo(folder / f"photo-{i}.jpg", i) for i in range(1, 4)]


@pytest.fixture
def make_phone() -> PhoneFactory:
    def make(
        resolution: str = "1080x2400",
        theme: str = "light",
        locale: str = "zh-CN",
        seed: int = 1,
        faults: bool = False,
    ) -> tuple[VirtualPhone, SimulatedDevice]:
        width, height, density = RESOLUTIONS[resolution]
        plan = FaultPlan.random_interruptions(seed) if faults else FaultPlan(seed=seed)
        phone = VirtualPhone(
            serial=f"sim-{seed}",
            width=width,
            height=height,
            density=density,
            theme=theme,
            locale=locale,
            faults=plan,
        )
        return phone, SimulatedDevice(phone)

    return make
