"""The WeChat and WeCom profiles: they load, say they are unverified, default to confirm,
and carry every name the flow verbs look up; a broken copy names file, line and field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from profile_support import break_profile, copy_profile

from device_profiles import Profile, ProfileError, load_profile
from farm_protocol.posts import PublishMode

REAL_APPS = ("wechat", "wecom")
ROOT = Path(__file__).resolve().parents[3]
# names the step verbs (agent/flows) look up in a profile, by the verbs these flows use
VERB_TARGETS = {
    "pick_images": {"picker_item", "picker_selected"},
    "open_chat": {"chat_name", "chat_list_view", "chat_row", "chat_snippet", "chat_badge"},
    "verify_message": {"msg_out", "msg_in", "msg_time", "msg_list", "conv_title"},
    "sync_chats": {"chat_name", "chat_list_view", "msg_in", "msg_out", "msg_time", "msg_list"},
}
VERB_SCREENS = {
    "pick_images": {"image_picker"},
    "open_chat": {"chat_list", "conversation"},
    "verify_message": {"conversation"},
    "sync_chats": {"chat_list", "conversation"},
}


@pytest.fixture(params=REAL_APPS)
def real_app(request: pytest.FixtureRequest) -> Profile:
    return load_profile(str(request.param))


def test_both_load_unverified_in_confirm_mode_without_templates(real_app: Profile) -> None:
    assert real_app.verified is False
    assert real_app.publish_mode is PublishMode.CONFIRM
    assert real_app.templates == {}
    assert real_app.version_range is not None
    for name, screen in real_app.screens.items():
        assert screen.selectors and not screen.anchors, name
    text = (Path(real_app.base_dir) / "profile.yaml").read_text(encoding="utf-8")
    assert "NOT YET VERIFIED ON A DEVICE" in text.split("\napp:")[0], "say so in the header"


def test_the_packages_and_version_ranges() -> None:
    wechat, wecom = load_profile("wechat"), load_profile("wecom")
    assert (wechat.package, wechat.versions) == ("com.tencent.mm", ">=8.0,<9")
    assert (wecom.package, wecom.versions) == ("com.tencent.wework", ">=4.0,<5")


def test_the_flows_the_agent_runs_are_there(real_app: Profile) -> None:
    assert {"publish_post", "prepare_post", "publish_prepared", "send_message"} <= set(
        real_app.flows
    )
    assert {"open_conversation", "sync_chats"} <= set(real_app.flows)


def test_no_read_back_check_that_cannot_see_yet(real_app: Profile) -> None:
    """A check flow that cannot see a post would call it missing and a retry would post
    it twice; until the feed's selectors are calibrated there is none."""
    assert "check_post" not in real_app.flows
    for name, flow in real_app.flows.items():
        assert flow.check is None, name


def test_every_name_a_verb_looks_up_exists(real_app: Profile) -> None:
    used = {step.action.value for flow in real_app.flows.values() for step in flow.steps}
    for verb in used & set(VERB_TARGETS):
        assert VERB_TARGETS[verb] <= set(real_app.targets), verb
        assert VERB_SCREENS[verb] <= set(real_app.screens), verb


def test_wechat_posts_by_discover_moments_camera_album_publish() -> None:
    steps = load_profile("wechat").flows["publish_post"].steps
    targets = [s.target for s in steps if s.action.value == "tap"]
    assert targets == [
        "tab_discover",
        "entry_moments",
        "btn_camera",
        "menu_from_album",
        "btn_picker_done",
        "btn_publish",
    ]
    assert [s.irreversible for s in steps].count(True) == 1 and steps[-1].irreversible


def test_uncalibrated_targets_are_spelled_so(real_app: Profile) -> None:
    for name, target in real_app.targets.items():
        assert target.selector is not None
        rid = target.selector.resource_id or ""
        if "calibrate_" in rid:
            assert rid == f"{real_app.package}:id/calibrate_{rid.split('calibrate_')[1]}", name


def test_the_readmes_say_not_yet_verified() -> None:
    for readme in (ROOT / "README.md", ROOT / "device_profiles" / "README.md"):
        text = readme.read_text(encoding="utf-8")
        assert re.search("not yet verified on a device", text, re.IGNORECASE), readme
        assert "WeChat" in text and "WeCom" in text, readme


@pytest.mark.parametrize("app", REAL_APPS)
def test_unknown_target_names_file_line_and_field(tmp_path: Path, app: str) -> None:
    path = copy_profile(tmp_path, app)
    line = break_profile(path, "target: btn_publish", "target: btn_publsh")

    with pytest.raises(ProfileError) as err:
        load_profile(path)

    assert err.value.path == path and str(path) in str(err.value)
    assert err.value.line == line
    assert re.fullmatch(r"flows\.\w+\.steps\[\d+\]\.target", err.value.field)
    assert "btn_publsh" in err.value.reason


def test_a_screen_with_neither_anchors_nor_selectors_is_named(tmp_path: Path) -> None:
    path = copy_profile(tmp_path, "wechat")
    old = "  moments_feed:\n    selectors: [{content_desc: 拍照分享}]"
    line = break_profile(path, old, "  moments_feed:\n    priority: 1")

    with pytest.raises(ProfileError) as err:
        load_profile(path)

    assert err.value.line == line
    assert err.value.field == "screens.moments_feed.selectors"
    assert "anchors (templates), selectors, or both" in err.value.reason


def test_a_bad_version_range_is_named(tmp_path: Path) -> None:
    path = copy_profile(tmp_path, "wecom")
    line = break_profile(path, 'versions: ">=4.0,<5"', 'versions: "4.x"')

    with pytest.raises(ProfileError) as err:
        load_profile(path)

    assert (err.value.line, err.value.field) == (line, "versions")
    assert "'4.x' is not a version clause" in err.value.reason


def test_a_bad_regular_expression_is_named(tmp_path: Path) -> None:
    path = copy_profile(tmp_path, "wechat")
    line = break_profile(
        path, '{text_matches: "微信(\\\\(\\\\d+\\\\))?"', '{text_matches: "微信(("'
    )

    with pytest.raises(ProfileError) as err:
        load_profile(path)

    assert err.value.line == line
    assert err.value.field == "screens.chat_list.selectors[0]"
    assert "text_matches is not a regular expression" in err.value.reason


def test_a_misspelt_selector_field_is_named(tmp_path: Path) -> None:
    path = copy_profile(tmp_path, "wecom")
    line = break_profile(path, "{text: 客户朋友圈, region:", "{txt: 客户朋友圈, region:")

    with pytest.raises(ProfileError) as err:
        load_profile(path)

    assert err.value.line == line
    assert err.value.field == "screens.moments_feed.selectors[0].txt"
