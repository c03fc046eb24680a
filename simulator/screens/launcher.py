"""`launcher`: the home screen — wallpaper, a clock widget and a grid of app icons."""

from __future__ import annotations

from simulator.app_icons import LAUNCHER_APPS
from simulator.canvas import Canvas, RenderContext
from simulator.node import LAUNCHER_PACKAGE, Action, Bounds, Frame, StatusBarLook
from simulator.screens.view import View
from simulator.theme import Color, hex_color, mix

ICON_DP = 56
COLUMNS = 4


def wallpaper_colors(ctx: RenderContext) -> tuple[Color, Color]:
    """The wallpaper's two gradient colours for the phone's theme."""
    if ctx.theme.dark:
        return hex_color("#1B2A45"), hex_color("#3B2A5A")
    return hex_color("#4F86E8"), hex_color("#9D7BE3")


def icon_box(ctx: RenderContext, index: int) -> Bounds:
    """Where launcher icon number `index` is drawn."""
    col_w = ctx.width / COLUMNS
    row, col = divmod(index, COLUMNS)
    size = ctx.dp(ICON_DP)
    cx = round((col + 0.5) * col_w)
    y = ctx.dp(330) + row * ctx.dp(104)
    return (cx - size // 2, y, cx - size // 2 + size, y + size)


def simchat_icon_box(ctx: RenderContext) -> Bounds:
    """Where the SimChat icon is (the launch animation grows the app from it)."""
    return icon_box(ctx, LAUNCHER_APPS.index("simchat"))


def render(view: View) -> Frame:
    """Draw the home screen."""
    ctx = view.ctx
    top, bottom = wallpaper_colors(ctx)
    c = Canvas(ctx, top, package=LAUNCHER_PACKAGE)
    c.paste(c.assets.gradient(ctx.width, ctx.height, top, bottom, tilt=0.35), (0, 0))
    white: Color = (255, 255, 255)
    local = ctx.now.astimezone(ctx.zone)
    clock = local.strftime("%H:%M")
    cb = c.text(c.width // 2, ctx.status_bar + c.dp(64), clock, 64, white, align="center")
    c.node(cb, "clock_widget", text=clock, cls="android.widget.TextClock")
    date = ctx.strings.date(local)
    db = c.text(c.width // 2, cb[3] + c.dp(2), date, 16, white, align="center")
    c.node(db, "date_widget", text=date, cls="android.widget.TextView")
    unread = sum(ch.unread for ch in view.world.chats())
    for i, app in enumerate(LAUNCHER_APPS):
        box = icon_box(ctx, i)
        size = box[2] - box[0]
        shadow = mix(top, (0, 0, 0), 0.25)
        c.rrect(
            (box[0], box[1] + c.dp(2), box[2], box[3] + c.dp(2)), round(size * 0.24), shadow, 0.5
        )
        c.paste(c.assets.app_icon(app, size), (box[0], box[1]))
        label = c.strings(f"app_{app}")
        cx = (box[0] + box[2]) // 2
        ly = box[3] + c.dp(6)
        c.text(cx + 1, ly + 1, label, 12.5, mix(top, (0, 0, 0), 0.45), align="center")
        c.text(cx, ly, label, 12.5, white, align="center")
        if app == "simchat" and unread:
            d = c.dp(20)
            c.disc((box[2] - c.dp(2), box[1] + c.dp(2)), d, hex_color("#F0443A"))
            c.text_mid(
                box[2] - c.dp(2), box[1] + c.dp(2), str(unread), 11, white, True, None, "center"
            )
        c.node(
            (box[0] - c.dp(12), box[1] - c.dp(6), box[2] + c.dp(12), ly + c.line_height(12.5)),
            f"app_{app}",
            text=label,
            desc=label,
            cls="android.widget.TextView",
            action=Action("open_app" if app == "simchat" else "noop"),
        )
    # a search pill above the navigation bar, as launchers have
    pill_h = c.dp(48)
    pb = (
        c.dp(24),
        ctx.content_bottom - c.dp(20) - pill_h,
        c.width - c.dp(24),
        ctx.content_bottom - c.dp(20),
    )
    c.rrect(pb, pill_h // 2, white, alpha=0.85)
    s = c.dp(22)
    c.icon(
        "search",
        (
            pb[0] + c.dp(16),
            pb[1] + (pill_h - s) // 2,
            pb[0] + c.dp(16) + s,
            pb[1] + (pill_h + s) // 2,
        ),
        hex_color("#5F6368"),
    )
    c.node(pb, "search_widget", desc=ctx.strings("search"), action=Action("noop"))
    return c.frame(StatusBarLook(None, light_glyphs=True))
