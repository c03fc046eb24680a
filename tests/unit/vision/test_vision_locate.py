"""locate / locate_all: profile targets are found where the phone drew them, at every size.

Where a template sits inside its node mirrors `scripts/cut_templates`: the camera and the
add tile are centred on their node, a tab's icon sits 9 dp above the tab's centre, the
Moments icon 29 dp right of its row's left edge.
"""

from __future__ import annotations

import dataclasses

import cv2
import pytest
from vision_support import Shot, load_shots, shot

from agent.flows.app import App
from agent.vision.match import Box, Match, Scene
from agent.vision.screen import region_tuple

SHOTS = load_shots()
TOLERANCE_DP = 1.5
# target -> (screens it is on, point of its node, dp offset of the template's centre)
TARGETS = {
    "btn_camera": ({"moments_feed"}, "center", (0.0, 0.0)),
    "tab_discover": ({"chat_list"}, "center", (0.0, -9.0)),
    "tab_me": ({"chat_list", "discover"}, "center", (0.0, -9.0)),
    "btn_add_image": ({"composer"}, "center", (0.0, 0.0)),
    "entry_moments": ({"discover"}, "left", (29.0, 0.0)),
}


def _cases() -> list[object]:
    cases: list[object] = []
    for target, (screens, _, _) in TARGETS.items():
        for s in SHOTS:
            # a dialog's scrim dims the screen under it, but leaves its targets findable
            if s.label in screens or (s.under in screens and s.label != "banner"):
                cases.append(pytest.param(s, target, id=f"{target}-{s.name}"))
    return cases


def _expected_center(fixture: Shot, target: str) -> tuple[float, float]:
    _, point, (dx, dy) = TARGETS[target]
    b = fixture.node(target).bounds
    x = (b.x0 + b.x1) / 2 if point == "center" else b.x0
    return x + dx * fixture.scale, (b.y0 + b.y1) / 2 + dy * fixture.scale


def _inside(point: tuple[int, int], box: Box) -> bool:
    x, y = point
    return box.x0 <= x <= box.x1 and box.y0 <= y <= box.y1


def _locate(app: App, fixture: Shot, target: str) -> Match | None:
    spec = app.profile.targets[target]
    assert spec.template is not None
    scene = Scene(fixture.image(), fixture.density, app.profile.accent_hsv)
    return scene.locate(app.templates[spec.template], region_tuple(spec.region))


@pytest.mark.parametrize(("fixture", "target"), _cases())
def test_a_target_is_located_where_the_phone_drew_it(app: App, fixture: Shot, target: str) -> None:
    match = _locate(app, fixture, target)

    assert match is not None
    ex, ey = _expected_center(fixture, target)
    cx, cy = match.center
    assert abs(cx - ex) <= TOLERANCE_DP * fixture.scale
    assert abs(cy - ey) <= TOLERANCE_DP * fixture.scale
    assert _inside(match.center, fixture.node(target).bounds)
    # the template was scaled by the ratio of densities (nominal scale ± 6%)
    template = app.templates[str(app.profile.targets[target].template)]
    expected_w = template.gray.shape[1] * fixture.density / template.density
    assert abs(match.box.width - expected_w) <= 0.08 * expected_w + 3


def test_every_target_template_is_covered_at_every_resolution() -> None:
    covered: dict[str, set[int]] = {}
    for param in _cases():
        fixture, target = param.values
        if not param.marks:
            covered.setdefault(target, set()).add(fixture.density)
    for target in ("btn_camera", "tab_discover", "btn_add_image"):
        assert covered[target] == {320, 420, 560}, target


def test_a_target_outside_its_region_is_not_located(app: App) -> None:
    fixture = shot("moments_feed__1440x3200@560__light__zh-CN")
    scene = Scene(fixture.image(), fixture.density, app.profile.accent_hsv)
    camera = app.templates["camera"]

    assert scene.locate(camera, (0.0, 0.5, 1.0, 1.0)) is None
    assert scene.locate(camera) is not None  # the whole screen holds it


def test_a_target_hidden_by_a_banner_is_not_located(app: App) -> None:
    assert (
        _locate(app, shot("banner__1080x2400@420__dark__zh-CN__on-moments_feed"), "btn_camera")
        is None
    )


def test_locate_all_finds_every_unselected_picker_check_in_reading_order(app: App) -> None:
    fixture = shot("image_picker__1080x2400@420__light__en")
    spec = app.profile.targets["picker_item"]
    scene = Scene(fixture.image(), fixture.density, app.profile.accent_hsv)
    unselected = [n for n in fixture.nodes["picker_check"] if not n.checked]
    assert len(unselected) == 3  # the newest three of six photos are selected

    found = scene.locate_all(app.templates[str(spec.template)], region_tuple(spec.region))

    assert len(found) == len(unselected)
    for match, node in zip(found, unselected, strict=True):
        assert _inside(match.center, node.bounds)
        assert match.score >= app.templates["picker_check_off"].threshold
    centers = [m.center for m in found]
    assert centers == sorted(centers, key=lambda c: (c[1] // 20, c[0]))  # rows, then columns


@pytest.mark.xfail(
    strict=True,
    reason="weakness: the unselected check is a translucent circle and the template shows the "
    "light photo it was cut over; over the dark seaside photo it scores 0.77-0.78 (< 0.8), "
    "so picker_item misses that image at every resolution",
)
def test_locate_all_finds_the_check_over_a_dark_photo(app: App) -> None:
    fixture = shot("image_picker__1440x3200@560__dark__zh-CN")
    spec = app.profile.targets["picker_item"]
    scene = Scene(fixture.image(), fixture.density, app.profile.accent_hsv)

    found = scene.locate_all(app.templates[str(spec.template)], region_tuple(spec.region))

    assert len(found) == len(fixture.nodes["picker_check"]) == 6


def test_locate_all_finds_selected_checks_only_on_selected_photos(app: App) -> None:
    fixture = shot("image_picker__1080x2400@420__light__en")
    spec = app.profile.targets["picker_selected"]
    scene = Scene(fixture.image(), fixture.density, app.profile.accent_hsv)
    selected = [n for n in fixture.nodes["picker_check"] if n.checked]

    found = scene.locate_all(app.templates[str(spec.template)], region_tuple(spec.region))

    assert found, "the check numbered 1 (the one the template was cut from) is found"
    assert all(any(_inside(m.center, n.bounds) for n in selected) for m in found)


@pytest.mark.xfail(
    strict=True,
    reason="weakness: a selected check shows its selection number and the template was cut "
    "from check 1; checks 2 and 3 score 0.64-0.68 and 0.31-0.38, so only one is found",
)
def test_locate_all_finds_every_selected_check(app: App) -> None:
    fixture = shot("image_picker__1080x2400@420__light__en")
    spec = app.profile.targets["picker_selected"]
    scene = Scene(fixture.image(), fixture.density, app.profile.accent_hsv)

    found = scene.locate_all(app.templates[str(spec.template)], region_tuple(spec.region))

    assert len(found) == 3


def test_an_accent_template_needs_the_accent_colour(app: App) -> None:
    fixture = shot("chat_list__1080x2400@420__light__zh-CN")
    region = region_tuple(app.profile.screens["chat_list"].anchors[0].region)
    tab_on = app.templates["tab_chats_on"]
    assert tab_on.accent
    gray = cv2.cvtColor(cv2.cvtColor(fixture.image(), cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    accent = app.profile.accent_hsv

    coloured = Scene(fixture.image(), fixture.density, accent).locate(tab_on, region)
    grayed = Scene(gray, fixture.density, accent).best(tab_on, region)

    assert coloured is not None and _inside(coloured.center, fixture.node("tab_chats").bounds)
    # same shape, no green: the match is refused (its score capped at 0)
    assert grayed is not None and grayed.score <= 0.0
    # the shape alone matches when the colour is not asked for, or not known
    plain = dataclasses.replace(tab_on, accent=False)
    assert Scene(gray, fixture.density, accent).locate(plain, region) is not None
    assert Scene(gray, fixture.density, None).locate(tab_on, region) is not None
