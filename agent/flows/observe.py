"""Look at the phone: wait for a settled frame, identify it, find targets on it.

Screens with template anchors are identified from the pixels. Screens with selectors and
no anchors (apps we have no template crops of) are identified from the accessibility
hierarchy, which is dumped only when the pixels cannot settle the question.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from agent.devices.base import Device, Image
from agent.devices.errors import DeviceCommandError
from agent.flows.app import App
from agent.vision.hierarchy import UiNode, find_nodes, parse_hierarchy
from agent.vision.match import Box, Match, Scene
from agent.vision.ocr import OcrEngine, create_engine
from agent.vision.screen import (
    Identification,
    identify,
    identify_by_selectors,
    region_tuple,
)
from agent.vision.stable import is_stable
from device_profiles.model import Screen, Selector


@dataclass
class Observation:
    """One settled frame and what was recognised on it."""

    frame: Image
    scene: Scene
    seen: Identification
    nodes: list[UiNode] | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def screen(self) -> str | None:
        """The identified screen's name (None when unknown)."""
        return self.seen.name


@dataclass(frozen=True)
class Located:
    """Where a target is, and how it was found."""

    name: str
    box: Box
    score: float
    via: str  # "hierarchy" or "vision"

    @property
    def center(self) -> tuple[int, int]:
        """The point to tap."""
        return self.box.center


class Observer:
    """Takes settled screenshots of one device and interprets them with one app profile.

    Args:
        device: the phone.
        app: the compiled profile.
        use_hierarchy: also read the accessibility hierarchy (text, precise bounds).
        frame_interval: seconds between the screenshots compared for stability.
        sleep: injectable for tests.
        ocr: the process's OCR engine; one is made on first use when None (slow: pass
            one in wherever many flows run).
    """

    def __init__(
        self,
        device: Device,
        app: App,
        *,
        use_hierarchy: bool = True,
        frame_interval: float = 0.06,
        sleep: Callable[[float], None] = time.sleep,
        ocr: OcrEngine | None = None,
    ) -> None:
        self.device = device
        self.app = app
        self.use_hierarchy = use_hierarchy
        self.frame_interval = frame_interval
        self.sleep = sleep
        self.density = device.info().density
        accent = app.profile.accent_hsv
        self._accent = accent
        self._by_selectors: dict[str, Screen] = {
            name: screen
            for name, screen in app.profile.screens.items()
            if screen.selectors and not screen.anchors
        }
        self._ocr = ocr

    @property
    def ocr(self) -> OcrEngine:
        """The OCR engine (made on first use when none was passed in)."""
        if self._ocr is None:
            self._ocr = create_engine()
        return self._ocr

    def scene(self, frame: Image) -> Scene:
        """Prepare a frame for matching."""
        return Scene(frame, self.density, self._accent)

    def settle(self, timeout: float = 3.0, candidates: list[str] | None = None) -> Observation:
        """Wait until two frames in a row agree (or `timeout` passes), then identify the frame.

        A frame that never settles (an endless animation) is identified anyway at the end.
        """
        deadline = time.monotonic() + timeout
        prev = self.device.screenshot()
        while True:
            self.sleep(self.frame_interval)
            cur = self.device.screenshot()
            if is_stable(prev, cur) or time.monotonic() >= deadline:
                break
            prev = cur
        return self.look(cur, candidates)

    def look(self, frame: Image, candidates: list[str] | None = None) -> Observation:
        """Identify a frame without waiting."""
        scene = self.scene(frame)
        seen = identify(scene, self.app.profile.screens, self.app.templates, candidates)
        obs = Observation(frame, scene, seen)
        if self._by_selectors and self.use_hierarchy and self._ask_hierarchy(seen, candidates):
            self._identify_by_selectors(obs, candidates)
        return obs

    def _ask_hierarchy(self, seen: Identification, candidates: list[str] | None) -> bool:
        """Can a selector-only screen change what the pixels said?"""
        screens = self.app.profile.screens
        if seen.name is None:
            return True
        if screens[seen.name].overlay:
            return False
        if any(s.overlay for s in self._by_selectors.values()):
            return True  # a dialog known by its selectors hides the screen under it
        expected = candidates or []
        return seen.name not in expected and any(c in self._by_selectors for c in expected)

    def _identify_by_selectors(self, obs: Observation, candidates: list[str] | None) -> None:
        try:
            nodes = self.nodes(obs)
        except DeviceCommandError:
            return  # uiautomator cannot dump while the screen animates; the next look asks again
        h, w = obs.frame.shape[:2]
        tree = identify_by_selectors(nodes, self._by_selectors, (w, h), candidates)
        seen = obs.seen
        scores = {**seen.scores, **tree.scores}
        better = tree.name is not None and (
            seen.name is None
            or self._by_selectors[tree.name].overlay
            or (tree.name in (candidates or []) and seen.name not in (candidates or []))
        )
        if better:
            obs.seen = Identification(tree.name, tree.confidence, tree.matches, scores)
        else:
            obs.seen = Identification(seen.name, seen.confidence, seen.matches, scores)

    def nodes(self, obs: Observation) -> list[UiNode]:
        """The hierarchy at the time of `obs` (dumped once, on first use); [] when not used."""
        if obs.nodes is None:
            obs.nodes = parse_hierarchy(self.device.dump_hierarchy()) if self.use_hierarchy else []
        return obs.nodes

    def select(self, obs: Observation, selector: Selector) -> list[UiNode]:
        """Hierarchy nodes matching a selector."""
        h, w = obs.frame.shape[:2]
        return find_nodes(self.nodes(obs), selector, (w, h))

    def find_target(self, obs: Observation, name: str) -> Located | None:
        """Locate a profile target: by hierarchy selector when possible, else by template."""
        target = self.app.profile.targets[name]
        if target.selector is not None and self.use_hierarchy:
            found = self.select(obs, target.selector)
            if found:
                return Located(name, found[0].bounds, 1.0, "hierarchy")
        if target.template is not None:
            match = obs.scene.locate(
                self.app.templates[target.template], region_tuple(target.region)
            )
            if match is not None:
                return Located(name, match.box, match.score, "vision")
        return None

    def find_all(self, obs: Observation, name: str) -> list[Located]:
        """Every occurrence of a target, in reading order (hierarchy first, else vision)."""
        target = self.app.profile.targets[name]
        if target.selector is not None and self.use_hierarchy:
            found = self.select(obs, target.selector)
            if found:
                return [Located(name, n.bounds, 1.0, "hierarchy") for n in found]
        if target.template is None:
            return []
        matches: list[Match] = obs.scene.locate_all(
            self.app.templates[target.template], region_tuple(target.region)
        )
        return [Located(name, m.box, m.score, "vision") for m in matches]
