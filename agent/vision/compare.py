"""Compare two pictures: is this thumbnail that image?"""

from __future__ import annotations

import cv2
import numpy as np

from agent.vision.template import Image

_SIDE = 48
_CELLS = 8


def center_square(img: Image) -> Image:
    """The largest centred square of an image (how feeds crop thumbnails)."""
    h, w = img.shape[:2]
    side = min(h, w)
    y0, x0 = (h - side) // 2, (w - side) // 2
    return img[y0 : y0 + side, x0 : x0 + side]


COLOUR_SAME = 14.0
COLOUR_SPAN = 12.0


def colour_distance(a: Image, b: Image) -> float:
    """How far apart the colours of two pictures are, place by place (0: the same hues).

    Both are shrunk to a grid of cells; the distance of each cell's mean colour in CIE
    Lab's a*/b* plane is taken, and the 90th percentile is returned, so a product that
    differs only in colour counts even on a large neutral background.
    """
    la = cv2.cvtColor(
        cv2.resize(a, (_CELLS, _CELLS), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2LAB
    )
    lb = cv2.cvtColor(
        cv2.resize(b, (_CELLS, _CELLS), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2LAB
    )
    diff = la[:, :, 1:].astype(np.float32) - lb[:, :, 1:].astype(np.float32)
    return float(np.percentile(np.linalg.norm(diff, axis=2), 90))


def similarity(a: Image, b: Image, *, crop_square: bool = True) -> float:
    """How alike two pictures are (-1..1): shape by correlation, then colour.

    Both are centre-cropped to a square first (unless `crop_square` is False), so a
    thumbnail compares well with the full picture it was cut from. The gray correlation
    is scaled down when the mean colours differ, so the same shot in another colour is
    told apart.
    """
    if crop_square:
        a, b = center_square(a), center_square(b)
    shape = _gray_correlation(a, b)
    excess = max(0.0, colour_distance(a, b) - COLOUR_SAME)
    return shape * max(0.0, 1.0 - excess / COLOUR_SPAN)


def _gray_correlation(a: Image, b: Image) -> float:
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
