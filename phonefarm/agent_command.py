"""`phonefarm agent` — the per-host agent: register the phones, claim jobs, run flows.

    phonefarm agent --controller http://127.0.0.1:8000 --token … --host rack-1 --sim 8 \
        --sim-control 127.0.0.1:8765

Real phones (`--adb`) arrive with issue 6; until then the agent drives virtual phones.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.logging import RichHandler

from agent.host.events import JobEvent, JobPhase
from agent.host.settings import AgentSettings
from agent.host.sim_agent import SimAgent
from agent.host.sim_farm import SimFarmSpec
from agent.sim_control.server import parse_bind
from phonefarm.resolution import default_density, parse_resolution

console = Console()
err_console = Console(stderr=True)
log = logging.getLogger("phonefarm.agent")


def setup_logging(level: str) -> None:
    """Log to the console through rich; quiet the per-request logs of httpx and uvicorn."""
    logging.basicConfig(
        level=level.upper(),
        format="%(message)s",
        datefmt="%H:%M:%S",
        handlers=[RichHandler(console=err_console, show_path=False, markup=False)],
        force=True,
    )
    for noisy in ("httpx", "httpcore", "uvicorn.access", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def print_event(event: JobEvent) -> None:
    """A job listener that prints one line per finished or parked job."""
    if event.phase is JobPhase.PARKED:
        console.print(f"[yellow]⏸[/] {event.serial}: job {event.job_id[:8]} waits for a person")
    elif event.phase is JobPhase.FINISHED and event.outcome is not None:
        ok = event.outcome.value in ("succeeded", "already_done")
        mark = "[green]✓[/]" if ok else "[red]✗[/]"
        took = f" in {event.duration_s:.1f} s" if event.duration_s is not None else ""
        error = f" — {event.error}" if event.error else ""
        console.print(
            f"{mark} {event.serial}: job {event.job_id[:8]} {event.outcome.value}{took}{error}"
        )


def wait_for_shutdown() -> None:
    """Block until Ctrl-C or SIGTERM; a second Ctrl-C exits at once."""
    stop = threading.Event()

    def handle(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        console.print("\nstopping: finishing the jobs in hand (Ctrl-C again to quit now)")
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    while not stop.wait(0.5):
        pass


_OPTION_OF = {"controller_url": "--controller"}


def agent_settings(**values: object) -> AgentSettings:
    """Validate the agent's settings, or exit 2 naming the option."""
    try:
        return AgentSettings.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"])
            where = _OPTION_OF.get(field, "--" + field.replace("_", "-"))
            err_console.print(f"[red]error:[/] {where}: {error['msg']}")
        raise typer.Exit(2) from None


def agent(
    controller: Annotated[
        str, typer.Option(envvar="PHONEFARM_CONTROLLER_URL", help="the controller's URL")
    ] = "http://127.0.0.1:8000",
    token: Annotated[
        str,
        typer.Option(
            envvar="PHONEFARM_AGENT_TOKEN", help="this host's agent token", show_default=False
        ),
    ] = "",
    host: Annotated[
        str, typer.Option(envvar="PHONEFARM_AGENT_HOST", help="this host's name")
    ] = "local",
    sim: Annotated[int, typer.Option(help="drive N virtual phones", min=0, max=500)] = 0,
    sim_seed: Annotated[int, typer.Option(help="seed of the virtual phones' faults")] = 1,
    sim_faults: Annotated[
        bool, typer.Option(help="random dialogs, banners, toasts, slow frames")
    ] = True,
    sim_resolution: Annotated[str, typer.Option(help="virtual phones' WIDTHxHEIGHT")] = "720x1600",
    sim_control: Annotated[
        str | None,
        typer.Option(help="serve the sim control API on a loopback HOST:PORT, e.g. 127.0.0.1:8765"),
    ] = None,
    adb: Annotated[bool, typer.Option("--adb", help="drive the phones adb sees")] = False,
    workdir: Annotated[
        Path | None, typer.Option(help="media cache, evidence, spool (default var/agent/HOST)")
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error")] = "info",
) -> None:
    """Run this host's agent until Ctrl-C: one worker per phone, heartbeats, results."""
    if adb:
        err_console.print("[red]not yet:[/] --adb arrives with issue 6; use --sim N for now")
        raise typer.Exit(2)
    if sim < 1:
        err_console.print("[red]error:[/] --sim N (N ≥ 1) is required until --adb arrives")
        raise typer.Exit(2)
    if not token:
        err_console.print("[red]error:[/] --token (or PHONEFARM_AGENT_TOKEN) is required")
        raise typer.Exit(2)
    control = None
    if sim_control is not None:
        try:
            control = parse_bind(sim_control)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--sim-control") from None
    width, height = parse_resolution(sim_resolution)
    settings = agent_settings(
        controller_url=controller,
        token=token,
        host=host,
        workdir=workdir or Path("var/agent") / host,
    )
    setup_logging(log_level)
    spec = SimFarmSpec(
        count=sim,
        host=host,
        seed=sim_seed,
        faults=sim_faults,
        width=width,
        height=height,
        density=default_density(width),
    )
    sim_agent = SimAgent(settings, spec, control=control, listener=print_event)
    sim_agent.start()
    console.print(
        f"agent [bold]{host}[/] with {sim} virtual phone(s) → {settings.controller_url}"
        f" (workdir {settings.workdir})"
    )
    if sim_agent.control_url:
        console.print(f"sim control API: {sim_agent.control_url}/docs")
    try:
        wait_for_shutdown()
        sim_agent.stop()
    except KeyboardInterrupt:
        err_console.print("quitting now: leases of unfinished jobs expire and get checked")
        raise typer.Exit(130) from None
