"""Helpers for the adb tests: a private adb server, virtual phones on the wire, waiting."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agent.devices.adb_server_client import AdbServerClient
from simulator.adbd import AdbdServer, Handset, WireFaults
from simulator.faults import FaultPlan
from simulator.phone import VirtualPhone
from simulator.theme import hex_color
from simulator.world import Account, World

ADB = shutil.which("adb")
SKIP_REASON = "Debian's `adb` is not on PATH (scripts/setup installs it; CI has it)"


def free_port() -> int:
    """A free loopback port outside the adb emulator range."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if not 5555 <= port <= 5585 and port != 5037:
            return port


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.05) -> bool:
    """Poll until `predicate()` is truthy; False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


class PrivateAdbServer:
    """An adb server of our own: its own port and HOME, so a developer's is never touched.

    Args:
        home: the HOME it runs with (its ~/.android keys live there).
    """

    def __init__(self, home: Path) -> None:
        assert ADB is not None
        self.adb_path = ADB
        self.port = free_port()
        self.home = home
        self.env = {
            **os.environ,
            "HOME": str(home),
            "ANDROID_ADB_SERVER_PORT": str(self.port),
            "ADB_MDNS": "0",
            "ADB_MDNS_AUTO_CONNECT": "",
        }
        self.client = AdbServerClient(port=self.port, timeout=20.0)

    def adb(self, *args: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
        """Run the `adb` command against this server."""
        return subprocess.run(
            [self.adb_path, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self) -> None:
        """Start the server (and wait until it answers)."""
        result = self.adb("start-server")
        assert result.returncode == 0, result.stderr
        assert wait_until(lambda: self._answers(), 10.0), "the adb server did not come up"

    def _answers(self) -> bool:
        try:
            self.client.version()
        except Exception:
            return False
        return True

    def stop(self) -> None:
        """Kill the server."""
        self.adb("kill-server")

    def state(self, serial: str) -> str | None:
        """What the server lists for `serial` (None: not listed)."""
        for listed, state, _ in self.client.devices():
            if listed == serial:
                return state
        return None


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


def connect(server: PrivateAdbServer, wire: WirePhone, state: str = "device") -> None:
    """`adb connect` a phone and wait until the server lists it in `state`."""
    server.client.connect(wire.serial)
    assert wait_until(lambda: server.state(wire.serial) == state, 10.0), (
        f"{wire.serial} is {server.state(wire.serial)!r}, not {state!r}"
    )
