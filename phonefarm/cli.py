"""`phonefarm` — the console script. Subcommands live in their own modules."""

from __future__ import annotations

import typer

from phonefarm.flow_command import flow_app

app = typer.Typer(
    name="phonefarm",
    help="Run a farm of Android phones by screen control.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(flow_app, name="flow")


def main() -> None:
    """Entry point of the console script."""
    app()
