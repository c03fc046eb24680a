"""Decoding what a phone's screen capture sends into the BGR arrays vision works on.

Two paths over the same `exec:` wire:

- `screencap -p`: the phone compresses a PNG of every frame (hundreds of milliseconds on a
  phone's CPU for a 1080x2400 screen); the host decodes it;
- raw `screencap` (the fast path): the phone copies its frame buffer as is — a 12-byte
  (Android ≤ 9) or 16-byte (10+, with the color space) header, then the pixels — and the
  host converts it. Nothing is compressed, so the wire carries width x height x 4 bytes.

Unlike adbutils' `screenshot()`, nothing here ever returns a black image for data it
cannot decode: it raises.

ScreenDecodeError     the bytes are not a screen capture (or stop short)
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[Any]

# android.graphics.PixelFormat values screencap writes
RGBA_8888 = 1
RGBX_8888 = 2
RGB_888 = 3
BGRA_8888 = 5
_BYTES_PER_PIXEL: Mapping[int, int] = MappingProxyType(
    {RGBA_8888: 4, RGBX_8888: 4, RGB_888: 3, BGRA_8888: 4}
)
_HEADER = struct.Struct("<3I")


class ScreenDecodeError(Exception):
    """The capture could not be decoded."""


class TruncatedCaptureError(ScreenDecodeError):
    """The capture stopped short: the link dropped while it was sent."""


def raw_size(width: int, height: int, pixel_format: int = RGBA_8888) -> int:
    """Bytes of pixels in a raw capture of that size."""
    return width * height * _BYTES_PER_PIXEL.get(pixel_format, 4)


def decode_raw(data: bytes) -> Image:
    """A raw `screencap` → BGR uint8 array (height, width, 3).

    Raises:
        TruncatedCaptureError: fewer pixels than the header announces.
        ScreenDecodeError: not a raw capture, or a pixel format we do not handle.
    """
    if len(data) < _HEADER.size:
        raise TruncatedCaptureError(f"raw capture of {len(data)} bytes has no header")
    width, height, pixel_format = _HEADER.unpack_from(data)
    if pixel_format not in _BYTES_PER_PIXEL or not 0 < width <= 16384 or not 0 < height <= 16384:
        raise ScreenDecodeError(f"not a raw capture ({width}x{height}, format {pixel_format})")
    pixels = raw_size(width, height, pixel_format)
    header = len(data) - pixels
    if header < _HEADER.size:
        raise TruncatedCaptureError(f"raw capture stopped after {len(data)} of {pixels + 16} bytes")
    if header not in (12, 16):
        raise ScreenDecodeError(f"raw capture with a {header}-byte header")
    channels = _BYTES_PER_PIXEL[pixel_format]
    array = np.frombuffer(data, dtype=np.uint8, offset=header).reshape(height, width, channels)
    if pixel_format == RGB_888:
        return cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    if pixel_format == BGRA_8888:
        return cv2.cvtColor(array, cv2.COLOR_BGRA2BGR)
    return cv2.cvtColor(array, cv2.COLOR_RGBA2BGR)


def decode_image(data: bytes) -> Image:
    """A PNG or JPEG → BGR uint8 array.

    Raises:
        ScreenDecodeError: the bytes are not a decodable image.
    """
    if not data:
        raise TruncatedCaptureError("empty image")
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        kind = "PNG" if data.startswith(b"\x89PNG") else "image"
        raise ScreenDecodeError(f"undecodable {kind} of {len(data)} bytes")
    return image
