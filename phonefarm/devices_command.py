"""`phonefarm devices` — what the local adb server sees: serial, state, model, and what to do.

    phonefarm devices                      # a table; unauthorized/offline phones get a hint
    phonefarm devices --json               # for scripts
    phonefarm devices --connect 192.168.1.20:5555   # `adb connect` first (Wi-Fi debugging)

Exit codes: 0 listed (even none), 1 no adb server answers.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from agent.devices.adb_discovery import AdbPhone, list_phones, start_adb_server
from agent.devices.adb_server_client import AdbServerClient, AdbServerError
from farm_protocol.device import DeviceState

devices_app = typer.Typer(help="List the phones the local adb server sees.")
console = Console()
err_console = Console(stderr=True)

_STYLE = {
    DeviceState.ONLINE: "green",
    DeviceState.UNAUTHORIZED: "yellow",
    DeviceState.OFFLINE: "red",
    DeviceState.ERROR: "red",
}


def _table(phones: list[AdbPhone]) -> Table:
    table = Table(title=f"{len(phones)} phone(s)")
    table.add_column("serial")
    table.add_column("state")
    table.add_column("model")
    table.add_column("what to do")
    for phone in phones:
        style = _STYLE.get(phone.state, "white")
        table.add_row(
            phone.serial,
            f"[{style}]{phone.state.value}[/] ({phone.adb_state})",
            phone.model.replace("_", " "),
            phone.hint or "",
        )
    return table


@devices_app.callback(invoke_without_command=True)
def devices(
    adb_host: Annotated[
        str, typer.Option(envvar="ANDROID_ADB_SERVER_HOST", help="the adb server's host")
    ] = "127.0.0.1",
    adb_port: Annotated[
        int, typer.Option(envvar="ANDROID_ADB_SERVER_PORT", help="the adb server's port")
    ] = 5037,
    connect: Annotated[
        list[str] | None, typer.Option(help="`adb connect` HOST:PORT first (repeatable)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
    start_server: Annotated[
        bool, typer.Option(help="start the adb server when none answers")
    ] = True,
) -> None:
    """List the phones the local adb server sees: serial, state, model."""
    server = AdbServerClient(adb_host, adb_port, timeout=10.0)
    try:
        try:
            server.version()
        except AdbServerError:
            if not (start_server and start_adb_server(server)):
                raise
        for address in connect or []:
            try:
                server.connect(address)
            except AdbServerError as exc:
                err_console.print(f"[yellow]warning:[/] {address}: {exc}")
        phones = list_phones(server)
    except AdbServerError as exc:
        err_console.print(f"[red]error:[/] no adb server at {adb_host}:{adb_port} ({exc})")
        raise typer.Exit(1) from None
    if as_json:
        rows = [
            {
                "serial": p.serial,
                "state": p.state.value,
                "adb_state": p.adb_state,
                "model": p.model.replace("_", " "),
                "hint": p.hint,
            }
            for p in phones
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not phones:
        console.print("no phones: plug one in (USB debugging on) or use --connect HOST:PORT")
        return
    console.print(_table(phones))
