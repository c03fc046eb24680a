"""Avatars: a coloured rounded square with the name's first character."""

from __future__ import annotations

from simulator.canvas import Canvas
from simulator.node import Bounds
from simulator.theme import Color


def draw_avatar(c: Canvas, box: Bounds, name: str, color: Color, radius_dp: float = 6) -> None:
    """Paint the avatar of `name` filling `box`."""
    x0, y0, x1, y1 = box
    c.rrect(box, c.dp(radius_dp), color)
    initial = name[:1].upper() or "?"
    size_sp = (y1 - y0) / c.ctx.scale * 0.44
    c.text_mid(
        (x0 + x1) // 2, (y0 + y1) // 2, initial, size_sp, (255, 255, 255), True, None, "center"
    )
