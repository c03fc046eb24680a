"""`FrameEncoder`: the virtual phone's screen as `screencap` and uiautomator2 deliver it.

- PNG (`screencap -p`), the slow path: the phone compresses every frame;
- raw (`screencap`): a 16-byte header (width, height, pixel format 1 = RGBA_8888,
  color space) followed by the pixels, as Android 10+ writes it;
- JPEG (uiautomator2's `takeScreenshot(scale, quality)`).

Encodings of the last frame are cached: an unchanged screen is not encoded twice.
"""

from __future__ import annotations

import io
import struct
import threading
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from simulator.phone import VirtualPhone

RGBA_8888 = 1
RAW_HEADER = struct.Struct("<4I")


class FrameEncoder:
    """Encodes what a handset's screen shows.

    Args:
        phone: the virtual phone.
        screen_on: whether the screen is on (a screen turned off shows black).
    """

    def __init__(self, phone: VirtualPhone, screen_on: Callable[[], bool]) -> None:
        self.phone = phone
        self.screen_on = screen_on
        self._lock = threading.Lock()
        self._key: object = None
        self._cache: dict[str, bytes] = {}
        self._off = object()  # the cache key of a black (screen off) frame

    def _image(self) -> tuple[object, Image.Image]:
        phone = self.phone
        if not self.screen_on():
            return self._off, Image.new("RGB", (phone.width, phone.height))
        frame = phone.frame()
        return frame, frame.image

    def _cached(self, kind: str, encode: Callable[[Image.Image], bytes]) -> bytes:
        key, image = self._image()
        with self._lock:
            if key is not self._key:
                self._key = key
                self._cache = {}
            data = self._cache.get(kind)
        if data is None:
            data = encode(image)
            with self._lock:
                if self._key is key:
                    self._cache[kind] = data
        return data

    def forget(self) -> None:
        """Drop the cached encodings: the next capture encodes again, as a phone would."""
        with self._lock:
            self._key = None
            self._cache = {}

    def png(self) -> bytes:
        """The screen as a PNG file."""
        return self._cached("png", _png)

    def raw(self) -> bytes:
        """The screen in `screencap`'s raw format (a copy of the frame buffer, no encoding)."""
        return self._cached("raw", self._raw)

    def _raw(self, image: Image.Image) -> bytes:
        if not self.screen_on():
            return RAW_HEADER.pack(image.width, image.height, RGBA_8888, 0) + bytes(
                image.width * image.height * 4
            )
        bgr = self.phone.screenshot_bgr()  # the compositor keeps it per frame
        height, width = bgr.shape[:2]
        head = RAW_HEADER.pack(width, height, RGBA_8888, 0)
        return head + cv2.cvtColor(bgr, cv2.COLOR_BGR2RGBA).tobytes()

    def jpeg(self, scale: float = 1.0, quality: int = 80) -> bytes:
        """The screen as a JPEG, scaled by `scale` (0 < scale ≤ 1)."""
        scale = min(1.0, max(0.05, scale))
        quality = min(100, max(1, quality))

        def encode(image: Image.Image) -> bytes:
            bgr = _bgr(image)
            if scale < 1.0:
                size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
                bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
            ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
            if not ok:
                raise RuntimeError("JPEG encoding failed")
            return bytes(data.tobytes())

        return self._cached(f"jpeg:{scale}:{quality}", encode)


def _bgr(image: Image.Image) -> npt.NDArray[Any]:
    data = np.frombuffer(image.tobytes("raw", "BGR"), dtype=np.uint8)
    return data.reshape(image.height, image.width, 3)


def _png(image: Image.Image) -> bytes:
    ok, data = cv2.imencode(".png", _bgr(image), [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        return buffer.getvalue()
    return bytes(data.tobytes())
