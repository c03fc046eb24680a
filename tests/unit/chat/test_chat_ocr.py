"""OCR of chat bubbles drawn by the virtual phone: exact CJK and Latin, emoji as U+FFFD."""

from __future__ import annotations

import time

import pytest
from chat_support import CHINESE, EMOJI_MIXED, EMOJI_ONLY, LATIN, LONG, make_phone

from agent.vision.chat_layout import find_chat_items, message_area
from agent.vision.hierarchy import parse_hierarchy
from agent.vision.match import Box
from agent.vision.ocr import (
    UNREADABLE,
    UNREADABLE_CONFIDENCE,
    OcrEngine,
    TextBlock,
    read_blocks,
)
from farm_protocol.chat_align import text_key

SHORT = [CHINESE, LATIN, "订单号20240612-8831已发货", EMOJI_MIXED, EMOJI_ONLY]


def _bubbles_of(
    ocr: OcrEngine, resolution: str, theme: str, texts: list[str], who: int
) -> tuple[dict[str, TextBlock], float]:
    phone, _ = make_phone(resolution, theme)
    contact = phone.world.contacts()[who]
    for text in texts:
        phone.world.seed_message(contact, "in", text, phone.world.now())
    phone.goto("conversation", contact=contact.name)
    frame = phone.screenshot_bgr()
    nodes = [
        n for n in parse_hierarchy(phone.hierarchy_xml()) if n.resource_id.endswith("/msg_in")
    ][-len(texts) :]
    assert [n.text for n in nodes] == texts  # all on screen
    inset = round(4 * phone.density / 160)
    read_blocks(ocr, frame, [nodes[0].bounds], inset=inset)  # warm the engine up
    started = time.perf_counter()
    blocks = read_blocks(ocr, frame, [n.bounds for n in nodes], inset=inset)
    per_bubble_ms = (time.perf_counter() - started) * 1000 / len(nodes)
    return dict(zip(texts, blocks, strict=True)), per_bubble_ms


@pytest.mark.parametrize(("resolution", "theme"), [("1080x2400", "light"), ("720x1600", "dark")])
def test_bubbles_read_exactly_except_emoji(ocr: OcrEngine, resolution: str, theme: str) -> None:
    read, per_bubble_ms = _bubbles_of(ocr, resolution, theme, SHORT, 0)
    # 300 characters fill more than a 720x1600 screen's list: read it on the larger one
    long_read, long_ms = _bubbles_of(ocr, "1080x2400", theme, [LONG], 1)
    read.update(long_read)
    for text in (CHINESE, LATIN, "订单号20240612-8831已发货", LONG):
        assert read[text].text == text
        assert read[text].unreadable == 0 and read[text].confidence > 0.8
    # emoji do not OCR: each colour glyph reads as U+FFFD, the rest exactly
    assert read[EMOJI_MIXED].text == f"好的{UNREADABLE}谢谢"
    assert read[EMOJI_MIXED].confidence <= UNREADABLE_CONFIDENCE
    assert read[EMOJI_ONLY].text == UNREADABLE and read[EMOJI_ONLY].confidence == 0.0
    assert text_key(read[EMOJI_MIXED].text) == text_key(EMOJI_MIXED)
    print(f"\nOCR {resolution} {theme}: {per_bubble_ms:.0f} ms a short bubble,", end=" ")
    print(f"{long_ms:.0f} ms one of 300 characters")


def test_vision_finds_the_bubbles_the_hierarchy_names(ocr: OcrEngine) -> None:
    phone, _ = make_phone("720x1600", "dark")
    contact = phone.world.contacts()[3]
    phone.goto("conversation", contact=contact.name)
    frame = phone.screenshot_bgr()
    nodes = parse_hierarchy(phone.hierarchy_xml())
    area = message_area(frame, Box(0, 0, phone.width, phone.height), phone.density)
    listed = next(n for n in nodes if n.resource_id.endswith("/msg_list"))
    assert area == listed.bounds
    truth = [
        (n.resource_id.rsplit("/", 1)[-1][4:], n.bounds)
        for n in nodes
        if n.resource_id.endswith(("/msg_in", "/msg_out"))
    ]
    found = [
        (i.side, i.box) for i in find_chat_items(frame, area, phone.density) if i.side != "time"
    ]
    assert found == truth
    started = time.perf_counter()
    blocks = read_blocks(ocr, frame, [b for _, b in found], inset=round(4 * phone.density / 160))
    elapsed = (time.perf_counter() - started) * 1000
    texts = [m.text for m in phone.world.messages_with(contact)][-len(found) :]
    assert [text_key(b.text) for b in blocks] == [text_key(t) for t in texts]
    print(f"\nOCR one screen ({len(found)} bubbles): {elapsed:.0f} ms")
