"""A private adb server (its own port and HOME) for the adb tests and `scripts/bench_adb`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from agent.devices.adb_server_client import AdbServerClient
from tests.helpers.waiting import free_port, wait_until

ADB = shutil.which("adb")
SKIP_REASON = "Debian's `adb` is not on PATH (scripts/setup installs it; CI has it)"


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
