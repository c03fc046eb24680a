"""`phonefarm controller …` — serve the controller, or bring its database up to date."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

if TYPE_CHECKING:
    from farm_controller import Settings

LOG_LEVELS = ("debug", "info", "warning", "error")

controller_app = typer.Typer(help="The controller: API, database, scheduling.")
console = Console()
err_console = Console(stderr=True)


def _settings(**overrides: Any) -> Settings:
    """Read the settings once: PHONEFARM_* environment variables, then these flags."""
    from farm_controller import Settings

    try:
        return Settings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "settings"
            err_console.print(f"[red]error:[/] {where}: {error['msg']}")
        raise typer.Exit(2) from None


@controller_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    database_url: Annotated[
        str | None,
        typer.Option(help="SQLAlchemy URL (default PHONEFARM_DATABASE_URL or a SQLite file)"),
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="generate missing tokens and print them (local demo)")
    ] = False,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error")] = "info",
) -> None:
    """Serve the API (OpenAPI docs at /docs) until Ctrl-C; tokens come from PHONEFARM_*."""
    import uvicorn

    from farm_controller import create_app

    if log_level.lower() not in LOG_LEVELS:
        raise typer.BadParameter(f"use one of {', '.join(LOG_LEVELS)}", param_hint="--log-level")
    settings = _settings(database_url=database_url, demo=demo or None)
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # APScheduler reports every reaper tick, and a tick skipped while the previous one
    # still runs; neither is news. Our own jobs log what they change.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    app = create_app(settings)
    console.print(f"controller on http://{host}:{port} (docs: http://{host}:{port}/docs)")
    if demo and settings.api_token is not None:
        # Printed on purpose for the local demo (never logged): the user needs them.
        console.print(f"API token: {settings.api_token.get_secret_value()}")
        for name, token in settings.agent_tokens.items():
            console.print(f"agent token for host {name!r}: {token.get_secret_value()}")
    uvicorn.run(app, host=host, port=port, log_level=log_level.lower())


@controller_app.command("migrate")
def migrate(
    database_url: Annotated[
        str | None,
        typer.Option(help="SQLAlchemy URL (default PHONEFARM_DATABASE_URL or a SQLite file)"),
    ] = None,
) -> None:
    """Bring the database schema up to date (run once before starting several replicas)."""
    from farm_controller.db import make_engine, safe_url
    from farm_controller.migrate import current_revision, upgrade
    from farm_controller.settings import DEFAULT_DATABASE_URL

    url = database_url or os.environ.get("PHONEFARM_DATABASE_URL") or DEFAULT_DATABASE_URL
    engine = make_engine(url)
    try:
        upgrade(engine)
        console.print(f"{safe_url(url)} is at revision {current_revision(engine)}")
    finally:
        engine.dispose()
