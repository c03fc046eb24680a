"""`discover`: the Discover tab — Moments and a few other entries."""

from __future__ import annotations

from simulator.canvas import Canvas
from simulator.node import Action, Frame
from simulator.screens.chrome import bar_look, chevron, main_top_bar, tab_bar, top_bar_box
from simulator.screens.view import View
from simulator.theme import hex_color

ROW_DP = 56
# (id, label key, icon, colour, gap before the row in dp)
_ENTRIES = (
    ("entry_moments", "moments", "", "", 0),
    ("entry_scan", "scan", "scan", "#3A7BD5", 8),
    ("entry_shake", "shake", "shake", "#3A7BD5", 0),
    ("entry_nearby", "nearby", "nearby", "#F0A43A", 8),
)


def render(view: View) -> Frame:
    """Draw the discover entries."""
    ctx = view.ctx
    theme = ctx.theme
    c = Canvas(ctx, theme.background)
    y = top_bar_box(c)[3]
    row_h = c.dp(ROW_DP)
    icon = c.dp(24)
    for i, (id_name, key, icon_name, color, gap) in enumerate(_ENTRIES):
        y += c.dp(gap)
        box = (0, y, c.width, y + row_h)
        c.fill(box, theme.surface)
        cy = y + row_h // 2
        ibox = (c.dp(18), cy - icon // 2, c.dp(18) + icon, cy + icon // 2)
        if icon_name:
            c.icon(icon_name, ibox, hex_color(color), filled=True)
        else:
            c.paste(c.assets.moments_icon(icon), (ibox[0], ibox[1]))
        label = c.strings(key)
        c.text_mid(c.dp(58), cy, label, 16, theme.text)
        chevron(c, c.width - c.dp(14), cy, theme.text_hint)
        c.node(
            box,
            id_name,
            text=label,
            cls="android.widget.LinearLayout",
            action=Action("open_moments" if id_name == "entry_moments" else "noop"),
        )
        following = _ENTRIES[i + 1] if i + 1 < len(_ENTRIES) else None
        if following is not None and following[4] == 0:
            c.hline(c.dp(58), c.width, y + row_h - 1, theme.divider)
        y += row_h
    main_top_bar(c, ctx.strings("tab_discover"))
    tab_bar(c, "discover", sum(ch.unread for ch in view.world.chats()))
    return c.frame(bar_look(c, theme.bar))
