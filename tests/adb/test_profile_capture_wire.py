"""`phonefarm profile capture / select` against a virtual phone through the real adb server."""

from __future__ import annotations

import json
from pathlib import Path

import typer
import yaml
from adb_support import connect, make_phone
from PIL import Image
from typer.testing import CliRunner

from agent.vision.hierarchy import parse_hierarchy
from phonefarm.profile_command import profile_app
from tests.helpers.adb import PrivateAdbServer


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(profile_app, name="profile")
    return app


def test_capture_and_select_over_the_wire(adb_server: PrivateAdbServer, tmp_path: Path) -> None:
    wire = make_phone(60)  # 720x1600 @ 320 dpi
    try:
        connect(adb_server, wire)
        env = {"ANDROID_ADB_SERVER_PORT": str(adb_server.port), "COLUMNS": "200"}
        args = ["profile", "capture", "--serial", wire.serial, "--out", str(tmp_path)]

        result = CliRunner().invoke(
            _cli(), [*args, "--crop", "10,20,120,80", "--name", "corner"], env=env
        )

        assert result.exit_code == 0, result.output
        (png,) = tmp_path.glob("*.png")
        with Image.open(png) as img:
            assert img.size == (720, 1600)
        assert parse_hierarchy(png.with_suffix(".xml").read_text(encoding="utf-8"))
        facts = json.loads(png.with_suffix(".json").read_text(encoding="utf-8"))
        assert facts["density"] == 320 and "com.simchat.app" in facts["app_versions"]
        with Image.open(tmp_path / "templates" / "corner.png") as cut:
            assert cut.size == (120, 80)
        snippet = yaml.safe_load((tmp_path / "templates" / "corner.yaml").read_text("utf-8"))
        assert snippet["templates"]["corner"]["resolution"] == [720, 1600]
        assert snippet["templates"]["corner"]["density"] == 320

        chosen = CliRunner().invoke(_cli(), ["profile", "select", "--serial", wire.serial], env=env)
        assert chosen.exit_code == 0, chosen.output
        assert "simchat" in chosen.output and "com.simchat.app" in chosen.output
        nothing = CliRunner().invoke(
            _cli(),
            ["profile", "select", "--serial", wire.serial, "--package", "com.tencent.mm"],
            env=env,
        )
        assert nothing.exit_code == 1 and "no profile fits" in nothing.output
    finally:
        wire.adbd.stop()
