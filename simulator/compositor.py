"""Turns the phone's state into frames: renders scenes, caches them, layers the overlays.

A frame is rebuilt only when something it shows changed (the state's revision, the
world's revision, the minute on the clock, an animation's progress); otherwise the
cached frame — and its BGR array — is handed out again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, tzinfo

import numpy as np
import numpy.typing as npt

from simulator.animation import compose_transition
from simulator.app_process import Screen
from simulator.assets import RenderAssets
from simulator.canvas import Canvas, RenderContext
from simulator.node import Frame
from simulator.screens import RENDERERS, View
from simulator.screens.dialogs import draw_dialog
from simulator.screens.launcher import simchat_icon_box
from simulator.screens.notifications import draw_banner, draw_toast
from simulator.screens.system_bars import draw_nav_bar, draw_status_bar
from simulator.state import PhoneState
from simulator.strings import Strings
from simulator.theme import Theme

_SCENE_CACHE_SIZE = 3  # the top scene, a transition source, one spare
_SYSTEM_SCENES = ("launcher", "lock_screen")


class Compositor:
    """Renders a phone's frames with caching.

    Args:
        state: the phone state to draw.
        size: (width, height) in pixels.
        density: dots per inch.
        theme: the palette.
        strings: UI text in the phone's locale.
        assets: fonts, masks and picture caches.
        wall_clock: aware current time (status bar clock, message ages).
        zone: the phone's time zone.
    """

    def __init__(
        self,
        state: PhoneState,
        size: tuple[int, int],
        density: int,
        theme: Theme,
        strings: Strings,
        assets: RenderAssets,
        wall_clock: Callable[[], datetime],
        zone: tzinfo,
    ) -> None:
        self.state = state
        self.size = size
        self.density = density
        self.assets = assets
        self.wall_clock = wall_clock
        self.zone = zone
        self.theme = theme
        self.strings = strings
        self.battery = 87
        self._scenes: OrderedDict[tuple[object, ...], Frame] = OrderedDict()
        self._key: tuple[object, ...] | None = None
        self._frame: Frame | None = None
        self._bgr: npt.NDArray[np.uint8] | None = None

    # -- context and keys ------------------------------------------------------------

    def context(self) -> RenderContext:
        """The render context for a frame drawn now (time truncated to the minute)."""
        now = self.wall_clock().replace(second=0, microsecond=0)
        return RenderContext(
            self.size[0],
            self.size[1],
            self.density,
            self.theme,
            self.strings,
            self.assets,
            self.zone,
            now,
        )

    def _uploads(self, now: float) -> tuple[tuple[object, float], ...]:
        app = self.state.app
        if app is None:
            return ()
        return tuple((u, round(u.progress(now), 2)) for u in app.uploads)

    def _common_key(self, ctx: RenderContext, now: float) -> tuple[object, ...]:
        state = self.state
        return (
            state.revision,
            state.world.revision,
            ctx.now,
            self.theme.name,
            self.strings.locale,
            tuple(p for _, p in self._uploads(now)),
        )

    # -- scenes ----------------------------------------------------------------------

    def scene(self, screen: Screen, ctx: RenderContext, now: float) -> Frame:
        """One full-screen scene (launcher, lock screen or an app screen), cached."""
        key = (screen.uid, *self._common_key(ctx, now))
        frame = self._scenes.get(key)
        if frame is not None:
            self._scenes.move_to_end(key)
            return frame
        uploads = self._uploads(now) if screen.name == "moments_feed" else ()
        view = View(
            ctx=ctx,
            screen=screen,
            world=self.state.world,
            media=self.state.media.newest_first() if screen.name == "image_picker" else (),
            uploads=tuple((u, p) for u, p in uploads),  # type: ignore[misc]
        )
        frame = RENDERERS[screen.name](view)
        self._scenes[key] = frame
        while len(self._scenes) > _SCENE_CACHE_SIZE:
            self._scenes.popitem(last=False)
        return frame

    # -- composition -----------------------------------------------------------------

    def frame(self, now: float) -> Frame:
        """The complete frame the screen shows at `now` (cached while nothing changes)."""
        state = self.state
        ctx = self.context()
        anim = state.animation if state.animation and state.animation.running(now) else None
        key = (
            *self._common_key(ctx, now),
            self.battery,
            round(anim.progress(now), 3) if anim else None,
            round(self.state.modal_alpha(now), 2),
        )
        if key == self._key and self._frame is not None:
            return self._frame
        frame = self._compose(ctx, now, anim is not None)
        self._key, self._frame, self._bgr = key, frame, None
        return frame

    def freeze(self, now: float, ms: int) -> None:
        """Freeze the screen: the current frame and label stay on for `ms`."""
        state = self.state
        if state.frozen is None:
            state.frozen = (self.frame(now), state.label(now))
        state.frozen_until = max(state.frozen_until, now + ms / 1000.0)

    def bgr(self, frame: Frame) -> npt.NDArray[np.uint8]:
        """`frame` as a BGR array (converted once per frame, copied out to callers)."""
        if self._bgr is None or frame is not self._frame:
            w, h = frame.image.size
            data = np.frombuffer(frame.image.tobytes("raw", "BGR"), dtype=np.uint8)
            array = data.reshape(h, w, 3)
            if frame is not self._frame:
                return array.copy()
            self._bgr = array
        return self._bgr.copy()

    def _compose(self, ctx: RenderContext, now: float, animating: bool) -> Frame:
        state = self.state
        if state.locked:
            base = self.scene(state.lock_screen, ctx, now)
            c = Canvas(ctx, (0, 0, 0), image=base.image.copy(), nodes=base.nodes)
            draw_status_bar(c, base.status_bar, self._clock(ctx), self.battery)
            draw_nav_bar(c, None, True)
            return c.frame(base.status_bar)
        top = state.top_screen()
        target = self.scene(top, ctx, now)
        if animating and state.animation is not None:
            anim = state.animation
            source = self.scene(anim.source, ctx, now)
            image = compose_transition(anim, source.image, target.image, now, simchat_icon_box(ctx))
        else:
            image = target.image.copy()
        c = Canvas(ctx, (0, 0, 0), image=image, nodes=target.nodes)
        look = target.status_bar
        draw_status_bar(c, look, self._clock(ctx), self.battery)
        if top.name in _SYSTEM_SCENES:
            draw_nav_bar(c, None, True)
        else:
            draw_nav_bar(c, ctx.theme.nav_bar, ctx.theme.dark)
        if state.modal is not None:
            alpha = self.state.modal_alpha(now)
            before = c.image.copy() if alpha < 1.0 else None
            draw_dialog(c, state.modal.kind)
            if before is not None:
                c.fade_from(before, alpha)
        if state.toast is not None:
            draw_toast(c, ctx.strings(state.toast.text_key))
        if state.banner is not None:
            contact = state.world.contact(state.banner.contact_id)
            draw_banner(c, contact, state.banner.text)
        return c.frame(look, target.scroll_limits)

    def _clock(self, ctx: RenderContext) -> str:
        return ctx.now.astimezone(self.zone).strftime("%H:%M")
