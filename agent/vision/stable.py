"""Tell whether the screen has settled: two frames in a row show the same picture."""

from __future__ import annotations

import cv2
import numpy as np

from agent.vision.template import Image

_SIZE = (96, 192)


def frame_delta(a: Image, b: Image, ignore_top: float = 0.035) -> float:
    """Mean absolute difference (0..255) between two frames, status bar excluded.

    Frames are compared small and gray, so compression noise and the clock don't count.
    """
    if a.shape != b.shape:
        return 255.0
    top = int(a.shape[0] * ignore_top)
    sa = cv2.resize(cv2.cvtColor(a[top:], cv2.COLOR_BGR2GRAY), _SIZE, interpolation=cv2.INTER_AREA)
    sb = cv2.resize(cv2.cvtColor(b[top:], cv2.COLOR_BGR2GRAY), _SIZE, interpolation=cv2.INTER_AREA)
    return float(np.mean(cv2.absdiff(sa, sb)))


def is_stable(a: Image, b: Image, tolerance: float = 0.6) -> bool:
    """True when `b` shows the same settled picture as `a`."""
    return frame_delta(a, b) <= tolerance
