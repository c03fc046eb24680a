"""`sync_chats` on virtual phones: every injected message once, in order, whatever the path.

The anchors are what a controller that stored everything before the customers wrote
would send; aligning each window read with its anchor must give exactly the injected
messages. Paths: hierarchy text; text hidden from the hierarchy (OCR of the bubbles);
no hierarchy at all (vision finds rows, badges and bubbles, OCR reads them).
"""

from __future__ import annotations

import re

import pytest
from chat_support import EMOJI_MIXED, EMOJI_ONLY, anchors_from, inject_mix, make_phone

from agent.flows.app import App
from agent.flows.runner import FlowRunner
from agent.vision.ocr import OcrEngine
from farm_protocol.chat import SyncChatsResult, SyncChatsTask
from farm_protocol.chat_align import new_messages, text_key

EMOJI = {EMOJI_MIXED, EMOJI_ONLY}


def _sync(
    runner: FlowRunner, task: SyncChatsTask
) -> tuple[SyncChatsResult, dict[str, list[str]], dict[str, list[float]]]:
    result = runner.run("sync_chats", task.model_dump(mode="json"))
    assert result.ok, result.error
    sync = SyncChatsResult.model_validate(result.data.sync)
    tails = {a.contact_name: a.tail for a in task.anchors}
    texts: dict[str, list[str]] = {}
    confidences: dict[str, list[float]] = {}
    for read in sync.conversations:
        aligned = new_messages(tails.get(read.contact_name, []), read)
        assert aligned.anchored, read.contact_name
        assert all(b.direction == "in" for b in aligned.new)
        texts[read.contact_name] = [b.text for b in aligned.new]
        confidences[read.contact_name] = [b.confidence for b in aligned.new]
    return sync, texts, confidences


@pytest.mark.parametrize(
    ("resolution", "theme", "locale"),
    [("1080x2400", "light", "zh-CN"), ("720x1600", "dark", "en")],
)
def test_hierarchy_sync_reads_every_new_message_once_in_order(
    app: App, ocr: OcrEngine, resolution: str, theme: str, locale: str
) -> None:
    phone, device = make_phone(resolution, theme, locale)
    anchors = anchors_from(phone.world)
    sent = inject_mix(phone.world)
    runner = FlowRunner(device, app, ocr=ocr)
    sync, got, _ = _sync(runner, SyncChatsTask(anchors=anchors))
    assert phone.screen_label() == "chat_list"
    for name, texts in sent.items():
        assert got[name] == texts  # exact, emoji included
        assert sync.chat_list_unread[name] >= len(texts)
        assert phone.world.unread(name) == 0
    assert all(got.get(name, []) == [] for name in got if name not in sent)
    burst = next(r for r in sync.conversations if r.contact_name == list(sent)[-1])
    assert re.fullmatch(r"\d\d:\d\d", burst.bubbles[-1].time_label or "")
    assert all(b.via == "hierarchy" for r in sync.conversations for b in r.bubbles)
    # the controller now has everything: syncing again finds nothing to open
    again, got_again, _ = _sync(runner, SyncChatsTask(anchors=anchors_from(phone.world)))
    assert again.conversations == [] and got_again == {}
    assert phone.screen_label() == "chat_list"


def test_ocr_sync_when_the_hierarchy_hides_chat_text(app: App, ocr: OcrEngine) -> None:
    phone, device = make_phone("1080x2400", "dark", "en", hide_text=True)
    anchors = anchors_from(phone.world)
    sent = inject_mix(phone.world)
    runner = FlowRunner(device, app, ocr=ocr)
    sync, got, confidences = _sync(runner, SyncChatsTask(anchors=anchors))
    assert phone.screen_label() == "chat_list"
    for name, texts in sent.items():
        assert len(got[name]) == len(texts), name
        for want, have, confidence in zip(texts, got[name], confidences[name], strict=True):
            if want in EMOJI:  # emoji read as U+FFFD: the rest is exact, confidence low
                assert "\ufffd" in have and text_key(have) == text_key(want)
                assert confidence <= 0.5
            else:
                assert have == want
    assert any(b.via == "ocr" for r in sync.conversations for b in r.bubbles)
    again, got_again, _ = _sync(runner, SyncChatsTask(anchors=anchors_from(phone.world)))
    assert again.conversations == [] and got_again == {}
    assert phone.screen_label() == "chat_list"


def test_vision_only_sync_finds_badges_rows_and_bubbles(app: App, ocr: OcrEngine) -> None:
    phone, device = make_phone("720x1600", "light", hide_text=True)
    anchors = anchors_from(phone.world)
    contacts = phone.world.contacts()
    sent = {contacts[1].name: ["请问周末发货吗？", "Thanks!"], contacts[3].name: ["在吗"]}
    for name, texts in sent.items():
        for text in texts:
            phone.world.inject_message(name, text)
    runner = FlowRunner(device, app, ocr=ocr, use_hierarchy=False)
    sync, got, _ = _sync(runner, SyncChatsTask(anchors=anchors))
    assert phone.screen_label() == "chat_list"
    for name, texts in sent.items():
        assert got[name] == texts
        assert sync.chat_list_unread[name] >= len(texts)


def test_a_burst_larger_than_max_scrolls_allows_is_reported_unanchored(
    app: App, ocr: OcrEngine
) -> None:
    phone, device = make_phone("720x1600", "light")
    anchors = anchors_from(phone.world)
    name = phone.world.contacts()[0].name
    for i in range(20):
        phone.world.inject_message(name, f"第{i}条")
    result = FlowRunner(device, app, ocr=ocr).run(
        "sync_chats", SyncChatsTask(anchors=anchors, max_scrolls=1).model_dump(mode="json")
    )
    assert result.ok, result.error
    read = next(
        r
        for r in SyncChatsResult.model_validate(result.data.sync).conversations
        if r.contact_name == name
    )
    assert not read.reached_anchor and not read.reached_top
    tail = next(a.tail for a in anchors if a.contact_name == name)
    aligned = new_messages(tail, read)
    assert not aligned.anchored  # the controller knows messages may be missing
    assert [b.text for b in aligned.new] == [f"第{i}条" for i in range(20)][-len(aligned.new) :]
