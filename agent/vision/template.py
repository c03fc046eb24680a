"""Template images with the density they were cut at (like aircv's `resolution`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[Any]


@dataclass(frozen=True)
class TemplateImage:
    """A template ready for matching.

    Attributes:
        name: the profile's name for it.
        bgr: the pixels as cut.
        gray: the same in grayscale.
        density: dpi of the screen it was cut from; it is scaled by the ratio of densities.
        threshold: the lowest normalised correlation that counts as a match.
        accent: the match must also contain the app's accent colour.
    """

    name: str
    bgr: Image
    gray: Image
    density: int
    threshold: float = 0.8
    accent: bool = False


def load_template(
    name: str, path: Path, *, density: int, threshold: float = 0.8, accent: bool = False
) -> TemplateImage:
    """Read a template PNG.

    Raises:
        ValueError: the file cannot be decoded as an image.
    """
    data = np.fromfile(str(path), dtype=np.uint8)
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"{path}: not an image")
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    return TemplateImage(name, bgr, gray, density, threshold, accent)
