"""`chat_list`: the Chats tab — one row per conversation, newest first."""

from __future__ import annotations

from simulator.canvas import TAB_BAR_DP, Canvas
from simulator.node import Action, Frame
from simulator.screens.avatar import draw_avatar
from simulator.screens.chrome import (
    bar_look,
    main_top_bar,
    tab_bar,
    top_bar_box,
    unread_badge,
)
from simulator.screens.view import View
from simulator.time_labels import chat_time

ROW_DP = 72


def render(view: View) -> Frame:
    """Draw the chat list."""
    ctx = view.ctx
    c = Canvas(ctx, ctx.theme.surface)
    chats = view.world.chats()
    top = top_bar_box(c)[3]
    bottom = ctx.content_bottom - c.dp(TAB_BAR_DP)
    row_h = c.dp(ROW_DP)
    limit = max(0, row_h * len(chats) - (bottom - top))
    scroll = min(max(view.screen.scroll.get("list", 0), 0), limit)
    c.clip = (0, top, c.width, bottom)
    c.node(
        (0, top, c.width, bottom),
        "chat_list",
        cls="androidx.recyclerview.widget.RecyclerView",
        scrollable=limit > 0,
        scroll_area="list",
    )
    theme = ctx.theme
    text_x = c.dp(76)
    for i, chat in enumerate(chats):
        y0 = top + i * row_h - scroll
        y1 = y0 + row_h
        if y1 <= top or y0 >= bottom:
            continue
        contact = chat.contact
        c.node(
            (0, y0, c.width, y1),
            "chat_row",
            cls="android.widget.LinearLayout",
            action=Action("open_conversation", contact.id),
        )
        a = c.dp(48)
        ay = y0 + (row_h - a) // 2
        draw_avatar(c, (c.dp(16), ay, c.dp(16) + a, ay + a), contact.name, contact.avatar_color)
        c.node((c.dp(16), ay, c.dp(16) + a, ay + a), "chat_avatar", cls="android.widget.ImageView")
        when = chat_time(chat.last.timestamp, ctx.now, ctx.zone, ctx.strings) if chat.last else ""
        tb = c.text_mid(
            c.width - c.dp(16), y0 + c.dp(25), when, 12, theme.text_secondary, align="right"
        )
        c.node(tb, "chat_time", text=when, cls="android.widget.TextView")
        name_w = tb[0] - c.dp(12) - text_x
        nb = c.text_mid(text_x, y0 + c.dp(25), contact.name, 16.5, theme.text, max_width=name_w)
        c.node(nb, "chat_name", text=contact.name, cls="android.widget.TextView")
        snippet = chat.last.text if chat.last else ""
        sb = c.text_mid(
            text_x,
            y0 + c.dp(49),
            snippet,
            14,
            theme.text_secondary,
            max_width=c.width - text_x - c.dp(16),
        )
        c.node(sb, "chat_snippet", text=snippet, cls="android.widget.TextView", private_text=True)
        if chat.unread:
            unread_badge(c, (c.dp(16) + a - c.dp(1), ay + c.dp(1)), chat.unread, "chat_badge")
        c.hline(text_x, c.width, y1 - max(1, c.dp(0.5)), theme.divider, max(1, c.dp(0.5)))
    c.clip = None
    main_top_bar(c, ctx.strings("tab_chats"))
    unread = sum(ch.unread for ch in chats)
    tab_bar(c, "chat_list", unread)
    return c.frame(bar_look(c, theme.bar), {"list": limit})
