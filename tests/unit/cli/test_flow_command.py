"""`phonefarm flow run` as a user runs it: exit codes, JSON result, evidence, bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from device_profiles import profile_dir


def _phonefarm(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "phonefarm", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture
def images(tmp_path: Path) -> list[Path]:
    paths = []
    for i, colour in enumerate([(200, 60, 40), (40, 120, 200)]):
        path = tmp_path / f"p{i}.png"
        img = Image.new("RGB", (640, 480), colour)
        img.paste((250, 250, 250), (200 + i * 40, 120, 420, 360))
        img.save(path)
        paths.append(path)
    return paths


def test_publish_succeeds_and_writes_the_json_result(tmp_path: Path, images: list[Path]) -> None:
    out = tmp_path / "result.json"
    run = _phonefarm(
        "flow", "run", "publish_post", "--sim", "--text", "新品上市 🎉",
        "--image", str(images[0]), "--image", str(images[1]),
        "--resolution", "720x1600", "--theme", "dark", "--locale", "en", "--seed", "3",
        "--json", str(out), "--evidence", str(tmp_path / "ev"),
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "verify in the feed" in run.stdout
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["outcome"] == "succeeded"
    assert result["flow"] == "publish_post"
    assert [s["status"] for s in result["steps"]].count("failed") == 0
    assert result["steps"][-1]["seen"] == "moments_feed"
    assert all(Path(p).is_file() for p in result["evidence"])


def test_a_failing_run_exits_1_and_saves_the_annotated_screenshot(
    tmp_path: Path, images: list[Path]
) -> None:
    profile = tmp_path / "simchat"
    shutil.copytree(profile_dir("simchat"), profile)
    yaml_path = profile / "profile.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    # a profile mistake: after opening Discover it expects the conversation screen
    broken = text.replace(
        "target: tab_discover, expect: discover}",
        "target: tab_discover, expect: conversation, timeout_ms: 3000}",
        1,
    )
    assert broken != text
    yaml_path.write_text(broken, encoding="utf-8")
    run = _phonefarm(
        "flow", "run", "publish_post", "--sim", "--no-faults", "--text", "hi",
        "--image", str(images[0]), "--profile", str(yaml_path),
        "--json", str(tmp_path / "r.json"), "--evidence", str(tmp_path / "ev"),
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    result = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert result["outcome"] == "failed"
    assert "expected conversation, saw discover" in result["error"]
    shots = list((tmp_path / "ev").glob("*-failed.png"))
    assert len(shots) == 1
    with Image.open(shots[0]) as shot:
        assert shot.width == 720


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--image", "missing.jpg", "--text", "x"], "--image"),
        (["--image", "notes.txt", "--text", "x"], "not an image"),
        (["--text", "x", "--resolution", "big"], "WIDTHxHEIGHT"),
        (["--text", "x", "--theme", "purple"], "--theme"),
        (["--text", "x" * 2001], "--text is over 2000"),
    ],
)
def test_bad_input_exits_2_naming_the_option(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    run = _phonefarm("flow", "run", "publish_post", "--sim", *args, cwd=tmp_path)
    assert run.returncode == 2, run.stdout + run.stderr
    assert message in run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "artifacts").exists()


def test_unknown_flow_and_missing_sim(tmp_path: Path) -> None:
    run = _phonefarm("flow", "run", "dance", "--sim", cwd=tmp_path)
    assert run.returncode == 2 and "unknown flow 'dance'" in run.stderr
    run = _phonefarm("flow", "run", "publish_post", "--text", "x", cwd=tmp_path)
    assert run.returncode == 2 and "--sim" in run.stderr


def test_flow_list(tmp_path: Path) -> None:
    run = _phonefarm("flow", "list", cwd=tmp_path)
    assert run.returncode == 0
    for flow in ("publish_post", "send_message", "open_conversation", "read_conversation"):
        assert flow in run.stdout
