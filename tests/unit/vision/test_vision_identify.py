"""identify(): every committed screenshot is named right, and nothing is named on no screen."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from vision_support import RESOLUTIONS, Shot, load_shots, noise, screen_threshold, shot

from agent.flows.app import App
from agent.vision.match import Scene
from agent.vision.screen import identify

SHOTS = load_shots()


@pytest.mark.parametrize("fixture", SHOTS, ids=lambda s: s.name)
def test_identify_names_every_fixture(
    app: App, accent: tuple[int, int, int], fixture: Shot
) -> None:
    scene = Scene(fixture.image(), fixture.density, accent)

    seen = identify(scene, app.profile.screens, app.templates)

    assert seen.name == fixture.label, seen.scores
    assert seen.confidence >= screen_threshold(app, fixture.label)
    assert seen.matches, "the anchors found are reported for evidence images"
    for match in seen.matches:  # anchors are reported where they are, inside the screen
        assert 0 <= match.box.x0 < match.box.x1 <= fixture.width
        assert 0 <= match.box.y0 < match.box.y1 <= fixture.height


def test_fixtures_cover_every_resolution_theme_locale_and_overlay() -> None:
    sizes = {(s.width, s.height, s.density) for s in SHOTS}
    assert sizes == set(RESOLUTIONS)
    assert {s.theme for s in SHOTS} == {"light", "dark"}
    assert {s.locale for s in SHOTS} == {"en", "zh-CN"}
    labels = {s.label for s in SHOTS}
    assert {"launcher", "chat_list", "discover", "moments_feed", "composer"} <= labels
    assert {"image_picker", "conversation"} <= labels
    assert {"update_dialog", "permission_dialog", "banner"} <= labels
    assert all(s.under for s in SHOTS if s.label in {"update_dialog", "banner"})


@pytest.mark.parametrize("name", ["update_dialog", "permission_dialog", "banner"])
def test_an_overlay_wins_over_the_screen_still_visible_under_it(app: App, name: str) -> None:
    fixture = next(s for s in SHOTS if s.label == name)
    scene = Scene(fixture.image(), fixture.density, app.profile.accent_hsv)
    screens = app.profile.screens

    seen = identify(scene, screens, app.templates, candidates=[str(fixture.under)])
    beneath = identify(scene, {n: s for n, s in screens.items() if not s.overlay}, app.templates)

    assert seen.name == name
    if name != "banner":  # the banner hides the feed's camera button
        # the screen under the scrim still shows its anchors: overlays must be tried first
        assert beneath.name == fixture.under


@pytest.mark.parametrize(
    "candidates", [["chat_list"], ["discover", "me"], ["composer", "chat_list"]]
)
def test_candidates_only_change_the_order_not_the_answer(app: App, candidates: list[str]) -> None:
    fixture = shot("chat_list__1080x2400@420__light__zh-CN")
    scene = Scene(fixture.image(), fixture.density, app.profile.accent_hsv)

    seen = identify(scene, app.profile.screens, app.templates, candidates)

    assert seen.name == "chat_list"


def test_an_expected_screen_that_matches_clearly_stops_the_search(app: App) -> None:
    fixture = shot("moments_feed__720x1600@320__light__en")
    scene = Scene(fixture.image(), fixture.density, app.profile.accent_hsv)

    full = identify(scene, app.profile.screens, app.templates)
    quick = identify(scene, app.profile.screens, app.templates, candidates=["moments_feed"])

    assert quick.name == full.name == "moments_feed"
    assert set(quick.scores) < set(full.scores)  # fewer screens were checked


def _blank(height: int, width: int, kind: str) -> np.ndarray:
    if kind == "black":
        return np.zeros((height, width, 3), np.uint8)
    if kind == "white":
        return np.full((height, width, 3), 255, np.uint8)
    if kind == "gray":
        return np.full((height, width, 3), 128, np.uint8)
    if kind == "noise":
        return noise(height, width, seed=width)
    # smooth blotches: noise blurred to the size of icons
    return cv2.GaussianBlur(noise(height, width, seed=height), (0, 0), width / 60)


@pytest.mark.parametrize("kind", ["black", "white", "gray", "noise", "blotches"])
@pytest.mark.parametrize("size", RESOLUTIONS, ids=lambda r: f"{r[0]}x{r[1]}@{r[2]}")
def test_a_blank_or_noise_frame_is_no_screen(
    app: App, accent: tuple[int, int, int], size: tuple[int, int, int], kind: str
) -> None:
    width, height, density = size
    scene = Scene(_blank(height, width, kind), density, accent)

    seen = identify(scene, app.profile.screens, app.templates)

    assert seen.name is None, seen.scores
    assert seen.confidence == 0.0
    assert seen.matches == ()
    assert set(seen.scores) == set(app.profile.screens)  # every screen was tried
