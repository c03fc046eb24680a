"""Anti-aliased shapes (rounded rectangles, discs, rings) painted through cached masks.

Pillow's own rounded rectangles and ellipses have jagged edges. Here each corner or disc
is drawn once at 4x and scaled down into an "L" mask, then colours are pasted through it.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from simulator.theme import Color

SUPERSAMPLE = 4
Box = tuple[int, int, int, int]


def supersampled(size: tuple[int, int]) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A blank "L" canvas 4x the size of `size`, for drawing a smooth mask."""
    big = Image.new("L", (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE), 0)
    return big, ImageDraw.Draw(big)


def downsample(big: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale a supersampled canvas back down to `size` (this is the anti-aliasing)."""
    return big.resize(size, Image.Resampling.BOX)


class ShapeBook:
    """Caches of anti-aliased masks, shared by every frame a phone renders."""

    def __init__(self) -> None:
        self._corners: dict[tuple[int, int], Image.Image] = {}
        self._discs: dict[tuple[int, int], Image.Image] = {}

    def corner(self, radius: int, quadrant: int) -> Image.Image:
        """Mask of a quarter disc of `radius`; quadrant 0..3 = top-left, top-right,
        bottom-right, bottom-left."""
        key = (radius, quadrant)
        mask = self._corners.get(key)
        if mask is None:
            big, draw = supersampled((radius, radius))
            r = radius * SUPERSAMPLE
            draw.ellipse((0, 0, 2 * r - 1, 2 * r - 1), fill=255)
            mask = downsample(big, (radius, radius))
            if quadrant in (1, 2):
                mask = mask.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            if quadrant in (2, 3):
                mask = mask.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
            self._corners[key] = mask
        return mask

    def disc(self, diameter: int, ring: int = 0) -> Image.Image:
        """Mask of a disc of `diameter` px, or of a ring `ring` px wide when ring > 0."""
        key = (diameter, ring)
        mask = self._discs.get(key)
        if mask is None:
            big, draw = supersampled((diameter, diameter))
            d = diameter * SUPERSAMPLE
            draw.ellipse((0, 0, d - 1, d - 1), fill=255)
            if ring:
                w = ring * SUPERSAMPLE
                draw.ellipse((w, w, d - 1 - w, d - 1 - w), fill=0)
            mask = downsample(big, (diameter, diameter))
            self._discs[key] = mask
        return mask


def _rect(draw: ImageDraw.ImageDraw, box: Box, paint: float | tuple[int, ...]) -> None:
    """An inclusive rectangle, skipped when empty."""
    if box[2] >= box[0] and box[3] >= box[1]:
        draw.rectangle(box, fill=paint)


def _with_alpha(mask: Image.Image, alpha: float) -> Image.Image:
    if alpha >= 1.0:
        return mask
    return mask.point(lambda v: round(v * alpha))


def rounded_rect(
    image: Image.Image,
    box: Box,
    radius: int,
    fill: Color,
    book: ShapeBook,
    alpha: float = 1.0,
    corners: tuple[bool, bool, bool, bool] = (True, True, True, True),
) -> None:
    """Fill `box` (x0, y0, x1, y1; x1/y1 exclusive) with rounded corners.

    Args:
        corners: which corners are rounded (top-left, top-right, bottom-right, bottom-left).
        alpha: opacity of the fill, 0..1.
    """
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if w <= 0 or h <= 0:
        return
    r = max(0, min(radius, w // 2, h // 2))
    if alpha < 1.0:
        mask = Image.new("L", (w, h), 0)
        rounded_rect(mask, (0, 0, w, h), r, (255, 255, 255), book, 1.0, corners)
        image.paste(fill, (x0, y0, x1, y1), _with_alpha(mask, alpha))
        return
    draw = ImageDraw.Draw(image)
    paint: float | tuple[int, ...] = 255 if image.mode == "L" else fill
    if r == 0:
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=paint)
        return
    _rect(draw, (x0 + r, y0, x1 - r - 1, y1 - 1), paint)
    _rect(draw, (x0, y0 + r, x0 + r - 1, y1 - r - 1), paint)
    _rect(draw, (x1 - r, y0 + r, x1 - 1, y1 - r - 1), paint)
    origins = ((x0, y0), (x1 - r, y0), (x1 - r, y1 - r), (x0, y1 - r))
    for quadrant, (cx, cy) in enumerate(origins):
        if corners[quadrant]:
            image.paste(paint, (cx, cy, cx + r, cy + r), book.corner(r, quadrant))
        else:
            draw.rectangle((cx, cy, cx + r - 1, cy + r - 1), fill=paint)


def disc(
    image: Image.Image,
    center: tuple[int, int],
    diameter: int,
    fill: Color,
    book: ShapeBook,
    ring: int = 0,
    alpha: float = 1.0,
) -> None:
    """Fill a disc (or a ring `ring` px wide) of `diameter` centred on `center`."""
    if diameter <= 0:
        return
    x0 = center[0] - diameter // 2
    y0 = center[1] - diameter // 2
    mask = _with_alpha(book.disc(diameter, ring), alpha)
    image.paste(fill, (x0, y0, x0 + diameter, y0 + diameter), mask)
