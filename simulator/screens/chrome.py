"""SimChat's shared chrome: the main top bar, the page top bar and the bottom tab bar."""

from __future__ import annotations

from simulator.canvas import TAB_BAR_DP, TOP_BAR_DP, Canvas
from simulator.node import Action, Bounds, StatusBarLook
from simulator.theme import Color

TABS = (
    ("chat_list", "tab_chats", "chats"),
    ("contacts", "tab_contacts", "contacts"),
    ("discover", "tab_discover", "discover"),
    ("me", "tab_me", "me"),
)


def bar_look(c: Canvas, background: Color) -> StatusBarLook:
    """A status bar painted `background`, glyphs contrasting with the theme."""
    return StatusBarLook(background, light_glyphs=c.theme.dark)


def top_bar_box(c: Canvas) -> Bounds:
    """Where the top app bar sits: under the status bar, 56 dp tall."""
    top = c.ctx.status_bar
    return (0, top, c.width, top + c.dp(TOP_BAR_DP))


def icon_button(
    c: Canvas,
    box: Bounds,
    icon: str,
    id_name: str,
    desc: str,
    action: Action,
    color: Color,
    icon_dp: float = 24,
    long_action: Action | None = None,
) -> None:
    """A 48 dp touch target with an icon in the middle."""
    x0, y0, x1, y1 = box
    half = c.dp(icon_dp) // 2
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    c.icon(icon, (cx - half, cy - half, cx + half, cy + half), color)
    c.node(
        box,
        id_name,
        desc=desc,
        cls="android.widget.ImageButton",
        action=action,
        long_action=long_action,
        long_clickable=long_action is not None,
        focusable=True,
    )


def main_top_bar(c: Canvas, title: str) -> int:
    """The main screens' bar: title on the left, search and add on the right.

    Returns:
        The y where the content below the bar starts.
    """
    x0, y0, x1, y1 = top_bar_box(c)
    c.fill((x0, y0 - c.ctx.status_bar, x1, y1), c.theme.bar)
    cy = (y0 + y1) // 2
    title_box = c.text_mid(c.dp(16), cy, title, 19, c.theme.text, bold=True)
    c.node(title_box, "title", text=title, cls="android.widget.TextView")
    s = c.dp(48)
    add_box = (x1 - c.dp(4) - s, cy - s // 2, x1 - c.dp(4), cy + s // 2)
    search_box = (add_box[0] - s, add_box[1], add_box[0], add_box[3])
    icon_button(
        c, search_box, "search", "btn_search", c.strings("search"), Action("noop"), c.theme.icon
    )
    icon_button(
        c, add_box, "plus_circle", "btn_add", c.strings("add"), Action("noop"), c.theme.icon
    )
    return y1


def page_top_bar(
    c: Canvas,
    title: str,
    background: Color,
    glyph: Color,
    title_id: str = "title",
    center_title: bool = True,
) -> Bounds:
    """A secondary page's bar: back arrow on the left and a title.

    Returns:
        The bar's box (callers add their own right-hand buttons).
    """
    box = top_bar_box(c)
    x0, y0, x1, y1 = box
    c.fill((x0, 0, x1, y1), background)
    s = c.dp(48)
    cy = (y0 + y1) // 2
    back = (c.dp(4), cy - s // 2, c.dp(4) + s, cy + s // 2)
    icon_button(c, back, "back", "btn_back", c.strings("back"), Action("back"), glyph)
    if title:
        max_w = c.width - 2 * c.dp(72)
        if center_title:
            tb = c.text_mid(c.width // 2, cy, title, 17, glyph, True, max_w, "center")
        else:
            tb = c.text_mid(c.dp(60), cy, title, 17, glyph, True, max_w)
        c.node(tb, title_id, text=title, cls="android.widget.TextView")
    return box


def tab_bar(c: Canvas, active: str, unread: int) -> int:
    """The bottom tab bar with four tabs; returns the y where it starts."""
    bottom = c.ctx.content_bottom
    top = bottom - c.dp(TAB_BAR_DP)
    c.fill((0, top, c.width, bottom), c.theme.bar)
    c.hline(0, c.width, top, c.theme.divider, max(1, c.dp(0.5)))
    col = c.width / len(TABS)
    icon = c.dp(26)
    for i, (screen, label_key, icon_name) in enumerate(TABS):
        on = screen == active
        color = c.theme.accent if on else c.theme.tab_inactive
        x0, x1 = round(i * col), round((i + 1) * col)
        cx = (x0 + x1) // 2
        iy = top + c.dp(6)
        c.icon(icon_name, (cx - icon // 2, iy, cx + icon // 2, iy + icon), color, filled=on)
        label = c.strings(label_key)
        c.text(cx, iy + icon + c.dp(1), label, 11, color, False, None, "center")
        if screen == "chat_list" and unread:
            unread_badge(c, (cx + icon // 2 + c.dp(2), iy + c.dp(3)), unread, "tab_badge")
        c.node(
            (x0, top, x1, bottom),
            f"tab_{label_key[4:]}",
            text=label,
            cls="android.widget.FrameLayout",
            action=Action("switch_tab", screen),
            selected=on,
        )
    return top


def unread_badge(c: Canvas, center: tuple[int, int], count: int, id_name: str) -> None:
    """A red count badge centred on `center`, recorded as node `id_name`."""
    label = "99+" if count > 99 else str(count)
    h = c.dp(18)
    w = max(h, c.measure(label, 11, True) + c.dp(10))
    x, y = center
    box = (x - w // 2, y - h // 2, x - w // 2 + w, y - h // 2 + h)
    c.rrect(box, h // 2, c.theme.badge)
    c.text_mid(x, y, label, 11, (255, 255, 255), True, None, "center")
    c.node(box, id_name, text=label, cls="android.widget.TextView")


def chevron(c: Canvas, right: int, cy: int, color: Color) -> None:
    """A small ">" at the right end of a row."""
    s = c.dp(16)
    c.icon("chevron", (right - s, cy - s // 2, right, cy + s // 2), color)
