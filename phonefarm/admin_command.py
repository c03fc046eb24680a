"""`phonefarm admin …` — the console's first admin, from the command line.

Register it in `phonefarm.cli` with ``app.add_typer(admin_app, name="admin")``.

    phonefarm admin create --username root                 # prompts, or generates and prints
    printf '%s\\n' "$PASSWORD" | phonefarm admin create --username root --password-stdin
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from farm_controller.auth.passwords import Passwords

admin_app = typer.Typer(help="Console users: create the first admin.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)


@admin_app.callback()
def admin() -> None:
    """Console users: create the first admin (more user management is in the console)."""


def _password(from_stdin: bool) -> tuple[str | None, bool]:
    """(password, generated?): from stdin, a prompt on a terminal, or None to generate."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            err_console.print("[red]error:[/] --password-stdin: no password on stdin")
            raise typer.Exit(2)
        return line, False
    if sys.stdin.isatty():
        typed = typer.prompt(
            "Password (empty: generate one)",
            default="",
            hide_input=True,
            confirmation_prompt=True,
            show_default=False,
        )
        return (typed or None), not typed
    return None, True


def _passwords() -> Passwords:
    """The hashing cost of the controller's settings (PHONEFARM_PASSWORD_HASH_*), or its default."""
    from farm_controller.auth.passwords import Passwords

    memory = os.environ.get("PHONEFARM_PASSWORD_HASH_MEMORY_KIB")
    passes = os.environ.get("PHONEFARM_PASSWORD_HASH_TIME_COST")
    return Passwords(
        int(memory) if memory and memory.isdigit() else 65_536,
        int(passes) if passes and passes.isdigit() else 3,
    )


@admin_app.command("create")
def create(
    username: Annotated[str, typer.Option(help="the admin's user name")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin's first line")
    ] = False,
    display_name: Annotated[str, typer.Option(help="shown in the console")] = "",
    database_url: Annotated[
        str | None,
        typer.Option(help="SQLAlchemy URL (default PHONEFARM_DATABASE_URL or a SQLite file)"),
    ] = None,
) -> None:
    """Create an admin user (the database is migrated first); prints a generated password."""
    from farm_controller.auth.bootstrap import create_admin
    from farm_controller.db import make_engine, safe_url, session_factory
    from farm_controller.errors import Conflict, DomainError
    from farm_controller.migrate import upgrade
    from farm_controller.settings import DEFAULT_DATABASE_URL

    password, generated = _password(password_stdin)
    url = database_url or os.environ.get("PHONEFARM_DATABASE_URL") or DEFAULT_DATABASE_URL
    engine = make_engine(url)
    try:
        upgrade(engine)
        made = create_admin(
            session_factory(engine), _passwords(), username, password, display_name=display_name
        )
    except DomainError as exc:
        for problem in exc.problems:
            where = f"{problem.field}: " if problem.field else ""
            err_console.print(f"[red]error:[/] {where}{problem.message}")
        raise typer.Exit(1 if isinstance(exc, Conflict) else 2) from None
    finally:
        engine.dispose()
    console.print(f"admin {made.username!r} created in {safe_url(url)}")
    if generated and made.password:
        # Printed on purpose, once: the person running the command needs it.
        console.print(f"password: {made.password}")
