"""Read a conversation from its newest bubble upwards until the known tail shows.

Bubbles have no ids on screen, so every screen's items are placed on one *content*
axis: after each swipe the list's actual movement is measured on the pixels
(`scroll_shifts`), and an item's content position is its screen position minus the
distance scrolled so far. Where the pixels cannot tell (bubbles that look alike) or
what a screen says disagrees with what was read there before (a message arrived while
reading and pushed the list), the texts decide (`_follow`). An item seen on two
screens lands on the same content position and is kept once; items the list's edge
cuts are read on the next screen, which overlaps the last. The window ends when the
anchor's tail is seen in sequence (with at least as many incoming bubbles after it as
the unread badge counted; a tail found with fewer is trusted after `BADGE_SEARCH` more
screens show no earlier occurrence), at the top of the conversation (a swipe that moves
nothing), or after `max_scrolls` swipes.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.flows.chat_screen import SeenItem, conversation_items, list_area
from agent.flows.context import FlowContext
from agent.flows.errors import FlowError
from agent.flows.observe import Observation
from agent.flows.wait import current
from agent.vision.chat_layout import scroll_shifts
from agent.vision.evidence import Mark
from agent.vision.match import Box
from agent.vision.stable import frame_delta, is_stable
from agent.vision.template import Image
from farm_protocol.chat import BubbleRead, ConversationRead, KnownMessage
from farm_protocol.chat_align import align, same_message, text_key

SWIPE_FRACTION = 0.55  # of the list's height per swipe: consecutive screens overlap
SWIPE_MS = 450  # slow enough not to fling
NEWEST_OUTGOING = 3  # bubbles `find_message` looks at
UNMOVED = 0.5  # frame delta of the list below which a swipe moved nothing (the top)
BADGE_SEARCH = 2  # screens to look further back when the badge counts more than follow


@dataclass
class _Placed:
    lo: int  # the content span seen of the item (all of it unless it was cut)
    hi: int
    item: SeenItem


class _Window:
    """Items from several screens on one content axis.

    Two sightings are one item when they are of the same kind and their content spans
    overlap (bubbles never overlap one another). An item the list's edge cuts is kept
    only when the hierarchy gave its whole text (a bubble taller than the list is never
    seen whole).
    """

    def __init__(self) -> None:
        self.items: list[_Placed] = []

    def span(self) -> tuple[int, int] | None:
        """The stretch of content from the first item to the last (None: no items yet)."""
        if not self.items:
            return None
        return self.items[0].lo, max(p.hi for p in self.items)

    def find(self, lo: int, hi: int) -> _Placed | None:
        """The item (of any kind) seen at this content span, if any."""
        return self._find(lo, hi, None)

    def _find(self, lo: int, hi: int, kind: str | None) -> _Placed | None:
        for p in self.items:
            overlap = min(hi, p.hi) - max(lo, p.lo)
            if (kind is None or p.item.kind == kind) and overlap > 0.5 * min(hi - lo, p.hi - p.lo):
                return p
        return None

    def has(self, box: Box, offset: int) -> bool:
        """An item seen whole already covers this box."""
        found = self._find(box.y0 - offset, box.y1 - offset, None)
        return found is not None and not found.item.clipped

    def add(self, items: list[SeenItem], offset: int) -> None:
        for item in items:
            if not item.text or (item.clipped and item.via != "hierarchy"):
                continue
            lo, hi = item.box.y0 - offset, item.box.y1 - offset
            same = self._find(lo, hi, item.kind)
            if same is None:
                self.items.append(_Placed(lo, hi, item))
                continue
            same.lo, same.hi = min(same.lo, lo), max(same.hi, hi)
            if same.item.clipped and not item.clipped:
                same.item = item
        self.items.sort(key=lambda p: p.lo)

    def bubbles(self) -> list[BubbleRead]:
        out = []
        label: str | None = None
        for placed in self.items:
            item = placed.item
            if item.kind == "time":
                label = item.text
                continue
            out.append(
                BubbleRead(
                    direction=item.kind,
                    text=item.text,
                    time_label=label,
                    via=item.via,
                    confidence=max(0.0, min(1.0, item.confidence)),
                )
            )
        return out


def _incoming(bubbles: list[BubbleRead]) -> int:
    return sum(1 for b in bubbles if b.direction == "in")


def read_conversation(
    ctx: FlowContext,
    contact_name: str,
    tail: list[KnownMessage],
    unread_badge: int,
    max_scrolls: int,
) -> ConversationRead:
    """Read the open conversation back to the anchor's tail (or its top, or `max_scrolls`).

    Raises:
        FlowError: the screen stopped being the conversation, or its list cannot be found.
    """
    obs = _observe(ctx)
    area = list_area(ctx, obs, "msg_list")
    window = _Window()
    offset = 0
    scrolls = 0
    reached_anchor = reached_top = False
    start = 0
    short_since: int | None = None  # the scroll at which a tail with too few after it showed
    items = conversation_items(ctx, obs, area)
    while True:
        window.add(items, offset)
        bubbles = window.bubbles()
        if tail:
            found = align(tail, bubbles, unread_badge)
            if found.overlap == len(tail):
                if short_since is None:
                    short_since = scrolls
                enough = _incoming(found.new) >= unread_badge
                if enough or scrolls - short_since >= BADGE_SEARCH:
                    reached_anchor, start = True, found.start
                    break
        if scrolls >= max_scrolls:
            if tail and short_since is not None:
                reached_anchor, start = True, align(tail, bubbles, unread_badge).start
            break
        distance = _swipe_distance(items, area)
        x = (area.x0 + area.x1) // 2
        y0 = area.y0 + round(area.height * 0.2)
        ctx.device.swipe(x, y0, x, y0 + distance, SWIPE_MS)
        scrolls += 1
        before = obs
        obs = _observe(ctx)
        shift, items = _follow(ctx, window, before, obs, area, offset, distance)
        if shift <= 0 and frame_delta(_crop(before, area), _crop(obs, area)) <= UNMOVED:
            reached_top = True
            break
        offset += shift
    bubbles = window.bubbles()
    if reached_anchor:
        bubbles = bubbles[start:]  # the overlap and what follows it
    ctx.marks.extend(Mark(i.box, i.kind) for i in items if not i.clipped)
    return ConversationRead(
        contact_name=contact_name,
        unread_badge=unread_badge,
        bubbles=bubbles,
        reached_anchor=reached_anchor,
        reached_top=reached_top,
    )


def _observe(ctx: FlowContext, attempts: int = 3) -> Observation:
    """The settled conversation, its hierarchy dumped while the frame still showed it (a
    message arriving between the screenshot and the dump would move the nodes).

    Raises:
        FlowError: the screen is not the conversation.
    """
    for _ in range(attempts):
        obs = current(ctx, ["conversation"])
        if obs.screen != "conversation":
            raise FlowError(f"expected conversation, saw {obs.screen or 'an unknown screen'}")
        if not ctx.observer.use_hierarchy:
            return obs
        ctx.observer.nodes(obs)
        if is_stable(obs.frame, ctx.device.screenshot()):
            return obs
    return obs


def _crop(obs: Observation, area: Box) -> Image:
    return obs.frame[area.y0 : area.y1, area.x0 : area.x1]


def _same_text(seen: SeenItem, new: SeenItem) -> bool:
    """The same item seen twice? Exactly the same text: OCR reads the same pixels the same
    way, and bubbles that look alike (a burst of similar texts) differ only a little."""
    if seen.via == "hierarchy" and new.via == "hierarchy":
        return seen.text == new.text
    return text_key(seen.text) == text_key(new.text)


def _agreement(window: _Window, items: list[SeenItem], offset: int) -> tuple[int, int]:
    """(agreeing, disagreeing) items of a screen placed at `offset` over those in the window.

    An item that lands inside the stretch the window covers must be one seen there
    already: landing on another item, or between two, disagrees.
    """
    agree = disagree = 0
    covered = window.span()
    for item in items:
        if not item.text or item.clipped:
            continue
        lo, hi = item.box.y0 - offset, item.box.y1 - offset
        placed = window.find(lo, hi)
        if placed is None or not placed.item.text:
            inside = covered is not None and covered[0] <= (lo + hi) // 2 <= covered[1]
            disagree += 1 if inside and placed is None else 0
            continue
        if placed.item.kind == item.kind and _same_text(placed.item, item):
            agree += 1
        else:
            disagree += 1
    return agree, disagree


def _follow(
    ctx: FlowContext,
    window: _Window,
    before: Observation,
    obs: Observation,
    area: Box,
    offset: int,
    distance: int,
) -> tuple[int, list[SeenItem]]:
    """How far the content moved since `before` (the swipe, and any message that arrived
    meanwhile), and the items of `obs`.

    The pixels say it (`scroll_shifts`) unless bubbles look alike — a burst of similar
    texts — or messages arriving pushed the list: then the texts decide. The screen is
    placed where what it shows agrees with what was read before: among the pixel
    candidates, and every offset that puts a bubble on an earlier sighting of its text.
    """
    shifts = scroll_shifts(before.frame, obs.frame, area, distance)
    preferred = offset + (shifts[0] if shifts else distance)  # nothing to follow: the swipe

    skipped: list[Box] = []

    def known(box: Box) -> bool:
        if window.has(box, preferred):
            skipped.append(box)
            return True
        return False

    items = conversation_items(ctx, obs, area, skip=known)
    if len(shifts) == 1 and _agreement(window, items, preferred)[1] == 0:
        return preferred - offset, items
    if skipped:
        items = conversation_items(ctx, obs, area)  # skipped on a guess: read them all
    candidates = {offset + shift for shift in shifts} | {preferred}
    for item in items:
        if not item.text or item.clipped:
            continue
        for placed in window.items:
            if placed.item.kind == item.kind and _same_text(placed.item, item):
                candidate = item.box.y0 - placed.lo
                if abs(candidate - offset) <= area.height:
                    candidates.add(candidate)

    def rank(candidate: int) -> tuple[int, int]:
        agree, disagree = _agreement(window, items, candidate)
        return agree - 2 * disagree, -abs(candidate - preferred)

    return max(candidates, key=rank) - offset, items


def _swipe_distance(items: list[SeenItem], area: Box) -> int:
    """How far to scroll next: a page, or less so a tall bubble cut by the top edge comes
    whole onto the next screen (its bottom kept in view)."""
    page = round(area.height * SWIPE_FRACTION)
    cut = [i for i in items if i.clipped and i.kind != "time" and i.box.y0 <= area.y0 + 1]
    if not cut:
        return page
    room = area.y1 - cut[0].box.y1 - round(area.height * 0.03)
    return room if area.height * 0.15 <= room < page else page


@dataclass(frozen=True)
class ScreenRead:
    """What the open conversation shows without scrolling.

    Attributes:
        items: every item on screen (bubbles and time separators), top to bottom.
        read: the bubbles as a window for the controller (no badge, no anchor): after a
            send it places the reply among the messages around it, as the screen does.
    """

    items: list[SeenItem]
    read: ConversationRead

    def newest_outgoing(self, count: int = NEWEST_OUTGOING) -> list[SeenItem]:
        """The newest `count` outgoing bubbles with text, oldest first."""
        return [i for i in self.items if i.kind == "out" and i.text][-count:]


def read_screen(ctx: FlowContext, contact_name: str) -> ScreenRead:
    """Read the open conversation's screen once (hierarchy, or OCR where it hides text).

    Raises:
        FlowError: the screen is not the conversation, or its list cannot be found.
    """
    obs = _observe(ctx)
    area = list_area(ctx, obs, "msg_list")
    items = conversation_items(ctx, obs, area)
    window = _Window()
    window.add(items, 0)
    read = ConversationRead(
        contact_name=contact_name,
        bubbles=window.bubbles(),
        reached_anchor=False,
        reached_top=False,
    )
    return ScreenRead(items, read)


def read_contact_screen(ctx: FlowContext) -> ScreenRead:
    """`read_screen` of the conversation with the flow's ``contact``."""
    return read_screen(ctx, str(ctx.params.get("contact", "")))


def keep_window(ctx: FlowContext, screen: ScreenRead | None = None) -> None:
    """Put what the conversation shows into `data.window` for the controller (best effort:
    the message was already verified; a screen that cannot be read now leaves it out)."""
    if screen is None:
        try:
            screen = read_contact_screen(ctx)
        except FlowError:
            return
    ctx.data.window = screen.read.model_copy(deep=True)


def shows_text(item: SeenItem, text: str) -> bool:
    """Does this bubble show `text`? Exactly from the hierarchy; by key (and nearly) by OCR."""
    if item.via == "hierarchy":
        return item.text == text
    bubble = BubbleRead(direction="out", text=item.text, via="ocr")
    return same_message(KnownMessage(direction="out", text=text), bubble)
