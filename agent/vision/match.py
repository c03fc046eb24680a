"""Locate templates on a screenshot, whatever the device's density and theme.

Matching runs on a grayscale copy scaled to a common working density, so a template
cut on a 420 dpi phone matches on 320 and 560 dpi phones too. Both polarities are tried
(the template and its negative), which makes a light-theme template match the same
icon in a dark theme. Scores are OpenCV's normalised correlation coefficient (-1..1).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from agent.vision.template import Image, TemplateImage

WORK_DENSITY = 200
_SCALES = (1.0, 0.94, 1.06)


@dataclass(frozen=True)
class Box:
    """A rectangle in screen pixels."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def center(self) -> tuple[int, int]:
        """The middle of the box."""
        return (self.x0 + self.x1) // 2, (self.y0 + self.y1) // 2

    @property
    def width(self) -> int:
        """Width in pixels."""
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        """Height in pixels."""
        return self.y1 - self.y0


@dataclass(frozen=True)
class Match:
    """Where a template was found and how well it matched."""

    name: str
    box: Box
    score: float

    @property
    def center(self) -> tuple[int, int]:
        """The middle of the match, the point to tap."""
        return self.box.center


RelRegion = tuple[float, float, float, float]
FULL: RelRegion = (0.0, 0.0, 1.0, 1.0)


class Scene:
    """One screenshot prepared for matching many templates against it.

    Args:
        bgr: the screenshot (BGR, full resolution).
        density: the device's dpi.
        accent_hsv: the app's accent colour (OpenCV HSV), for templates marked `accent`.
    """

    def __init__(
        self, bgr: Image, density: int, accent_hsv: tuple[int, int, int] | None = None
    ) -> None:
        self.bgr = bgr
        self.density = density
        self.height, self.width = bgr.shape[:2]
        self.factor = WORK_DENSITY / density
        gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        size = (max(1, round(self.width * self.factor)), max(1, round(self.height * self.factor)))
        self.work: Image = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        self.accent_hsv = accent_hsv
        self._scaled: dict[tuple[int, float], tuple[Image, Image, TemplateImage]] = {}

    def _template_at(self, template: TemplateImage, scale: float) -> tuple[Image, Image]:
        # keyed by identity: two templates may share a name (a re-cut, another profile);
        # the cached value keeps the template alive, so its id cannot be reused meanwhile
        key = (id(template), scale)
        cached = self._scaled.get(key)
        if cached is None:
            f = WORK_DENSITY / template.density * scale
            h, w = template.gray.shape
            size = (max(3, round(w * f)), max(3, round(h * f)))
            interp = cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR
            pos = cv2.resize(template.gray, size, interpolation=interp)
            cached = (pos, cv2.bitwise_not(pos), template)
            self._scaled[key] = cached
        return cached[0], cached[1]

    def _region_px(self, region: RelRegion) -> tuple[int, int, int, int]:
        h, w = self.work.shape
        x0, y0, x1, y1 = region
        return (
            int(x0 * w),
            int(y0 * h),
            max(int(x0 * w) + 1, round(x1 * w)),
            max(int(y0 * h) + 1, round(y1 * h)),
        )

    def _score_maps(
        self, template: TemplateImage, region: RelRegion
    ) -> list[tuple[np.ndarray, int, int, float]]:
        rx0, ry0, rx1, ry1 = self._region_px(region)
        roi = self.work[ry0:ry1, rx0:rx1]
        maps = []
        for scale in _SCALES:
            pos, neg = self._template_at(template, scale)
            th, tw = pos.shape
            if roi.shape[0] < th or roi.shape[1] < tw:
                continue
            a = cv2.matchTemplate(roi, pos, cv2.TM_CCOEFF_NORMED)
            b = cv2.matchTemplate(roi, neg, cv2.TM_CCOEFF_NORMED)
            scores = np.nan_to_num(np.maximum(a, b), nan=-1.0)
            maps.append((scores, tw, th, scale))
            if float(scores.max()) >= max(template.threshold, 0.9):
                break  # the nominal scale is good enough; skip the others
        return maps

    def _to_box(self, rx: int, ry: int, x: int, y: int, tw: int, th: int) -> Box:
        f = self.factor
        return Box(
            round((rx + x) / f),
            round((ry + y) / f),
            round((rx + x + tw) / f),
            round((ry + y + th) / f),
        )

    def best(self, template: TemplateImage, region: RelRegion = FULL) -> Match | None:
        """The best match of `template` (or one of its alternates) in `region`, whatever its
        score; None when it cannot fit in the region."""
        rx0, ry0, _, _ = self._region_px(region)
        best: Match | None = None
        for variant in (template, *template.alternates):
            for scores, tw, th, _scale in self._score_maps(variant, region):
                _, score, _, (x, y) = cv2.minMaxLoc(scores)
                if best is None or score > best.score:
                    box = self._to_box(rx0, ry0, x, y, tw, th)
                    best = Match(template.name, box, float(score))
        if best is not None and template.accent and not self.shows_accent(best.box):
            return Match(best.name, best.box, min(best.score, 0.0))
        return best

    def locate(
        self, template: TemplateImage, region: RelRegion = FULL, threshold: float | None = None
    ) -> Match | None:
        """The best match at or above the threshold, else None."""
        match = self.best(template, region)
        limit = template.threshold if threshold is None else threshold
        return match if match is not None and match.score >= limit else None

    def locate_all(
        self,
        template: TemplateImage,
        region: RelRegion = FULL,
        threshold: float | None = None,
        limit: int = 50,
    ) -> list[Match]:
        """Every non-overlapping match at or above the threshold, in reading order."""
        limit_score = template.threshold if threshold is None else threshold
        rx0, ry0, _, _ = self._region_px(region)
        maps = self._score_maps(template, region)
        if not maps:
            return []
        scores, tw, th, _ = maps[0]
        scores = scores.copy()
        found: list[Match] = []
        while len(found) < limit:
            _, score, _, (x, y) = cv2.minMaxLoc(scores)
            if score < limit_score:
                break
            box = self._to_box(rx0, ry0, x, y, tw, th)
            if not template.accent or self.shows_accent(box):
                found.append(Match(template.name, box, float(score)))
            # suppress this peak's neighbourhood
            scores[
                max(0, y - th // 2) : y + th // 2 + 1, max(0, x - tw // 2) : x + tw // 2 + 1
            ] = -1.0
        row = max(1, round(self.height / 100))
        found.sort(key=lambda m: (m.box.y0 // row, m.box.x0))
        return found

    def shows_accent(self, box: Box, min_fraction: float = 0.04) -> bool:
        """True when enough pixels in `box` have the accent colour (or no accent is known)."""
        if self.accent_hsv is None:
            return True
        crop = self.bgr[max(0, box.y0) : box.y1, max(0, box.x0) : box.x1]
        if crop.size == 0:
            return False
        hsv = cv2.cvtColor(crop, cv2.COLOR_BGR2HSV)
        hue = int(self.accent_hsv[0])
        lo = np.array([max(0, hue - 10), 80, 70], dtype=np.uint8)
        hi = np.array([min(179, hue + 10), 255, 255], dtype=np.uint8)
        mask = cv2.inRange(hsv, lo, hi)
        return float(np.count_nonzero(mask)) / mask.size >= min_fraction
