"""`phonefarm` — the console script. Subcommands live in their own modules."""

from __future__ import annotations

import typer

from phonefarm.admin_command import admin_app
from phonefarm.agent_command import agent
from phonefarm.controller_command import controller_app
from phonefarm.demo_command import demo
from phonefarm.devices_command import devices_app
from phonefarm.flow_command import flow_app
from phonefarm.profile_command import profile_app

app = typer.Typer(
    name="phonefarm",
    help="Run a farm of Android phones by screen control.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(flow_app, name="flow")
app.add_typer(admin_app, name="admin")
app.add_typer(devices_app, name="devices")
app.add_typer(profile_app, name="profile")
app.add_typer(controller_app, name="controller")
app.command("agent")(agent)
app.command("demo")(demo)


def main() -> None:
    """Entry point of the console script."""
    app()
