"""Evidence images: a screenshot with what was looked for and found drawn on it."""

from __future__ import annotations

from dataclasses import dataclass

import cv2

from agent.vision.match import Box
from agent.vision.template import Image

_GOOD = (60, 180, 60)
_BAD = (40, 40, 220)


@dataclass(frozen=True)
class Mark:
    """A box to draw, with its label and score; `ok` picks green or red."""

    box: Box
    label: str
    score: float | None = None
    ok: bool = True


def annotate(screenshot: Image, marks: list[Mark], title: str, max_width: int = 720) -> Image:
    """A copy of `screenshot`, scaled to at most `max_width`, with boxes and a title band.

    Labels are drawn with OpenCV's Hershey font, which only covers ASCII; pass names, not
    user text.
    """
    h, w = screenshot.shape[:2]
    f = min(1.0, max_width / w)
    img = cv2.resize(screenshot, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
    thick = 2
    for mark in marks:
        color = _GOOD if mark.ok else _BAD
        p0 = (round(mark.box.x0 * f), round(mark.box.y0 * f))
        p1 = (round(mark.box.x1 * f), round(mark.box.y1 * f))
        cv2.rectangle(img, p0, p1, color, thick)
        text = mark.label if mark.score is None else f"{mark.label} {mark.score:.2f}"
        ty = p0[1] - 6 if p0[1] > 20 else p1[1] + 16
        cv2.putText(img, text, (p0[0], ty), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3)
        cv2.putText(img, text, (p0[0], ty), cv2.FONT_HERSHEY_SIMPLEX, 0.5, color, 1)
    band = 28 * (1 + len(title) // 80)
    out = cv2.copyMakeBorder(img, band, 0, 0, 0, cv2.BORDER_CONSTANT, value=(32, 32, 32))
    for i in range(0, len(title), 80):
        line = title[i : i + 80].encode("ascii", "replace").decode()
        cv2.putText(
            out, line, (6, 20 + 28 * (i // 80)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1
        )
    return out
