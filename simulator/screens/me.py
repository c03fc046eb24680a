"""`me`: the Me tab — the profile card and settings entries."""

from __future__ import annotations

from simulator.canvas import Canvas
from simulator.node import Action, Frame
from simulator.screens.avatar import draw_avatar
from simulator.screens.chrome import bar_look, chevron, tab_bar
from simulator.screens.view import View
from simulator.theme import hex_color

ROW_DP = 56
_ROWS = (
    ("services", "wallet", "#1E9E6A", 8),
    ("favorites", "star", "#F0A43A", 8),
    ("my_posts", "album", "#3A7BD5", 0),
    ("settings", "gear", "#5C7FB8", 8),
)


def render(view: View) -> Frame:
    """Draw the profile page."""
    ctx = view.ctx
    theme = ctx.theme
    c = Canvas(ctx, theme.background)
    account = view.world.account
    top = ctx.status_bar
    card_h = c.dp(150)
    c.fill((0, 0, c.width, top + card_h), theme.surface)
    a = c.dp(64)
    ay = top + c.dp(48)
    abox = (c.dp(20), ay, c.dp(20) + a, ay + a)
    draw_avatar(c, abox, account.name, account.avatar_color, 8)
    c.node(abox, "me_avatar", cls="android.widget.ImageView")
    nb = c.text(abox[2] + c.dp(18), ay + c.dp(4), account.name, 21, theme.text, bold=True)
    c.node(nb, "me_name", text=account.name, cls="android.widget.TextView")
    id_text = c.strings("account_id", id=account.id)
    ib = c.text(abox[2] + c.dp(18), nb[3] + c.dp(6), id_text, 14, theme.text_secondary)
    c.node(ib, "me_id", text=id_text, cls="android.widget.TextView")
    qr = c.dp(18)
    qx = c.width - c.dp(40)
    qcy = (ib[1] + ib[3]) // 2
    c.icon("qr", (qx - qr // 2, qcy - qr // 2, qx + qr // 2, qcy + qr // 2), theme.text_secondary)
    chevron(c, c.width - c.dp(14), qcy, theme.text_hint)
    status = c.strings("status")
    sb = (
        abox[2] + c.dp(18),
        ib[3] + c.dp(10),
        abox[2] + c.dp(18) + c.measure(status, 12) + c.dp(16),
        ib[3] + c.dp(32),
    )
    c.rrect(sb, (sb[3] - sb[1]) // 2, theme.background)
    c.text_mid(
        (sb[0] + sb[2]) // 2, (sb[1] + sb[3]) // 2, status, 12, theme.text_secondary, align="center"
    )
    c.node((0, top, c.width, top + card_h), "profile_card", action=Action("noop"))
    y = top + card_h
    row_h = c.dp(ROW_DP)
    icon = c.dp(24)
    for i, (key, icon_name, color, gap) in enumerate(_ROWS):
        y += c.dp(gap)
        c.fill((0, y, c.width, y + row_h), theme.surface)
        cy = y + row_h // 2
        c.icon(
            icon_name,
            (c.dp(18), cy - icon // 2, c.dp(18) + icon, cy + icon // 2),
            hex_color(color),
            True,
        )
        label = c.strings(key)
        c.text_mid(c.dp(58), cy, label, 16, theme.text)
        chevron(c, c.width - c.dp(14), cy, theme.text_hint)
        c.node((0, y, c.width, y + row_h), f"me_{key}", text=label, action=Action("noop"))
        if i + 1 < len(_ROWS) and _ROWS[i + 1][3] == 0:
            c.hline(c.dp(58), c.width, y + row_h - 1, theme.divider)
        y += row_h
    tab_bar(c, "me", sum(ch.unread for ch in view.world.chats()))
    return c.frame(bar_look(c, theme.surface))
