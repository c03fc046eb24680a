"""`phonefarm devices` against the private adb server: serial, state, model, hints."""

from __future__ import annotations

import json

import typer
from adb_support import connect, make_phone
from typer.testing import CliRunner

from phonefarm.devices_command import devices_app
from simulator.adbd import WireFaults
from tests.helpers.adb import PrivateAdbServer
from tests.helpers.waiting import wait_until


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(devices_app, name="devices")
    return app


def test_devices_lists_state_model_and_hints(adb_server: PrivateAdbServer) -> None:
    good = make_phone(50)
    locked_out = make_phone(51, faults=WireFaults(refuse_auth=True))
    try:
        connect(adb_server, good)
        adb_server.adb("connect", locked_out.serial)
        assert wait_until(lambda: adb_server.state(locked_out.serial) == "unauthorized", 10.0)
        env = {"ANDROID_ADB_SERVER_PORT": str(adb_server.port), "COLUMNS": "200"}
        result = CliRunner().invoke(_cli(), ["devices", "--json", "--no-start-server"], env=env)
        assert result.exit_code == 0, result.output
        rows = {row["serial"]: row for row in json.loads(result.output)}
        assert rows[good.serial]["state"] == "online"
        assert rows[good.serial]["model"] == "SimPhone 720x1600"
        assert rows[locked_out.serial]["state"] == "unauthorized"
        assert "Allow USB debugging" in rows[locked_out.serial]["hint"]

        table = CliRunner().invoke(_cli(), ["devices", "--no-start-server"], env=env)
        assert table.exit_code == 0, table.output
        assert good.serial in table.output and "unauthorized" in table.output
    finally:
        good.adbd.stop()
        locked_out.adbd.stop()


def test_no_adb_server_exits_1() -> None:
    env = {"ANDROID_ADB_SERVER_PORT": "1"}
    result = CliRunner().invoke(_cli(), ["devices", "--no-start-server"], env=env)
    assert result.exit_code == 1
