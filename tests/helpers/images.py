"""Images for tests and benches: photo-like PNGs, plain images, photo files, pixel hashes."""

from __future__ import annotations

import hashlib
import io
import random
from pathlib import Path

from PIL import Image, ImageDraw


def photo_png(seed: int, size: tuple[int, int] = (480, 360)) -> bytes:
    """A distinct, photo-like PNG: shapes in seeded colours (`size` at least 240 x 180)."""
    rng = random.Random(seed)
    img = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(img)
    for _ in range(8):
        x, y = rng.randrange(size[0] - 80), rng.randrange(size[1] - 60)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse([x, y, x + rng.randrange(40, 160), y + rng.randrange(30, 120)], fill=colour)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return buffer.getvalue()


def write_photo(path: Path, seed: int) -> Path:
    """Save a distinct 800 x 600 product-like photo (JPEG) at `path`, as a phone's camera
    roll would hold it; returns `path`."""
    img = Image.new("RGB", (800, 600), (20 + seed * 40 % 200, 90, 160 - seed * 30 % 150))
    draw = ImageDraw.Draw(img)
    for i in range(6):
        x = (seed * 97 + i * 131) % 700
        y = (seed * 53 + i * 71) % 500
        draw.ellipse(
            [x, y, x + 120, y + 90], fill=((i * 60 + seed * 20) % 255, 200 - i * 25, 40 + i * 30)
        )
    draw.rectangle([300, 220, 500, 380], fill=(250, 245, 235), outline=(0, 0, 0), width=6)
    img.save(path, quality=95)
    return path


def png(width: int = 32, height: int = 24, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A real PNG image of one colour."""
    return image_bytes("PNG", (width, height), colour)


def image_bytes(
    fmt: str, size: tuple[int, int] = (20, 20), colour: tuple[int, int, int] = (10, 120, 200)
) -> bytes:
    """A real image of one colour in Pillow format `fmt` (PNG, GIF, JPEG, ...)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def rgb_sha256(data: bytes) -> str:
    """sha256 of an image file's RGB pixels (what the sim control API reports)."""
    return hashlib.sha256(Image.open(io.BytesIO(data)).convert("RGB").tobytes()).hexdigest()
