"""The console commands end to end: `phonefarm demo` and `phonefarm agent`, as processes.

Each is started the way a person would, driven over HTTP, then stopped with Ctrl-C
(SIGINT), which must finish cleanly with exit status 0.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.helpers.farm import AGENT_TOKEN, HOST, ControllerFactory, now_utc
from tests.helpers.images import photo_png
from tests.helpers.waiting import free_port, wait_for

pytestmark = pytest.mark.slow

PHONEFARM = [sys.executable, "-m", "phonefarm"]


@contextmanager
def _process(args: list[str], cwd: Path) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    env = {**os.environ, "COLUMNS": "200", "PHONEFARM_AGENT_TOKEN": AGENT_TOKEN}
    proc = subprocess.Popen(
        [*PHONEFARM, *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield proc, lines
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        reader.join(timeout=5)


def _found(lines: list[str], pattern: str) -> Callable[[], str | None]:
    def find() -> str | None:
        for line in list(lines):
            match = re.search(pattern, line)
            if match:
                return match.group(1)
        return None

    return find


def test_the_demo_publishes_a_scheduled_post_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    args = ["demo", "--phones", "2", "--port", str(port), "--no-faults"]
    with _process([*args, "--data-dir", str(tmp_path / "demo")], tmp_path) as (proc, lines):
        token = wait_for(_found(lines, r"API token\s+(\S+)"), timeout=60, interval=0.2)
        control = wait_for(
            _found(lines, r"sim control\s+(http://\S+)/docs"), timeout=5, interval=0.2
        )
        wait_for(_found(lines, r"(Ctrl-C) stops everything"), timeout=30, interval=0.2)
        api = httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        accounts = api.get("/api/v1/accounts").json()
        assert [a["publish_mode"] for a in accounts] == ["auto", "confirm"]
        post = {"text": "demo post 🎉", "account_ids": [accounts[0]["id"]]}
        post["run_at"] = now_utc(plus=2).isoformat()
        created = api.post(
            "/api/v1/posts",
            data={"post": json.dumps(post)},
            files=[("files", ("a.png", photo_png(4), "image/png"))],
        )
        assert created.status_code == 201, created.text
        post_id = created.json()["id"]
        wait_for(
            lambda: api.get(f"/api/v1/posts/{post_id}").json()["target_counts"] == {"published": 1},
            timeout=90,
            interval=0.5,
        )
        serial = accounts[0]["device_serial"]
        feed = httpx.get(f"{control}/phones/{serial}/feed", timeout=10).json()
        assert [p["text"] for p in feed] == ["demo post 🎉"]
        api.close()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    assert any("demo stopped" in line for line in lines)
    assert (tmp_path / "demo" / "phonefarm.db").is_file()


def test_the_agent_command_registers_its_phones_and_stops_on_ctrl_c(
    start_controller: ControllerFactory, tmp_path: Path
) -> None:
    controller = start_controller()
    args = [
        "agent",
        "--controller",
        controller.url,
        "--host",
        HOST,
        "--sim",
        "2",
        "--sim-control",
        "127.0.0.1:0",
        "--workdir",
        str(tmp_path / "agent"),
    ]
    with _process(args, tmp_path) as (proc, lines):
        control = wait_for(
            _found(lines, r"sim control API: (http://\S+)/docs"), timeout=60, interval=0.2
        )
        phones = httpx.get(f"{control}/phones", timeout=10).json()
        assert [p["serial"] for p in phones] == [f"{HOST}-sim01", f"{HOST}-sim02"]
        api = httpx.Client(
            base_url=controller.url,
            headers={"Authorization": f"Bearer {controller.settings.api_token.get_secret_value()}"},
        )

        def online() -> bool:
            devices = api.get("/api/v1/devices").json()
            return sorted((d["serial"], d["state"]) for d in devices) == [
                (f"{HOST}-sim01", "online"),
                (f"{HOST}-sim02", "online"),
            ]

        wait_for(online, timeout=30, interval=0.2)
        api.close()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
