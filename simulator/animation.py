"""Screen transitions: their timing curve and how an in-between frame is composed.

push    the new screen slides in from the right over the old one
pop     the top screen slides out to the right, uncovering the one below
launch  the app grows out of its launcher icon and fades in
close   the app shrinks back towards its icon, uncovering the launcher
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from simulator.app_process import Screen
from simulator.node import Bounds

KINDS = ("push", "pop", "launch", "close")


def ease(t: float) -> float:
    """Android's fast-out-slow-in feel: a cubic ease-in-out on 0..1."""
    t = max(0.0, min(1.0, t))
    return 4 * t * t * t if t < 0.5 else 1 - (-2 * t + 2) ** 3 / 2


@dataclass(frozen=True)
class Animation:
    """A running transition from `source` to `target` (both full-screen scenes)."""

    kind: str
    start: float
    duration: float
    source: Screen
    target: Screen

    @property
    def end(self) -> float:
        """When the transition finishes."""
        return self.start + self.duration

    def progress(self, now: float) -> float:
        """Eased progress 0..1 at `now`."""
        if self.duration <= 0:
            return 1.0
        return ease((now - self.start) / self.duration)

    def running(self, now: float) -> bool:
        """True until the transition has finished."""
        return now < self.end


def _dim(image: Image.Image, amount: float) -> Image.Image:
    if amount <= 0.0:
        return image
    return Image.blend(image, Image.new("RGB", image.size, (0, 0, 0)), amount)


def _rect_between(a: Bounds, b: Bounds, t: float) -> Bounds:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
        round(a[3] + (b[3] - a[3]) * t),
    )


def _zoom(under: Image.Image, app: Image.Image, icon: Bounds, t: float) -> Image.Image:
    """`app` drawn over `under`, scaled from `icon` (t=0) to full screen (t=1)."""
    w, h = app.size
    box = _rect_between(icon, (0, 0, w, h), t)
    bw, bh = max(1, box[2] - box[0]), max(1, box[3] - box[1])
    out = under.copy()
    scaled = app.resize((bw, bh), Image.Resampling.BILINEAR)
    alpha = min(1.0, t / 0.4)
    mask = Image.new("L", (bw, bh), round(255 * alpha))
    out.paste(scaled, (box[0], box[1]), mask)
    return out


def compose_transition(
    animation: Animation,
    source: Image.Image,
    target: Image.Image,
    now: float,
    icon: Bounds,
) -> Image.Image:
    """The frame `animation` shows at `now`, from the full source and target images.

    Args:
        icon: the launcher icon's box (where launch/close zoom from and to).
    """
    p = animation.progress(now)
    w = source.width
    if animation.kind == "push":
        out = Image.new("RGB", source.size)
        out.paste(_dim(source, 0.12 * p), (-round(w * 0.25 * p), 0))
        out.paste(target, (round(w * (1 - p)), 0))
        return out
    if animation.kind == "pop":
        out = Image.new("RGB", source.size)
        out.paste(_dim(target, 0.12 * (1 - p)), (-round(w * 0.25 * (1 - p)), 0))
        out.paste(source, (round(w * p), 0))
        return out
    if animation.kind == "launch":
        return _zoom(source, target, icon, p)
    return _zoom(target, source, icon, 1 - p)
