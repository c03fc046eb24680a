"""`conversation`: one chat — bubbles with time separators, and the input bar.

The list is anchored at the bottom: scroll offset 0 shows the newest message, and
swiping down (a positive drag) reveals older ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from simulator.canvas import Canvas
from simulator.node import Action, Bounds, Frame
from simulator.screens.avatar import draw_avatar
from simulator.screens.chrome import bar_look, icon_button, page_top_bar
from simulator.screens.composer import draw_caret
from simulator.screens.view import View
from simulator.time_labels import separator_time
from simulator.world import Message

TEXT_SP = 16
AVATAR_DP = 40
SEPARATOR_GAP = timedelta(minutes=5)
MAX_INPUT_LINES = 4


def _input_lines(c: Canvas, view: View) -> tuple[list[str], int, int, int]:
    """The field's visible lines, its left and right x, and the bar's top y."""
    text = view.screen.text
    right_w = c.dp(66) if text else c.dp(44)
    field_x0 = c.dp(52)
    field_x1 = c.width - c.dp(4) - right_w - c.dp(44)
    lines = c.wrap(text, TEXT_SP, field_x1 - field_x0 - 2 * c.dp(10)) if text else [""]
    shown = lines[-MAX_INPUT_LINES:]
    field_h = max(c.dp(40), len(shown) * c.line_height(TEXT_SP) + c.dp(14))
    return shown, field_x0, field_x1, c.ctx.content_bottom - field_h - c.dp(16)


def _input_bar(c: Canvas, view: View) -> None:
    """Draw the input bar at the bottom."""
    theme = c.theme
    strings = c.strings
    screen = view.screen
    bottom = c.ctx.content_bottom
    has_text = bool(screen.text)
    text = screen.text
    shown, field_x0, field_x1, top = _input_lines(c, view)
    right_w = c.dp(66) if has_text else c.dp(44)
    pad = c.dp(10)
    lh = c.line_height(TEXT_SP)
    field_h = bottom - top - c.dp(16)
    c.fill((0, top, c.width, bottom), theme.bar)
    c.hline(0, c.width, top, theme.divider, max(1, c.dp(0.5)))
    cy = bottom - c.dp(8) - c.dp(20)  # buttons line up with the field's last line
    s = c.dp(44)
    icon_button(
        c,
        (c.dp(4), cy - s // 2, c.dp(4) + s, cy + s // 2),
        "voice",
        "btn_voice",
        strings("voice"),
        Action("noop"),
        theme.icon,
        28,
    )
    fbox = (field_x0, top + c.dp(8), field_x1, top + c.dp(8) + field_h)
    c.rrect(fbox, c.dp(6), theme.input_field)
    focused = screen.focused == "input_message"
    ty = fbox[1] + (field_h - len(shown) * lh) // 2
    for i, line in enumerate(shown):
        c.text(fbox[0] + pad, ty + i * lh, line, TEXT_SP, theme.text)
    if focused:
        last_w = c.measure(shown[-1], TEXT_SP)
        draw_caret(c, fbox[0] + pad + last_w, ty + (len(shown) - 1) * lh, TEXT_SP)
    c.node(
        fbox,
        "input_message",
        text=text,
        cls="android.widget.EditText",
        action=Action("focus", "input_message"),
        focusable=True,
        focused=focused,
        long_clickable=True,
    )
    ex = field_x1
    icon_button(
        c,
        (ex, cy - s // 2, ex + s, cy + s // 2),
        "emoji",
        "btn_emoji",
        strings("emoji"),
        Action("noop"),
        theme.icon,
        28,
    )
    rx = c.width - c.dp(4) - right_w
    if has_text:
        label = strings("send")
        bh = c.dp(34)
        sb = (rx + c.dp(4), cy - bh // 2, c.width - c.dp(8), cy - bh // 2 + bh)
        c.rrect(sb, c.dp(6), theme.accent)
        c.text_mid((sb[0] + sb[2]) // 2, cy, label, 14.5, theme.on_accent, True, None, "center")
        c.node(sb, "btn_send", text=label, cls="android.widget.Button", action=Action("send"))
    else:
        icon_button(
            c,
            (rx, cy - s // 2, rx + s, cy + s // 2),
            "plus_circle",
            "btn_plus",
            strings("more_functions"),
            Action("noop"),
            theme.icon,
            28,
        )


@dataclass(frozen=True)
class _Row:
    """One row of the message list: a time separator (`label`) or a message."""

    y: int
    height: int
    label: str = ""
    message: Message | None = None
    lines: tuple[str, ...] = ()


def _layout(c: Canvas, messages: list[Message]) -> tuple[list[_Row], int]:
    """The list's rows top to bottom, and its total height."""
    ctx = c.ctx
    rows: list[_Row] = []
    y = c.dp(8)
    bubble_max = c.width - 2 * c.dp(12 + AVATAR_DP + 8) - c.dp(40)
    lh = c.line_height(TEXT_SP)
    previous = None
    for m in messages:
        if previous is None or m.timestamp - previous.timestamp > SEPARATOR_GAP:
            label = separator_time(m.timestamp, ctx.now, ctx.zone, ctx.strings)
            rows.append(_Row(y, c.dp(36), label=label))
            y += c.dp(36)
        lines = tuple(c.wrap(m.text, TEXT_SP, bubble_max - 2 * c.dp(12)))
        h = max(c.dp(AVATAR_DP), len(lines) * lh + c.dp(20))
        rows.append(_Row(y, h, message=m, lines=lines))
        y += h + c.dp(16)
        previous = m
    return rows, y


def render(view: View) -> Frame:
    """Draw the conversation."""
    ctx = view.ctx
    theme = ctx.theme
    world = view.world
    contact = world.contact(view.screen.contact_id or "")
    account = world.account
    messages = world.messages_with(contact)
    c = Canvas(ctx, theme.chat_background)
    list_top = ctx.status_bar + c.dp(56)

    list_bottom = _input_lines(c, view)[3]
    rows, content_h = _layout(c, messages)
    viewport = list_bottom - list_top
    limit = max(0, content_h - viewport)
    from_bottom = min(max(view.screen.scroll.get("messages", 0), 0), limit)
    origin = list_top - (limit - from_bottom)  # content y 0 sits here
    c.clip = (0, list_top, c.width, list_bottom)
    c.node(
        (0, list_top, c.width, list_bottom),
        "msg_list",
        cls="androidx.recyclerview.widget.RecyclerView",
        scrollable=limit > 0,
        scroll_area="messages",
    )
    a = c.dp(AVATAR_DP)
    lh = c.line_height(TEXT_SP)
    for row in rows:
        top = origin + row.y
        h = row.height
        if top + h <= list_top or top >= list_bottom:
            continue
        if row.message is None:
            label = row.label
            w = c.measure(label, 12) + c.dp(16)
            cy = top + h // 2
            pill = (c.width // 2 - w // 2, cy - c.dp(10), c.width // 2 + w - w // 2, cy + c.dp(10))
            c.rrect(pill, c.dp(4), theme.disabled, alpha=0.7)
            tb = c.text_mid(c.width // 2, cy, label, 12, theme.text_secondary, align="center")
            c.node(tb, "msg_time", text=label, cls="android.widget.TextView")
            continue
        message, lines = row.message, row.lines
        out = message.direction == "out"
        widths = [c.measure(line, TEXT_SP) for line in lines]
        bw = max(widths, default=0) + 2 * c.dp(12)
        bh = len(lines) * lh + c.dp(20)
        if out:
            abox: Bounds = (c.width - c.dp(12) - a, top, c.width - c.dp(12), top + a)
            draw_avatar(c, abox, account.name, account.avatar_color, 5)
            bx1 = abox[0] - c.dp(8)
            bbox = (bx1 - bw, top, bx1, top + bh)
            color, ink = theme.bubble_out, theme.bubble_out_text
            tail = [
                (bx1 - 1, top + c.dp(14)),
                (bx1 + c.dp(6), top + c.dp(20)),
                (bx1 - 1, top + c.dp(26)),
            ]
        else:
            abox = (c.dp(12), top, c.dp(12) + a, top + a)
            draw_avatar(c, abox, contact.name, contact.avatar_color, 5)
            bx0 = abox[2] + c.dp(8)
            bbox = (bx0, top, bx0 + bw, top + bh)
            color, ink = theme.bubble_in, theme.bubble_in_text
            tail = [(bx0, top + c.dp(14)), (bx0 - c.dp(6), top + c.dp(20)), (bx0, top + c.dp(26))]
        c.node(abox, "msg_avatar", cls="android.widget.ImageView")
        c.rrect(bbox, c.dp(6), color)
        c.draw.polygon(tail, fill=color)
        for i, line in enumerate(lines):
            c.text(bbox[0] + c.dp(12), top + c.dp(10) + i * lh, line, TEXT_SP, ink)
        c.node(
            bbox,
            "msg_out" if out else "msg_in",
            text=message.text,
            cls="android.widget.TextView",
            private_text=True,
            long_clickable=True,
        )
    c.clip = None
    _input_bar(c, view)
    bar = page_top_bar(c, contact.name, theme.bar, theme.text, "conv_title")
    s = c.dp(48)
    cy = (bar[1] + bar[3]) // 2
    icon_button(
        c,
        (c.width - c.dp(4) - s, cy - s // 2, c.width - c.dp(4), cy + s // 2),
        "more",
        "btn_more",
        ctx.strings("more"),
        Action("noop"),
        theme.text,
    )
    c.hline(0, c.width, bar[3] - max(1, c.dp(0.5)), theme.divider, max(1, c.dp(0.5)))
    return c.frame(bar_look(c, theme.bar), {"messages": limit})
