"""Known interruptions (dialogs, banners, toasts, crashes) and how to get rid of them."""

from __future__ import annotations

import time

from agent.devices.base import Key
from agent.flows.context import FlowContext
from agent.flows.errors import AppCrashedError, FlowError
from agent.flows.observe import Observation
from agent.vision.stable import frame_delta
from device_profiles.model import HandlerAction
from farm_protocol.flow import Recovery

MAX_RECOVERIES_PER_STEP = 12
CHANGE_TIMEOUT = 1.2
CHANGED = 1.0


def is_interruption(ctx: FlowContext, obs: Observation) -> bool:
    """True when the frame shows a screen the profile knows how to dismiss."""
    return obs.screen is not None and obs.screen in ctx.app.profile.interruptions


def handle(ctx: FlowContext, obs: Observation) -> None:
    """Get rid of the interruption `obs` shows, and record it.

    Raises:
        AppCrashedError: the interruption is the app having gone away.
        FlowError: too many interruptions in one step, or the handler's target is missing.
    """
    assert obs.screen is not None
    if len(ctx.recoveries) >= MAX_RECOVERIES_PER_STEP:
        raise FlowError(f"gave up after {MAX_RECOVERIES_PER_STEP} interruptions in one step")
    handler = ctx.app.profile.interruptions[obs.screen]
    ctx.recoveries.append(Recovery(screen=obs.screen, action=handler.action.value))
    if handler.action is HandlerAction.RELAUNCH:
        if ctx.app_open:
            raise AppCrashedError(f"the app went away ({obs.screen} on screen)")
        ctx.device.app_start(ctx.app.package)
    elif handler.action is HandlerAction.BACK:
        ctx.device.press_key(Key.BACK)
    elif handler.action is HandlerAction.WAIT:
        _wait_gone(ctx, obs.screen, handler.timeout_ms / 1000)
    elif handler.target is None:  # swipe up from the bottom edge (a lock screen)
        w, h = ctx.device.window_size()
        ctx.device.swipe(w // 2, int(h * 0.85), w // 2, int(h * 0.3), 250)
    else:
        loc = ctx.observer.find_target(obs, handler.target)
        if loc is None:
            if handler.action is HandlerAction.SWIPE_UP:
                _wait_gone(ctx, obs.screen, handler.timeout_ms / 1000)
                return
            raise FlowError(f"{obs.screen}: cannot find {handler.target} to dismiss it")
        x, y = loc.center
        if handler.action is HandlerAction.TAP:
            ctx.device.tap(x, y)
        else:
            ctx.device.swipe(x, y, x, max(0, y - 3 * loc.box.height), 150)
        _wait_changed(ctx, obs, CHANGE_TIMEOUT)


def _wait_changed(ctx: FlowContext, obs: Observation, timeout: float) -> None:
    """Give the phone time to react (a frozen screen ignores input) before looking again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ctx.observer.sleep(0.1)
        if frame_delta(obs.frame, ctx.device.screenshot()) > CHANGED:
            return


def _wait_gone(ctx: FlowContext, screen: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ctx.observer.sleep(0.2)
        if ctx.observer.settle(timeout=1.0).screen != screen:
            return
