"""Version ranges and `select_profile`: the phone's installed app and version pick a profile."""

from __future__ import annotations

import subprocess
import sys

import pytest

from device_profiles import Profile, bundled_profiles, load_profile, select_profile
from device_profiles.selection import profile_fits
from device_profiles.versions import VersionRange, parse_version

WECHAT, WECOM, SIMCHAT = "com.tencent.mm", "com.tencent.wework", "com.simchat.app"


@pytest.mark.parametrize(
    ("name", "parsed"),
    [
        ("8.0.49", (8, 0, 49)),
        ("4.1.22.6019", (4, 1, 22, 6019)),
        ("8.0.50-beta", (8, 0, 50)),
        ("8.0.47.2560(0x28002F36)", (8, 0, 47, 2560)),
        ("v7", (7,)),
        ("unknown", None),
        ("", None),
    ],
)
def test_a_version_name_compares_by_its_leading_numbers(
    name: str, parsed: tuple[int, ...] | None
) -> None:
    assert parse_version(name) == parsed


@pytest.mark.parametrize(
    ("spec", "inside", "outside"),
    [
        (">=8.0,<9", ["8.0", "8.0.0", "8.0.49", "8.9.99.1"], ["7.0.22", "9", "9.0.0", "x"]),
        (">8.0.30", ["8.0.31", "8.1"], ["8.0.30", "8.0.30.0", "8"]),
        ("<=4.1", ["4.1", "4.1.0", "4.0.9"], ["4.1.1"]),
        ("==8.0.49", ["8.0.49", "8.0.49.0"], ["8.0.48", "8.0.50"]),
        (">=4, !=4.1.0", ["4.0.8", "4.1.2"], ["4.1", "3.9"]),
    ],
)
def test_version_ranges(spec: str, inside: list[str], outside: list[str]) -> None:
    version_range = VersionRange.parse(spec)
    for name in inside:
        assert version_range.contains(name), name
    for name in outside:
        assert not version_range.contains(name), name
    assert str(version_range) == spec


@pytest.mark.parametrize("spec", ["", "8.0", ">=8.0;<9", "=>8", ">= 8.x", ">=8,,<9"])
def test_a_bad_range_says_what_a_clause_is(spec: str) -> None:
    with pytest.raises(ValueError, match="is not a version clause"):
        VersionRange.parse(spec)


def test_the_phone_gets_the_profile_for_its_app_and_version() -> None:
    def app(versions: dict[str, str], package: str | None = None) -> str | None:
        profile = select_profile(versions, package=package)
        return profile.app if profile is not None else None

    assert app({WECHAT: "8.0.49"}) == "wechat"
    assert app({WECOM: "4.1.22.6019"}) == "wecom"
    assert app({SIMCHAT: "8.0.1"}) == "simchat"  # no range: any version
    assert app({WECHAT: "7.0.22"}) is None  # older than the profile was written for
    assert app({WECHAT: "9.0.0"}) is None
    assert app({}) is None
    assert app({"com.example.other": "1.0"}) is None


def test_with_several_apps_the_first_reported_or_the_one_asked_for_wins() -> None:
    both = {WECOM: "4.1.22", WECHAT: "8.0.49"}
    assert select_profile(both).app == "wecom"  # type: ignore[union-attr]
    assert select_profile(dict(reversed(both.items()))).app == "wechat"  # type: ignore[union-attr]
    assert select_profile(both, package=WECHAT).app == "wechat"  # type: ignore[union-attr]
    assert select_profile({WECHAT: "7.0"} | {WECOM: "4.0"}).app == "wecom"  # type: ignore[union-attr]
    assert select_profile(both, package=SIMCHAT) is None


def test_a_range_beats_none_and_the_newer_calibration_beats_the_older() -> None:
    wechat = load_profile("wechat")
    anything = wechat.model_copy(update={"app": "wechat_any", "versions": None})
    old = wechat.model_copy(update={"app": "wechat_8_0", "versions": ">=8.0,<9"})
    new = wechat.model_copy(update={"app": "wechat_8_0_40", "versions": ">=8.0.40,<9"})
    pool: list[Profile] = [anything, old, new]

    def pick(version: str) -> str | None:
        chosen = select_profile({WECHAT: version}, profiles=pool)
        return chosen.app if chosen is not None else None

    assert pick("8.0.49") == "wechat_8_0_40"
    assert pick("8.0.12") == "wechat_8_0"
    assert pick("7.0.22") == "wechat_any"
    assert profile_fits(old, {WECHAT: "8.0.12"}) and not profile_fits(new, {WECHAT: "8.0.12"})


def test_bundled_profiles_are_every_app_folder() -> None:
    apps = [p.app for p in bundled_profiles()]
    assert apps == sorted(apps) and {"simchat", "wechat", "wecom"} <= set(apps)


def test_selection_needs_no_vision() -> None:
    code = (
        "import sys\n"
        "from device_profiles import select_profile\n"
        "assert select_profile({'com.tencent.mm': '8.0.49'}).app == 'wechat'\n"
        "assert 'cv2' not in sys.modules and 'agent' not in sys.modules, 'pure'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
