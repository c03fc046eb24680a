"""Identify which screen of an app a screenshot shows.

Each profile screen lists anchors (templates in regions) that must all be visible.
Overlays (dialogs, banners) are checked first because the screen under a dialog
still matches its own anchors through the dimming scrim.

Screens without anchors (apps we have no template crops of) are recognised from the
accessibility hierarchy instead, by `identify_by_selectors`: every selector must pick
a node.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from agent.vision.hierarchy import UiNode, find_nodes
from agent.vision.match import Match, Scene
from agent.vision.template import TemplateImage
from device_profiles.model import Region, Screen


@dataclass(frozen=True)
class Identification:
    """The screen a frame shows.

    Attributes:
        name: the profile's screen name, or None when no screen's anchors all match.
        confidence: the weakest anchor score of that screen (0..1).
        matches: the anchors found for it, for evidence images.
        scores: the weakest anchor score of every screen that was checked.
    """

    name: str | None
    confidence: float
    matches: tuple[Match, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)


def region_tuple(region: Region) -> tuple[float, float, float, float]:
    """A profile region as the tuple `Scene` takes."""
    return (region.x0, region.y0, region.x1, region.y1)


def _check(
    scene: Scene, screen: Screen, templates: Mapping[str, TemplateImage]
) -> tuple[bool, float, list[Match]]:
    weakest = 1.0
    found: list[Match] = []
    ok = True
    for anchor in screen.anchors:
        template = templates[anchor.template]
        match = scene.best(template, region_tuple(anchor.region))
        score = match.score if match is not None else -1.0
        weakest = min(weakest, score)
        threshold = anchor.threshold if anchor.threshold is not None else template.threshold
        if match is None or score < threshold:
            ok = False
            break  # the rest cannot make this screen match
        found.append(match)
    return ok, weakest, found


def identify(
    scene: Scene,
    screens: Mapping[str, Screen],
    templates: Mapping[str, TemplateImage],
    candidates: list[str] | None = None,
) -> Identification:
    """Name the screen `scene` shows, or None.

    Args:
        scene: the prepared screenshot.
        screens: the profile's screens.
        templates: loaded templates by name.
        candidates: if given, non-overlay screens to try first (the ones a step expects);
            overlays are always tried first.
    """
    order = sorted(screens.items(), key=lambda kv: (not kv[1].overlay, -kv[1].priority, kv[0]))
    if candidates:
        rank = {name: i for i, name in enumerate(candidates)}
        order.sort(key=lambda kv: (not kv[1].overlay, rank.get(kv[0], len(rank))))
    scores: dict[str, float] = {}
    best: Identification | None = None
    for name, screen in order:
        if not screen.anchors:
            continue  # recognised by its selectors (`identify_by_selectors`), not by pixels
        ok, weakest, found = _check(scene, screen, templates)
        scores[name] = weakest
        if not ok:
            continue
        if screen.overlay:
            return Identification(name, weakest, tuple(found), scores)
        if best is None or weakest > best.confidence:
            best = Identification(name, weakest, tuple(found), scores)
        if candidates and name in candidates and weakest >= 0.9:
            break  # an expected screen matched clearly; no need to look further
    if best is None:
        return Identification(None, 0.0, (), scores)
    return Identification(best.name, best.confidence, best.matches, scores)


def identify_by_selectors(
    nodes: list[UiNode],
    screens: Mapping[str, Screen],
    screen_size: tuple[int, int] | None = None,
    candidates: list[str] | None = None,
) -> Identification:
    """Name the screen a hierarchy shows, among the screens that have selectors and no
    anchors, or None.

    A screen matches when each of its selectors picks a node. Of the screens that match,
    overlays win, then the higher `priority` (a screen whose selectors also match on
    others — a tab bar — gets a lower one), then the one with more selectors, then the
    earlier in `candidates`.

    Args:
        nodes: the parsed hierarchy.
        screens: the profile's screens (those with anchors are left to `identify`).
        screen_size: (width, height) for selectors with a region.
        candidates: the screens the step expects (a tie-break only: checking is cheap).
    """
    rank = {name: i for i, name in enumerate(candidates or [])}
    scores: dict[str, float] = {}
    hits: list[tuple[tuple[bool, int, int, int, str], Identification]] = []
    for name, screen in screens.items():
        if screen.anchors or not screen.selectors:
            continue
        found: list[Match] = []
        for i, selector in enumerate(screen.selectors):
            picked = find_nodes(nodes, selector, screen_size)
            if not picked:
                break
            found.append(Match(f"{name}:selector[{i}]", picked[0].bounds, 1.0))
        ok = len(found) == len(screen.selectors)
        scores[name] = 1.0 if ok else 0.0
        if ok:
            key = (
                not screen.overlay,
                -screen.priority,
                -len(screen.selectors),
                rank.get(name, len(rank)),
                name,
            )
            hits.append((key, Identification(name, 1.0, tuple(found))))
    if not hits:
        return Identification(None, 0.0, (), scores)
    best = min(hits, key=lambda hit: hit[0])[1]
    return Identification(best.name, best.confidence, best.matches, scores)
