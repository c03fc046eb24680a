"""`contacts`: the Contacts tab — a few fixed entries, then every contact."""

from __future__ import annotations

from simulator.canvas import TAB_BAR_DP, Canvas
from simulator.node import Action, Frame
from simulator.screens.avatar import draw_avatar
from simulator.screens.chrome import bar_look, main_top_bar, tab_bar, top_bar_box
from simulator.screens.view import View
from simulator.theme import hex_color

ROW_DP = 60
_FIXED = (
    ("new_friends", "person_add", "#F0A43A"),
    ("group_chats", "group", "#1E9E6A"),
    ("tags", "tag", "#3A7BD5"),
)


def render(view: View) -> Frame:
    """Draw the contacts list."""
    ctx = view.ctx
    theme = ctx.theme
    c = Canvas(ctx, theme.background)
    contacts = sorted(view.world.contacts(), key=lambda k: k.name.lower())
    top = top_bar_box(c)[3]
    bottom = ctx.content_bottom - c.dp(TAB_BAR_DP)
    row_h = c.dp(ROW_DP)
    header_h = c.dp(32)
    content_h = row_h * (len(_FIXED) + len(contacts)) + header_h
    limit = max(0, content_h - (bottom - top))
    scroll = min(max(view.screen.scroll.get("list", 0), 0), limit)
    c.clip = (0, top, c.width, bottom)
    c.node(
        (0, top, c.width, bottom),
        "contact_list",
        cls="androidx.recyclerview.widget.RecyclerView",
        scrollable=limit > 0,
        scroll_area="list",
    )
    y = top - scroll
    a = c.dp(40)
    for key, icon, color in _FIXED:
        c.fill((0, y, c.width, y + row_h), theme.surface)
        ay = y + (row_h - a) // 2
        box = (c.dp(16), ay, c.dp(16) + a, ay + a)
        c.rrect(box, c.dp(6), hex_color(color))
        pad = c.dp(9)
        c.icon(
            icon, (box[0] + pad, box[1] + pad, box[2] - pad, box[3] - pad), (255, 255, 255), True
        )
        c.text_mid(c.dp(68), y + row_h // 2, c.strings(key), 16, theme.text)
        c.node(
            (0, y, c.width, y + row_h), f"entry_{key}", text=c.strings(key), action=Action("noop")
        )
        c.hline(c.dp(68), c.width, y + row_h - 1, theme.divider)
        y += row_h
    c.text_mid(c.dp(16), y + header_h // 2, "A-Z", 13, theme.text_secondary)
    y += header_h
    for contact in contacts:
        if y + row_h > top and y < bottom:
            c.fill((0, y, c.width, y + row_h), theme.surface)
            c.node(
                (0, y, c.width, y + row_h),
                "contact_row",
                cls="android.widget.LinearLayout",
                action=Action("open_conversation", contact.id),
            )
            ay = y + (row_h - a) // 2
            draw_avatar(c, (c.dp(16), ay, c.dp(16) + a, ay + a), contact.name, contact.avatar_color)
            nb = c.text_mid(c.dp(68), y + row_h // 2, contact.name, 16, theme.text)
            c.node(nb, "contact_name", text=contact.name, cls="android.widget.TextView")
            c.hline(c.dp(68), c.width, y + row_h - 1, theme.divider)
        y += row_h
    c.clip = None
    main_top_bar(c, ctx.strings("tab_contacts"))
    tab_bar(c, "contacts", sum(ch.unread for ch in view.world.chats()))
    return c.frame(bar_look(c, theme.bar), {"list": limit})
