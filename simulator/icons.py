"""Single-colour icons drawn from Pillow primitives on a 24-unit grid.

Each icon is drawn once per size at 4x into an "L" mask (255 = ink) and cached; screens
paste any colour through the mask. Outline and filled variants let the tab bar show the
active tab filled and the others as outlines.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType

from PIL import Image, ImageDraw

from simulator.shapes import SUPERSAMPLE, downsample, supersampled

Point = tuple[float, float]


class Pen:
    """Draws on a supersampled mask in grid units (the icon is 24 x 24 units)."""

    def __init__(self, draw: ImageDraw.ImageDraw, size_px: int) -> None:
        self.draw = draw
        self.k = size_px * SUPERSAMPLE / 24.0

    def _p(self, x: float, y: float) -> tuple[float, float]:
        return (x * self.k, y * self.k)

    def line(self, points: list[Point], width: float = 2.0, ink: int = 255) -> None:
        """A polyline with round joints and caps."""
        pts = [self._p(x, y) for x, y in points]
        w = max(1, round(width * self.k))
        self.draw.line(pts, fill=ink, width=w, joint="curve")
        for x, y in (pts[0], pts[-1]):
            self.draw.ellipse((x - w / 2, y - w / 2, x + w / 2, y + w / 2), fill=ink)

    def circle(self, cx: float, cy: float, r: float, ink: int = 255) -> None:
        """A filled circle."""
        x, y = self._p(cx, cy)
        rr = r * self.k
        self.draw.ellipse((x - rr, y - rr, x + rr, y + rr), fill=ink)

    def ring(self, cx: float, cy: float, r: float, width: float = 2.0, ink: int = 255) -> None:
        """A circle outline whose stroke is centred on radius `r`."""
        self.circle(cx, cy, r + width / 2, ink)
        self.circle(cx, cy, r - width / 2, 0 if ink else 255)

    def rect(self, x0: float, y0: float, x1: float, y1: float, r: float, ink: int = 255) -> None:
        """A filled rounded rectangle."""
        a, b = self._p(x0, y0)
        c, d = self._p(x1, y1)
        self.draw.rounded_rectangle((a, b, c, d), radius=r * self.k, fill=ink)

    def rect_outline(
        self, x0: float, y0: float, x1: float, y1: float, r: float, width: float = 2.0
    ) -> None:
        """A rounded rectangle outline whose stroke is centred on the given edges."""
        h = width / 2
        self.rect(x0 - h, y0 - h, x1 + h, y1 + h, r + h)
        self.rect(x0 + h, y0 + h, x1 - h, y1 - h, max(0.0, r - h), ink=0)

    def poly(self, points: list[Point], ink: int = 255) -> None:
        """A filled polygon."""
        self.draw.polygon([self._p(x, y) for x, y in points], fill=ink)

    def arc(
        self, cx: float, cy: float, r: float, start: float, end: float, width: float = 2.0
    ) -> None:
        """An arc of the circle of radius `r` (angles in degrees, clockwise from 3 o'clock)."""
        x, y = self._p(cx, cy)
        rr = (r + width / 2) * self.k
        w = max(1, round(width * self.k))
        self.draw.arc((x - rr, y - rr, x + rr, y + rr), start, end, fill=255, width=w)
        for angle in (start, end):
            ex = cx + r * math.cos(math.radians(angle))
            ey = cy + r * math.sin(math.radians(angle))
            self.circle(ex, ey, width / 2)

    def pie(self, cx: float, cy: float, r: float, start: float, end: float, ink: int = 255) -> None:
        """A filled pie slice."""
        x, y = self._p(cx, cy)
        rr = r * self.k
        self.draw.pieslice((x - rr, y - rr, x + rr, y + rr), start, end, fill=ink)


# -- the icons ---------------------------------------------------------------------------


def _search(p: Pen, filled: bool) -> None:
    p.ring(10.5, 10.5, 6.5, 2.0)
    p.line([(15.5, 15.5), (20.5, 20.5)], 2.4)


def _plus_circle(p: Pen, filled: bool) -> None:
    p.ring(12, 12, 9.2, 1.8)
    p.line([(12, 7.5), (12, 16.5)], 1.8)
    p.line([(7.5, 12), (16.5, 12)], 1.8)


def _plus(p: Pen, filled: bool) -> None:
    p.line([(12, 4), (12, 20)], 1.6)
    p.line([(4, 12), (20, 12)], 1.6)


def _chats(p: Pen, filled: bool) -> None:
    p.rect(2.5, 3.5, 21.5, 17, 5)
    p.poly([(6, 15), (6, 21.5), (12.5, 16)])
    if not filled:
        p.rect(4.3, 5.3, 19.7, 15.2, 3.4, ink=0)
        p.poly([(7.8, 14.8), (7.8, 17.6), (10.6, 15.2)], ink=0)
    else:
        for x in (8, 12, 16):
            p.circle(x, 10.2, 1.2, ink=0)


def _person_shape(p: Pen, cx: float, top: float, scale: float, filled: bool) -> None:
    head_r = 3.8 * scale
    hy = top + head_r
    body_top = hy + head_r + 1.2 * scale
    w = 7.2 * scale
    if filled:
        p.circle(cx, hy, head_r)
        p.rect(cx - w, body_top, cx + w, body_top + 9 * scale, 4.5 * scale)
    else:
        p.ring(cx, hy, head_r, 1.8)
        p.rect_outline(cx - w, body_top, cx + w, body_top + 9 * scale, 4.5 * scale, 1.8)


def _me(p: Pen, filled: bool) -> None:
    _person_shape(p, 12, 2.8, 1.0, filled)
    p.rect(0, 21.6, 24, 24, 0, ink=0)


def _contacts(p: Pen, filled: bool) -> None:
    # the friend behind, then the person in front with a gap cut around them
    _person_shape(p, 16.2, 3.2, 0.78, filled)
    p.circle(9.3, 8.1, 5.6, ink=0)
    p.rect(0.5, 12.6, 18.8, 24, 5.5, ink=0)
    _person_shape(p, 9.3, 3.6, 0.9, filled)
    p.rect(0, 21.6, 24, 24, 0, ink=0)


def _discover(p: Pen, filled: bool) -> None:
    needle = [(15.8, 8.2), (13.4, 13.4), (8.2, 15.8), (10.6, 10.6)]
    if filled:
        p.circle(12, 12, 10.2)
        p.poly(needle, ink=0)
        p.circle(12, 12, 1.1)
    else:
        p.ring(12, 12, 9.2, 1.8)
        p.poly(needle)
        p.circle(12, 12, 1.1, ink=0)


def _back(p: Pen, filled: bool) -> None:
    p.line([(20, 12), (4.5, 12)], 2.0)
    p.line([(11, 5), (4.2, 12), (11, 19)], 2.0)


def _camera(p: Pen, filled: bool) -> None:
    p.rect(2, 7, 22, 20.5, 3)
    p.poly([(7.6, 7.5), (9.2, 4), (14.8, 4), (16.4, 7.5)])
    p.circle(12, 13.6, 5.0, ink=0)
    p.circle(12, 13.6, 3.3)
    p.circle(18.5, 10, 0.9, ink=0)


def _more(p: Pen, filled: bool) -> None:
    for x in (5, 12, 19):
        p.circle(x, 12, 2.0)


def _voice(p: Pen, filled: bool) -> None:
    p.ring(12, 12, 10, 1.6)
    p.pie(8.2, 12, 2.2, 0, 360)
    p.arc(8.2, 12, 5.0, -45, 45, 1.6)
    p.arc(8.2, 12, 8.2, -42, 42, 1.6)


def _emoji(p: Pen, filled: bool) -> None:
    p.ring(12, 12, 10, 1.6)
    p.circle(8.8, 9.6, 1.4)
    p.circle(15.2, 9.6, 1.4)
    p.arc(12, 12, 5.4, 25, 155, 1.6)


def _chevron(p: Pen, filled: bool) -> None:
    p.line([(9, 5), (16, 12), (9, 19)], 1.8)


def _chevron_down(p: Pen, filled: bool) -> None:
    p.line([(6, 9), (12, 15), (18, 9)], 2.2)


def _chevron_up(p: Pen, filled: bool) -> None:
    p.line([(6, 15), (12, 9), (18, 15)], 2.2)


def _close(p: Pen, filled: bool) -> None:
    p.line([(5.5, 5.5), (18.5, 18.5)], 2.0)
    p.line([(18.5, 5.5), (5.5, 18.5)], 2.0)


def _check(p: Pen, filled: bool) -> None:
    p.line([(5, 12.5), (10, 17.5), (19, 7)], 2.4)


def _scan(p: Pen, filled: bool) -> None:
    for ax, ay, sx, sy in ((3, 3, 1, 1), (21, 3, -1, 1), (21, 21, -1, -1), (3, 21, 1, -1)):
        p.line([(ax, ay + 5 * sy), (ax, ay), (ax + 5 * sx, ay)], 1.9)
    p.line([(6, 12), (18, 12)], 1.9)


def _shake(p: Pen, filled: bool) -> None:
    p.rect_outline(8, 3, 16, 21, 2, 1.8)
    p.line([(11, 18), (13, 18)], 1.4)
    p.arc(12, 12, 8.6, 150, 210, 1.6)
    p.arc(12, 12, 8.6, -30, 30, 1.6)
    p.arc(12, 12, 11.4, 155, 205, 1.6)
    p.arc(12, 12, 11.4, -25, 25, 1.6)


def _nearby(p: Pen, filled: bool) -> None:
    p.circle(12, 12, 2.6)
    p.ring(12, 12, 6.2, 1.6)
    p.arc(12, 12, 10, 200, 340, 1.6)
    p.arc(12, 12, 10, 20, 160, 1.6)


def _pin(p: Pen, filled: bool) -> None:
    p.circle(12, 9.5, 7)
    p.poly([(6.1, 13.2), (12, 22), (17.9, 13.2)])
    p.circle(12, 9.5, 2.7, ink=0)


def _person(p: Pen, filled: bool) -> None:
    _person_shape(p, 12, 2.8, 1.0, False)
    p.rect(0, 21.6, 24, 24, 0, ink=0)


def _person_add(p: Pen, filled: bool) -> None:
    _person_shape(p, 10, 3.0, 0.92, True)
    p.rect(0, 21.6, 24, 24, 0, ink=0)
    p.circle(18.5, 17, 4.8, ink=0)
    p.line([(18.5, 14), (18.5, 20)], 1.7)
    p.line([(15.5, 17), (21.5, 17)], 1.7)


def _group(p: Pen, filled: bool) -> None:
    _contacts(p, True)


def _tag(p: Pen, filled: bool) -> None:
    p.poly([(3, 4), (12, 4), (21, 13), (13, 21), (3, 12.5)])
    p.circle(7.8, 8.6, 1.8, ink=0)


def _update(p: Pen, filled: bool) -> None:
    p.circle(12, 12, 11.5)
    p.line([(12, 17.5), (12, 7)], 2.2, ink=0)
    p.line([(7.5, 11.2), (12, 6.6), (16.5, 11.2)], 2.2, ink=0)


def _photo(p: Pen, filled: bool) -> None:
    p.rect_outline(3, 4, 21, 20, 2.5, 1.8)
    p.poly([(4.5, 18.5), (9.5, 11), (13, 15.5), (15.5, 12.5), (19.5, 18.5)])
    p.circle(16, 8.5, 1.8)


def _lock(p: Pen, filled: bool) -> None:
    p.arc(12, 9, 4.6, 180, 360, 2.0)
    p.line([(7.4, 9), (7.4, 11)], 2.0)
    p.line([(16.6, 9), (16.6, 11)], 2.0)
    p.rect(4.5, 10.5, 19.5, 21.5, 2.5)
    p.circle(12, 15.5, 1.6, ink=0)


def _signal(p: Pen, filled: bool) -> None:
    p.poly([(2.5, 21.5), (21.5, 21.5), (21.5, 2.5)])


def _wifi(p: Pen, filled: bool) -> None:
    p.pie(12, 20.5, 17, 225, 315)


def _nav_back(p: Pen, filled: bool) -> None:
    p.poly([(17.5, 4.5), (17.5, 19.5), (5, 12)])
    p.poly([(15.7, 7.8), (15.7, 16.2), (8.6, 12)], ink=0)


def _nav_home(p: Pen, filled: bool) -> None:
    p.ring(12, 12, 7.6, 1.8)


def _nav_recents(p: Pen, filled: bool) -> None:
    p.rect_outline(5.5, 5.5, 18.5, 18.5, 1.6, 1.8)


def _gear(p: Pen, filled: bool) -> None:
    for i in range(8):
        a = math.radians(i * 45)
        ca, sa = math.cos(a), math.sin(a)
        pts = [(-1.9, 7.4), (1.9, 7.4), (1.6, 10.8), (-1.6, 10.8)]
        p.poly([(12 + x * ca - y * sa, 12 + x * sa + y * ca) for x, y in pts])
    p.circle(12, 12, 8.0)
    p.circle(12, 12, 3.2, ink=0)


def _star(p: Pen, filled: bool) -> None:
    pts = []
    for i in range(10):
        r = 10.2 if i % 2 == 0 else 4.4
        a = math.radians(-90 + i * 36)
        pts.append((12 + r * math.cos(a), 12.8 + r * math.sin(a)))
    p.poly(pts)


def _wallet(p: Pen, filled: bool) -> None:
    p.rect(2.5, 5.5, 21.5, 19.5, 3)
    p.rect(13.5, 10, 23, 15, 2, ink=0)
    p.circle(16.8, 12.5, 1.3)


def _album(p: Pen, filled: bool) -> None:
    p.rect(3, 3.5, 21, 20.5, 3)
    p.poly([(5, 18), (10, 11), (13.5, 15), (16, 12.5), (19, 18)], ink=0)
    p.circle(16, 8, 1.8, ink=0)


def _handset(p: Pen, filled: bool) -> None:
    p.arc(15.5, 8.5, 10.5, 95, 175, 4.2)
    p.poly([(2.6, 4.2), (8.6, 3.2), (9.4, 8.6), (4.6, 9.6)])
    p.poly([(14.4, 21.4), (15.4, 15.4), (20.8, 16.2), (19.8, 22.2)])


def _bubble(p: Pen, filled: bool) -> None:
    p.circle(12, 11, 9)
    p.poly([(5, 15), (3.5, 21.5), (10.5, 18.5)])


def _lens(p: Pen, filled: bool) -> None:
    p.rect(2, 6.5, 22, 20, 3)
    p.poly([(7.5, 7), (9.2, 3.8), (14.8, 3.8), (16.5, 7)])
    p.circle(12, 13.3, 5.2, ink=0)
    p.circle(12, 13.3, 3.4)


def _qr(p: Pen, filled: bool) -> None:
    for x, y in ((3.0, 3.0), (14.0, 3.0), (3.0, 14.0)):
        p.rect_outline(x + 1, y + 1, x + 6, y + 6, 0.8, 1.6)
        p.rect(x + 2.6, y + 2.6, x + 4.4, y + 4.4, 0)
    for x, y in ((14.0, 14.0), (18.0, 14.0), (16.0, 17.0), (14.0, 19.5), (19.0, 19.5)):
        p.rect(x, y, x + 2.4, y + 2.4, 0.3)


_ICONS: Mapping[str, Callable[[Pen, bool], None]] = MappingProxyType(
    {
        "search": _search,
        "plus_circle": _plus_circle,
        "plus": _plus,
        "chats": _chats,
        "contacts": _contacts,
        "discover": _discover,
        "me": _me,
        "back": _back,
        "camera": _camera,
        "more": _more,
        "voice": _voice,
        "emoji": _emoji,
        "chevron": _chevron,
        "chevron_down": _chevron_down,
        "chevron_up": _chevron_up,
        "close": _close,
        "check": _check,
        "scan": _scan,
        "shake": _shake,
        "nearby": _nearby,
        "pin": _pin,
        "person": _person,
        "person_add": _person_add,
        "group": _group,
        "tag": _tag,
        "update": _update,
        "photo": _photo,
        "lock": _lock,
        "signal": _signal,
        "wifi": _wifi,
        "nav_back": _nav_back,
        "nav_home": _nav_home,
        "nav_recents": _nav_recents,
        "gear": _gear,
        "star": _star,
        "wallet": _wallet,
        "album": _album,
        "handset": _handset,
        "bubble": _bubble,
        "lens": _lens,
        "qr": _qr,
    }
)
ICON_NAMES = frozenset(_ICONS)


class IconBook:
    """Rasterised icon masks, cached per (name, size, filled)."""

    def __init__(self) -> None:
        self._masks: dict[tuple[str, int, bool], Image.Image] = {}

    def mask(self, name: str, size: int, filled: bool = False) -> Image.Image:
        """The "L" mask of icon `name`, `size` pixels square.

        Raises:
            KeyError: unknown icon name.
        """
        key = (name, size, filled)
        mask = self._masks.get(key)
        if mask is None:
            big, draw = supersampled((size, size))
            _ICONS[name](Pen(draw, size), filled)
            mask = downsample(big, (size, size))
            self._masks[key] = mask
        return mask
