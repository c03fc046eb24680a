"""Screens recognised by hierarchy selectors alone (the WeChat and WeCom profiles).

The dumps in fixtures/real_apps/ are synthetic, shaped like `uiautomator dump` output,
with the Chinese labels the profiles select by. They are not captures of the real apps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agent.flows.app import App
from agent.vision.hierarchy import UiNode, find_nodes, parse_hierarchy
from agent.vision.match import Scene
from agent.vision.screen import identify, identify_by_selectors
from device_profiles import Profile, load_profile
from device_profiles.model import Screen, Selector

REAL_APPS = Path(__file__).parent / "fixtures" / "real_apps"
SIZE = (1080, 2400)

EXPECTED = {
    "wechat": {
        "wechat_chat_list": "chat_list",
        "wechat_contacts": "contacts",
        "wechat_discover": "discover",
        "wechat_me": "me",
        "wechat_moments_feed": "moments_feed",
        "wechat_post_menu": "post_menu",
        "wechat_image_picker": "image_picker",
        "wechat_composer": "composer",
        "wechat_conversation": "conversation",
        "launcher": "launcher",
        "permission_dialog": "permission_dialog",
    },
    "wecom": {
        "wecom_chat_list": "chat_list",
        "wecom_contacts": "contacts",
        "wecom_workbench": "workbench",
        "wecom_customer_moments": "moments_feed",
        "wecom_image_picker": "image_picker",
        "wecom_composer": "composer",
        "wecom_conversation": "conversation",
        "launcher": "launcher",
        "permission_dialog": "permission_dialog",
    },
}
CASES = [(app, dump, label) for app, dumps in EXPECTED.items() for dump, label in dumps.items()]


def _nodes(dump: str) -> list[UiNode]:
    return parse_hierarchy((REAL_APPS / f"{dump}.xml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def profiles() -> dict[str, Profile]:
    return {name: load_profile(name) for name in EXPECTED}


@pytest.mark.parametrize(("app", "dump", "label"), CASES, ids=[f"{a}-{d}" for a, d, _ in CASES])
def test_every_dump_is_named_by_its_selectors(
    profiles: dict[str, Profile], app: str, dump: str, label: str
) -> None:
    seen = identify_by_selectors(_nodes(dump), profiles[app].screens, SIZE)

    assert seen.name == label, seen.scores
    assert seen.confidence == 1.0
    screen = profiles[app].screens[label]
    assert len(seen.matches) == len(screen.selectors), "one node per selector, for evidence"
    for match in seen.matches:
        assert 0 <= match.box.x0 < match.box.x1 <= SIZE[0]


@pytest.mark.parametrize("app", list(EXPECTED))
def test_every_screen_of_the_profile_has_a_dump(app: str, profiles: dict[str, Profile]) -> None:
    unseen = {"lock_screen", "crash_dialog"}
    assert set(EXPECTED[app].values()) == set(profiles[app].screens) - unseen


def test_the_camera_menu_wins_over_the_feed_under_it_whatever_is_expected(
    profiles: dict[str, Profile],
) -> None:
    nodes = _nodes("wechat_post_menu")

    seen = identify_by_selectors(nodes, profiles["wechat"].screens, SIZE, ["moments_feed"])

    assert seen.name == "post_menu"
    assert seen.scores["moments_feed"] == 1.0, "the feed matched too; priority decided"


def test_a_tab_screen_outranks_the_tab_bar_every_root_shows(profiles: dict[str, Profile]) -> None:
    screens = profiles["wecom"].screens
    for dump, label in (("wecom_workbench", "workbench"), ("wecom_contacts", "contacts")):
        seen = identify_by_selectors(_nodes(dump), screens, SIZE, ["chat_list"])
        assert seen.name == label
        assert seen.scores["chat_list"] == 1.0


def test_an_unknown_hierarchy_names_nothing(profiles: dict[str, Profile]) -> None:
    other = _nodes("wecom_workbench")

    seen = identify_by_selectors(other, profiles["wechat"].screens, SIZE)

    assert seen.name is None
    assert seen.confidence == 0.0
    assert set(seen.scores) == set(profiles["wechat"].screens)
    assert identify_by_selectors([], profiles["wechat"].screens, SIZE).name is None


def test_a_region_picks_the_tab_not_the_title_with_the_same_label() -> None:
    nodes = _nodes("wechat_discover")
    bottom = Selector.model_validate({"text": "发现", "region": [0.0, 0.88, 1.0, 1.0]})
    top = Selector.model_validate({"text": "发现", "region": [0.0, 0.0, 1.0, 0.12]})

    everywhere = find_nodes(nodes, Selector(text="发现"))
    (tab,) = find_nodes(nodes, bottom, SIZE)
    (title,) = find_nodes(nodes, top, SIZE)

    assert len(everywhere) == 2
    assert tab.bounds.y0 >= 2250 and title.bounds.y1 <= 290
    # without a screen size the nodes' extent stands for it (the root spans the screen)
    assert find_nodes(nodes, bottom) == [tab]


def test_text_matches_is_a_whole_text_regular_expression() -> None:
    nodes = _nodes("wechat_chat_list") + _nodes("wechat_me")
    selector = Selector(text_matches=r"微信(\(\d+\))?")

    # the chat list's title, then the 微信 tab of both screens
    assert [n.text for n in find_nodes(nodes, selector)] == ["微信(3)", "微信", "微信"]
    assert not find_nodes(nodes, Selector(text_matches="微信号"))  # "微信号：haowu_01" is longer
    assert [n.text for n in find_nodes(nodes, Selector(text_matches="微信号：.*"))] == [
        "微信号：haowu_01"
    ]


def test_pixel_identification_leaves_selector_only_screens_alone(app: App) -> None:
    """A screen without anchors would match every frame if vision checked it."""
    wechat = load_profile("wechat")
    scene = Scene(np.full((2400, 1080, 3), 255, np.uint8), 420, app.profile.accent_hsv)

    seen = identify(scene, wechat.screens, {})

    assert seen.name is None
    assert seen.scores == {}

    mixed = {**app.profile.screens, "dialog": Screen(selectors=[Selector(text="好的")])}
    seen = identify(scene, mixed, app.templates)
    assert "dialog" not in seen.scores
