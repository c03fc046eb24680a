"""annotate(): a smaller copy of the screenshot with a title band and coloured boxes."""

from __future__ import annotations

import numpy as np
from vision_support import shot

from agent.vision.evidence import Mark, annotate
from agent.vision.match import Box

GREEN, RED, BAND = (60, 180, 60), (40, 40, 220), (32, 32, 32)  # BGR


def _at(image: np.ndarray, x: int, y: int) -> tuple[int, int, int]:
    b, g, r = (int(v) for v in image[y, x])
    return b, g, r


def test_annotate_draws_the_title_band_and_a_box_per_mark() -> None:
    fixture = shot("chat_list__1440x3200@560__dark__en")
    found = fixture.node("tab_discover").bounds
    missed = fixture.node("tab_chats").bounds  # not adjacent: its edges stay visible
    original = fixture.image().copy()

    out = annotate(
        fixture.image(),
        [Mark(found, "tab_discover", 0.92), Mark(missed, "tab_chats", 0.41, ok=False)],
        "tap tab_discover: expect discover",
    )

    f = 720 / 1440  # scaled down to 720 wide
    band = 28
    assert out.shape == (band + round(3200 * f), 720, 3)
    assert _at(out, 715, 3) == BAND and _at(out, 715, band - 2) == BAND
    assert _at(out, 8, 14) != BAND  # the title's white text starts at the left
    for box, colour in ((found, GREEN), (missed, RED)):
        x0, x1 = round(box.x0 * f), round(box.x1 * f)
        y0, y1 = round(box.y0 * f) + band, round(box.y1 * f) + band
        mid_y, mid_x = (y0 + y1) // 2, (x0 + x1) // 2
        assert _at(out, x0, mid_y) == colour  # left edge
        assert _at(out, x1, mid_y) == colour  # right edge
        assert _at(out, mid_x, y1) == colour  # bottom edge
        assert _at(out, x0 + 8, mid_y) != colour  # inside is the screenshot
    assert np.array_equal(fixture.image(), original), "the screenshot is not drawn on"


def test_a_small_screenshot_keeps_its_size_and_a_long_title_gets_more_lines() -> None:
    image = np.full((300, 200, 3), 200, np.uint8)

    out = annotate(image, [Mark(Box(20, 40, 120, 140), "x")], "t" * 170)

    assert out.shape == (28 * 3 + 300, 200, 3)  # 170 characters: three 80-character lines
    assert _at(out, 20, 28 * 3 + 90) == GREEN
    assert _at(out, 199, 28 * 3 - 2) == BAND


def test_annotate_with_no_marks_only_adds_the_band() -> None:
    fixture = shot("launcher__1080x2400@420__light__en")

    out = annotate(fixture.image(), [], "nothing found", max_width=1080)

    assert out.shape == (28 + 2400, 1080, 3)
    assert np.array_equal(out[28:], fixture.image())
