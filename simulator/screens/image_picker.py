"""`image_picker`: choosing photos from the media store, newest first, in selection order."""

from __future__ import annotations

from simulator.canvas import Canvas
from simulator.node import Action, Frame
from simulator.screens.chrome import bar_look, icon_button, top_bar_box
from simulator.screens.view import View

COLUMNS = 4
BOTTOM_BAR_DP = 56


def render(view: View) -> Frame:
    """Draw the picker."""
    ctx = view.ctx
    theme = ctx.theme
    strings = ctx.strings
    screen = view.screen
    c = Canvas(ctx, theme.picker_background)
    bar = top_bar_box(c)
    bottom_bar = ctx.content_bottom - c.dp(BOTTOM_BAR_DP)
    gap = c.dp(2)
    cell = (c.width - (COLUMNS - 1) * gap) // COLUMNS
    rows = (len(view.media) + COLUMNS - 1) // COLUMNS
    limit = max(0, rows * (cell + gap) - (bottom_bar - bar[3]))
    scroll = min(max(screen.scroll.get("grid", 0), 0), limit)

    c.clip = (0, bar[3], c.width, bottom_bar)
    c.node(
        (0, bar[3], c.width, bottom_bar),
        "picker_grid",
        cls="android.widget.GridView",
        scrollable=limit > 0,
        scroll_area="grid",
    )
    if not view.media:
        c.text_mid(
            c.width // 2,
            (bar[3] + bottom_bar) // 2,
            strings("no_photos"),
            15,
            theme.text_secondary,
            align="center",
        )
    check = c.dp(24)
    for i, item in enumerate(view.media):
        x0 = (i % COLUMNS) * (cell + gap)
        y0 = bar[3] + (i // COLUMNS) * (cell + gap) - scroll
        box = (x0, y0, x0 + cell, y0 + cell)
        if box[3] <= bar[3] or box[1] >= bottom_bar:
            continue
        c.paste(c.assets.thumbnail(item.key, item.image, cell, cell), (x0, y0))
        order = screen.selection.index(item.key) + 1 if item.key in screen.selection else 0
        toggle = Action("toggle_media", item.key)
        c.node(
            box,
            "picker_item",
            desc=item.name,
            cls="android.widget.FrameLayout",
            action=toggle,
            checkable=True,
            checked=order > 0,
        )
        if order:
            c.rrect(box, 0, (0, 0, 0), alpha=0.35)
        m = c.dp(6)
        center = (box[2] - m - check // 2, box[1] + m + check // 2)
        if order:
            c.disc(center, check, theme.accent)
            c.text_mid(center[0], center[1], str(order), 13, theme.on_accent, True, None, "center")
        else:
            c.disc(center, check, (0, 0, 0), alpha=0.25)
            c.disc(center, check, (255, 255, 255), ring=max(2, c.dp(1.6)))
        hit = c.dp(40)
        c.node(
            (box[2] - hit, box[1], box[2], box[1] + hit),
            "picker_check",
            cls="android.widget.CheckBox",
            action=toggle,
            checkable=True,
            checked=order > 0,
        )
    c.clip = None

    # top bar
    c.fill((0, 0, c.width, bar[3]), theme.bar)
    s = c.dp(48)
    cy = (bar[1] + bar[3]) // 2
    icon_button(
        c,
        (c.dp(4), cy - s // 2, c.dp(4) + s, cy + s // 2),
        "close",
        "btn_picker_close",
        strings("close"),
        Action("back"),
        theme.icon,
    )
    title = strings("recent")
    tb = c.text_mid(c.dp(64), cy, title, 17, theme.text, bold=True)
    a = c.dp(18)
    c.icon(
        "chevron_down",
        (tb[2] + c.dp(4), cy - a // 2, tb[2] + c.dp(4) + a, cy + a // 2),
        theme.text_secondary,
    )
    c.node(tb, "picker_title", text=title, cls="android.widget.TextView")

    # bottom bar
    n = len(screen.selection)
    c.fill((0, bottom_bar, c.width, ctx.content_bottom), theme.bar)
    c.hline(0, c.width, bottom_bar, theme.divider)
    by = (bottom_bar + ctx.content_bottom) // 2
    preview_color = theme.text if n else theme.disabled_text
    c.text_mid(c.dp(16), by, strings("preview"), 15, preview_color)
    original = strings("original")
    ow = c.measure(original, 14) + c.dp(24)
    ox = c.width // 2 - ow // 2
    c.disc((ox + c.dp(8), by), c.dp(16), theme.text_secondary, ring=max(1, c.dp(1.3)))
    c.text_mid(ox + c.dp(22), by, original, 14, theme.text)
    label = strings("done_count", n=n) if n else strings("done")
    bw = max(c.dp(64), c.measure(label, 14.5, True) + c.dp(24))
    bh = c.dp(34)
    db = (c.width - c.dp(16) - bw, by - bh // 2, c.width - c.dp(16), by - bh // 2 + bh)
    c.rrect(db, c.dp(6), theme.accent if n else theme.disabled)
    c.text_mid(
        (db[0] + db[2]) // 2,
        by,
        label,
        14.5,
        theme.on_accent if n else theme.disabled_text,
        True,
        None,
        "center",
    )
    c.node(
        db,
        "btn_picker_done",
        text=label,
        cls="android.widget.Button",
        action=Action("picker_done"),
        enabled=n > 0,
    )
    return c.frame(bar_look(c, theme.bar), {"grid": limit})
