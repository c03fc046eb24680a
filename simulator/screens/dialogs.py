"""Modal dialogs: the app's update prompt, the system photo permission and the crash report.

Each is drawn over the current screen behind a dim scrim; the scrim is a clickable node
that does nothing, so taps cannot reach the screen underneath.
"""

from __future__ import annotations

from simulator.canvas import Canvas
from simulator.node import ANDROID_PACKAGE, PERMISSION_PACKAGE, Action, Bounds
from simulator.theme import Color, mix

DIALOG_KINDS = ("update_dialog", "permission_dialog", "crash_dialog")


def scrim(c: Canvas, package: str) -> None:
    """Dim the whole screen and block taps everywhere but on the navigation bar."""
    c.dim(0.5)
    box = (0, 0, c.width, c.ctx.content_bottom)
    c.node(box, "", package=package, action=Action("noop"), cls="android.widget.FrameLayout")


def _card(c: Canvas, width: int, height: int, radius: int, color: Color) -> Bounds:
    x0 = (c.width - width) // 2
    y0 = (c.ctx.content_bottom + c.ctx.status_bar - height) // 2
    box = (x0, y0, x0 + width, y0 + height)
    c.rrect(box, radius, color)
    return box


def _button(
    c: Canvas,
    box: Bounds,
    label: str,
    fill: Color,
    ink: Color,
    id_name: str,
    action: str,
    package: str,
) -> None:
    c.rrect(box, (box[3] - box[1]) // 2, fill)
    c.text_mid((box[0] + box[2]) // 2, (box[1] + box[3]) // 2, label, 15, ink, True, None, "center")
    c.node(
        box,
        id_name,
        text=label,
        cls="android.widget.Button",
        action=Action(action),
        package=package,
    )


def update_dialog(c: Canvas) -> None:
    """The app's "new version available" prompt."""
    theme, strings = c.theme, c.strings
    scrim(c, c.package)
    width = min(c.width - c.dp(64), c.dp(320))
    pad = c.dp(24)
    text_w = width - 2 * pad
    message_lines = c.wrap(strings("update_message"), 14.5, text_w)
    icon = c.dp(56)
    height = pad + icon + c.dp(16) + c.line_height(18.5) + c.dp(8)
    height += len(message_lines) * c.line_height(14.5) + c.dp(24) + c.dp(42) + pad
    card = _card(c, width, height, c.dp(14), theme.dialog)
    c.node(card, "dialog_update", cls="android.widget.LinearLayout")
    cx = (card[0] + card[2]) // 2
    y = card[1] + pad
    ibox = (cx - icon // 2, y, cx + icon // 2, y + icon)
    c.icon("update", ibox, theme.accent)
    c.node(ibox, "dialog_icon_update", cls="android.widget.ImageView")
    y += icon + c.dp(16)
    title = strings("update_title")
    tb = c.text(cx, y, title, 18.5, theme.text, True, text_w, "center")
    c.node(tb, "dialog_title", text=title, cls="android.widget.TextView")
    y = tb[3] + c.dp(8)
    mb = c.paragraph(
        card[0] + pad,
        y,
        strings("update_message"),
        14.5,
        theme.text_secondary,
        text_w,
        align="center",
    )
    c.node(
        mb.bounds, "dialog_message", text=strings("update_message"), cls="android.widget.TextView"
    )
    y = mb.bounds[3] + c.dp(24)
    gap = c.dp(12)
    bw = (text_w - gap) // 2
    bh = c.dp(42)
    later = (card[0] + pad, y, card[0] + pad + bw, y + bh)
    update = (later[2] + gap, y, card[2] - pad, y + bh)
    _button(
        c,
        later,
        strings("later"),
        theme.tile,
        theme.text,
        "btn_dialog_later",
        "dialog_later",
        c.package,
    )
    _button(
        c,
        update,
        strings("update"),
        theme.accent,
        theme.on_accent,
        "btn_dialog_update",
        "dialog_update",
        c.package,
    )


def permission_dialog(c: Canvas) -> None:
    """The system's "allow access to photos and media?" prompt."""
    theme, strings = c.theme, c.strings
    pkg = PERMISSION_PACKAGE
    scrim(c, pkg)
    width = min(c.width - c.dp(48), c.dp(340))
    pad = c.dp(24)
    text_w = width - 2 * pad
    title = strings("permission_title")
    lines = c.wrap(title, 19, text_w)
    icon = c.dp(28)
    bh = c.dp(50)
    height = (
        pad + icon + c.dp(16) + len(lines) * c.line_height(19) + c.dp(24) + 2 * bh + c.dp(6) + pad
    )
    card = _card(c, width, height, c.dp(28), theme.system_dialog)
    c.node(card, "grant_dialog", cls="android.widget.LinearLayout", package=pkg)
    cx = (card[0] + card[2]) // 2
    y = card[1] + pad
    ibox = (cx - icon // 2, y, cx + icon // 2, y + icon)
    c.icon("photo", ibox, theme.system_accent)
    c.node(ibox, "dialog_icon_permission", cls="android.widget.ImageView", package=pkg)
    y += icon + c.dp(16)
    tb = c.paragraph(card[0] + pad, y, title, 19, theme.text, text_w, align="center")
    c.node(tb.bounds, "permission_message", text=title, cls="android.widget.TextView", package=pkg)
    y = tb.bounds[3] + c.dp(24)
    fill = mix(theme.system_dialog, theme.system_accent, 0.16)
    allow = (card[0] + c.dp(16), y, card[2] - c.dp(16), y + bh)
    deny = (allow[0], allow[3] + c.dp(6), allow[2], allow[3] + c.dp(6) + bh)
    _button(
        c,
        allow,
        strings("allow"),
        fill,
        theme.system_accent,
        "btn_permission_allow",
        "permission_allow",
        pkg,
    )
    _button(
        c,
        deny,
        strings("deny"),
        fill,
        theme.system_accent,
        "btn_permission_deny",
        "permission_deny",
        pkg,
    )


def crash_dialog(c: Canvas) -> None:
    """The system's "SimChat keeps stopping" report."""
    theme, strings = c.theme, c.strings
    pkg = ANDROID_PACKAGE
    scrim(c, pkg)
    width = min(c.width - c.dp(48), c.dp(340))
    pad = c.dp(24)
    text_w = width - 2 * pad
    title = strings("crash_title")
    lines = c.wrap(title, 19, text_w)
    row_h = c.dp(52)
    height = pad + len(lines) * c.line_height(19) + c.dp(16) + 2 * row_h + c.dp(12)
    card = _card(c, width, height, c.dp(28), theme.system_dialog)
    c.node(card, "crash_dialog", cls="android.widget.LinearLayout", package=pkg)
    tb = c.paragraph(card[0] + pad, card[1] + pad, title, 19, theme.text, text_w)
    c.node(tb.bounds, "alertTitle", text=title, cls="android.widget.TextView", package=pkg)
    y = tb.bounds[3] + c.dp(16)
    s = c.dp(22)
    for id_name, icon, key, action in (
        ("btn_crash_info", "gear", "crash_info", "noop"),
        ("btn_crash_close", "close", "crash_close", "crash_close"),
    ):
        row = (card[0], y, card[2], y + row_h)
        cy = y + row_h // 2
        c.icon(
            icon, (card[0] + pad, cy - s // 2, card[0] + pad + s, cy + s // 2), theme.text_secondary
        )
        label = strings(key)
        c.text_mid(card[0] + pad + s + c.dp(20), cy, label, 16, theme.text)
        c.node(
            row,
            id_name,
            text=label,
            cls="android.widget.Button",
            action=Action(action),
            package=pkg,
        )
        y += row_h


def draw_dialog(c: Canvas, kind: str) -> None:
    """Draw the dialog named `kind` (one of `DIALOG_KINDS`).

    Raises:
        KeyError: unknown kind.
    """
    {
        "update_dialog": update_dialog,
        "permission_dialog": permission_dialog,
        "crash_dialog": crash_dialog,
    }[kind](c)
