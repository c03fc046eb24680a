"""A profile with a mistake fails to load with the file, line and field named."""

from __future__ import annotations

from pathlib import Path

import pytest
from profile_support import break_profile, copy_profile

from device_profiles import ProfileError, load_profile


@pytest.fixture
def simchat_copy(tmp_path: Path) -> Path:
    return copy_profile(tmp_path, "simchat")


def test_bundled_profile_loads() -> None:
    profile = load_profile("simchat")
    assert profile.package == "com.simchat.app"
    assert {"publish_post", "open_conversation", "send_message", "read_conversation"} <= set(
        profile.flows
    )
    for name in ("chat_list", "discover", "moments_feed", "composer", "image_picker"):
        assert name in profile.screens


def test_unknown_template_names_line_and_field(simchat_copy: Path) -> None:
    line = break_profile(simchat_copy, "template: tab_discover_on", "template: tab_discover_typo")
    with pytest.raises(ProfileError) as err:
        load_profile(simchat_copy)
    assert err.value.line == line
    assert "tab_discover_typo" in str(err.value)
    assert str(simchat_copy) in str(err.value)
    assert "template" in err.value.field


def test_bad_threshold_names_line_and_field(simchat_copy: Path) -> None:
    line = break_profile(simchat_copy, "threshold: 0.8", "threshold: 7")
    with pytest.raises(ProfileError) as err:
        load_profile(simchat_copy)
    assert err.value.line == line
    assert err.value.field.endswith("threshold")
    assert "less than or equal to 1" in str(err.value)


def test_step_without_target_is_refused(simchat_copy: Path) -> None:
    line = break_profile(simchat_copy, "target: btn_publish", "expect_nothing: true")
    with pytest.raises(ProfileError) as err:
        load_profile(simchat_copy)
    assert err.value.line is not None and abs(err.value.line - line) <= 3
    assert "flows.publish_post.steps[" in err.value.field


def test_missing_template_file(simchat_copy: Path) -> None:
    pngs = sorted((simchat_copy.parent / "templates").glob("*.png"))
    pngs[0].unlink()
    with pytest.raises(ProfileError) as err:
        load_profile(simchat_copy)
    assert "does not exist" in str(err.value)
    assert err.value.field.endswith(".file")


def test_not_a_png(simchat_copy: Path) -> None:
    png = sorted((simchat_copy.parent / "templates").glob("*.png"))[0]
    png.write_bytes(b"GIF89a not a png")
    with pytest.raises(ProfileError) as err:
        load_profile(simchat_copy)
    assert "not a PNG" in str(err.value)


def test_invalid_yaml(simchat_copy: Path) -> None:
    with simchat_copy.open("a", encoding="utf-8") as fh:
        fh.write("\nflows: [unclosed\n")
    with pytest.raises(ProfileError) as err:
        load_profile(simchat_copy)
    assert "not valid YAML" in str(err.value)
    assert err.value.line is not None


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="not found"):
        load_profile(tmp_path / "nope.yaml")
