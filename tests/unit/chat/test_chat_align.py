"""Aligning a window read off the screen with the known tail (pure)."""

from __future__ import annotations

from farm_protocol.chat import BubbleRead, ConversationRead, KnownMessage
from farm_protocol.chat_align import align, new_messages, same_message, text_key


def _k(direction: str, text: str) -> KnownMessage:
    return KnownMessage(direction=direction, text=text)  # type: ignore[arg-type]


def _b(direction: str, text: str, via: str = "hierarchy") -> BubbleRead:
    return BubbleRead(direction=direction, text=text, via=via)  # type: ignore[arg-type]


def test_text_key_ignores_what_screens_do_not_reproduce() -> None:
    assert text_key("好的 👌 谢谢") == "好的谢谢"
    assert text_key("好的\ufffd谢谢") == "好的谢谢"
    assert text_key("在吗？") == text_key("在吗?")  # full-width and ASCII punctuation
    assert text_key("👍") == ""
    assert text_key("Hello,  world") == "Hello,world"


def test_new_bubbles_follow_the_overlap() -> None:
    tail = [_k("in", "a"), _k("out", "b")]
    window = [_b("in", "x"), _b("in", "a"), _b("out", "b"), _b("in", "c"), _b("in", "d")]
    result = align(tail, window)
    assert [b.text for b in result.new] == ["c", "d"]
    assert (result.overlap, result.start, result.anchored) == (2, 1, True)


def test_nothing_new_when_the_window_ends_with_the_tail() -> None:
    tail = [_k("in", "a"), _k("out", "b")]
    assert align(tail, [_b("in", "a"), _b("out", "b")]).new == []


def test_direction_matters() -> None:
    assert not same_message(_k("in", "ok"), _b("out", "ok"))


def test_a_repeated_tail_uses_the_badge_to_pick_the_right_place() -> None:
    tail = [_k("in", "在吗？")]
    window = [_b("in", "在吗？"), _b("in", "在吗？")]
    assert [b.text for b in align(tail, window, unread_badge=1).new] == ["在吗？"]
    assert align(tail, window, unread_badge=0).new == []


def test_a_badge_larger_than_what_follows_takes_the_latest_place() -> None:
    tail = [_k("in", "a"), _k("in", "b")]
    window = [_b("in", "a"), _b("in", "b"), _b("in", "c")]
    assert [b.text for b in align(tail, window, unread_badge=3).new] == ["c"]


def test_a_window_starting_inside_the_tail_still_overlaps() -> None:
    tail = [_k("in", "a"), _k("out", "b"), _k("in", "c")]
    window = [_b("out", "b"), _b("in", "c"), _b("in", "d")]
    result = align(tail, window)
    assert [b.text for b in result.new] == ["d"]
    assert result.overlap == 2 and result.anchored


def test_no_overlap_means_everything_is_new_but_not_anchored() -> None:
    result = align([_k("in", "a")], [_b("in", "x"), _b("in", "y")])
    assert [b.text for b in result.new] == ["x", "y"]
    assert not result.anchored


def test_nothing_known_takes_the_whole_window() -> None:
    result = align([], [_b("in", "x")])
    assert [b.text for b in result.new] == ["x"] and result.anchored


def test_ocr_reads_match_known_text_nearly_and_without_emoji() -> None:
    assert same_message(_k("out", "好的👌谢谢"), _b("out", "好的\ufffd谢谢", "ocr"))
    assert same_message(_k("in", "请问这款面霜还有货吗"), _b("in", "请问这款面霜还有货嗎", "ocr"))
    assert not same_message(_k("in", "请问这款面霜还有货吗"), _b("in", "请问这款面霜还有货嗎"))
    assert not same_message(_k("in", "明天发货"), _b("in", "今天到货", "ocr"))


def test_new_messages_uses_the_reads_badge() -> None:
    read = ConversationRead(
        contact_name="张伟",
        unread_badge=1,
        bubbles=[_b("in", "在吗？"), _b("in", "在吗？")],
        reached_anchor=True,
        reached_top=False,
    )
    assert [b.text for b in new_messages([_k("in", "在吗？")], read).new] == ["在吗？"]


def test_one_ocr_misread_in_a_long_overlap_does_not_make_the_window_new() -> None:
    tail = [_k("in", t) for t in ("一号订单", "二号订单", "三号订单")] + [_k("out", "收到")]
    window = [
        _b("in", "一号订单", "ocr"),
        _b("in", "二号门口", "ocr"),  # misread beyond OCR_SIMILARITY
        _b("in", "三号订单", "ocr"),
        _b("out", "收到", "ocr"),
        _b("in", "新消息", "ocr"),
    ]
    result = align(tail, window)
    assert [b.text for b in result.new] == ["新消息"] and result.anchored
    # A window starting inside the tail, with a misread, too.
    tail = [_k("in", t) for t in ("甲", "乙乙乙乙", "丙丙丙丙", "丁丁丁丁", "戊戊戊戊")]
    window = [
        _b("in", "乙乙乙乙", "ocr"),
        _b("in", "丙两丙丙", "ocr"),
        _b("in", "丁丁丁丁", "ocr"),
        _b("in", "戊戊戊戊", "ocr"),
        _b("in", "新", "ocr"),
    ]
    assert [b.text for b in align(tail, window).new] == ["新"]


def test_misreads_are_tolerated_only_from_ocr_few_and_in_the_same_direction() -> None:
    tail = [_k("in", t) for t in ("一号订单", "二号订单", "三号订单", "四号订单")]

    def window(second: BubbleRead, via: str = "ocr") -> list[BubbleRead]:
        return [
            _b("in", "一号订单", via),
            second,
            _b("in", "三号订单", via),
            _b("in", "四号订单", via),
            _b("in", "新消息", via),
        ]

    assert align(tail, window(_b("in", "二号门口", "ocr"))).anchored
    assert not align(tail, window(_b("in", "二号门口"), "hierarchy")).anchored  # exact text
    assert not align(tail, window(_b("out", "二号订单", "ocr"))).anchored  # direction
    two_misreads = window(_b("in", "二号门口", "ocr"))
    two_misreads[2] = _b("in", "三号门口", "ocr")
    assert not align(tail, two_misreads).anchored  # more than one in four
    short = [_k("in", "一号订单"), _k("in", "二号订单")]
    assert not align(short, [_b("in", "一号订单", "ocr"), _b("in", "二号门口", "ocr")]).anchored
