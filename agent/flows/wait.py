"""Wait for the screen a step expects, dismissing interruptions on the way."""

from __future__ import annotations

import time
from collections.abc import Callable

from agent.flows import recovery
from agent.flows.context import FlowContext
from agent.flows.errors import AppCrashedError, FlowError
from agent.flows.observe import Observation
from agent.vision.evidence import Mark
from agent.vision.screen import region_tuple

RETRY_AFTER = 1.5


def current(
    ctx: FlowContext, candidates: list[str] | None = None, timeout: float = 8.0
) -> Observation:
    """The settled screen, once no known interruption is on top.

    Raises:
        AppCrashedError: the app went away.
        FlowError: interruptions kept coming until `timeout`.
    """
    deadline = time.monotonic() + timeout
    while True:
        obs = ctx.observer.settle(candidates=candidates)
        ctx.last = obs
        if not recovery.is_interruption(ctx, obs):
            return obs
        if time.monotonic() >= deadline:
            raise FlowError(f"{obs.screen} did not go away", _marks(obs))
        recovery.handle(ctx, obs)


def wait_for(
    ctx: FlowContext,
    expected: list[str],
    timeout: float,
    *,
    retry: Callable[[Observation], bool] | None = None,
) -> Observation:
    """Settle until the screen is one of `expected`.

    `retry(obs)` is called when the screen has not changed for `RETRY_AFTER` seconds
    (a tap the phone dropped); it returns True when it acted again.

    Raises:
        AppCrashedError: the app went away.
        FlowError: `timeout` passed; the error carries the anchors' best matches.
    """
    deadline = time.monotonic() + timeout
    last_action = time.monotonic()
    while True:
        obs = ctx.observer.settle(candidates=expected)
        ctx.last = obs
        if obs.screen in expected:
            ctx.marks.extend(_marks(obs))
            return obs
        if recovery.is_interruption(ctx, obs):
            recovery.handle(ctx, obs)
            last_action = time.monotonic()
            continue
        now = time.monotonic()
        if now >= deadline:
            seen = obs.screen or "an unknown screen"
            raise FlowError(
                f"expected {' or '.join(expected)}, saw {seen}",
                expected_marks(ctx, obs, expected),
            )
        if retry is not None and now - last_action >= RETRY_AFTER and retry(obs):
            last_action = now
        ctx.observer.sleep(0.1)


def _marks(obs: Observation) -> list[Mark]:
    return [Mark(m.box, m.name, m.score) for m in obs.seen.matches]


def expected_marks(ctx: FlowContext, obs: Observation, expected: list[str]) -> list[Mark]:
    """What was seen (green) and where the expected screens' anchors came closest (red)."""
    marks = _marks(obs)
    for name in expected:
        for anchor in ctx.app.profile.screens[name].anchors:
            best = obs.scene.best(ctx.app.templates[anchor.template], region_tuple(anchor.region))
            if best is not None:
                marks.append(Mark(best.box, f"{name}:{anchor.template}", best.score, ok=False))
    return marks


__all__ = ["AppCrashedError", "current", "expected_marks", "wait_for"]
