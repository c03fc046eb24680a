"""Parse `WIDTHxHEIGHT` and pick a density like the phones that ship with it."""

from __future__ import annotations

import re

import typer

# Common phones: 720p at xhdpi, 1080p at 420 dpi, 1440p at 560 dpi.
_DENSITY_BY_WIDTH = {720: 320, 1080: 420, 1440: 560}


def parse_resolution(value: str) -> tuple[int, int]:
    """`1080x2400` -> (1080, 2400), or a typer error naming the option."""
    m = re.fullmatch(r"\s*(\d{3,4})\s*[xX]\s*(\d{3,4})\s*", value)
    if m is None:
        raise typer.BadParameter(f"{value!r} is not WIDTHxHEIGHT, e.g. 1080x2400")
    width, height = int(m.group(1)), int(m.group(2))
    if not (320 <= width <= 2160 and 480 <= height <= 4096 and height > width):
        raise typer.BadParameter(f"{value!r}: a portrait phone screen is 320-2160 x 480-4096")
    return width, height


def default_density(width: int) -> int:
    """A density typical of phones with this width."""
    if width in _DENSITY_BY_WIDTH:
        return _DENSITY_BY_WIDTH[width]
    return max(160, round(width / 1080 * 420 / 20) * 20)
