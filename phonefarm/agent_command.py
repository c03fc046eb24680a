"""`phonefarm agent` — the per-host agent: register the phones, claim jobs, run flows.

    phonefarm agent --controller http://127.0.0.1:8000 --token … --host rack-1 --sim 8 \
        --sim-control 127.0.0.1:8765

    phonefarm agent --controller http://127.0.0.1:8000 --token … --host rack-1 --adb \
        [--backend adb|u2] [--connect 192.168.1.20:5555 …]

`--adb` drives the phones the local adb server sees (`ANDROID_ADB_SERVER_PORT` picks the
server), following them as they are plugged in and out.
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

from agent.devices.adb_backends import BACKENDS
from agent.devices.adb_server_client import AdbServerError
from agent.host.adb_agent import AdbAgent, AdbSpec
from agent.host.events import JobEvent, JobPhase
from agent.host.settings import AgentSettings
from phonefarm.resolution import default_density, parse_resolution
from simulator.control.server import parse_bind
from simulator.farm import SimFarmSpec
from simulator.host import SimAgent

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
    backend: Annotated[
        str, typer.Option(help="with --adb: adb, or u2 (uiautomator2 on the phones)")
    ] = "adb",
    connect: Annotated[
        list[str] | None,
        typer.Option(help="with --adb: `adb connect` HOST:PORT and keep it connected (repeatable)"),
    ] = None,
    workdir: Annotated[
        Path | None, typer.Option(help="media cache, evidence, spool (default var/agent/HOST)")
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error")] = "info",
) -> None:
    """Run this host's agent until Ctrl-C: one worker per phone, heartbeats, results."""
    if adb and sim:
        err_console.print("[red]error:[/] --adb and --sim N drive different phones: pick one")
        raise typer.Exit(2)
    if not adb and sim < 1:
        err_console.print("[red]error:[/] --sim N (N ≥ 1) or --adb is required")
        raise typer.Exit(2)
    if backend not in BACKENDS:
        err_console.print(f"[red]error:[/] --backend: choose one of {', '.join(BACKENDS)}")
        raise typer.Exit(2)
    if not token:
        err_console.print("[red]error:[/] --token (or PHONEFARM_AGENT_TOKEN) is required")
        raise typer.Exit(2)
    if adb:
        settings = agent_settings(
            controller_url=controller,
            token=token,
            host=host,
            workdir=workdir or Path("var/agent") / host,
        )
        setup_logging(log_level)
        adb_spec = AdbSpec(backend=backend, connect=tuple(connect or ()))
        run_adb_agent(AdbAgent(settings, adb_spec, listener=print_event), settings)
        return
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


def run_adb_agent(adb_agent: AdbAgent, settings: AgentSettings) -> None:
    """Start the agent over the adb server's phones, show them, run until Ctrl-C."""
    server = adb_agent.server
    try:
        adb_agent.start()
    except AdbServerError as exc:
        err_console.print(
            f"[red]error:[/] no adb server at {server.host}:{server.port} ({exc}); "
            "install adb (apt install adb) or start it with `adb start-server`"
        )
        raise typer.Exit(1) from None
    phones = adb_agent.phones()
    console.print(
        f"agent [bold]{settings.host}[/] with {len(phones)} phone(s) through adb"
        f" (backend {adb_agent.spec.backend}) → {settings.controller_url}"
        f" (workdir {settings.workdir})"
    )
    if not phones:
        console.print("no phones yet: plug one in (USB debugging on) or use --connect HOST:PORT")
    for phone in phones:
        profile = f", profile {phone.profile}" if phone.profile else ""
        hint = f" — {phone.hint}" if phone.hint else ""
        console.print(f"  {phone.serial}: {phone.state.value}{profile}{hint}")
    try:
        wait_for_shutdown()
        adb_agent.stop()
    except KeyboardInterrupt:
        err_console.print("quitting now: leases of unfinished jobs expire and get checked")
        raise typer.Exit(130) from None
