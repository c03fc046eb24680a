"""The system's bars: the status bar (clock, signal, battery) and the 3-button nav bar."""

from __future__ import annotations

from simulator.canvas import Canvas
from simulator.node import SYSTEM_UI_PACKAGE, Action, StatusBarLook
from simulator.theme import Color

_LIGHT_GLYPH: Color = (255, 255, 255)
_DARK_GLYPH: Color = (31, 33, 36)


def draw_status_bar(c: Canvas, look: StatusBarLook, clock: str, battery: int) -> None:
    """Paint the status bar over the top 24 dp of the canvas."""
    h = c.ctx.status_bar
    if look.background is not None:
        c.fill((0, 0, c.width, h), look.background)
    ink = _LIGHT_GLYPH if look.light_glyphs else _DARK_GLYPH
    cy = h // 2
    tb = c.text_mid(c.dp(16), cy, clock, 13.5, ink, bold=True)
    c.node(tb, "clock", text=clock, cls="android.widget.TextView", package=SYSTEM_UI_PACKAGE)
    # battery, from the right edge inwards
    right = c.width - c.dp(14)
    bw, bh = c.dp(21), c.dp(11)
    box = (right - bw, cy - bh // 2, right, cy - bh // 2 + bh)
    c.rrect(box, c.dp(3), ink, alpha=0.4)
    level = round((box[2] - box[0]) * battery / 100)
    c.rrect((box[0], box[1], box[0] + level, box[3]), c.dp(3), ink)
    c.fill((right, cy - c.dp(2), right + c.dp(2), cy + c.dp(2)), ink)
    pct = f"{battery}%"
    pb = c.text_mid(box[0] - c.dp(4), cy, pct, 12, ink, bold=True, align="right")
    c.node(
        (pb[0], 0, right + c.dp(2), h),
        "battery",
        desc=f"Battery {battery} percent",
        package=SYSTEM_UI_PACKAGE,
    )
    s = c.dp(15)
    wifi_x1 = pb[0] - c.dp(6)
    c.icon("wifi", (wifi_x1 - s, cy - s // 2, wifi_x1, cy + s // 2), ink)
    sig_x1 = wifi_x1 - s - c.dp(4)
    c.icon("signal", (sig_x1 - s, cy - s // 2, sig_x1, cy + s // 2), ink)


def draw_nav_bar(c: Canvas, background: Color | None, light_glyphs: bool) -> None:
    """Paint the 3-button navigation bar (back, home, recents) at the bottom."""
    top = c.ctx.content_bottom
    if background is not None:
        c.fill((0, top, c.width, c.height), background)
    ink = _LIGHT_GLYPH if light_glyphs else c.theme.nav_glyph
    cy = (top + c.height) // 2
    s = c.dp(22)
    half_w = c.dp(36)
    offset = round(c.width * 0.27)
    buttons = (
        ("back", "nav_back", "nav_back", "key_back", -offset),
        ("home", "nav_home", "nav_home", "key_home", 0),
        ("recent_apps", "nav_recents", "nav_recents", "noop", offset),
    )
    for id_name, icon, desc_key, action, dx in buttons:
        cx = c.width // 2 + dx
        c.icon(icon, (cx - s // 2, cy - s // 2, cx + s // 2, cy + s // 2), ink)
        c.node(
            (cx - half_w, top, cx + half_w, c.height),
            id_name,
            desc=c.strings(desc_key),
            cls="android.widget.ImageView",
            action=Action(action),
            package=SYSTEM_UI_PACKAGE,
        )
