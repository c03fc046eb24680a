"""What the benches in `scripts/` share: a controller in its own process, percentiles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers.waiting import free_port

API_TOKEN = "bench-api-token-" + "x" * 24
"""The public API token of every bench controller."""


class ControllerProcess:
    """`phonefarm controller serve` on a free loopback port, configured by PHONEFARM_*
    variables, on a SQLite file in `folder`; its log goes to `folder/controller.log`.

    Args:
        folder: where the database, media, evidence and the log go.
        agent_tokens: the agent token of each host.
        env: more PHONEFARM_* settings, e.g. ``PHONEFARM_HEARTBEAT_INTERVAL="2"``.

    Raises:
        RuntimeError: it did not answer /api/v1/health within a minute (the log says why).
    """

    def __init__(self, folder: Path, agent_tokens: dict[str, str], **env: str) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = folder / "controller.log"
        environment = dict(os.environ)
        environment.update(
            {
                "PHONEFARM_API_TOKEN": API_TOKEN,
                "PHONEFARM_AGENT_TOKENS": json.dumps(agent_tokens),
                "PHONEFARM_MEDIA_DIR": str(folder / "media"),
                "PHONEFARM_EVIDENCE_DIR": str(folder / "evidence"),
                **env,
            }
        )
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "phonefarm",
                "controller",
                "serve",
                "--port",
                str(port),
                "--database-url",
                f"sqlite:///{folder / 'farm.db'}",
                "--log-level",
                "warning",
            ],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the controller did not start:\n{self.log()}")
            time.sleep(0.2)

    def log(self) -> str:
        """What the controller logged so far."""
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Terminate the controller (kill it after 15 s)."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of `values`; NaN when there are none."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
