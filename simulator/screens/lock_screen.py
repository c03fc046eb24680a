"""`lock_screen`: the keyguard — a big clock and "swipe up to unlock"."""

from __future__ import annotations

from simulator.canvas import Canvas
from simulator.node import SYSTEM_UI_PACKAGE, Frame, StatusBarLook
from simulator.screens.launcher import wallpaper_colors
from simulator.screens.view import View
from simulator.theme import Color, mix


def render(view: View) -> Frame:
    """Draw the lock screen."""
    ctx = view.ctx
    top, bottom = wallpaper_colors(ctx)
    top, bottom = mix(top, (0, 0, 0), 0.45), mix(bottom, (0, 0, 0), 0.45)
    c = Canvas(ctx, top, package=SYSTEM_UI_PACKAGE)
    c.paste(c.assets.gradient(ctx.width, ctx.height, top, bottom, tilt=0.35), (0, 0))
    white: Color = (255, 255, 255)
    s = c.dp(22)
    ly = ctx.status_bar + c.dp(28)
    lock_box = (c.width // 2 - s // 2, ly, c.width // 2 + s // 2, ly + s)
    c.icon("lock", lock_box, white)
    c.node(lock_box, "lock_icon", cls="android.widget.ImageView")
    local = ctx.now.astimezone(ctx.zone)
    clock = local.strftime("%H:%M")
    cb = c.text(c.width // 2, ly + s + c.dp(36), clock, 84, white, align="center")
    c.node(cb, "lock_clock", text=clock, cls="android.widget.TextClock")
    date = ctx.strings.date(local)
    db = c.text(c.width // 2, cb[3], date, 17, white, align="center")
    c.node(db, "lock_date", text=date, cls="android.widget.TextView")
    hint = ctx.strings("swipe_unlock")
    hy = ctx.content_bottom - c.dp(44)
    a = c.dp(18)
    region = (c.width // 2 - a // 2, hy - a - c.dp(6), c.width // 2 + a // 2, hy - c.dp(6))
    c.icon("chevron_up", region, white)
    hb = c.text(c.width // 2, hy, hint, 14, mix(white, top, 0.2), align="center")
    c.node(hb, "lock_hint", text=hint, cls="android.widget.TextView")
    return c.frame(StatusBarLook(None, light_glyphs=True))
