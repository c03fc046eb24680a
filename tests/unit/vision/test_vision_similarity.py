"""similarity(): a picker thumbnail compares well with its source photo and badly with others.

Thumbnails are cut from the committed picker screenshot at the bounds its hierarchy dump
gives for each photo (`content-desc` is the file name).
"""

from __future__ import annotations

import numpy as np
import pytest
from vision_support import FIXTURES, photo, shot

from agent.flows.feed import IMAGE_MATCH
from agent.vision.compare import center_square, similarity
from agent.vision.hierarchy import find_nodes, parse_hierarchy
from agent.vision.template import Image
from device_profiles.model import Selector

PICKER = "image_picker__1080x2400@420__light__en"
MOUNTAINS, SEASIDE = "IMG_20240412.jpg", "IMG_20240420.jpg"
GREEN_BOTTLE, BLUE_BOTTLE = "IMG_20240502.jpg", "IMG_20240504.jpg"


def thumbnail(name: str) -> Image:
    """The picker's tile for photo `name`, as the screenshot shows it."""
    xml = (FIXTURES / f"{PICKER}.xml").read_text(encoding="utf-8")
    selector = Selector(resource_id="com.simchat.app:id/picker_item", content_desc=name)
    (node,) = find_nodes(parse_hierarchy(xml), selector)
    b = node.bounds
    return shot(PICKER).image()[b.y0 : b.y1, b.x0 : b.x1]


@pytest.mark.parametrize(
    ("name", "other"), [(MOUNTAINS, SEASIDE), (SEASIDE, MOUNTAINS), (GREEN_BOTTLE, SEASIDE)]
)
def test_a_thumbnail_is_like_its_source_and_unlike_another_photo(name: str, other: str) -> None:
    tile = thumbnail(name)

    # the seaside tile is selected: its numbered check covers a corner, and still it matches
    assert similarity(tile, photo(name)) >= 0.9
    assert similarity(tile, photo(other)) <= 0.5
    assert similarity(tile, photo(other)) < IMAGE_MATCH - 0.25  # far below verify's bar


def test_similarity_is_symmetric_and_one_for_the_same_picture() -> None:
    a, b = photo(MOUNTAINS), photo(SEASIDE)

    assert similarity(a, a) == pytest.approx(1.0)
    assert similarity(a, b) == pytest.approx(similarity(b, a))


def test_the_centre_square_is_what_is_compared() -> None:
    wide = photo(SEASIDE)  # 1200x900: the feed shows its centre 900x900
    square = center_square(wide)

    assert square.shape[:2] == (900, 900)
    assert similarity(square, wide) == pytest.approx(1.0)
    assert similarity(square, wide, crop_square=False) < 0.99


def test_flat_pictures_compare_by_brightness() -> None:
    gray = np.full((40, 60, 3), 120, np.uint8)

    assert similarity(gray, gray + 5) == 1.0
    assert similarity(gray, gray + 40) == 0.0


@pytest.mark.xfail(
    strict=True,
    reason="weakness: similarity is grayscale only; the green bottle's tile scores 0.92 against "
    "the blue bottle's photo (0.92 against its own; 0.99 photo to photo), so verify_post "
    "(IMAGE_MATCH 0.75) cannot tell product shots that differ only in colour",
)
def test_a_thumbnail_is_unlike_the_same_shot_in_another_colour() -> None:
    assert similarity(thumbnail(GREEN_BOTTLE), photo(BLUE_BOTTLE)) < IMAGE_MATCH
