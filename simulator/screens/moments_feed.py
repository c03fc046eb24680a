"""`moments_feed`: the Moments feed — a cover header, then posts, newest first.

A post being published sits on top with a progress bar (`feed_progress`) until its
upload completes; only then does the world record it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PIL import Image

from simulator.canvas import Canvas
from simulator.node import Action, Bounds, Frame, StatusBarLook
from simulator.screens.avatar import draw_avatar
from simulator.screens.chrome import icon_button, top_bar_box
from simulator.screens.view import View
from simulator.theme import Color, hex_color
from simulator.time_labels import feed_age

COVER_DP = 300
TEXT_SP = 15.5


@dataclass(frozen=True)
class _Item:
    """One post as the feed lays it out."""

    key: str
    author: str
    color: Color
    text: str
    images: tuple[tuple[str, Image.Image], ...]
    published_at: datetime | None  # None while uploading
    progress: float


def _items(view: View) -> list[_Item]:
    world = view.world
    account = world.account
    colors = {c.id: c.avatar_color for c in world.contacts()}
    colors[account.id] = account.avatar_color
    items = []
    for up, progress in reversed(view.uploads):
        items.append(
            _Item(
                f"upload{up.started}",
                account.name,
                account.avatar_color,
                up.text,
                tuple((m.key, m.image) for m in up.images),
                None,
                progress,
            )
        )
    for post in world.feed():
        images = tuple((f"{post.id}/{i}", img) for i, img in enumerate(post.images))
        color = colors.get(post.author_id, account.avatar_color)
        items.append(
            _Item(post.id, post.author_name, color, post.text, images, post.published_at, 1.0)
        )
    return items


def _image_boxes(c: Canvas, item: _Item, x: int, y: int, width: int) -> list[Bounds]:
    n = len(item.images)
    if n == 0:
        return []
    if n == 1:
        w, h = item.images[0][1].size
        longest = c.dp(200)
        if w >= h:
            bw, bh = min(longest, width), max(c.dp(80), round(min(longest, width) * h / w))
        else:
            bh, bw = longest, max(c.dp(80), round(longest * w / h))
        return [(x, y, x + bw, y + bh)]
    gap = c.dp(5)
    cell = (min(width, c.dp(276)) - 2 * gap) // 3
    boxes = []
    for i in range(n):
        bx = x + (i % 3) * (cell + gap)
        by = y + (i // 3) * (cell + gap)
        boxes.append((bx, by, bx + cell, by + cell))
    return boxes


def render(view: View) -> Frame:
    """Draw the feed."""
    ctx = view.ctx
    theme = ctx.theme
    strings = ctx.strings
    c = Canvas(ctx, theme.surface)
    account = view.world.account
    bar = top_bar_box(c)
    bottom = ctx.content_bottom
    cover_h = c.dp(COVER_DP)
    content_x = c.dp(68)
    content_w = c.width - content_x - c.dp(16)
    lh = c.line_height(TEXT_SP)

    # layout pass: every post's height, so the scroll range is known
    items = _items(view)
    layouts = []
    y = cover_h + c.dp(60)
    for item in items:
        lines = c.wrap(item.text, TEXT_SP, content_w) if item.text else []
        top = y
        y += c.dp(16) + c.line_height(15.5) + c.dp(4)
        text_y = y
        y += len(lines) * lh
        y += c.dp(8) if item.images else 0
        boxes = _image_boxes(c, item, content_x, y, content_w)
        if boxes:
            y = max(b[3] for b in boxes)
        progress_y = y + c.dp(10)
        if item.published_at is None:
            y = progress_y + c.dp(4)
        time_y = y + c.dp(10)
        y = time_y + c.line_height(12) + c.dp(14)
        layouts.append((item, top, text_y, lines, boxes, progress_y, time_y, y))
    content_h = y + c.dp(24)
    limit = max(0, content_h - bottom)
    scroll = min(max(view.screen.scroll.get("feed", 0), 0), limit)

    # cover
    cover_top = -scroll
    if cover_top + cover_h > 0:
        art = c.assets.gradient(
            c.width, cover_h, hex_color("#2B7A78"), hex_color("#6C8ED9"), tilt=0.5
        )
        c.paste(art, (0, cover_top))
        for fx, fy, fr, alpha in ((0.18, 0.3, 0.22, 0.16), (0.82, 0.62, 0.3, 0.12)):
            d = round(c.width * fr * 2)
            c.disc(
                (round(c.width * fx), cover_top + round(cover_h * fy)), d, (255, 255, 255), 0, alpha
            )
    clip_top = bar[3]
    c.clip = (0, clip_top, c.width, bottom)
    c.node(
        (0, 0, c.width, bottom),
        "feed_list",
        cls="androidx.recyclerview.widget.RecyclerView",
        scrollable=limit > 0,
        scroll_area="feed",
    )
    a = c.dp(68)
    abox = (
        c.width - c.dp(16) - a,
        cover_top + cover_h - c.dp(44),
        c.width - c.dp(16),
        cover_top + cover_h + c.dp(24),
    )
    c.rrect((abox[0] - 2, abox[1] - 2, abox[2] + 2, abox[3] + 2), c.dp(9), theme.surface)
    draw_avatar(c, abox, account.name, account.avatar_color, 8)
    c.node(abox, "feed_own_avatar", cls="android.widget.ImageView")
    name_cy = cover_top + cover_h - c.dp(22)
    shadow = (20, 40, 50)
    c.text_mid(abox[0] - c.dp(15), name_cy + 2, account.name, 18, shadow, True, None, "right")
    nb = c.text_mid(
        abox[0] - c.dp(16), name_cy, account.name, 18, (255, 255, 255), True, None, "right"
    )
    c.node(nb, "feed_own_name", text=account.name, cls="android.widget.TextView")

    # posts
    for item, top, text_y, lines, boxes, progress_y, time_y, end in layouts:
        top, text_y, progress_y, time_y, end = (
            v - scroll for v in (top, text_y, progress_y, time_y, end)
        )
        boxes = [(b[0], b[1] - scroll, b[2], b[3] - scroll) for b in boxes]
        if end <= clip_top or top >= bottom:
            continue
        c.node((0, top, c.width, end), "feed_post", cls="android.widget.LinearLayout")
        av = c.dp(42)
        avbox = (c.dp(14), top + c.dp(16), c.dp(14) + av, top + c.dp(16) + av)
        draw_avatar(c, avbox, item.author, item.color, 5)
        c.node(avbox, "feed_avatar", cls="android.widget.ImageView")
        ab = c.text(content_x, top + c.dp(14), item.author, 15.5, theme.link, bold=True)
        c.node(ab, "feed_author", text=item.author, cls="android.widget.TextView")
        if lines:
            for i, line in enumerate(lines):
                c.text(content_x, text_y + i * lh, line, TEXT_SP, theme.text)
            tb = (content_x, text_y, content_x + content_w, text_y + len(lines) * lh)
            c.node(tb, "feed_text", text=item.text, cls="android.widget.TextView")
        for (key, image), box in zip(item.images, boxes, strict=True):
            w, h = box[2] - box[0], box[3] - box[1]
            c.paste(c.assets.thumbnail(key, image, w, h), (box[0], box[1]))
            c.node(box, "feed_image", cls="android.widget.ImageView", action=Action("noop"))
        if item.published_at is None:
            pbox = (content_x, progress_y, content_x + content_w, progress_y + c.dp(4))
            c.rrect(pbox, c.dp(2), theme.divider)
            filled = round(content_w * item.progress)
            c.rrect((pbox[0], pbox[1], pbox[0] + filled, pbox[3]), c.dp(2), theme.accent)
            c.node(
                pbox,
                "feed_progress",
                cls="android.widget.ProgressBar",
                desc=f"{round(item.progress * 100)}%",
            )
            when = strings("publishing")
        else:
            when = feed_age(item.published_at, ctx.now, strings)
        wb = c.text(content_x, time_y, when, 12, theme.text_secondary)
        c.node(wb, "feed_time", text=when, cls="android.widget.TextView")
        mb = (c.width - c.dp(16) - c.dp(32), time_y, c.width - c.dp(16), time_y + c.dp(20))
        c.rrect(mb, c.dp(4), theme.tile)
        for dx in (-4, 4):
            c.disc(((mb[0] + mb[2]) // 2 + c.dp(dx), (mb[1] + mb[3]) // 2), c.dp(4.5), theme.link)
        c.node(mb, "feed_more", desc=strings("more"), action=Action("noop"))
        c.hline(0, c.width, end - 1, theme.divider)
    c.clip = None

    # the top bar: transparent over the cover, solid once the cover scrolls away
    solid = scroll > cover_h - bar[3] - c.dp(8)
    glyph = theme.icon if solid else (255, 255, 255)
    if solid:
        c.fill((0, 0, c.width, bar[3]), theme.bar)
        c.text_mid(
            c.width // 2,
            (bar[1] + bar[3]) // 2,
            strings("moments"),
            17,
            theme.text,
            True,
            None,
            "center",
        )
    s = c.dp(48)
    cy = (bar[1] + bar[3]) // 2
    icon_button(
        c,
        (c.dp(4), cy - s // 2, c.dp(4) + s, cy + s // 2),
        "back",
        "btn_back",
        strings("back"),
        Action("back"),
        glyph,
    )
    icon_button(
        c,
        (c.width - c.dp(4) - s, cy - s // 2, c.width - c.dp(4), cy + s // 2),
        "camera",
        "btn_camera",
        strings("camera"),
        Action("compose"),
        glyph,
        long_action=Action("compose"),
    )
    look = StatusBarLook(theme.bar, theme.dark) if solid else StatusBarLook(None, True)
    return c.frame(look, {"feed": limit})
