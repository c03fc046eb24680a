"""Multi-colour pictures: launcher app icons (SimChat's own included) and the Moments icon.

All are original artwork drawn from primitives; drawn at 4x and scaled down as RGBA.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType

from PIL import Image, ImageDraw

from simulator.icons import IconBook
from simulator.shapes import SUPERSAMPLE
from simulator.theme import ACCENT, Color, hex_color

LAUNCHER_APPS = ("phone", "messages", "camera", "gallery", "settings", "simchat")

_TILE_COLORS: Mapping[str, Color] = MappingProxyType(
    {
        "phone": hex_color("#2F9E5B"),
        "messages": hex_color("#3A7BD5"),
        "camera": hex_color("#4A4F57"),
        "gallery": hex_color("#FFFFFF"),
        "settings": hex_color("#6B7380"),
        "simchat": ACCENT,
    }
)
_GLYPHS: Mapping[str, str] = MappingProxyType(
    {"phone": "handset", "messages": "bubble", "camera": "lens", "settings": "gear"}
)
_PETALS = ("#F25C54", "#F7A541", "#F4D03F", "#3DBE7A", "#3A9AD9", "#8E6BD8")


def _tile(size: int, color: Color) -> Image.Image:
    big = Image.new("RGBA", (size * SUPERSAMPLE, size * SUPERSAMPLE), (0, 0, 0, 0))
    s = size * SUPERSAMPLE
    ImageDraw.Draw(big).rounded_rectangle((0, 0, s - 1, s - 1), radius=s * 0.24, fill=color)
    return big


def _glyph(big: Image.Image, icons: IconBook, name: str, fill: Color, frac: float) -> None:
    s = big.width
    g = round(s * frac)
    mask = icons.mask(name, g // SUPERSAMPLE, True).resize((g, g), Image.Resampling.BICUBIC)
    off = (s - g) // 2
    big.paste(fill, (off, off, off + g, off + g), mask)


def _simchat(big: Image.Image) -> None:
    """Two overlapping rounded speech bubbles, the front one with three dots."""
    s = big.width
    d = ImageDraw.Draw(big)
    white = (255, 255, 255)

    def u(v: float) -> float:
        return v * s / 100

    d.rounded_rectangle((u(17), u(20), u(66), u(56)), radius=u(15), fill=white)
    d.polygon([(u(26), u(50)), (u(22), u(66)), (u(40), u(54))], fill=white)
    # the front bubble, separated from the back one by an accent gap
    d.rounded_rectangle((u(37), u(40), u(87), u(76)), radius=u(16), fill=ACCENT)
    d.rounded_rectangle((u(41), u(44), u(83), u(72)), radius=u(13), fill=white)
    d.polygon([(u(72), u(68)), (u(80), u(82)), (u(64), u(71))], fill=white)
    for x in (52, 62, 72):
        d.ellipse((u(x - 3), u(55), u(x + 3), u(61)), fill=ACCENT)


def _gallery(big: Image.Image) -> None:
    s = big.width
    d = ImageDraw.Draw(big)
    c = s / 2
    r = s * 0.2
    for i, color in enumerate(("#F25C54", "#F7A541", "#3DBE7A", "#3A9AD9")):
        a = math.radians(i * 90 - 45)
        cx, cy = c + r * 0.75 * math.cos(a), c + r * 0.75 * math.sin(a)
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*hex_color(color), 220))


def moments_icon(size: int) -> Image.Image:
    """The Moments entry icon: a six-colour aperture ring, `size` px square (RGBA)."""
    s = size * SUPERSAMPLE
    big = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(big)
    pad = s * 0.04
    for i, color in enumerate(_PETALS):
        start = i * 60 - 90
        d.pieslice((pad, pad, s - pad, s - pad), start, start + 60, fill=hex_color(color))
    # blade edges: thin transparent cuts offset from the centre, like an aperture
    cut = Image.new("L", (s, s), 255)
    cd = ImageDraw.Draw(cut)
    for i in range(6):
        a = math.radians(i * 60 - 90)
        ox, oy = (
            s / 2 + s * 0.12 * math.cos(a + math.pi / 2),
            s / 2 + s * 0.12 * math.sin(a + math.pi / 2),
        )
        ex, ey = ox + s * 0.6 * math.cos(a), oy + s * 0.6 * math.sin(a)
        cd.line([(ox, oy), (ex, ey)], fill=0, width=max(1, round(s * 0.035)))
    hole = s * 0.17
    cd.ellipse((s / 2 - hole, s / 2 - hole, s / 2 + hole, s / 2 + hole), fill=0)
    alpha = big.getchannel("A")
    big.putalpha(Image.composite(alpha, Image.new("L", (s, s), 0), cut))
    return big.resize((size, size), Image.Resampling.LANCZOS)


def app_icon(name: str, size: int, icons: IconBook) -> Image.Image:
    """A launcher icon (one of `LAUNCHER_APPS`), `size` px square (RGBA).

    Raises:
        KeyError: unknown app.
    """
    big = _tile(size, _TILE_COLORS[name])
    painters: dict[str, Callable[[Image.Image], None]] = {
        "simchat": _simchat,
        "gallery": _gallery,
    }
    if name in painters:
        painters[name](big)
    else:
        _glyph(big, icons, _GLYPHS[name], (255, 255, 255), 0.56)
    return big.resize((size, size), Image.Resampling.LANCZOS)
