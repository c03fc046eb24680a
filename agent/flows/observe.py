"""Look at the phone: wait for a settled frame, identify it, find targets on it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from agent.devices.base import Device, Image
from agent.flows.app import App
from agent.vision.hierarchy import UiNode, find_nodes, parse_hierarchy
from agent.vision.match import Box, Match, Scene
from agent.vision.screen import Identification, identify, region_tuple
from agent.vision.stable import is_stable
from device_profiles.model import Selector


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
    """

    def __init__(
        self,
        device: Device,
        app: App,
        *,
        use_hierarchy: bool = True,
        frame_interval: float = 0.06,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.device = device
        self.app = app
        self.use_hierarchy = use_hierarchy
        self.frame_interval = frame_interval
        self.sleep = sleep
        self.density = device.info().density
        accent = app.profile.accent_hsv
        self._accent = accent

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
        return Observation(frame, scene, seen)

    def nodes(self, obs: Observation) -> list[UiNode]:
        """The hierarchy at the time of `obs` (dumped once, on first use); [] when not used."""
        if obs.nodes is None:
            obs.nodes = parse_hierarchy(self.device.dump_hierarchy()) if self.use_hierarchy else []
        return obs.nodes

    def select(self, obs: Observation, selector: Selector) -> list[UiNode]:
        """Hierarchy nodes matching a selector."""
        return find_nodes(self.nodes(obs), selector)

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
