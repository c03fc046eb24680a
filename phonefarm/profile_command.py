"""`phonefarm profile …` — calibrate app profiles against a real phone, list them, pick one.

    phonefarm profile capture --serial R58N12ABCDE --out captures/
        # captures/R58N12ABCDE-20240612-014100.png  the screen, as the phone shows it
        # captures/R58N12ABCDE-20240612-014100.xml  its accessibility hierarchy
        # captures/R58N12ABCDE-20240612-014100.json model, resolution, density, app versions
    phonefarm profile capture --serial R58N12ABCDE --out captures/ --crop 930,140,96,96 --name cam
        # … and captures/templates/cam.png cut from it, with captures/templates/cam.yaml:
        # the `templates:` entry (resolution and density recorded) to merge into a profile
    phonefarm profile cut captures/R58N12ABCDE-20240612-014100.png --crop 40,2230,200,150 --name tab
        # cut another template from a capture already saved (density from its .json)
    phonefarm profile list                      # bundled profiles, versions, verified or not
    phonefarm profile select --serial R58N12ABCDE   # which profile this phone's apps get

Exit codes: 0 done, 1 the phone or adb server failed (or no profile fits), 2 bad arguments.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from PIL import Image as PilImage
from PIL import UnidentifiedImageError
from rich.console import Console
from rich.table import Table

from agent.devices.adb_backends import BACKENDS, open_device
from agent.devices.adb_server_client import AdbServerClient, AdbServerError
from agent.devices.base import Device, Image
from agent.devices.errors import DeviceError
from device_profiles import ProfileError, bundled_profiles, select_profile

profile_app = typer.Typer(
    help="Calibrate app profiles against a phone (capture, cut templates), list and pick them.",
    no_args_is_help=True,
)
console = Console()
err_console = Console(stderr=True)

TEMPLATE_NAME = re.compile(r"[a-z][a-z0-9_]*")
REGION_MARGIN = 0.03  # the suggested search region reaches this far (fraction) past the cut
DEFAULT_THRESHOLD = 0.8

Crop = tuple[int, int, int, int]


@dataclass(frozen=True)
class Capture:
    """What `capture_screen` wrote."""

    screenshot: Path
    hierarchy: Path | None  # None: the phone could not dump its hierarchy
    facts: Path
    width: int
    height: int
    density: int
    template: Path | None = None
    snippet: Path | None = None
    hierarchy_error: str | None = None


def parse_crop(value: str) -> Crop:
    """`x,y,w,h` in pixels -> a tuple, or a typer error naming `--crop`."""
    m = re.fullmatch(r"\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*", value)
    if m is None:
        raise typer.BadParameter(f"{value!r} is not x,y,w,h in pixels", param_hint="--crop")
    x, y, w, h = (int(v) for v in m.groups())
    if w == 0 or h == 0:
        raise typer.BadParameter("width and height must be above 0", param_hint="--crop")
    return x, y, w, h


def check_name(name: str) -> str:
    """A template name a profile can use as a YAML key and a file name."""
    if TEMPLATE_NAME.fullmatch(name) is None:
        raise typer.BadParameter(
            f"{name!r}: use lower-case letters, digits and _ (e.g. moments_camera)",
            param_hint="--name",
        )
    return name


def _save_png(frame: Image, path: Path) -> None:
    rgb = np.ascontiguousarray(frame[:, :, ::-1])  # BGR (OpenCV order) -> RGB
    PilImage.fromarray(rgb).save(path)


def _fresh_stem(out_dir: Path, serial: str, now: datetime) -> str:
    base = f"{re.sub(r'[^A-Za-z0-9._-]+', '_', serial)}-{now:%Y%m%d-%H%M%S}"
    stem, n = base, 1
    while (out_dir / f"{stem}.png").exists():
        n += 1
        stem = f"{base}-{n}"
    return stem


def suggested_region(crop: Crop, width: int, height: int) -> tuple[float, ...]:
    """The cut's box in fractions of the screen, widened by `REGION_MARGIN`, for a
    profile's `region` (rounded outwards to hundredths)."""
    x, y, w, h = crop
    return (
        max(0.0, math.floor((x / width - REGION_MARGIN) * 100) / 100),
        max(0.0, math.floor((y / height - REGION_MARGIN) * 100) / 100),
        min(1.0, math.ceil(((x + w) / width + REGION_MARGIN) * 100) / 100),
        min(1.0, math.ceil(((y + h) / height + REGION_MARGIN) * 100) / 100),
    )


def template_snippet(
    name: str, crop: Crop, resolution: tuple[int, int], density: int, source: str
) -> str:
    """The YAML to merge into a profile's `templates:` section, with a suggested region."""
    width, height = resolution
    region = ", ".join(f"{v:g}" for v in suggested_region(crop, width, height))
    return (
        f"# cut by `phonefarm profile` from {source}\n"
        f"# crop x,y,w,h = {','.join(str(v) for v in crop)} px of a {width}x{height} screen"
        f" at {density} dpi\n"
        f"# copy templates/{name}.png into device_profiles/apps/<app>/templates/ and merge\n"
        "# the lines below into that profile's `templates:` section\n"
        "templates:\n"
        f"  {name}: {{file: templates/{name}.png, resolution: [{width}, {height}],"
        f" density: {density}, threshold: {DEFAULT_THRESHOLD}}}\n"
        "# where it was cut, as a region to look in (fractions of the screen, with a margin):\n"
        f"#   anchors: [{{template: {name}, region: [{region}]}}]\n"
    )


def cut_template(
    frame: Image, crop: Crop, name: str, density: int, out_dir: Path, source: str
) -> tuple[Path, Path]:
    """Cut `crop` out of a screenshot into `out_dir/templates/NAME.png`, and write the
    profile snippet recording its screen's resolution and density next to it.

    Raises:
        ValueError: the crop reaches outside the screenshot.
    """
    height, width = frame.shape[:2]
    x, y, w, h = crop
    if x + w > width or y + h > height:
        raise ValueError(f"crop {x},{y},{w},{h} reaches outside the {width}x{height} screenshot")
    folder = out_dir / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    png = folder / f"{name}.png"
    _save_png(frame[y : y + h, x : x + w], png)
    snippet = folder / f"{name}.yaml"
    snippet.write_text(
        template_snippet(name, crop, (width, height), density, source), encoding="utf-8"
    )
    return png, snippet


def capture_screen(
    device: Device,
    out_dir: Path,
    *,
    crop: Crop | None = None,
    name: str | None = None,
    now: datetime | None = None,
) -> Capture:
    """Save the phone's current screen (PNG), hierarchy (XML) and facts (JSON) in
    `out_dir`; with `crop` and `name`, also cut a template from that screenshot.

    A hierarchy the phone cannot dump (a secure screen, an endless animation) is left
    out and reported, since the screenshot is still worth having.

    Raises:
        DeviceError: the phone did not answer for its screen or facts.
        ValueError: the crop reaches outside the screen (the screen files are written).
    """
    now = now or datetime.now(UTC)
    info = device.info()
    frame = device.screenshot()
    hierarchy_error: str | None = None
    try:
        xml: str | None = device.dump_hierarchy()
    except DeviceError as exc:
        xml, hierarchy_error = None, str(exc)
    try:
        foreground: str | None = device.current_app()
    except DeviceError:
        foreground = None
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = _fresh_stem(out_dir, device.serial, now)
    screenshot = out_dir / f"{stem}.png"
    _save_png(frame, screenshot)
    hierarchy = None
    if xml is not None:
        hierarchy = out_dir / f"{stem}.xml"
        hierarchy.write_text(xml, encoding="utf-8")
    height, width = frame.shape[:2]
    facts = out_dir / f"{stem}.json"
    facts.write_text(
        json.dumps(
            {
                "serial": device.serial,
                "model": info.model,
                "manufacturer": info.manufacturer,
                "sdk": info.sdk,
                "width": width,
                "height": height,
                "density": info.density,
                "app_versions": info.app_versions,
                "foreground_app": foreground,
                "captured_at": now.isoformat(),
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    result = Capture(
        screenshot, hierarchy, facts, width, height, info.density, None, None, hierarchy_error
    )
    if crop is None or name is None:
        return result
    versions = ", ".join(f"{p} {v}" for p, v in sorted(info.app_versions.items()))
    source = f"{screenshot.name} ({info.model or device.serial}; {versions or 'no app versions'})"
    png, snippet = cut_template(frame, crop, name, info.density, out_dir, source)
    return Capture(
        screenshot, hierarchy, facts, width, height, info.density, png, snippet, hierarchy_error
    )


def _open(serial: str, backend: str, adb_host: str, adb_port: int) -> Device:
    if backend not in BACKENDS:
        raise typer.BadParameter(f"choose one of {', '.join(BACKENDS)}", param_hint="--backend")
    return open_device(serial, backend=backend, server=AdbServerClient(adb_host, adb_port))


def _crop_and_name(crop: str | None, name: str | None) -> tuple[Crop | None, str | None]:
    if (crop is None) != (name is None):
        raise typer.BadParameter("--crop and --name go together", param_hint="--crop/--name")
    return (parse_crop(crop) if crop else None), (check_name(name) if name else None)


AdbHost = Annotated[
    str, typer.Option(envvar="ANDROID_ADB_SERVER_HOST", help="the adb server's host")
]
AdbPort = Annotated[
    int, typer.Option(envvar="ANDROID_ADB_SERVER_PORT", help="the adb server's port")
]
Backend = Annotated[str, typer.Option(help="adb (adbutils) or u2 (uiautomator2)")]


@profile_app.command("capture")
def capture(
    serial: Annotated[str, typer.Option(help="the phone's ADB serial (see `phonefarm devices`)")],
    out: Annotated[Path, typer.Option(help="the folder to write the capture into")],
    crop: Annotated[
        str | None, typer.Option(help="cut a template: x,y,w,h in pixels of the screenshot")
    ] = None,
    name: Annotated[str | None, typer.Option(help="the cut template's name")] = None,
    backend: Backend = "adb",
    adb_host: AdbHost = "127.0.0.1",
    adb_port: AdbPort = 5037,
) -> None:
    """Save the phone's current screen and hierarchy; with --crop/--name, cut a template."""
    crop_box, template_name = _crop_and_name(crop, name)
    try:
        device = _open(serial, backend, adb_host, adb_port)
        result = capture_screen(device, out, crop=crop_box, name=template_name)
    except (DeviceError, AdbServerError) as exc:
        err_console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None
    except ValueError as exc:
        err_console.print(f"[red]error:[/] --crop: {exc} (the screen was saved in {out})")
        raise typer.Exit(2) from None
    console.print(f"[green]✓[/] {serial}: {result.width}x{result.height} @ {result.density} dpi")
    console.print(f"  screenshot  {result.screenshot}")
    if result.hierarchy is not None:
        console.print(f"  hierarchy   {result.hierarchy}")
    else:
        console.print(f"  [yellow]no hierarchy:[/] {result.hierarchy_error}")
    console.print(f"  facts       {result.facts}")
    if result.template is not None and result.snippet is not None:
        console.print(f"  template    {result.template}")
        console.print(f"  profile     {result.snippet}")


@profile_app.command("cut")
def cut(
    screenshot: Annotated[Path, typer.Argument(help="a screenshot saved by `profile capture`")],
    crop: Annotated[str, typer.Option(help="x,y,w,h in pixels of the screenshot")],
    name: Annotated[str, typer.Option(help="the template's name")],
    density: Annotated[
        int | None, typer.Option(help="the phone's dpi (default: from the capture's .json)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="the folder for templates/ (default: the screenshot's)")
    ] = None,
) -> None:
    """Cut a template from a saved screenshot, recording its resolution and density."""
    crop_box, template_name = parse_crop(crop), check_name(name)
    facts = screenshot.with_suffix(".json")
    if density is None and facts.is_file():
        density = int(json.loads(facts.read_text(encoding="utf-8"))["density"])
    if density is None:
        raise typer.BadParameter(
            f"no {facts.name} next to it: give --density", param_hint="--density"
        )
    try:
        with PilImage.open(screenshot) as img:
            rgb = np.asarray(img.convert("RGB"))
    except (OSError, UnidentifiedImageError):
        raise typer.BadParameter(f"{screenshot}: not an image", param_hint="SCREENSHOT") from None
    frame = np.ascontiguousarray(rgb[:, :, ::-1])
    try:
        png, snippet = cut_template(
            frame, crop_box, template_name, density, out or screenshot.parent, screenshot.name
        )
    except ValueError as exc:
        err_console.print(f"[red]error:[/] --crop: {exc}")
        raise typer.Exit(2) from None
    console.print(f"[green]✓[/] template {png}\n  profile  {snippet}")


@profile_app.command("list")
def list_profiles(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """List the bundled app profiles: package, versions, publish mode, verified or not."""
    try:
        profiles = bundled_profiles()
    except ProfileError as exc:
        err_console.print(f"[red]profile error:[/] {exc}")
        raise typer.Exit(2) from None
    rows = [
        {
            "app": p.app,
            "package": p.package,
            "versions": p.versions or "any",
            "publish_mode": p.publish_mode.value,
            "verified": p.verified,
            "flows": sorted(p.flows),
        }
        for p in profiles
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("app", "package", "versions", "publish mode", "status", "flows")
    for row in rows:
        status = "verified" if row["verified"] else "[yellow]not yet verified on a device[/]"
        table.add_row(
            str(row["app"]),
            str(row["package"]),
            str(row["versions"]),
            str(row["publish_mode"]),
            status,
            ", ".join(row["flows"]),  # type: ignore[arg-type]
        )
    console.print(table)


@profile_app.command("select")
def select(
    serial: Annotated[str, typer.Option(help="the phone's ADB serial")],
    package: Annotated[
        str | None, typer.Option(help="only this app (a phone with several profiled apps)")
    ] = None,
    backend: Backend = "adb",
    adb_host: AdbHost = "127.0.0.1",
    adb_port: AdbPort = 5037,
) -> None:
    """Show which profile a phone gets, from the app versions it reports."""
    try:
        device = _open(serial, backend, adb_host, adb_port)
        versions = device.info().app_versions
    except (DeviceError, AdbServerError) as exc:
        err_console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None
    try:
        profile = select_profile(versions, package=package)
    except ProfileError as exc:
        err_console.print(f"[red]profile error:[/] {exc}")
        raise typer.Exit(2) from None
    shown = ", ".join(f"{p} {v}" for p, v in sorted(versions.items())) or "none we know"
    if profile is None:
        err_console.print(
            f"[red]no profile fits[/] {serial} (apps: {shown}); calibrate one with"
            " `phonefarm profile capture`"
        )
        raise typer.Exit(1)
    note = "" if profile.verified else " [yellow](not yet verified on a device)[/]"
    console.print(
        f"{serial}: [bold]{profile.app}[/] for {profile.package}"
        f" {versions.get(profile.package)} (profile versions {profile.versions or 'any'}){note}"
    )
