"""Templates cut once (1080x2400, 420 dpi, light theme) match in dark theme and at any density."""

from __future__ import annotations

import dataclasses

import cv2
import pytest
from vision_support import load_shots, shot

from agent.flows.app import App
from agent.vision.match import WORK_DENSITY, Scene
from agent.vision.screen import region_tuple
from agent.vision.template import TemplateImage

# icons drawn in the theme's colours (the camera sits on the feed's cover photo: no change)
DARK_CASES = [
    ("chat_list__720x1600@320__dark__zh-CN", "tab_discover_off"),
    ("chat_list__1440x3200@560__dark__en", "tab_me_off"),
    ("composer__1080x2400@420__dark__en", "add_tile"),
    ("composer__1080x2400@420__dark__en", "location_pin"),
    ("conversation__1440x3200@560__dark__zh-CN", "voice"),
    ("image_picker__1440x3200@560__dark__zh-CN", "picker_close"),
]


# Variants get their own names: a Scene caches scaled templates by name (see
# test_vision_scene_cache.py).
def _negative(template: TemplateImage) -> TemplateImage:
    return dataclasses.replace(
        template,
        name=f"{template.name}-negative",
        bgr=cv2.bitwise_not(template.bgr),
        gray=cv2.bitwise_not(template.gray),
    )


def _rescaled(template: TemplateImage, density: int) -> TemplateImage:
    """The template as if it had been cut on a `density` dpi phone."""
    f = density / template.density
    bgr = cv2.resize(template.bgr, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    name = f"{template.name}@{density}"
    return dataclasses.replace(template, name=name, bgr=bgr, gray=gray, density=density)


@pytest.mark.parametrize(("name", "template_name"), DARK_CASES)
def test_a_light_template_matches_a_dark_screen_through_its_negative(
    app: App, name: str, template_name: str
) -> None:
    fixture = shot(name)
    template = app.templates[template_name]
    scene = Scene(fixture.image(), fixture.density, app.profile.accent_hsv)

    match = scene.locate(template)

    assert match is not None and match.score >= 0.9
    # at that place the template as cut correlates negatively: the negative made the match
    f = WORK_DENSITY / fixture.density
    x0, y0 = round(match.box.x0 * f), round(match.box.y0 * f)
    small = cv2.resize(
        template.gray,
        None,
        fx=WORK_DENSITY / template.density,
        fy=WORK_DENSITY / template.density,
        interpolation=cv2.INTER_AREA,
    )
    h, w = small.shape
    patch = scene.work[max(0, y0 - 2) : y0 + h + 2, max(0, x0 - 2) : x0 + w + 2]
    positive = float(cv2.matchTemplate(patch, small, cv2.TM_CCOEFF_NORMED).max())
    assert positive < 0.5


@pytest.mark.parametrize(
    "name", [s.name for s in load_shots() if s.label == "moments_feed" and s.theme == "light"]
)
def test_an_inverted_screenshot_matches_the_same_place_equally_well(app: App, name: str) -> None:
    fixture = shot(name)
    camera = app.templates["camera"]

    plain = Scene(fixture.image(), fixture.density).best(camera)
    inverted = Scene(cv2.bitwise_not(fixture.image()), fixture.density).best(camera)

    assert plain is not None and inverted is not None
    assert inverted.box == plain.box
    assert inverted.score == pytest.approx(plain.score, abs=0.01)


def test_a_negative_template_matches_like_the_template(app: App) -> None:
    fixture = shot("composer__1440x3200@560__light__en")
    scene = Scene(fixture.image(), fixture.density)
    add_tile = app.templates["add_tile"]

    plain = scene.locate(add_tile)
    negative = scene.locate(_negative(add_tile))

    assert plain is not None and negative is not None
    assert negative.box == plain.box
    assert negative.score == pytest.approx(plain.score, abs=0.01)


@pytest.mark.parametrize("cut_at", [320, 560])
@pytest.mark.parametrize(
    "name", ["moments_feed__720x1600@320__light__en", "moments_feed__1440x3200@560__light__zh-CN"]
)
def test_a_template_cut_at_another_density_matches_at_the_same_place(
    app: App, name: str, cut_at: int
) -> None:
    fixture = shot(name)
    scene = Scene(fixture.image(), fixture.density)
    camera = app.templates["camera"]

    reference = scene.locate(camera)
    other = scene.locate(_rescaled(camera, cut_at))

    assert reference is not None and other is not None
    assert abs(other.center[0] - reference.center[0]) <= 2 * fixture.scale
    assert abs(other.center[1] - reference.center[1]) <= 2 * fixture.scale
    assert other.score >= 0.85


@pytest.mark.parametrize("declared", [210, 840])
def test_a_template_with_the_wrong_density_does_not_match(app: App, declared: int) -> None:
    fixture = shot("moments_feed__1080x2400@420__dark__zh-CN")
    scene = Scene(fixture.image(), fixture.density)
    camera = app.templates["camera"]  # cut at 420 dpi; declared at half or twice that
    spec = app.profile.targets["btn_camera"]

    wrong = dataclasses.replace(camera, name=f"camera@{declared}", density=declared)

    assert scene.locate(camera, region_tuple(spec.region)) is not None
    assert scene.locate(wrong, region_tuple(spec.region)) is None
