"""`VirtualPhone`: an Android phone with SimChat installed, simulated in-process.

Production code drives it like a real phone (through `SimulatedDevice`): it draws real
pixels, hit-tests taps against the nodes it drew, animates transitions, suffers faults,
and records what really happened in its `World`. Time advances lazily: timers (toasts,
banners, uploads, transitions) are settled whenever the phone is touched or `tick()`ed.

All public methods are thread-safe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import numpy as np
import numpy.typing as npt
from PIL import Image

from simulator.app_process import Screen
from simulator.assets import RenderAssets
from simulator.compositor import Compositor
from simulator.demo_content import demo_photos
from simulator.faults import FaultPlan
from simulator.gestures import Gestures
from simulator.hierarchy import hierarchy_xml
from simulator.media import MediaItem, MediaStore
from simulator.navigation import Navigator
from simulator.node import APP_PACKAGE, Frame, Node
from simulator.shortcuts import jump
from simulator.state import PhoneState
from simulator.strings import Strings
from simulator.theme import theme_named
from simulator.timekeeping import settle
from simulator.world import Contact, World

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


class VirtualPhone:
    """A simulated Android phone running SimChat.

    Args:
        serial: the name it reports as its ADB serial.
        width: screen width in pixels.
        height: screen height in pixels.
        density: dots per inch (layout is in dp, scaled by density / 160).
        theme: "light" or "dark".
        locale: "zh-CN" or "en".
        world: ground truth to show and record into (a demo world when None).
        faults: random faults to suffer (none when None).
        clock: monotonic seconds; inject a manual clock to control time in tests.
        transition_ms: how long a screen transition takes.
        wall_clock: aware current time for clocks and message times.
        zone: the phone's time zone (UTC+8 by default).
        assets: shared render caches (fonts, masks, icons); new ones when None.
        demo_media: start with a few photos in the media store.
        hierarchy_hides_chat_text: blank chat text in hierarchy dumps (some app versions do).
    """

    def __init__(
        self,
        serial: str = "sim-0001",
        width: int = 1080,
        height: int = 2400,
        density: int = 420,
        theme: str = "light",
        locale: str = "zh-CN",
        world: World | None = None,
        faults: FaultPlan | None = None,
        clock: Callable[[], float] = time.monotonic,
        transition_ms: int = 250,
        *,
        wall_clock: Callable[[], datetime] | None = None,
        zone: tzinfo = CHINA_STANDARD_TIME,
        assets: RenderAssets | None = None,
        demo_media: bool = True,
        hierarchy_hides_chat_text: bool = False,
    ) -> None:
        if width <= 0 or height <= 0 or density <= 0:
            raise ValueError("width, height and density must be positive")
        self.serial = serial
        self.width = width
        self.height = height
        self.density = density
        self.hierarchy_hides_chat_text = hierarchy_hides_chat_text
        self._lock = threading.RLock()
        wall = wall_clock or (lambda: datetime.now(UTC))
        self.world = world or World(now=wall)
        media = MediaStore()
        if demo_media:
            for name, image in demo_photos():
                media.add(name, image)
        state = PhoneState(
            world=self.world,
            media=media,
            faults=faults or FaultPlan(),
            clock=clock,
            transition_s=transition_ms / 1000.0,
            launcher=Screen("launcher", 1),
            lock_screen=Screen("lock_screen", 2),
        )
        self._state = state
        self._nav = Navigator(state)
        self._compositor = Compositor(
            state,
            (width, height),
            density,
            theme_named(theme),
            Strings(locale),
            assets or RenderAssets(),
            wall,
            zone,
        )
        state.inbound_cursor = self.world.inbound_cursor()
        self._gestures = Gestures(state, self._nav, self._compositor, self.scale)

    # -- properties ------------------------------------------------------------------

    @property
    def faults(self) -> FaultPlan:
        """The fault plan in use."""
        return self._state.faults

    @property
    def fault_log(self) -> list[str]:
        """Every fault that fired so far, in order ("input_dropped" marks ignored input)."""
        with self._lock:
            return list(self._state.fault_log)

    @property
    def theme(self) -> str:
        """The theme: "light" or "dark"."""
        return self._compositor.theme.name

    @property
    def locale(self) -> str:
        """The locale: "zh-CN" or "en"."""
        return self._compositor.strings.locale

    @property
    def scale(self) -> float:
        """Pixels per dp."""
        return self.density / 160.0

    @property
    def battery(self) -> int:
        """Battery level in percent."""
        return self._compositor.battery

    @battery.setter
    def battery(self, level: int) -> None:
        with self._lock:
            self._compositor.battery = max(0, min(100, level))

    @property
    def connected(self) -> bool:
        """False after `disconnect()` (the ADB link is down)."""
        return self._state.connected

    @property
    def locked(self) -> bool:
        """True while the lock screen shows."""
        return self._state.locked

    @property
    def permission_granted(self) -> bool:
        """True once the photo permission was allowed."""
        return self._state.permission_granted

    def set_theme(self, theme: str) -> None:
        """Switch between "light" and "dark"."""
        with self._lock:
            self._compositor.theme = theme_named(theme)
            self._state.touch()

    def set_locale(self, locale: str) -> None:
        """Switch between "zh-CN" and "en"."""
        with self._lock:
            self._compositor.strings = Strings(locale)
            self._state.touch()

    def disconnect(self) -> None:
        """Drop the (simulated) ADB link: the device backend reports the phone offline."""
        with self._lock:
            self._state.connected = False

    def reconnect(self) -> None:
        """Restore the ADB link."""
        with self._lock:
            self._state.connected = True

    # -- time ------------------------------------------------------------------------

    def tick(self) -> None:
        """Settle everything due by now: finished transitions, expired toasts and banners,
        completed uploads, thawed freezes, freshly arrived messages."""
        with self._lock:
            settle(self._state, self._nav, self._state.clock())

    def _now(self) -> float:
        """The current time, with every timer due by then settled."""
        now = self._state.clock()
        settle(self._state, self._nav, now)
        return now

    def is_animating(self) -> bool:
        """True while a transition or a dialog fade runs."""
        with self._lock:
            return self._state.label(self._now()) == "transition"

    # -- output ----------------------------------------------------------------------

    def frame(self) -> Frame:
        """The frame on screen now: image plus nodes."""
        with self._lock:
            now = self._now()
            if self._state.frozen is not None:
                return self._state.frozen[0]
            return self._compositor.frame(now)

    def screenshot(self) -> Image.Image:
        """What the screen shows now, as an RGB image (a copy)."""
        return self.frame().image.copy()

    def screenshot_bgr(self) -> npt.NDArray[np.uint8]:
        """What the screen shows now, as a BGR uint8 array (height, width, 3)."""
        with self._lock:
            return self._compositor.bgr(self.frame())

    def nodes(self) -> tuple[Node, ...]:
        """The nodes on screen now, in draw order (topmost last)."""
        return self.frame().nodes

    def find(self, id_name: str) -> list[Node]:
        """Nodes on screen whose id is `id_name` (e.g. "btn_send")."""
        return self.frame().find(id_name)

    def hierarchy_xml(self) -> str:
        """The accessibility hierarchy as a uiautomator dump."""
        with self._lock:
            frame = self.frame()
            return hierarchy_xml(
                frame.nodes,
                self.width,
                self.height,
                self._state.package(),
                self.hierarchy_hides_chat_text,
            )

    def screen_label(self) -> str:
        """Ground truth: the name of what is on top ("chat_list", "transition", …)."""
        with self._lock:
            return self._state.label(self._now())

    # -- input -----------------------------------------------------------------------

    def tap(self, x: int, y: int) -> None:
        """Touch and release at (x, y)."""
        with self._lock:
            self._gestures.touch(self._now(), x, y, long=False)

    def long_press(self, x: int, y: int, duration_ms: int = 800) -> None:
        """Touch, hold and release; nodes without a long-press action treat it as a tap."""
        with self._lock:
            self._gestures.touch(self._now(), x, y, long=True)

    def swipe(self, x1: int, y1: int, x2: int, y2: int, duration_ms: int = 300) -> None:
        """Drag from (x1, y1) to (x2, y2): scrolls lists, dismisses banners, unlocks."""
        with self._lock:
            self._gestures.swipe(self._now(), x1, y1, x2, y2, duration_ms)

    def press_key(self, key: str) -> None:
        """Press "back", "home" or "enter".

        Raises:
            ValueError: unknown key.
        """
        with self._lock:
            self._gestures.press_key(self._now(), str(key))

    def commit_text(self, text: str) -> None:
        """The input method commits `text` to the focused field (nowhere if none is)."""
        with self._lock:
            self._gestures.commit_text(self._now(), text)

    # -- apps ------------------------------------------------------------------------

    def app_start(self, package: str) -> None:
        """Bring an installed app to the front, cold-starting it if needed.

        Raises:
            KeyError: the package is not installed.
        """
        if package != APP_PACKAGE:
            raise KeyError(f"package {package} is not installed")
        with self._lock:
            self._now()
            if self._state.modal is not None and self._state.modal.kind == "crash_dialog":
                self._state.modal = None
            self._nav.open_app()
            self._state.touch()

    def app_stop(self, package: str) -> None:
        """Force-stop an app (its unsaved state and uploads in flight are lost)."""
        with self._lock:
            self._now()
            if package == APP_PACKAGE and self._state.app is not None:
                self._nav.kill_app()
                self._state.touch()

    def current_app(self) -> str:
        """The package of the window in front."""
        with self._lock:
            self._now()
            return self._state.package()

    # -- media -----------------------------------------------------------------------

    def add_media(self, name: str, image: Image.Image) -> MediaItem:
        """Save a photo to the media store (the picker shows it first)."""
        with self._lock:
            item = self._state.media.add(name, image)
            self._state.touch()
            return item

    def media(self) -> tuple[MediaItem, ...]:
        """The media store, newest first."""
        with self._lock:
            return self._state.media.newest_first()

    # -- faults and triggers ---------------------------------------------------------

    def show_dialog(self, kind: str) -> None:
        """Show "update", "permission" or "crash" now (fading in)."""
        with self._lock:
            self._nav.show_dialog(kind)
            self._state.touch()

    def show_banner(self, contact: str | Contact, text: str) -> None:
        """Show a message notification (the world is not changed; see World.inject_message)."""
        with self._lock:
            self._nav.show_banner(self.world.contact(contact).id, text)
            self._state.touch()

    def show_toast(self, kind: str = "network") -> None:
        """Show a toast ("network": network unavailable)."""
        with self._lock:
            self._nav.show_toast(kind)
            self._state.touch()

    def freeze(self, ms: int) -> None:
        """Freeze the screen for `ms`: frames go stale and input is ignored."""
        with self._lock:
            self._compositor.freeze(self._now(), ms)

    def crash_app(self) -> None:
        """Crash SimChat: back to the launcher with the system's crash dialog."""
        with self._lock:
            self._nav.crash()
            self._state.touch()

    def lock_screen(self) -> None:
        """Turn the screen off and on again: the lock screen shows."""
        with self._lock:
            self._state.locked = True
            self._state.banner = None
            self._state.touch()

    def unlock(self) -> None:
        """Dismiss the lock screen."""
        with self._lock:
            self._state.locked = False
            self._state.touch()

    # -- test helpers ----------------------------------------------------------------

    def goto(self, name: str, **options: object) -> None:
        """Jump straight to a screen (no animation, no faults) — for tests and benches.

        Args:
            name: a screen name: "launcher", "lock_screen", a main tab, "moments_feed",
                "composer", "image_picker", "conversation", a dialog name, "banner" or
                "toast".
            options: `contact` (id or name) for "conversation" and "banner"; `text` for
                "composer", "conversation" and "banner"; `focus=True` to focus the input
                field of "composer" or "conversation"; `images` (media names) already in
                the draft of "composer" or "image_picker"; `selected` (media names) for
                "image_picker".

        Raises:
            ValueError: unknown screen name.
        """
        with self._lock:
            self._now()
            jump(self._state, self._nav, name, options)
            self._state.touch()
