"""Find a chat screen's parts by pixels alone: the message list, bubbles, time pills, badges.

For phones (or app versions) whose accessibility hierarchy shows no chat nodes. Chat
apps share a layout: a flat chat background, incoming bubbles on the left (the
contact's avatar at the left edge), outgoing ones on the right, time separators
centred between them, red unread badges on the chat list. Pure: image in, boxes out.

`scroll_shift` measures how far a list moved between two frames, so bubbles read on
successive screens can be placed on one content axis however far a swipe scrolled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from agent.vision.match import Box
from agent.vision.template import Image

Side = Literal["in", "out", "time"]

BACKGROUND_TOLERANCE = 6  # summed channel difference still counted as the background
_FLAT = 2.0


@dataclass(frozen=True)
class ChatItem:
    """A bubble (`in`/`out`) or a time separator (`time`) found on screen.

    `clipped`: the list's edge cuts it, so only part of it shows.
    """

    side: Side
    box: Box
    clipped: bool


def _colour_at(image: Image, x0: int, x1: int, y0: int, y1: int) -> Image:
    patch = image[y0:y1, x0:x1].reshape(-1, 3).astype(np.int32)
    keys = (patch[:, 0] << 16) | (patch[:, 1] << 8) | patch[:, 2]
    values, counts = np.unique(keys, return_counts=True)
    k = int(values[counts.argmax()])
    return np.array([(k >> 16) & 255, (k >> 8) & 255, k & 255], dtype=np.int32)


def message_area(image: Image, region: Box, density: int) -> Box | None:
    """The message list: the band of rows, inside `region`, whose left edge shows the chat
    background (the bars above and below it have their own colour).

    Returns None when no such band is found.
    """
    edge = max(2, round(6 * density / 160))
    strip = image[region.y0 : region.y1, 1:edge].astype(np.int32)
    mid = (region.y1 - region.y0) // 2
    bg = _colour_at(image, 1, edge, region.y0 + mid - 4, region.y0 + mid + 4)
    same = np.abs(strip - bg).sum(axis=2).max(axis=1) <= BACKGROUND_TOLERANCE
    if not same[mid]:
        return None
    top = mid
    while top > 0 and same[top - 1]:
        top -= 1
    bottom = mid
    while bottom < len(same) - 1 and same[bottom + 1]:
        bottom += 1
    return Box(region.x0, region.y0 + top, region.x1, region.y0 + bottom + 1)


def find_chat_items(image: Image, area: Box, density: int) -> list[ChatItem]:
    """Bubbles and time pills in the message list `area`, top to bottom.

    Anything differing from the chat background is content; blobs touching the screen's
    side margins are avatars and are left out; a blob nearer the left is incoming, nearer
    the right outgoing, centred a time separator. A bubble's tail (the small triangle
    towards the avatar) is trimmed off, so the box is the bubble's body.
    """
    dp = density / 160
    crop = image[area.y0 : area.y1, area.x0 : area.x1].astype(np.int32)
    h, w = crop.shape[:2]
    if h == 0 or w == 0:
        return []
    edge = max(2, round(6 * dp))
    bg = _colour_at(image, area.x0 + 1, area.x0 + edge, area.y0, area.y1)
    mask = (np.abs(crop - bg).sum(axis=2) > BACKGROUND_TOLERANCE * 2).astype(np.uint8)
    # a bubble's text lies on its fill and a pill's digits on the pill: one blob each,
    # without dilating (which would join a bubble's tail to the avatar beside it)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    margin = round(16 * dp)
    items = []
    for i in range(1, count):
        x, y, bw, bh = (int(v) for v in stats[i, :4])
        if bw < 12 * dp or bh < 12 * dp:
            continue
        # the box of the blob's own pixels, not of its dilation
        ys, xs = np.nonzero(
            (labels[y : y + bh, x : x + bw] == i) & (mask[y : y + bh, x : x + bw] > 0)
        )
        if ys.size == 0:
            continue
        x, y, bw, bh = (
            x + int(xs.min()),
            y + int(ys.min()),
            int(xs.max() - xs.min()) + 1,
            int(ys.max() - ys.min()) + 1,
        )
        if x <= margin or x + bw >= w - margin:
            continue  # an avatar at the edge (or something full-width)
        left, right = x, w - (x + bw)
        if abs(left - right) <= 6 * dp:
            side: Side = "time"
        else:
            side = "in" if left < right else "out"
        box = Box(area.x0 + x, area.y0 + y, area.x0 + x + bw, area.y0 + y + bh)
        if side != "time":
            box = _trim_tail(image, box, bg, side)
        clipped = y <= 1 or y + bh >= h - 1
        items.append(ChatItem(side, box, clipped))
    items.sort(key=lambda it: (it.box.y0, it.box.x0))
    return items


def _trim_tail(image: Image, box: Box, bg: Image, side: Side) -> Box:
    """Shrink a bubble's box to the columns its body fills top to bottom (not the tail)."""
    crop = image[box.y0 : box.y1, box.x0 : box.x1].astype(np.int32)
    body = np.abs(crop - bg).sum(axis=2) > BACKGROUND_TOLERANCE * 2
    filled = body.mean(axis=0) >= 0.6
    cols = np.flatnonzero(filled)
    if cols.size == 0:
        return box
    return Box(box.x0 + int(cols[0]), box.y0, box.x0 + int(cols[-1]) + 1, box.y1)


def find_badges(image: Image, region: Box, density: int) -> list[Box]:
    """Red unread badges (saturated red pills about 18 dp tall) in `region`, top to bottom."""
    dp = density / 160
    crop = image[region.y0 : region.y1, region.x0 : region.x1]
    hsv = cv2.cvtColor(crop, cv2.COLOR_BGR2HSV)
    red = cv2.bitwise_or(
        cv2.inRange(hsv, np.array([0, 140, 150]), np.array([8, 255, 255])),
        cv2.inRange(hsv, np.array([172, 140, 150]), np.array([179, 255, 255])),
    )
    # the white count splits the pill: close it
    k = max(1, round(4 * dp))
    red = cv2.morphologyEx(red, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(red, connectivity=8)
    out = []
    for i in range(1, count):
        x, y, bw, bh = (int(v) for v in stats[i, :4])
        if 12 * dp <= bh <= 26 * dp and bh * 0.8 <= bw <= bh * 3:
            out.append(Box(region.x0 + x, region.y0 + y, region.x0 + x + bw, region.y0 + y + bh))
    out.sort(key=lambda b: (b.y0, b.x0))
    return out


def scroll_shift(before: Image, after: Image, area: Box, expected: int) -> int | None:
    """How many pixels the content of `area` moved down between two frames.

    A strip of `before` with the most detail is looked for in `after`; when it matches
    equally well at several places (repeated messages), the one nearest `expected` wins.
    None when `before` shows nothing to follow (a blank list) or the strip is gone.
    """
    shifts = scroll_shifts(before, after, area, expected)
    return shifts[0] if shifts else None


def scroll_shifts(before: Image, after: Image, area: Box, expected: int) -> list[int]:
    """Every shift `scroll_shift` finds equally good, nearest `expected` first.

    More than one means the pixels cannot tell (bubbles that look alike, e.g. a burst
    of similar texts); the caller decides by what the items say. Empty when `before`
    shows nothing to follow or the strip is gone.
    """
    h = area.y1 - area.y0
    if h < 8:
        return []
    a = cv2.cvtColor(before[area.y0 : area.y1, area.x0 : area.x1], cv2.COLOR_BGR2GRAY)
    b = cv2.cvtColor(after[area.y0 : area.y1, area.x0 : area.x1], cv2.COLOR_BGR2GRAY)
    strip_h = max(8, h // 4)
    # the strip must still be on screen after moving down by about `expected`
    last = max(0, h - strip_h - max(0, expected))
    best_y, best_std = 0, -1.0
    for y in range(0, last + 1, max(1, strip_h // 4)):
        std = float(a[y : y + strip_h].std())
        if std > best_std:
            best_y, best_std = y, std
    if best_std < _FLAT:
        return []
    strip = a[best_y : best_y + strip_h]
    scores = cv2.matchTemplate(b, strip, cv2.TM_SQDIFF_NORMED)[:, 0]
    low = float(scores.min())
    if low > 0.05:
        return []
    candidates = sorted({int(c) - best_y for c in np.flatnonzero(scores <= low + 0.002)})
    # neighbouring rows are one place (a match a pixel or two wide): one shift per run
    runs: list[list[int]] = []
    for shift in candidates:
        if runs and shift - runs[-1][-1] <= 2:
            runs[-1].append(shift)
        else:
            runs.append([shift])
    places = [min(run, key=lambda shift: abs(shift - expected)) for run in runs]
    return sorted(places, key=lambda shift: abs(shift - expected))
