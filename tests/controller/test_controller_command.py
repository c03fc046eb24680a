"""`phonefarm controller serve|migrate` (the typer sub-app, before it is registered)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from controller_support import API_TOKEN
from sqlalchemy import inspect
from typer.testing import CliRunner

from farm_controller.db import make_engine
from phonefarm.controller_command import controller_app
from tests.helpers.waiting import free_port, wait_for

runner = CliRunner()


def test_migrate_creates_the_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = runner.invoke(controller_app, ["migrate", "--database-url", url])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # rich wraps at 80 columns, wherever the path ends
    assert "is at revision 0" in said  # the newest migration's id
    engine = make_engine(url)
    assert "jobs" in inspect(engine).get_table_names()
    engine.dispose()


def test_serve_refuses_to_start_with_a_short_token(tmp_path: Path) -> None:
    result = runner.invoke(
        controller_app,
        ["serve", "--database-url", f"sqlite:///{tmp_path / 'x.db'}"],
        env={"PHONEFARM_API_TOKEN": "short"},
    )
    assert result.exit_code == 2
    assert "api_token" in result.output
    assert not (tmp_path / "x.db").exists()


def test_serve_runs_the_api_until_interrupted(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PHONEFARM_API_TOKEN": API_TOKEN,
        "PHONEFARM_MEDIA_DIR": str(tmp_path / "media"),
        "PHONEFARM_EVIDENCE_DIR": str(tmp_path / "evidence"),
    }
    code = "from phonefarm.controller_command import controller_app; controller_app()"
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            "serve",
            "--port",
            str(port),
            "--database-url",
            f"sqlite:///{tmp_path / 'serve.db'}",
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:

        def healthy() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/api/v1/health").status_code == 200
            except httpx.TransportError:
                return False

        wait_for(healthy, timeout=20, interval=0.1)
        accounts = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/accounts",
            headers={"Authorization": f"Bearer {API_TOKEN}"},
        )
        assert accounts.status_code == 200 and accounts.json() == []
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output.decode()
    assert API_TOKEN.encode() not in output
