"""Compare two pictures: is this thumbnail that image?"""

from __future__ import annotations

import cv2
import numpy as np

from agent.vision.template import Image

_SIDE = 48


def center_square(img: Image) -> Image:
    """The largest centred square of an image (how feeds crop thumbnails)."""
    h, w = img.shape[:2]
    side = min(h, w)
    y0, x0 = (h - side) // 2, (w - side) // 2
    return img[y0 : y0 + side, x0 : x0 + side]


def similarity(a: Image, b: Image, *, crop_square: bool = True) -> float:
    """Normalised correlation (-1..1) of two images shrunk to a small gray square.

    Both are centre-cropped to a square first (unless `crop_square` is False), so a
    thumbnail compares well with the full picture it was cut from.
    """
    if crop_square:
        a, b = center_square(a), center_square(b)
    sa = cv2.resize(
        cv2.cvtColor(a, cv2.COLOR_BGR2GRAY), (_SIDE, _SIDE), interpolation=cv2.INTER_AREA
    )
    sb = cv2.resize(
        cv2.cvtColor(b, cv2.COLOR_BGR2GRAY), (_SIDE, _SIDE), interpolation=cv2.INTER_AREA
    )
    va = sa.astype(np.float32) - float(sa.mean())
    vb = sb.astype(np.float32) - float(sb.mean())
    denom = float(np.linalg.norm(va) * np.linalg.norm(vb))
    if denom < 1e-6:
        # flat images: equal if their brightness is close
        return 1.0 if abs(float(sa.mean()) - float(sb.mean())) < 8 else 0.0
    return float(np.dot(va.ravel(), vb.ravel()) / denom)
