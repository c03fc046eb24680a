"""Fixtures for the simulator tests: phones on a manual clock, driven by node ids."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from simulator.assets import RenderAssets
from simulator.clock import ManualClock
from simulator.device import SimulatedDevice
from simulator.faults import FaultPlan
from simulator.phone import VirtualPhone

FIXED_NOW = datetime(2024, 6, 12, 1, 41, tzinfo=UTC)  # 09:41 in UTC+8


def bounds_of(element: ET.Element) -> tuple[int, int, int, int]:
    """The bounds attribute of a hierarchy node as (x0, y0, x1, y1)."""
    raw = element.get("bounds", "")
    a, b = raw[1:-1].split("][")
    x0, y0 = (int(v) for v in a.split(","))
    x1, y1 = (int(v) for v in b.split(","))
    return (x0, y0, x1, y1)


class Driver:
    """Drives a phone like a flow would: reads the hierarchy, taps node centres."""

    def __init__(self, phone: VirtualPhone, clock: ManualClock) -> None:
        self.phone = phone
        self.clock = clock
        self.device = SimulatedDevice(phone)

    def nodes(self, id_name: str) -> list[ET.Element]:
        """Hierarchy nodes whose resource-id ends with `/<id_name>`."""
        root = ET.fromstring(self.device.dump_hierarchy())
        return [n for n in root.iter("node") if n.get("resource-id", "").endswith(f"/{id_name}")]

    def center(self, id_name: str, index: int = 0) -> tuple[int, int]:
        """The centre of the `index`-th node called `id_name`."""
        found = self.nodes(id_name)
        assert len(found) > index, f"no {id_name}[{index}] on {self.phone.screen_label()}"
        x0, y0, x1, y1 = bounds_of(found[index])
        return ((x0 + x1) // 2, (y0 + y1) // 2)

    def tap(self, id_name: str, index: int = 0, settle: float = 1.0) -> None:
        """Tap a node, then let `settle` seconds pass."""
        self.device.tap(*self.center(id_name, index))
        self.settle(settle)

    def settle(self, seconds: float = 1.0) -> None:
        """Let time pass and the phone catch up."""
        self.clock.advance(seconds)
        self.phone.tick()

    @property
    def label(self) -> str:
        """The phone's ground-truth screen label."""
        return self.phone.screen_label()


@pytest.fixture(scope="session")
def assets() -> RenderAssets:
    """Render caches shared by every phone in the session (fonts load once)."""
    return RenderAssets()


MakePhone = Callable[..., Driver]


@pytest.fixture
def make_driver(assets: RenderAssets) -> MakePhone:
    """Build a phone on a manual clock and a fixed wall clock, wrapped in a `Driver`."""

    def make(
        width: int = 1080,
        height: int = 2400,
        density: int = 420,
        theme: str = "light",
        locale: str = "zh-CN",
        faults: FaultPlan | None = None,
        **options: object,
    ) -> Driver:
        clock = ManualClock()
        phone = VirtualPhone(
            width=width,
            height=height,
            density=density,
            theme=theme,
            locale=locale,
            faults=faults,
            clock=clock,
            wall_clock=lambda: FIXED_NOW,
            assets=assets,
            **options,  # type: ignore[arg-type]
        )
        return Driver(phone, clock)

    return make


@pytest.fixture
def driver(make_driver: MakePhone) -> Driver:
    """A default phone: 1080x2400 at 420 dpi, light, zh-CN, no faults."""
    return make_driver()
