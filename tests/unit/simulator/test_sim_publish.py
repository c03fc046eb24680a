"""A full Moments publish, driven by taps on hierarchy nodes, at three screen sizes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from simulator.demo_content import mountains, product_shot
from simulator.theme import hex_color

SIZES = [(720, 1600, 320), (1080, 2400, 420), (1440, 3200, 560)]
LOOKS = [("light", "zh-CN"), ("dark", "en")]


def _push_two(driver, tmp_path: Path) -> tuple[Path, Path]:
    first = tmp_path / "first.png"
    second = tmp_path / "second.jpg"
    product_shot(640, 800, hex_color("#E07A5F"), 5).save(first)
    mountains(900, 600, 2).save(second, quality=95)
    assert driver.device.push_media(first) == "/sdcard/Pictures/first.png"
    assert driver.device.push_media(second) == "/sdcard/Pictures/second.jpg"
    return first, second


@pytest.mark.parametrize(("width", "height", "density"), SIZES)
@pytest.mark.parametrize(("theme", "locale"), LOOKS)
def test_publish_a_post_with_text_emoji_and_two_images(
    make_driver, tmp_path: Path, width: int, height: int, density: int, theme: str, locale: str
) -> None:
    d = make_driver(width, height, density, theme, locale)
    world = d.phone.world
    first, second = _push_two(d, tmp_path)
    assert d.label == "launcher"

    d.tap("app_simchat", settle=0.1)
    assert d.label == "transition"
    d.settle()
    assert d.label == "chat_list"
    d.tap("tab_discover", settle=0)
    assert d.label == "discover"  # tab switches are instant
    d.tap("entry_moments")
    assert d.label == "moments_feed"
    d.tap("btn_camera")
    assert d.label == "composer"
    assert d.nodes("btn_publish")[0].get("enabled") == "false"

    d.tap("input_post")
    assert d.nodes("input_post")[0].get("focused") == "true"
    d.device.type_text("新品上市 🎉")
    assert d.nodes("input_post")[0].get("text") == "新品上市 🎉"
    assert d.nodes("btn_publish")[0].get("enabled") == "true"

    d.tap("btn_add_image")
    assert d.label == "permission_dialog"
    d.tap("btn_permission_allow")
    assert d.label == "image_picker"
    items = d.nodes("picker_item")
    assert [i.get("content-desc") for i in items[:2]] == ["second.jpg", "first.png"]
    d.tap("picker_item", 1, settle=0)  # first.png, then second.jpg
    d.tap("picker_item", 0, settle=0)
    assert d.nodes("btn_picker_done")[0].get("text") in ("完成(2)", "Done (2)")
    d.tap("btn_picker_done")
    assert d.label == "composer"
    assert [n.get("content-desc") for n in d.nodes("composer_image")] == [
        "first.png",
        "second.jpg",
    ]

    d.tap("btn_publish", settle=0.3)
    assert d.label == "moments_feed"
    assert d.nodes("feed_progress"), "the post uploads with a progress bar"
    assert world.published_posts() == []  # not before the upload completes
    d.settle(1.0)
    assert not d.nodes("feed_progress")

    posts = world.published_posts()
    assert len(posts) == 1
    post = posts[0]
    assert post.text == "新品上市 🎉"
    assert post.media_names == ("first.png", "second.jpg")
    for image, path in zip(post.images, (first, second), strict=True):
        with Image.open(path) as original:
            assert image.size == original.size
            assert np.array_equal(np.asarray(image), np.asarray(original.convert("RGB")))
    texts = [n.get("text") for n in d.nodes("feed_text")]
    assert texts[0] == "新品上市 🎉"  # newest on top
    assert len(d.nodes("feed_post")) >= 1


def test_publish_button_is_inert_without_content(driver) -> None:
    driver.phone.goto("composer")
    driver.tap("btn_publish")
    assert driver.label == "composer"
    assert driver.phone.world.published_posts() == []


def test_text_only_post_from_long_press_on_camera(driver) -> None:
    driver.phone.goto("moments_feed")
    driver.device.long_press(*driver.center("btn_camera"))
    driver.settle()
    assert driver.label == "composer"
    driver.tap("input_post")
    driver.device.type_text("Hello world")
    driver.tap("btn_publish")
    driver.settle(1.0)
    assert [p.text for p in driver.phone.world.published_posts()] == ["Hello world"]


def test_killing_the_app_mid_upload_loses_the_post(driver) -> None:
    driver.phone.goto("composer", text="never arrives")
    driver.tap("btn_publish", settle=0.4)
    assert driver.nodes("feed_progress")
    driver.device.app_stop("com.simchat.app")
    driver.settle(2.0)
    assert driver.phone.world.published_posts() == []
    assert driver.label == "launcher"


def test_picker_limits_selection_to_nine_including_the_draft(driver) -> None:
    for i in range(12):
        driver.phone.add_media(f"p{i}.png", Image.new("RGB", (50, 50), (i * 20, 0, 0)))
    names = [m.name for m in driver.phone.media()[:7]]
    driver.phone.goto("image_picker", images=names)
    for i in range(4):
        driver.tap("picker_item", i, settle=0)
    checked = [n.get("checked") for n in driver.nodes("picker_item")]
    assert checked[:4] == ["true", "true", "false", "false"]


def test_composer_shows_add_tile_only_below_nine_images(driver) -> None:
    for i in range(9):
        driver.phone.add_media(f"p{i}.png", Image.new("RGB", (40, 60), (0, i * 20, 0)))
    names = [m.name for m in driver.phone.media()[:9]]
    driver.phone.goto("composer", images=names[:8])
    assert driver.nodes("btn_add_image")
    driver.phone.goto("composer", images=names)
    assert not driver.nodes("btn_add_image")
    assert len(driver.nodes("composer_image")) == 9
