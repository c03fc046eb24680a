"""Demo content: contacts, chat history, friends' posts and photos, all generated.

Deterministic, so screenshots of a fresh phone are the same on every run.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFilter

from simulator.theme import Color, hex_color, mix

if TYPE_CHECKING:
    from simulator.world import World

_CONTACTS = (
    ("张伟", "#E57373"),
    ("Emily Chen", "#64B5F6"),
    ("李娜", "#9575CD"),
    ("王芳", "#FFB74D"),
    ("David Liu", "#4DB6AC"),
    ("陈小雨", "#F06292"),
)

# (contact, minutes before now, direction, text)
_HISTORY = (
    ("王芳", 3 * 1440 + 200, "out", "王姐，您的快递已经发出啦，单号稍后发您"),
    ("王芳", 3 * 1440 + 150, "in", "收到了，谢谢！"),
    ("David Liu", 2 * 1440 + 300, "in", "Could you send me the price list?"),
    ("David Liu", 2 * 1440 + 280, "out", "Sure, here it is. Bundles are 15% off this week."),
    ("陈小雨", 1440 + 240, "in", "周末店里开门吗？"),
    ("陈小雨", 1440 + 235, "out", "开的，上午10点到晚上9点"),
    ("陈小雨", 1440 + 230, "in", "好的👌"),
    ("张伟", 1440 + 120, "in", "你好，请问上次说的那款面霜还有货吗？"),
    ("张伟", 1440 + 100, "out", "有的，今天刚到货 😊"),
    ("张伟", 125, "in", "太好了，我要两瓶，周六来取可以吗"),
    ("Emily Chen", 48, "in", "Hi! Is the spring collection out yet?"),
    ("Emily Chen", 46, "out", "Yes! I'll send you photos in a moment."),
    ("Emily Chen", 40, "in", "Great, thanks 🙏"),
    ("Emily Chen", 39, "in", "Do you ship to Hangzhou?"),
    ("李娜", 12, "in", "在吗？想问下团购什么时候开始"),
)


def seaside(width: int, height: int) -> Image.Image:
    """A sunset over the sea."""
    img = Image.new("RGB", (width, height))
    d = ImageDraw.Draw(img)
    horizon = int(height * 0.58)
    sky_top, sky_bottom = hex_color("#3B5BA9"), hex_color("#F6A96B")
    for y in range(horizon):
        d.line([(0, y), (width, y)], fill=mix(sky_top, sky_bottom, y / horizon))
    sea_top, sea_bottom = hex_color("#2E6F95"), hex_color("#123C5A")
    for y in range(horizon, height):
        d.line(
            [(0, y), (width, y)], fill=mix(sea_top, sea_bottom, (y - horizon) / (height - horizon))
        )
    r = height // 9
    cx = int(width * 0.62)
    d.ellipse((cx - r, horizon - r - r // 3, cx + r, horizon + r - r // 3), fill=(255, 214, 140))
    d.rectangle((0, horizon, width, height), fill=None)
    for i in range(7):
        y = horizon + 8 + i * (height - horizon) // 8
        w = r * (1.6 - i * 0.15)
        d.line([(cx - w, y), (cx + w, y)], fill=(250, 190, 120), width=max(2, height // 150))
    d.polygon([(0, height), (0, int(height * 0.86)), (width * 0.45, height)], fill=(226, 196, 150))
    return img


def product_shot(width: int, height: int, hue: Color, seed: int) -> Image.Image:
    """A soft studio shot of a bottle and a jar on a pastel background."""
    rng = random.Random(seed)
    back = mix(hue, (255, 255, 255), 0.72)
    img = Image.new("RGB", (width, height), back)
    d = ImageDraw.Draw(img)
    floor = int(height * 0.7)
    d.rectangle((0, floor, width, height), fill=mix(back, (120, 110, 100), 0.12))
    # a soft contact shadow, blurred small and scaled up (cheap)
    sw, sh = max(1, width // 8), max(1, height // 8)
    shadow = Image.new("L", (sw, sh), 0)
    ImageDraw.Draw(shadow).ellipse(
        (sw * 0.2, floor / 8 - sh * 0.03, sw * 0.8, floor / 8 + sh * 0.06), fill=120
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(sw / 40)).resize((width, height))
    img.paste((90, 80, 70), (0, 0), shadow)
    bw = width * (0.16 + rng.random() * 0.05)
    bx = width * 0.38
    d.rounded_rectangle((bx - bw / 2, height * 0.28, bx + bw / 2, floor), radius=bw / 4, fill=hue)
    d.rectangle(
        (bx - bw / 5, height * 0.18, bx + bw / 5, height * 0.29), fill=mix(hue, (40, 40, 40), 0.4)
    )
    d.rounded_rectangle(
        (bx - bw / 2.6, height * 0.42, bx + bw / 2.6, height * 0.55), radius=6, fill=(250, 250, 245)
    )
    jw = width * 0.2
    jx = width * 0.64
    d.rounded_rectangle(
        (jx - jw / 2, floor - height * 0.16, jx + jw / 2, floor),
        radius=jw / 6,
        fill=mix(hue, (255, 255, 255), 0.35),
    )
    d.rectangle(
        (jx - jw / 2, floor - height * 0.2, jx + jw / 2, floor - height * 0.15), fill=(70, 70, 75)
    )
    return img


def mountains(width: int, height: int, seed: int) -> Image.Image:
    """Layered mountain ridges under a pale sky."""
    rng = random.Random(seed)
    img = Image.new("RGB", (width, height))
    d = ImageDraw.Draw(img)
    top, bottom = hex_color("#9FC9E8"), hex_color("#E9F1F4")
    for y in range(height):
        d.line([(0, y), (width, y)], fill=mix(top, bottom, y / height))
    colors = ("#8FA9B8", "#5F8294", "#3E6070", "#27434F")
    for layer, color in enumerate(colors):
        base = height * (0.45 + layer * 0.13)
        points = [(0.0, float(height))]
        x = 0.0
        while x <= width:
            points.append((x, base - rng.random() * height * 0.18))
            x += width / rng.randint(4, 7)
        points.append((float(width), base - rng.random() * height * 0.1))
        points.append((float(width), float(height)))
        d.polygon(points, fill=hex_color(color))
    return img


def demo_photos() -> list[tuple[str, Image.Image]]:
    """Photos already on a fresh phone (oldest first), with their file names."""
    hues = ("#E07A5F", "#81B29A", "#F2CC8F", "#6D9DC5")
    photos = [
        (f"IMG_2024050{i + 1}.jpg", product_shot(900, 900, hex_color(h), i))
        for i, h in enumerate(hues)
    ]
    photos.insert(1, ("IMG_20240412.jpg", mountains(1200, 900, 3)))
    photos.insert(3, ("IMG_20240420.jpg", seaside(1200, 900)))
    return photos


def populate(world: World) -> None:
    """Fill `world` with the demo contacts, chat history and friends' posts."""
    now = world.now().replace(second=0, microsecond=0)
    for name, color in _CONTACTS:
        world.add_contact(name, hex_color(color))
    for name, minutes, direction, text in _HISTORY:
        world.seed_message(
            name, "in" if direction == "in" else "out", text, now - timedelta(minutes=minutes)
        )
    for name in ("王芳", "陈小雨", "David Liu"):
        world.mark_read(name)

    def at(**delta: float) -> datetime:
        return now - timedelta(**delta)

    world.add_post(
        "David Liu", "Happy Friday everyone! Any weekend plans?", published_at=at(hours=26)
    )
    world.add_post(
        "Emily Chen",
        "New arrivals at the studio today ✨ Spring colours are here!",
        [
            product_shot(800, 800, hex_color(h), i)
            for i, h in enumerate(("#E9A0B2", "#9CC5A1", "#A7B8E8"))
        ],
        ["emily_1.jpg", "emily_2.jpg", "emily_3.jpg"],
        published_at=at(hours=5),
    )
    world.add_post(
        "王芳",
        "周末去了趟海边，天气太好了 🌊 下次一起去！",
        [seaside(1200, 900)],
        ["sea.jpg"],
        published_at=at(hours=2),
    )
