"""Pixels: CJK and emoji really render, themes differ, layouts fit every size, frames cache."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from simulator.fonts import FontBook, FontNotFoundError, find_font

SIZES = [(720, 1600, 320), (1080, 2400, 420), (1440, 3200, 560)]
SCREEN_IDS = {
    "launcher": ["app_simchat"],
    "chat_list": [
        "chat_row",
        "chat_name",
        "chat_snippet",
        "chat_time",
        "chat_badge",
        "tab_chats",
        "tab_contacts",
        "tab_discover",
        "tab_me",
        "btn_search",
        "btn_add",
    ],
    "contacts": ["contact_row", "tab_contacts"],
    "discover": ["entry_moments", "entry_scan", "entry_shake", "entry_nearby"],
    "me": ["me_name", "me_id", "tab_me"],
    "moments_feed": [
        "btn_back",
        "btn_camera",
        "feed_post",
        "feed_author",
        "feed_text",
        "feed_image",
        "feed_time",
    ],
    "composer": ["btn_cancel", "btn_publish", "input_post", "btn_add_image"],
    "image_picker": ["btn_picker_close", "picker_item", "picker_check", "btn_picker_done"],
    "conversation": [
        "btn_back",
        "conv_title",
        "btn_more",
        "msg_time",
        "msg_in",
        "msg_out",
        "btn_voice",
        "input_message",
        "btn_emoji",
        "btn_plus",
    ],
    "update_dialog": ["dialog_icon_update", "btn_dialog_later", "btn_dialog_update"],
    "permission_dialog": ["dialog_icon_permission", "btn_permission_allow", "btn_permission_deny"],
    "crash_dialog": ["btn_crash_close"],
    "lock_screen": ["lock_clock"],
}


def _render(fonts: FontBook, text: str, size: int = 48) -> np.ndarray:
    image = Image.new("RGB", (size * 3, size * 2), (255, 255, 255))
    fonts.draw(image, (4, 4), text, size, (0, 0, 0))
    return np.asarray(image).astype(int)


def test_chinese_glyphs_are_real_glyphs_not_tofu(assets) -> None:
    fonts = assets.fonts
    xin, kou, box = (_render(fonts, t) for t in ("新", "口", "\U0010fffd"))
    assert (xin < 128).sum() > 200, "something is drawn"
    assert np.abs(xin - kou).sum() > 0, "different characters look different"
    assert np.abs(xin - box).sum() > 0, "it is not the missing-glyph box"
    assert fonts.measure("新", 48) == fonts.measure("口", 48)  # ideographs are full width


def test_emoji_render_in_colour(assets) -> None:
    pixels = _render(assets.fonts, "🎉")
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    colourful = (np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)) > 80
    assert colourful.sum() > 50


def test_missing_font_error_names_the_package(tmp_path) -> None:
    with pytest.raises(FontNotFoundError, match="fonts-wqy-microhei"):
        find_font((str(tmp_path / "nope.ttc"),), "fonts-wqy-microhei")


def test_wrapping_breaks_cjk_per_character_and_latin_per_word(assets) -> None:
    fonts = assets.fonts
    cjk = fonts.wrap("新品上市欢迎大家选购", 40, 40 * 4 + 5)
    assert cjk == ["新品上市", "欢迎大家", "选购"]
    latin = fonts.wrap("hello wonderful world", 40, fonts.measure("hello wonderful", 40) + 2)
    assert latin == ["hello wonderful", "world"]
    lines = fonts.wrap("好的，谢谢！好的，谢谢！", 40, 40 * 2 + 5)
    assert "".join(lines) == "好的，谢谢！好的，谢谢！"
    assert not any(line.startswith(("，", "！")) for line in lines)
    assert fonts.ellipsize("a very long line of text", 40, 200).endswith("…")


def test_dark_theme_is_dark_and_light_theme_is_light(make_driver) -> None:
    for theme, dark in (("light", False), ("dark", True)):
        d = make_driver(theme=theme)
        d.phone.goto("chat_list")
        mean = np.asarray(d.phone.screenshot()).mean()
        assert (mean < 80) if dark else (mean > 180), (theme, mean)


def test_chinese_text_is_visible_on_the_chat_list(driver) -> None:
    driver.phone.goto("chat_list")
    x0, y0, x1, y1 = (
        int(v)
        for v in driver.nodes("chat_name")[0].get("bounds")[1:-1].replace("][", ",").split(",")
    )
    crop = np.asarray(driver.phone.screenshot().crop((x0, y0, x1, y1))).astype(int)
    assert (crop.sum(axis=2) < 300).sum() > 100, "dark name text on the white row"


@pytest.mark.parametrize(("width", "height", "density"), SIZES)
def test_every_listed_id_is_on_screen_with_sane_bounds(make_driver, width, height, density) -> None:
    d = make_driver(width, height, density)
    for screen, ids in SCREEN_IDS.items():
        d.phone.goto("launcher")
        base = {"update_dialog": "chat_list", "permission_dialog": "composer"}.get(screen)
        if base:
            d.phone.goto(base)
        d.phone.goto(screen, contact="张伟") if screen == "conversation" else d.phone.goto(screen)
        assert d.label == screen
        root = ET.fromstring(d.phone.hierarchy_xml())
        assert root.tag == "hierarchy"
        for id_name in ids:
            found = d.nodes(id_name)
            assert found, f"{id_name} missing on {screen} at {width}x{height}"
            for node in found:
                x0, y0, x1, y1 = (
                    int(v) for v in node.get("bounds")[1:-1].replace("][", ",").split(",")
                )
                assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, (screen, id_name)


@pytest.mark.parametrize(("width", "height", "density"), SIZES)
def test_layout_is_in_dp_not_stretched(make_driver, width, height, density) -> None:
    d = make_driver(width, height, density)
    d.phone.goto("chat_list")
    x0, y0, x1, y1 = (
        int(v) for v in d.nodes("chat_row")[0].get("bounds")[1:-1].replace("][", ",").split(",")
    )
    assert abs((y1 - y0) - 72 * density / 160) <= 2  # rows are 72 dp at every density
    assert x1 - x0 == width


def test_unchanged_state_is_served_from_cache(driver) -> None:
    driver.phone.goto("moments_feed")
    first = driver.device.screenshot()
    start = time.perf_counter()
    for _ in range(10):
        again = driver.device.screenshot()
    per_shot = (time.perf_counter() - start) / 10
    assert np.array_equal(first, again)
    assert per_shot < 0.01, f"cached screenshot took {per_shot * 1000:.1f} ms"
    again[0, 0] = (1, 2, 3)  # callers get their own copy
    assert not np.array_equal(driver.device.screenshot(), again)


def test_uncached_render_is_fast(driver) -> None:
    driver.phone.goto("chat_list")
    driver.device.screenshot()
    timings = []
    for _ in range(3):
        driver.phone.world.inject_message("张伟", "x")  # every frame changes
        start = time.perf_counter()
        driver.device.screenshot()
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.08, timings
