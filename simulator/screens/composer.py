"""`composer`: writing a Moments post — text, up to nine photos, location and audience."""

from __future__ import annotations

from simulator.app_process import MAX_IMAGES
from simulator.canvas import Canvas
from simulator.node import Action, Bounds, Frame
from simulator.screens.chrome import bar_look, chevron, top_bar_box
from simulator.screens.view import View

TEXT_SP = 17


def can_publish(text: str, image_count: int) -> bool:
    """The publish button works once there is text or at least one photo."""
    return bool(text.strip()) or image_count > 0


def grid_boxes(c: Canvas, top: int, count: int) -> list[Bounds]:
    """Boxes of `count` grid cells (3 columns) starting at `top`."""
    margin, gap = c.dp(20), c.dp(6)
    cell = (c.width - 2 * margin - 2 * gap) // 3
    return [
        (
            margin + (i % 3) * (cell + gap),
            top + (i // 3) * (cell + gap),
            margin + (i % 3) * (cell + gap) + cell,
            top + (i // 3) * (cell + gap) + cell,
        )
        for i in range(count)
    ]


def draw_caret(c: Canvas, x: int, line_top: int, size_sp: float) -> None:
    """The blinking-cursor bar of a focused field (drawn steady: frames stay stable)."""
    lh = c.line_height(size_sp)
    pad = lh // 7
    c.fill(
        (x + c.dp(1), line_top + pad, x + c.dp(1) + max(2, c.dp(2)), line_top + lh - pad),
        c.theme.accent,
    )


def render(view: View) -> Frame:
    """Draw the composer."""
    ctx = view.ctx
    theme = ctx.theme
    strings = ctx.strings
    screen = view.screen
    c = Canvas(ctx, theme.surface)
    bar = top_bar_box(c)
    cy = (bar[1] + bar[3]) // 2

    cancel = strings("cancel")
    cb = c.text_mid(c.dp(16), cy, cancel, 16, theme.text)
    c.node(
        (0, bar[1], cb[2] + c.dp(16), bar[3]),
        "btn_cancel",
        text=cancel,
        cls="android.widget.TextView",
        action=Action("back"),
    )
    enabled = can_publish(screen.text, len(screen.images))
    label = strings("publish")
    bw = max(c.dp(58), c.measure(label, 14.5, True) + c.dp(26))
    bh = c.dp(34)
    pb = (c.width - c.dp(16) - bw, cy - bh // 2, c.width - c.dp(16), cy - bh // 2 + bh)
    c.rrect(pb, c.dp(6), theme.accent if enabled else theme.disabled)
    fg = theme.on_accent if enabled else theme.disabled_text
    c.text_mid((pb[0] + pb[2]) // 2, (pb[1] + pb[3]) // 2, label, 14.5, fg, True, None, "center")
    c.node(
        pb,
        "btn_publish",
        text=label,
        cls="android.widget.Button",
        action=Action("publish"),
        enabled=enabled,
    )

    # the text field
    field_x = c.dp(20)
    field_w = c.width - 2 * field_x
    top = bar[3] + c.dp(12)
    lh = c.line_height(TEXT_SP)
    focused = screen.focused == "input_post"
    if screen.text:
        block = c.paragraph(field_x, top + c.dp(4), screen.text, TEXT_SP, theme.text, field_w)
        lines, widths = block.lines, block.widths
    else:
        c.text(field_x, top + c.dp(4), strings("post_hint"), TEXT_SP, theme.text_hint)
        lines, widths = [""], [0]
    if focused:
        draw_caret(c, field_x + widths[-1], top + c.dp(4) + (len(lines) - 1) * lh, TEXT_SP)
    field_h = max(c.dp(120), len(lines) * lh + c.dp(16))
    c.node(
        (field_x, top, field_x + field_w, top + field_h),
        "input_post",
        text=screen.text,
        cls="android.widget.EditText",
        action=Action("focus", "input_post"),
        focusable=True,
        focused=focused,
        long_clickable=True,
    )

    # attached photos, then the add tile
    grid_top = top + field_h + c.dp(8)
    count = len(screen.images) + (1 if len(screen.images) < MAX_IMAGES else 0)
    boxes = grid_boxes(c, grid_top, count)
    for item, box in zip(screen.images, boxes, strict=False):
        w, h = box[2] - box[0], box[3] - box[1]
        c.paste(c.assets.thumbnail(item.key, item.image, w, h), (box[0], box[1]))
        c.node(
            box,
            "composer_image",
            desc=item.name,
            cls="android.widget.ImageView",
            action=Action("noop"),
        )
    if len(screen.images) < MAX_IMAGES:
        box = boxes[-1]
        c.fill(box, theme.tile)
        s = (box[2] - box[0]) * 2 // 5
        mx, my = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
        c.icon("plus", (mx - s // 2, my - s // 2, mx + s // 2, my + s // 2), theme.text_hint)
        c.node(
            box,
            "btn_add_image",
            desc=strings("add_image"),
            cls="android.widget.ImageView",
            action=Action("add_image"),
        )

    # location and audience rows
    y = max(b[3] for b in boxes) + c.dp(28)
    row_h = c.dp(56)
    icon = c.dp(22)
    for id_name, icon_name, key, value in (
        ("row_location", "pin", "location", ""),
        ("row_visibility", "person", "visible_to", strings("public")),
    ):
        c.hline(field_x, c.width - field_x, y, theme.divider)
        ry = y + row_h // 2
        c.icon(icon_name, (field_x, ry - icon // 2, field_x + icon, ry + icon // 2), theme.text)
        c.text_mid(field_x + icon + c.dp(14), ry, strings(key), 16, theme.text)
        right = c.width - field_x
        chevron(c, right, ry, theme.text_hint)
        if value:
            c.text_mid(right - c.dp(20), ry, value, 15, theme.text_secondary, align="right")
        c.node((0, y, c.width, y + row_h), id_name, text=strings(key), action=Action("noop"))
        y += row_h
    c.hline(field_x, c.width - field_x, y, theme.divider)
    return c.frame(bar_look(c, theme.surface))
