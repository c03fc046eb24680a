"""`phonefarm flow …` — run one app flow on one phone and show every verified step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from PIL import Image, UnidentifiedImageError
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from agent.devices.base import Device
from agent.flows.app import load_app
from agent.flows.runner import FlowRunner
from device_profiles import ProfileError
from device_profiles.model import Step
from farm_protocol.flow import FlowResult, StepResult, StepStatus
from phonefarm.resolution import default_density, parse_resolution
from simulator.device import SimulatedDevice
from simulator.faults import FaultPlan
from simulator.phone import VirtualPhone

flow_app = typer.Typer(help="Run app flows (publish a post, send a message) on one phone.")
console = Console()
err_console = Console(stderr=True)


def _check_images(images: list[Path]) -> list[Path]:
    for path in images:
        if not path.is_file():
            raise typer.BadParameter(f"{path}: no such file", param_hint="--image")
        try:
            with Image.open(path) as img:
                img.verify()
        except (UnidentifiedImageError, OSError):
            raise typer.BadParameter(f"{path}: not an image", param_hint="--image") from None
    if len(images) > 9:
        raise typer.BadParameter("at most 9 images per post", param_hint="--image")
    return [p.resolve() for p in images]


def _sim_device(
    resolution: str, density: int | None, theme: str, locale: str, seed: int, faults: bool
) -> Device:
    width, height = parse_resolution(resolution)
    plan = FaultPlan.random_interruptions(seed) if faults else FaultPlan(seed=seed)
    phone = VirtualPhone(
        serial=f"sim-{seed:04d}",
        width=width,
        height=height,
        density=density or default_density(width),
        theme=theme,
        locale=locale,
        faults=plan,
    )
    return SimulatedDevice(phone)


def _step_line(result: StepResult) -> str:
    mark = {StepStatus.OK: "[green]✓[/]", StepStatus.FAILED: "[red]✗[/]"}.get(
        result.status, "[dim]-[/]"
    )
    seen = f" → {result.seen} ({result.confidence:.2f})" if result.seen else ""
    extra = "".join(f" [yellow]⟲ {r.screen}: {r.action}[/]" for r in result.recoveries)
    error = f"\n    [red]{result.error}[/]" if result.error else ""
    took = f"[dim]{result.duration_ms:.0f} ms[/]"
    return f"{mark} {result.index + 1:>2} {result.name}{seen} {took}{extra}{error}"


def _summary(result: FlowResult) -> Table:
    table = Table(show_header=False, box=None)
    colour = "green" if result.ok else "red"
    table.add_row("outcome", f"[{colour}]{result.outcome.value}[/]")
    table.add_row("phone", result.serial)
    table.add_row("time", f"{result.duration_ms / 1000:.1f} s, {len(result.steps)} steps")
    if result.error:
        table.add_row("error", result.error)
    for path in result.evidence:
        table.add_row("evidence", path)
    return table


@flow_app.command("run")
def run(
    flow: Annotated[str, typer.Argument(help="publish_post, send_message, open_conversation, …")],
    sim: Annotated[bool, typer.Option("--sim", help="run on a fresh virtual phone")] = False,
    text: Annotated[str, typer.Option(help="the post's or message's text")] = "",
    image: Annotated[list[Path] | None, typer.Option(help="an image to post (repeatable)")] = None,
    contact: Annotated[str, typer.Option(help="the contact to message")] = "",
    resolution: Annotated[str, typer.Option(help="virtual phone WIDTHxHEIGHT")] = "1080x2400",
    density: Annotated[int | None, typer.Option(help="virtual phone dpi")] = None,
    theme: Annotated[str, typer.Option(help="light or dark")] = "light",
    locale: Annotated[str, typer.Option(help="zh-CN or en")] = "zh-CN",
    seed: Annotated[int, typer.Option(help="seed for the virtual phone's faults")] = 1,
    faults: Annotated[bool, typer.Option(help="random dialogs, banners, slow frames")] = True,
    profile: Annotated[str, typer.Option(help="app profile name or YAML path")] = "simchat",
    json_out: Annotated[Path | None, typer.Option("--json", help="write the result here")] = None,
    evidence: Annotated[Path, typer.Option(help="folder for evidence screenshots")] = Path(
        "artifacts/evidence"
    ),
) -> None:
    """Run FLOW on one phone, verifying every step; exit 0 when it reached its goal."""
    if not sim:
        err_console.print("[red]error:[/] --sim is required (real phones arrive with --adb)")
        raise typer.Exit(2)
    if theme not in ("light", "dark"):
        raise typer.BadParameter("must be light or dark", param_hint="--theme")
    if locale not in ("zh-CN", "en"):
        raise typer.BadParameter("must be zh-CN or en", param_hint="--locale")
    try:
        app = load_app(profile)
    except ProfileError as exc:
        err_console.print(f"[red]profile error:[/] {exc}")
        raise typer.Exit(2) from None
    if flow not in app.profile.flows:
        known = ", ".join(sorted(app.profile.flows))
        err_console.print(f"[red]error:[/] unknown flow {flow!r}; this profile has: {known}")
        raise typer.Exit(2)
    params: dict[str, object] = {
        "text": text,
        "images": [str(p) for p in _check_images(image or [])],
        "contact": contact,
    }
    params = {k: v for k, v in params.items() if k in app.profile.flows[flow].params}
    for name, kind in app.profile.flows[flow].params.items():
        if kind == "str" and not params.get(name):
            err_console.print(f"[red]error:[/] flow {flow!r} needs --{name}")
            raise typer.Exit(2)
    if "text" in params and len(str(params["text"])) > app.profile.text_limit:
        err_console.print(f"[red]error:[/] --text is over {app.profile.text_limit} characters")
        raise typer.Exit(2)
    device = _sim_device(resolution, density, theme, locale, seed, faults)
    info = device.info()
    console.print(
        f"[bold]{flow}[/] on {device.serial} ({info.width}x{info.height} @ {info.density} dpi,"
        f" {theme}, {locale}, faults {'on' if faults else 'off'}, seed {seed})"
    )
    steps = list(app.profile.flows[flow].steps)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("starting", total=len(steps))

        def on_step(step: Step, result: StepResult | None) -> None:
            if result is None:
                progress.update(task, description=step.name)
            else:
                progress.console.print(_step_line(result))
                progress.advance(task)

        runner = FlowRunner(device, app, evidence_dir=evidence, on_step=on_step)
        result = runner.run(flow, params)
    console.print(_summary(result))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(
            json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2)
        )
    raise typer.Exit(0 if result.ok else 1)


@flow_app.command("list")
def list_flows(
    profile: Annotated[str, typer.Option(help="app profile name or YAML path")] = "simchat",
) -> None:
    """List the flows an app profile defines and their parameters."""
    try:
        app = load_app(profile)
    except ProfileError as exc:
        err_console.print(f"[red]profile error:[/] {exc}")
        raise typer.Exit(2) from None
    table = Table("flow", "parameters", "description")
    for name, flow in sorted(app.profile.flows.items()):
        table.add_row(
            name, ", ".join(f"{k}: {v}" for k, v in flow.params.items()), flow.description
        )
    console.print(table)
