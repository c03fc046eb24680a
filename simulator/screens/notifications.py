"""Transient overlays: the incoming-message banner at the top and the toast at the bottom."""

from __future__ import annotations

from simulator.canvas import Canvas
from simulator.node import SYSTEM_UI_PACKAGE, Action
from simulator.world import Contact

BANNER_DP = 84


def draw_banner(c: Canvas, contact: Contact, text: str) -> None:
    """A heads-up notification for a message from `contact`, over the status bar."""
    theme, strings = c.theme, c.strings
    pkg = SYSTEM_UI_PACKAGE
    m = c.dp(8)
    box = (m, c.dp(6), c.width - m, c.dp(6) + c.dp(BANNER_DP))
    c.rrect((box[0], box[1] + c.dp(2), box[2], box[3] + c.dp(3)), c.dp(20), (0, 0, 0), alpha=0.18)
    c.rrect(box, c.dp(20), theme.banner)
    c.node(
        box,
        "banner",
        desc=contact.name,
        cls="android.widget.FrameLayout",
        package=pkg,
        action=Action("open_banner"),
    )
    pad = c.dp(16)
    s = c.dp(18)
    y = box[1] + c.dp(12)
    c.paste(c.assets.app_icon("simchat", s), (box[0] + pad, y))
    head = f"{strings('app_name')} · {strings('now')}"
    c.text_mid(box[0] + pad + s + c.dp(8), y + s // 2, head, 12, theme.text_secondary)
    y += s + c.dp(6)
    tb = c.text(box[0] + pad, y, contact.name, 15, theme.text, True, box[2] - box[0] - 2 * pad)
    c.node(tb, "banner_title", text=contact.name, cls="android.widget.TextView", package=pkg)
    xb = c.text(
        box[0] + pad, tb[3], text, 14, theme.text_secondary, False, box[2] - box[0] - 2 * pad
    )
    c.node(xb, "banner_text", text=text, cls="android.widget.TextView", package=pkg)


def draw_toast(c: Canvas, text: str) -> None:
    """A dark pill with `text` near the bottom; it does not take touches."""
    theme = c.theme
    pad_x, pad_y = c.dp(18), c.dp(11)
    w = c.measure(text, 14) + 2 * pad_x
    h = c.line_height(14) + 2 * pad_y
    cy = c.ctx.content_bottom - c.dp(84)
    box = (c.width // 2 - w // 2, cy - h // 2, c.width // 2 - w // 2 + w, cy - h // 2 + h)
    c.rrect(box, h // 2, theme.toast, alpha=0.94)
    c.text_mid(c.width // 2, cy, text, 14, theme.toast_text, align="center")
    c.node(box, "message", text=text, cls="android.widget.TextView", package="android")
