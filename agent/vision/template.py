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
        alternates: other cuts of the same thing (e.g. from the dark theme) tried as well.
    """

    name: str
    bgr: Image
    gray: Image
    density: int
    threshold: float = 0.8
    accent: bool = False
    alternates: tuple[TemplateImage, ...] = ()


MIN_CONTRAST = 4.0


def load_template(
    name: str,
    path: Path,
    *,
    density: int,
    threshold: float = 0.8,
    accent: bool = False,
    alternates: tuple[Path, ...] = (),
) -> TemplateImage:
    """Read a template PNG (and its alternate cuts).

    Raises:
        ValueError: a file cannot be decoded as an image, or is flat (a template without
            contrast correlates perfectly with any flat area).
    """
    data = np.fromfile(str(path), dtype=np.uint8)
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"{path}: not an image")
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    if float(gray.std()) < MIN_CONTRAST:
        raise ValueError(f"{path}: the template is flat, it would match anywhere")
    others = tuple(
        load_template(name, alt, density=density, threshold=threshold, accent=accent)
        for alt in alternates
    )
    return TemplateImage(name, bgr, gray, density, threshold, accent, others)
