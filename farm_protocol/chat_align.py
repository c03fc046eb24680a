"""Align a window of bubbles read off a phone with the tail of what is already known.

Pure functions, shared by the agent (to know when it has scrolled back far enough) and
the controller (to append only the messages that follow the overlap).

Texts are compared by a *key* that ignores what a screen reading may not reproduce:
Unicode compatibility forms (full-width ？ and ?), whitespace, emoji and other symbols,
and U+FFFD (what OCR reports for a glyph it cannot read). A bubble read by OCR also
matches a known text that is nearly the same (`OCR_SIMILARITY`), so one misread
character does not break the overlap.

How the overlap is chosen, in order:
1. every place where the whole tail occurs in the window, in sequence: the latest one
   after which at least `unread_badge` incoming bubbles follow (the badge counts the
   new ones, so a repeated tail is not taken for the newest), else the latest one (the
   badge also counts messages the controller already has);
2. otherwise the longest end of the tail that the window starts with (the window
   begins inside the tail);
3. otherwise no overlap: every bubble is new, and `anchored` is False (when the window
   did not reach the conversation's top, messages between may be missing).

Steps 1 and 2 first look for exact matches (`same_message`), then allow a few OCR
misreads: an overlap of at least `MISREAD_MIN` bubbles matches when every direction
agrees and at most one bubble in `MISREAD_EVERY` — each read by OCR — shows another text
(a badly lit screen, a glyph read as its look-alike). Without that, one misread bubble
in the overlap would make the whole window look new and store it twice.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from farm_protocol.chat import BubbleRead, ConversationRead, KnownMessage

OCR_SIMILARITY = 0.85
MISREAD_MIN = 4
MISREAD_EVERY = 4
UNREADABLE = "\ufffd"
_DROP_CATEGORIES = frozenset({"So", "Sk", "Cs", "Co", "Cn", "Me", "Cf", "Zs", "Zl", "Zp"})
_VARIATION_SELECTORS = range(0xFE00, 0xFE10)


def text_key(text: str) -> str:
    """The part of a text every reading reproduces: NFKC, no whitespace, emoji or symbols."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(
        ch
        for ch in folded
        if not ch.isspace()
        and ch != UNREADABLE
        and ord(ch) not in _VARIATION_SELECTORS
        and unicodedata.category(ch) not in _DROP_CATEGORIES
    )


def same_message(known: KnownMessage, bubble: BubbleRead) -> bool:
    """Does this bubble show that known message?"""
    if known.direction != bubble.direction:
        return False
    a, b = text_key(known.text), text_key(bubble.text)
    if a == b:
        return True
    if bubble.via != "ocr" or not a or not b:
        return False
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= OCR_SIMILARITY


@dataclass(frozen=True)
class Alignment:
    """Where a window meets the known tail.

    Attributes:
        new: the bubbles after the overlap, oldest first — the ones to append.
        overlap: how many bubbles of the window matched the tail.
        start: index in the window of the first overlapping bubble (len(window) if none).
        anchored: the window overlaps the tail (or nothing was known), so nothing
            between the known tail and `new` can be missing.
    """

    new: list[BubbleRead]
    overlap: int
    start: int
    anchored: bool


def _fits(known: Sequence[KnownMessage], bubbles: Sequence[BubbleRead], misreads: bool) -> bool:
    """Do these bubbles show these messages (with a few OCR misreads when allowed)?"""
    allowed = len(known) // MISREAD_EVERY if misreads and len(known) >= MISREAD_MIN else 0
    missed = 0
    for k, b in zip(known, bubbles, strict=True):
        if same_message(k, b):
            continue
        if k.direction != b.direction or b.via != "ocr":
            return False
        missed += 1
        if missed > allowed:
            return False
    return True


def _occurrences(
    tail: Sequence[KnownMessage], bubbles: Sequence[BubbleRead], misreads: bool
) -> list[int]:
    n = len(tail)
    return [i for i in range(len(bubbles) - n + 1) if _fits(tail, bubbles[i : i + n], misreads)]


def _incoming(bubbles: Sequence[BubbleRead]) -> int:
    return sum(1 for b in bubbles if b.direction == "in")


def align(
    tail: Sequence[KnownMessage], bubbles: Sequence[BubbleRead], unread_badge: int = 0
) -> Alignment:
    """Find where `bubbles` (oldest first) continue the known `tail` (oldest first)."""
    if not tail:
        return Alignment(list(bubbles), 0, 0, True)
    n = len(tail)
    for misreads in (False, True):
        found = _occurrences(tail, bubbles, misreads)
        if found:
            enough = [i for i in found if _incoming(bubbles[i + n :]) >= unread_badge]
            i = enough[-1] if enough else found[-1]
            return Alignment(list(bubbles[i + n :]), n, i, True)
    for misreads in (False, True):
        for k in range(min(n, len(bubbles)) - 1, 0, -1):
            if _fits(tail[-k:], bubbles[:k], misreads):
                return Alignment(list(bubbles[k:]), k, 0, True)
    return Alignment(list(bubbles), 0, len(bubbles), False)


def new_messages(tail: Sequence[KnownMessage], read: ConversationRead) -> Alignment:
    """`align` for one conversation read by a `sync_chats` job (uses its unread badge)."""
    return align(tail, read.bubbles, read.unread_badge)
