"""The committed screenshots the vision tests read, and what the phone knew when it took them.

`scripts/make_vision_fixtures` writes them: `<label>__<W>x<H>@<dpi>__<theme>__<locale>.png`
(plus `__on-<screen>` for an overlay over a screen), `nodes.json` with the bounds of the
nodes the tests locate, two hierarchy dumps and a few source photos. Nothing here starts
the simulator: the tests see only pixels, as vision does on a real phone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from agent.flows.app import App
from agent.vision.match import Box
from agent.vision.template import Image

FIXTURES = Path(__file__).parent / "fixtures"
RESOLUTIONS = ((720, 1600, 320), (1080, 2400, 420), (1440, 3200, 560))


@dataclass(frozen=True)
class NodeRecord:
    """A node as the phone drew it."""

    bounds: Box
    checked: bool
    selected: bool


@dataclass(frozen=True)
class Shot:
    """One committed screenshot and its ground truth."""

    path: Path
    label: str
    width: int
    height: int
    density: int
    theme: str
    locale: str
    under: str | None
    nodes: dict[str, list[NodeRecord]]

    @property
    def name(self) -> str:
        """The file name without extension (used as the test id)."""
        return self.path.stem

    @property
    def scale(self) -> float:
        """Pixels per dp."""
        return self.density / 160

    def image(self) -> Image:
        """The pixels (BGR); tests must not modify them (they are shared)."""
        return read_png(self.path)

    def node(self, id_name: str, index: int = 0) -> NodeRecord:
        """The `index`-th recorded node called `id_name`."""
        return self.nodes[id_name][index]


def parse_name(stem: str) -> tuple[str, int, int, int, str, str, str | None]:
    """`label__WxH@dpi__theme__locale[__on-screen]` → its parts."""
    label, size, theme, locale, *rest = stem.split("__")
    dims, density = size.split("@")
    width, height = dims.split("x")
    under = rest[0].removeprefix("on-") if rest else None
    return label, int(width), int(height), int(density), theme, locale, under


@cache
def read_png(path: Path) -> Image:
    """A committed PNG as BGR pixels (read once per session)."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, f"cannot read {path}"
    image.setflags(write=False)
    return image


@cache
def load_shots() -> tuple[Shot, ...]:
    """Every committed screenshot, in file-name order."""
    records = json.loads((FIXTURES / "nodes.json").read_text(encoding="utf-8"))
    shots = []
    for path in sorted(FIXTURES.glob("*__*@*.png")):
        label, width, height, density, theme, locale, under = parse_name(path.stem)
        record = records[path.name]
        assert record["label"] == label and record["density"] == density, path.name
        nodes = {
            name: [
                NodeRecord(Box(*n["bounds"]), bool(n["checked"]), bool(n["selected"]))
                for n in found
            ]
            for name, found in record["nodes"].items()
        }
        shots.append(Shot(path, label, width, height, density, theme, locale, under, nodes))
    return tuple(shots)


def shot(name: str) -> Shot:
    """The committed screenshot with this file stem."""
    for s in load_shots():
        if s.name == name:
            return s
    raise KeyError(name)


def photo(name: str) -> Image:
    """A source photo, by its file name on the phone ("IMG_20240412.jpg")."""
    return read_png(FIXTURES / f"photo__{Path(name).stem}.png")


def screen_threshold(app: App, screen: str) -> float:
    """The highest threshold among a screen's anchors: what its confidence must reach."""
    return max(
        a.threshold if a.threshold is not None else app.templates[a.template].threshold
        for a in app.profile.screens[screen].anchors
    )


def noise(height: int, width: int, seed: int) -> Image:
    """Uniform random BGR pixels."""
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
