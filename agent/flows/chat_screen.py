"""What one chat screen shows: the bubbles of a conversation, the rows of the chat list.

Each reader takes what the accessibility hierarchy gives (node kinds, bounds, text) and
falls back to pixels where it gives less: OCR for text the app blanks in the hierarchy,
vision (`agent.vision.chat_layout`) for bubbles, rows and badges when there are no nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from agent.flows.context import FlowContext
from agent.flows.errors import FlowError
from agent.flows.observe import Observation
from agent.vision.chat_layout import find_badges, find_chat_items, message_area
from agent.vision.hierarchy import UiNode
from agent.vision.match import Box
from agent.vision.ocr import TextLine, read_blocks, read_lines, upscale
from agent.vision.template import Image
from farm_protocol.chat_align import text_key

Kind = Literal["in", "out", "time"]
Via = Literal["hierarchy", "ocr"]

BUBBLE_INSET_DP = 4  # inside a bubble's rounded corners, outside its text padding
PILL_INSET_DP = 2


@dataclass(frozen=True)
class SeenItem:
    """A bubble or time separator on screen.

    `text` is "" for a clipped item that was not read; `clipped` means the list's edge
    cuts it (it is read whole on another screen).
    """

    kind: Kind
    box: Box
    text: str
    via: Via
    confidence: float
    clipped: bool


def _dp(ctx: FlowContext, value: float) -> int:
    return max(1, round(value * ctx.observer.density / 160))


def _nodes(ctx: FlowContext, obs: Observation, target: str) -> list[UiNode]:
    spec = ctx.app.profile.targets.get(target)  # a profile may not name every chat part
    selector = spec.selector if spec is not None else None
    if selector is None or not ctx.observer.use_hierarchy:
        return []
    return ctx.observer.select(obs, selector)


def _inside(inner: Box, outer: Box) -> bool:
    cx, cy = inner.center
    return outer.x0 <= cx <= outer.x1 and outer.y0 <= cy <= outer.y1


def screen_box(obs: Observation) -> Box:
    """The whole frame."""
    h, w = obs.frame.shape[:2]
    return Box(0, 0, w, h)


def list_area(ctx: FlowContext, obs: Observation, target: str) -> Box:
    """Where a scrolling list is: its hierarchy node, else the band of its background colour.

    Raises:
        FlowError: neither tells.
    """
    nodes = _nodes(ctx, obs, target)
    if nodes:
        return nodes[0].bounds
    area = message_area(obs.frame, screen_box(obs), ctx.observer.density)
    if area is None or area.height < _dp(ctx, 80):
        raise FlowError(f"cannot find the {target} on {obs.screen or 'an unknown screen'}")
    return area


def conversation_items(
    ctx: FlowContext,
    obs: Observation,
    area: Box,
    skip: Callable[[Box], bool] | None = None,
) -> list[SeenItem]:
    """The bubbles and time separators in the message list, top to bottom.

    Text comes from the hierarchy when it shows it, else from OCR of the item (items
    `skip` returns True for, and clipped ones, are not read).
    """
    kinds: list[tuple[Kind, UiNode]] = []
    for kind, target in (("in", "msg_in"), ("out", "msg_out"), ("time", "msg_time")):
        kinds.extend((kind, n) for n in _nodes(ctx, obs, target))  # type: ignore[misc]
    raw: list[tuple[Kind, Box, str, bool]] = []
    if kinds:
        for kind, node in kinds:
            b = node.bounds
            clipped = b.y0 <= area.y0 or b.y1 >= area.y1
            raw.append((kind, b, node.text, clipped))
    else:
        for item in find_chat_items(obs.frame, area, ctx.observer.density):
            raw.append((item.side, item.box, "", item.clipped))
    raw.sort(key=lambda r: (r[1].y0, r[1].x0))
    wanted = [
        i
        for i, (_, box, text, clipped) in enumerate(raw)
        if not text and not clipped and not (skip is not None and skip(box))
    ]
    texts: dict[int, tuple[str, float]] = {}
    for inset, group in (
        (_dp(ctx, BUBBLE_INSET_DP), [i for i in wanted if raw[i][0] != "time"]),
        (_dp(ctx, PILL_INSET_DP) if not kinds else 0, [i for i in wanted if raw[i][0] == "time"]),
    ):
        if group:
            blocks = read_blocks(
                ctx.observer.ocr, obs.frame, [raw[i][1] for i in group], inset=inset
            )
            texts.update({i: (b.text, b.confidence) for i, b in zip(group, blocks, strict=True)})
    out = []
    for i, (kind, box, text, clipped) in enumerate(raw):
        if text:
            out.append(SeenItem(kind, box, text, "hierarchy", 1.0, clipped))
        else:
            read, confidence = texts.get(i, ("", 0.0))
            out.append(SeenItem(kind, box, read, "ocr", confidence, clipped or i not in texts))
    return out


@dataclass
class ChatRow:
    """One row of the chat list as seen on one screen."""

    name: str
    tap: Box
    badge: int
    snippet: str | None
    snippet_box: Box | None
    via: Via


BADGE_ZOOM = 3


def _read_counts(ctx: FlowContext, obs: Observation, boxes: list[Box]) -> list[str]:
    """The counts printed on badges: small white digits, read enlarged, ends cut off."""
    out = []
    for box in boxes:
        crop = upscale(obs.frame[box.y0 : box.y1, box.x0 : box.x1], BADGE_ZOOM)
        h, w = crop.shape[:2]
        block = read_blocks(ctx.observer.ocr, crop, [Box(0, 0, w, h)], inset=h // 5)[0]
        out.append(block.text)
    return out


def _badge_count(text: str) -> int:
    digits = "".join(ch for ch in text if ch.isdigit())
    return int(digits) if digits else 0


def chat_rows(ctx: FlowContext, obs: Observation) -> list[ChatRow]:
    """The rows of the chat list on screen whose name shows whole, top to bottom.

    Snippets hidden in the hierarchy are left unread (None): `row_snippet` reads them.
    """
    names = _nodes(ctx, obs, "chat_name")
    if not names:
        return _vision_rows(ctx, obs)
    area = list_area(ctx, obs, "chat_list_view")
    rows_nodes = _nodes(ctx, obs, "chat_row")
    snippets = _nodes(ctx, obs, "chat_snippet")
    badges = _nodes(ctx, obs, "chat_badge")
    unread_badges = [b for b in badges if not b.text]
    counts = _read_counts(ctx, obs, [b.bounds for b in unread_badges])
    badge_text = {id(b): b.text for b in badges}
    badge_text.update({id(b): text for b, text in zip(unread_badges, counts, strict=True)})
    rows = []
    for name in names:
        if name.bounds.y0 < area.y0 or name.bounds.y1 > area.y1:
            continue
        row = next((r for r in rows_nodes if _inside(name.bounds, r.bounds)), None)
        box = row.bounds if row is not None else name.bounds
        snippet = next((s for s in snippets if _inside(s.bounds, box)), None)
        badge = next((b for b in badges if _inside(b.bounds, box)), None)
        rows.append(
            ChatRow(
                name=name.text,
                tap=name.bounds,
                badge=_badge_count(badge_text[id(badge)]) if badge is not None else 0,
                snippet=(snippet.text or None) if snippet is not None else "",
                snippet_box=snippet.bounds if snippet is not None else None,
                via="hierarchy",
            )
        )
    return rows


def _vision_rows(ctx: FlowContext, obs: Observation) -> list[ChatRow]:
    """Rows found by OCR: a name line with its snippet line under it, a red badge nearby."""
    area = list_area(ctx, obs, "chat_list_view")
    background = _mode(obs.frame[area.y0 : area.y1, area.x0 : area.x0 + _dp(ctx, 6)])
    lines = [
        ln
        for ln in read_lines(ctx.observer.ocr, obs.frame, area)
        if _close(_mode(obs.frame[ln.box.y0 : ln.box.y1, ln.box.x0 : ln.box.x1]), background)
    ]  # not the initials drawn on avatars
    if not lines:
        return []
    left = min(ln.box.x0 for ln in lines)
    column = [ln for ln in lines if ln.box.x0 <= left + _dp(ctx, 8)]
    rows: list[tuple[TextLine, TextLine | None]] = []
    i = 0
    while i < len(column):
        name = column[i]
        nxt = column[i + 1] if i + 1 < len(column) else None
        if nxt is not None and nxt.box.y0 - name.box.y1 < name.box.height:
            rows.append((name, nxt))
            i += 2
        else:
            rows.append((name, None))
            i += 1
    badge_boxes = find_badges(obs.frame, area, ctx.observer.density)
    counts = _read_counts(ctx, obs, badge_boxes)
    badge_of: dict[int, int] = {}
    for box, text in zip(badge_boxes, counts, strict=True):
        nearest = min(range(len(rows)), key=lambda k: abs(rows[k][0].box.center[1] - box.center[1]))
        badge_of[nearest] = _badge_count(text)
    margin = _dp(ctx, 4)
    return [
        ChatRow(
            name=name.text,
            tap=name.box,
            badge=badge_of.get(k, 0),
            snippet=snippet.text if snippet is not None else "",
            snippet_box=snippet.box if snippet is not None else None,
            via="ocr",
        )
        for k, (name, snippet) in enumerate(rows)
        if name.box.y0 > area.y0 + margin and name.box.y1 < area.y1 - margin
    ]


def _mode(pixels: Image) -> tuple[int, int, int]:
    flat = pixels.reshape(-1, 3)
    if flat.size == 0:
        return (0, 0, 0)
    values, counts = np.unique(flat, axis=0, return_counts=True)
    b, g, r = (int(v) for v in values[counts.argmax()])
    return (b, g, r)


def _close(a: tuple[int, int, int], b: tuple[int, int, int], tolerance: int = 12) -> bool:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) <= tolerance


def row_snippet(ctx: FlowContext, obs: Observation, row: ChatRow) -> str:
    """The row's snippet, read by OCR when the hierarchy hides it."""
    if row.snippet is not None:
        return row.snippet
    if row.snippet_box is None:
        return ""
    block = read_blocks(ctx.observer.ocr, obs.frame, [row.snippet_box])[0]
    row.snippet = block.text
    return row.snippet


def same_name(shown: str, name: str) -> bool:
    """A name as a list shows it (maybe cut short with …) is this contact's name."""
    a, b = text_key(shown), text_key(name)
    if a == b:
        return True
    cut = text_key(shown.rstrip().rstrip("…").rstrip("."))
    return shown.rstrip().endswith(("…", "...")) and bool(cut) and b.startswith(cut)


def conversation_title(ctx: FlowContext, obs: Observation) -> str | None:
    """The contact named in the conversation's top bar (None when it cannot be read)."""
    nodes = _nodes(ctx, obs, "conv_title")
    if nodes:
        return nodes[0].text
    if ctx.observer.use_hierarchy and ctx.observer.nodes(obs):
        return None
    h, w = obs.frame.shape[:2]
    bar = Box(_dp(ctx, 56), 0, w - _dp(ctx, 56), min(h, _dp(ctx, 96)))
    lines = read_lines(ctx.observer.ocr, obs.frame, bar)
    return max(lines, key=lambda ln: ln.box.height).text if lines else None
