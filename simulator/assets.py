"""Everything expensive to draw and reusable across frames: fonts, masks, icons, pictures.

One `RenderAssets` serves a phone for its whole life (and may be shared by several phones
in one thread). Caches are bounded so long runs do not grow without limit.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps

from simulator.app_icons import app_icon, moments_icon
from simulator.fonts import FontBook
from simulator.icons import IconBook
from simulator.shapes import ShapeBook
from simulator.theme import Color

_MAX_PICTURES = 256


class RenderAssets:
    """Fonts, shape masks, icons, app icons, thumbnails and gradients, cached.

    Args:
        fonts: a font book to use (a new one is loaded when None).
    """

    def __init__(self, fonts: FontBook | None = None) -> None:
        self.fonts = fonts or FontBook()
        self.shapes = ShapeBook()
        self.icons = IconBook()
        self._pictures: dict[tuple[object, ...], Image.Image] = {}

    def _remember(self, key: tuple[object, ...], image: Image.Image) -> Image.Image:
        if len(self._pictures) >= _MAX_PICTURES:
            self._pictures.clear()
        self._pictures[key] = image
        return image

    def app_icon(self, name: str, size: int) -> Image.Image:
        """A launcher icon (RGBA), `size` px square."""
        key = ("app", name, size)
        return self._pictures.get(key) or self._remember(key, app_icon(name, size, self.icons))

    def moments_icon(self, size: int) -> Image.Image:
        """The Moments aperture icon (RGBA), `size` px square."""
        key = ("moments", size)
        return self._pictures.get(key) or self._remember(key, moments_icon(size))

    def thumbnail(self, key: str, image: Image.Image, width: int, height: int) -> Image.Image:
        """`image` centre-cropped to the aspect of `width` x `height` and scaled to it.

        Args:
            key: a stable name of the source image (the cache key).
        """
        cache_key = ("thumb", key, width, height)
        cached = self._pictures.get(cache_key)
        if cached is None:
            fitted = ImageOps.fit(
                image.convert("RGB"), (max(1, width), max(1, height)), Image.Resampling.BILINEAR
            )
            cached = self._remember(cache_key, fitted)
        return cached

    def gradient(
        self, width: int, height: int, top: Color, bottom: Color, tilt: float = 0.0
    ) -> Image.Image:
        """A two-colour gradient from the top (left, when tilted) to the bottom, RGB.

        Args:
            tilt: 0 for a vertical gradient; up to 1 to run it towards the bottom-right.
        """
        key = ("gradient", width, height, top, bottom, tilt)
        cached = self._pictures.get(key)
        if cached is None:
            ys = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
            xs = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :]
            t = ys * (1.0 - tilt) + xs * tilt
            a = np.array(top, dtype=np.float32)
            b = np.array(bottom, dtype=np.float32)
            pixels = a + (b - a) * t[:, :, None]
            cached = self._remember(key, Image.fromarray(pixels.astype(np.uint8), "RGB"))
        return cached
