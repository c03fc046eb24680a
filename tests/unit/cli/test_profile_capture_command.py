"""`phonefarm profile capture / cut / list`: what an operator calibrating a profile gets.

The phone is a `SimulatedDevice` in-process (tests/adb/test_profile_capture_wire.py runs
the command against a virtual phone through the real adb server).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
import yaml
from PIL import Image
from typer.testing import CliRunner

from agent.devices.errors import DeviceCommandError
from agent.flows.app import load_app
from agent.vision.hierarchy import parse_hierarchy
from agent.vision.match import Scene
from agent.vision.screen import identify
from device_profiles import load_profile
from device_profiles.model import TemplateSpec
from phonefarm.profile_command import capture_screen, profile_app, suggested_region
from simulator.device import SimulatedDevice
from simulator.phone import VirtualPhone

ICON = (300, 1123, 211, 222)  # the SimChat icon on the virtual phone's launcher, x,y,w,h


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(profile_app, name="profile")
    return app


@pytest.fixture
def device() -> SimulatedDevice:
    return SimulatedDevice(VirtualPhone(serial="cap-1", width=1080, height=2400, density=420))


def _rgb(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def test_capture_saves_screen_hierarchy_facts_and_cuts_a_template(
    device: SimulatedDevice, tmp_path: Path
) -> None:
    frame = device.screenshot()

    got = capture_screen(device, tmp_path / "cap", crop=ICON, name="simchat_icon")

    screen = _rgb(got.screenshot)
    assert screen.shape == (2400, 1080, 3)
    assert np.array_equal(screen, frame[:, :, ::-1]), "the PNG is the screen, in RGB"
    assert got.hierarchy is not None
    nodes = parse_hierarchy(got.hierarchy.read_text(encoding="utf-8"))
    assert any(n.resource_id.endswith("app_simchat") for n in nodes)
    facts = json.loads(got.facts.read_text(encoding="utf-8"))
    assert (facts["width"], facts["height"], facts["density"]) == (1080, 2400, 420)
    assert facts["app_versions"] == {"com.simchat.app": "8.0.1"}
    assert facts["foreground_app"] == "com.android.launcher3"

    assert got.template == tmp_path / "cap" / "templates" / "simchat_icon.png"
    x, y, w, h = ICON
    cut = _rgb(got.template)
    assert cut.shape == (h, w, 3)
    assert np.array_equal(cut, screen[y : y + h, x : x + w])

    assert got.snippet is not None
    snippet = yaml.safe_load(got.snippet.read_text(encoding="utf-8"))
    spec = TemplateSpec.model_validate(snippet["templates"]["simchat_icon"])
    assert spec.file == "templates/simchat_icon.png"
    assert (spec.resolution, spec.density) == ((1080, 2400), 420)
    assert "region: [0.24, 0.43, 0.51, 0.6]" in got.snippet.read_text(encoding="utf-8")


def test_a_template_cut_by_capture_recognises_its_screen(
    device: SimulatedDevice, tmp_path: Path
) -> None:
    """The whole calibration loop: capture, cut, paste the snippet into a profile, match."""
    got = capture_screen(device, tmp_path, crop=ICON, name="simchat_icon")
    assert got.snippet is not None
    templates = yaml.safe_load(got.snippet.read_text(encoding="utf-8"))["templates"]
    region = list(suggested_region(ICON, 1080, 2400))
    profile = {
        "app": "calibrated",
        "package": "com.simchat.app",
        "launcher_package": "com.android.launcher3",
        "roots": ["launcher"],
        "home": "launcher",
        "home_target": "icon",
        "templates": templates,
        "screens": {"launcher": {"anchors": [{"template": "simchat_icon", "region": region}]}},
        "targets": {"icon": {"template": "simchat_icon", "region": region}},
        "flows": {"noop": {"steps": [{"name": "look", "action": "expect", "expect": "launcher"}]}},
    }
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")

    app = load_app(path)
    seen = identify(Scene(device.screenshot(), 420), app.profile.screens, app.templates)

    assert load_profile(path).templates["simchat_icon"].resolution == (1080, 2400)
    assert seen.name == "launcher" and seen.confidence > 0.95


def test_a_crop_outside_the_screen_keeps_the_capture(
    device: SimulatedDevice, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="outside the 1080x2400 screenshot"):
        capture_screen(device, tmp_path, crop=(1000, 100, 200, 50), name="too_wide")

    assert len(list(tmp_path.glob("*.png"))) == 1 and len(list(tmp_path.glob("*.xml"))) == 1
    assert not (tmp_path / "templates").exists()


def test_a_screen_without_a_hierarchy_is_still_captured(
    device: SimulatedDevice, tmp_path: Path
) -> None:
    class NoDump(SimulatedDevice):
        def dump_hierarchy(self) -> str:
            raise DeviceCommandError(self.serial, "uiautomator dump: could not get idle state")

    got = capture_screen(NoDump(device.phone), tmp_path)

    assert got.hierarchy is None and got.hierarchy_error is not None
    assert "idle state" in got.hierarchy_error
    assert got.screenshot.is_file() and got.template is None
    again = capture_screen(NoDump(device.phone), tmp_path)
    assert again.screenshot != got.screenshot, "a second capture never overwrites the first"


def test_cut_from_a_saved_capture_reads_the_density_from_its_facts(
    device: SimulatedDevice, tmp_path: Path
) -> None:
    got = capture_screen(device, tmp_path)

    result = CliRunner().invoke(
        _cli(),
        ["profile", "cut", str(got.screenshot), "--crop", "30,850,211,222", "--name", "phone"],
    )

    assert result.exit_code == 0, result.output
    assert _rgb(tmp_path / "templates" / "phone.png").shape == (222, 211, 3)
    snippet = yaml.safe_load((tmp_path / "templates" / "phone.yaml").read_text(encoding="utf-8"))
    assert snippet["templates"]["phone"]["density"] == 420


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--crop", "1,2,3,4"], "--crop and --name go together"),
        (["--name", "x"], "--crop and --name go together"),
        (["--crop", "1,2,3", "--name", "x"], "is not x,y,w,h"),
        (["--crop", "1,2,0,4", "--name", "x"], "above 0"),
        (["--crop", "1,2,3,4", "--name", "Tab Icon"], "lower-case letters"),
    ],
)
def test_capture_refuses_bad_arguments_before_touching_a_phone(
    tmp_path: Path, args: list[str], complaint: str
) -> None:
    env = {"ANDROID_ADB_SERVER_PORT": "1", "COLUMNS": "200"}
    base = ["profile", "capture", "--serial", "X", "--out", str(tmp_path)]

    result = CliRunner().invoke(_cli(), [*base, *args], env=env)

    assert result.exit_code == 2
    assert complaint in result.output
    assert not any(tmp_path.iterdir())


def test_capture_without_an_adb_server_exits_1(tmp_path: Path) -> None:
    env = {"ANDROID_ADB_SERVER_PORT": "1", "COLUMNS": "200"}
    args = ["profile", "capture", "--serial", "X", "--out", str(tmp_path / "cap")]

    result = CliRunner().invoke(_cli(), args, env=env)

    assert result.exit_code == 1
    assert "error" in result.output


def test_list_says_which_profiles_are_not_yet_verified() -> None:
    result = CliRunner().invoke(_cli(), ["profile", "list", "--json"])

    assert result.exit_code == 0, result.output
    rows = {row["app"]: row for row in json.loads(result.output)}
    assert rows["simchat"]["verified"] is True
    for app in ("wechat", "wecom"):
        assert rows[app]["verified"] is False
        assert rows[app]["publish_mode"] == "confirm"
    table = CliRunner().invoke(_cli(), ["profile", "list"], env={"COLUMNS": "200"})
    assert "not yet verified on a device" in table.output
