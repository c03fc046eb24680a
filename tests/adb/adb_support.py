"""Helpers for the adb tests: virtual phones on the wire, connected to the private adb server
of `tests.helpers.adb`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from simulator.adbd import AdbdServer, Handset, WireFaults
from simulator.faults import FaultPlan
from simulator.phone import VirtualPhone
from simulator.theme import hex_color
from simulator.world import Account, World
from tests.helpers.adb import PrivateAdbServer
from tests.helpers.waiting import wait_until


@dataclass
class WirePhone:
    """A virtual phone listening on loopback, connected to the adb server."""

    phone: VirtualPhone
    adbd: AdbdServer

    @property
    def serial(self) -> str:
        """The serial the adb server lists it under."""
        return self.adbd.address

    @property
    def handset(self) -> Handset:
        """The phone's system state."""
        return self.adbd.handset

    @property
    def faults(self) -> WireFaults:
        """The phone's wire faults."""
        return self.adbd.faults


def make_phone(
    index: int,
    *,
    width: int = 720,
    height: int = 1600,
    density: int = 320,
    random_faults: bool = False,
    handset_options: dict[str, object] | None = None,
    faults: WireFaults | None = None,
) -> WirePhone:
    """A virtual phone with its own account, listening on a free port."""
    phone = VirtualPhone(
        serial=f"wire-{index:02d}",
        width=width,
        height=height,
        density=density,
        theme=("light", "dark")[index % 2],
        locale=("zh-CN", "en")[(index // 2) % 2],
        world=World(
            account=Account(
                id=f"wire_{index}",
                name=f"好物小店 {index:02d}",
                avatar_color=hex_color(("#F2A65A", "#5AA9F2", "#7BC67E", "#C77DFF")[index % 4]),
            )
        ),
        faults=FaultPlan.random_interruptions(index) if random_faults else FaultPlan(seed=index),
    )
    handset = Handset(phone, **(handset_options or {}))  # type: ignore[arg-type]
    adbd = AdbdServer(phone, handset=handset, faults=faults).start()
    return WirePhone(phone, adbd)


@contextmanager
def connected_phone(server: PrivateAdbServer, index: int, **options: Any) -> Iterator[WirePhone]:
    """`make_phone(index, **options)`, connected to `server` for the block, stopped after."""
    wire = make_phone(index, **options)
    connect(server, wire)
    try:
        yield wire
    finally:
        wire.adbd.stop()


def connect(server: PrivateAdbServer, wire: WirePhone, state: str = "device") -> None:
    """`adb connect` a phone and wait until the server lists it in `state`."""
    server.client.connect(wire.serial)
    assert wait_until(lambda: server.state(wire.serial) == state, 10.0), (
        f"{wire.serial} is {server.state(wire.serial)!r}, not {state!r}"
    )
