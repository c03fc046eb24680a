"""Render every screen of the virtual phone to PNGs and a contact sheet per look.

    python -m simulator.gallery OUTDIR

writes OUTDIR/<theme>-<locale>/<screen>.png for 1080x2400 in light zh-CN and dark en,
and OUTDIR/sheet-<theme>-<locale>.png with all of them side by side. `--size 720x1600@320`
renders another screen size.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image, ImageDraw

from simulator.assets import RenderAssets
from simulator.clock import ManualClock
from simulator.demo_content import mountains, product_shot
from simulator.phone import VirtualPhone
from simulator.theme import hex_color

LOOKS = (("light", "zh-CN"), ("dark", "en"))
SIZE = (1080, 2400, 420)
SHEET_COLUMNS = 6
THUMB_WIDTH = 360
SCENES = (
    "launcher",
    "lock_screen",
    "chat_list",
    "contacts",
    "discover",
    "me",
    "moments_feed",
    "moments_feed-publishing",
    "composer",
    "composer-empty",
    "image_picker",
    "conversation",
    "conversation-en",
    "update_dialog",
    "permission_dialog",
    "crash_dialog",
    "banner",
    "toast",
    "transition",
)


def _tap(phone: VirtualPhone, clock: ManualClock, id_name: str, settle: float = 1.0) -> None:
    node = phone.find(id_name)[0]
    phone.tap(*node.center)
    clock.advance(settle)


def _scenes(phone: VirtualPhone, clock: ManualClock) -> dict[str, Callable[[], object]]:
    text = {"zh-CN": "新品上市 🎉 欢迎到店选购！", "en": "New arrivals are in 🎉 Come and see!"}
    draft = text[phone.locale]
    newest = [m.name for m in phone.media()[:2]]

    def publishing() -> None:
        phone.goto("composer", text=draft, images=newest)
        _tap(phone, clock, "btn_publish", settle=0.65)

    def transition() -> None:
        phone.goto("discover")
        _tap(phone, clock, "entry_moments", settle=0.12)

    def over(base: str, name: str, **options: object) -> Callable[[], None]:
        def arrange() -> None:
            phone.goto(base)
            phone.goto(name, **options)

        return arrange

    return {
        "launcher": lambda: phone.goto("launcher"),
        "lock_screen": lambda: phone.goto("lock_screen"),
        "chat_list": lambda: phone.goto("chat_list"),
        "contacts": lambda: phone.goto("contacts"),
        "discover": lambda: phone.goto("discover"),
        "me": lambda: phone.goto("me"),
        "moments_feed": lambda: phone.goto("moments_feed"),
        "moments_feed-publishing": publishing,
        "composer": lambda: phone.goto("composer", text=draft, images=newest),
        "composer-empty": lambda: phone.goto("composer"),
        "image_picker": lambda: phone.goto("image_picker", selected=newest),
        "conversation": lambda: phone.goto("conversation", contact="张伟", text=draft, focus=True),
        "conversation-en": lambda: phone.goto("conversation", contact="Emily Chen"),
        "update_dialog": over("chat_list", "update_dialog"),
        "permission_dialog": over("composer", "permission_dialog"),
        "crash_dialog": lambda: phone.goto("crash_dialog"),
        "banner": over(
            "chat_list", "banner", contact="Emily Chen", text="Do you ship to Hangzhou? 📦"
        ),
        "toast": over("moments_feed", "toast"),
        "transition": transition,
    }


def render_look(
    theme: str,
    locale: str,
    out: Path,
    assets: RenderAssets,
    size: tuple[int, int, int] = SIZE,
) -> list[Path]:
    """Render every scene in one look (each on a fresh phone); returns the PNGs written.

    Args:
        size: (width, height, density) of the phone.
    """
    clock = ManualClock()
    folder = out / f"{theme}-{locale}"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in SCENES:
        phone = _fresh(theme, locale, clock, assets, size)
        _scenes(phone, clock)[name]()
        path = folder / f"{name}.png"
        phone.screenshot().save(path, compress_level=3)
        paths.append(path)
    _sheet(paths, out / f"sheet-{theme}-{locale}.png", size[0], size[1])
    return paths


def _fresh(
    theme: str,
    locale: str,
    clock: ManualClock,
    assets: RenderAssets,
    size: tuple[int, int, int],
) -> VirtualPhone:
    width, height, density = size
    phone = VirtualPhone(
        width=width,
        height=height,
        density=density,
        theme=theme,
        locale=locale,
        clock=clock,
        assets=assets,
        wall_clock=lambda: datetime(2024, 6, 12, 1, 41, tzinfo=UTC),
    )
    phone.add_media("promo_landscape.jpg", mountains(1200, 800, 11))
    phone.add_media("promo_product.jpg", product_shot(900, 900, hex_color("#F28C6B"), 9))
    return phone


def _sheet(paths: list[Path], target: Path, width: int, height: int) -> None:
    thumb_h = round(THUMB_WIDTH * height / width)
    label_h = 36
    rows = (len(paths) + SHEET_COLUMNS - 1) // SHEET_COLUMNS
    gap = 16
    sheet = Image.new(
        "RGB",
        (SHEET_COLUMNS * (THUMB_WIDTH + gap) + gap, rows * (thumb_h + label_h + gap) + gap),
        (60, 63, 68),
    )
    draw = ImageDraw.Draw(sheet)
    for i, path in enumerate(paths):
        x = gap + (i % SHEET_COLUMNS) * (THUMB_WIDTH + gap)
        y = gap + (i // SHEET_COLUMNS) * (thumb_h + label_h + gap)
        with Image.open(path) as shot:
            sheet.paste(shot.resize((THUMB_WIDTH, thumb_h), Image.Resampling.LANCZOS), (x, y))
        draw.text((x, y + thumb_h + 8), path.stem, fill=(235, 235, 235))
    sheet.save(target)


def main(argv: list[str] | None = None) -> None:
    """Entry point: render both looks into OUTDIR."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("outdir", nargs="?", default="artifacts/simulator", type=Path)
    parser.add_argument(
        "--size", default="1080x2400@420", help="WIDTHxHEIGHT@DPI (default 1080x2400@420)"
    )
    args = parser.parse_args(argv)
    dims, _, dpi = args.size.partition("@")
    width, _, height = dims.partition("x")
    size = (int(width), int(height), int(dpi))
    assets = RenderAssets()
    for theme, locale in LOOKS:
        paths = render_look(theme, locale, args.outdir, assets, size)
        print(f"{theme} {locale}: {len(paths)} screens → {args.outdir}/sheet-{theme}-{locale}.png")


if __name__ == "__main__":
    main()
