"""Fixtures for flow tests: virtual phones, sample images, the compiled simchat profile."""

from __future__ import annotations

from pathlib import Path

import pytest
from flow_support import RESOLUTIONS, PhoneFactory
from PIL import Image, ImageDraw

from agent.flows.app import App, load_app
from simulator.device import SimulatedDevice
from simulator.faults import FaultPlan
from simulator.phone import VirtualPhone


@pytest.fixture(scope="session")
def app() -> App:
    return load_app("simchat")


def _photo(path: Path, seed: int) -> Path:
    img = Image.new("RGB", (800, 600), (20 + seed * 40 % 200, 90, 160 - seed * 30 % 150))
    draw = ImageDraw.Draw(img)
    for i in range(6):
        x = (seed * 97 + i * 131) % 700
        y = (seed * 53 + i * 71) % 500
        draw.ellipse(
            [x, y, x + 120, y + 90], fill=((i * 60 + seed * 20) % 255, 200 - i * 25, 40 + i * 30)
        )
    draw.rectangle([300, 220, 500, 380], fill=(250, 245, 235), outline=(0, 0, 0), width=6)
    img.save(path, quality=95)
    return path


@pytest.fixture(scope="session")
def photos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("photos")
    return [_photo(folder / f"photo-{i}.jpg", i) for i in range(1, 4)]


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
