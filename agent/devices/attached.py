"""`AttachedPhone`: a phone the adb server lists, as a `Device` that follows the plug.

The host agent (`agent.host.adb_agent`) keeps one per serial and hands it to the phone's
worker; every tap a flow makes goes through it to the backend opened for the phone
(`AdbDevice` or `U2Device`), or fails at once while adb does not list the phone online.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from agent.devices.adb_discovery import OFFLINE_HINT
from agent.devices.adb_errors import UNAUTHORIZED_HINT
from agent.devices.base import Device, Image, Key
from agent.devices.errors import DeviceError, DeviceOfflineError, DeviceUnauthorizedError
from farm_protocol.device import DeviceInfo, DeviceState

log = logging.getLogger(__name__)

ERROR_HINT = "the host user may not open the USB device: add a udev rule for it"


class AppsObserver(Protocol):
    """What a phone's profile chooser hears: the app versions the phone reported."""

    def observe(self, app_versions: Mapping[str, str]) -> object:
        """Take note of the installed apps (package → versionName)."""


AppsT = TypeVar("AppsT", bound=AppsObserver)


class AttachedPhone(Generic[AppsT]):
    """A phone the adb server lists, as its worker sees it: a `Device` that follows the plug.

    The backend is opened on first use while the phone is online and dropped when it goes
    away (a U2Device is opened again after a replug). While discovery says the phone is
    not online every call raises at once — `DeviceOfflineError` or
    `DeviceUnauthorizedError` with the operator's hint — instead of waiting for a timeout.
    Every answered `info()` tells the phone's `apps` (its profile chooser) which apps it has.

    Args:
        serial: the ADB serial.
        opener: opens the backend for a serial (may raise `DeviceError`).
        apps: the phone's view of the app profiles (told its installed app versions).
        state: what adb lists it as now.
    """

    def __init__(
        self,
        serial: str,
        opener: Callable[[str], Device],
        apps: AppsT,
        state: DeviceState = DeviceState.ONLINE,
    ) -> None:
        self._serial = serial
        self._opener = opener
        self.apps = apps
        self._state = state
        self._device: Device | None = None
        self._lock = threading.Lock()
        self._opening = threading.Lock()

    def __repr__(self) -> str:
        return f"AttachedPhone({self._serial!r}, {self._state.value})"

    @property
    def serial(self) -> str:
        """The ADB serial."""
        return self._serial

    @property
    def state(self) -> DeviceState:
        """What adb lists the phone as."""
        with self._lock:
            return self._state

    def set_state(self, state: DeviceState) -> DeviceState:
        """Adb lists the phone as `state` now; a phone that left loses its backend.

        Returns:
            The state before.
        """
        with self._lock:
            before, self._state = self._state, state
            dropped = None
            if state is not DeviceState.ONLINE:
                dropped, self._device = self._device, None
        close = getattr(dropped, "close", None)
        if callable(close):
            try:
                close()
            except Exception:  # closing a dead link must not stop the discovery thread
                log.debug("%s: closing the old backend failed", self._serial, exc_info=True)
        return before

    def _backend(self) -> Device:
        with self._lock:
            state, device = self._state, self._device
        if state is DeviceState.UNAUTHORIZED:
            raise DeviceUnauthorizedError(self._serial, f"unauthorized — {UNAUTHORIZED_HINT}")
        if state is DeviceState.ERROR:
            raise DeviceError(self._serial, ERROR_HINT)
        if state is not DeviceState.ONLINE:
            raise DeviceOfflineError(self._serial, f"adb lists it {state.value} — {OFFLINE_HINT}")
        if device is not None:
            return device
        with self._opening:
            with self._lock:
                if self._device is not None:
                    return self._device
            device = self._opener(self._serial)
            with self._lock:
                if self._state is DeviceState.ONLINE and self._device is None:
                    self._device = device
                return device

    # -- the Device protocol --------------------------------------------------------------------

    def info(self) -> DeviceInfo:
        """Model, resolution, density, battery, screen and app versions."""
        info = self._backend().info()
        self.apps.observe(info.app_versions)
        return info

    def window_size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self._backend().window_size()

    def screenshot(self) -> Image:
        """What the screen shows, as a BGR array."""
        return self._backend().screenshot()

    def tap(self, x: int, y: int) -> None:
        """Touch and release at a point."""
        self._backend().tap(x, y)

    def long_press(self, x: int, y: int, duration_ms: int = 800) -> None:
        """Touch, hold, release."""
        self._backend().long_press(x, y, duration_ms)

    def swipe(self, x1: int, y1: int, x2: int, y2: int, duration_ms: int = 300) -> None:
        """Drag a finger from one point to another."""
        self._backend().swipe(x1, y1, x2, y2, duration_ms)

    def type_text(self, text: str) -> None:
        """Commit `text` to the focused field through the input method."""
        self._backend().type_text(text)

    def press_key(self, key: Key) -> None:
        """Press back, home or enter."""
        self._backend().press_key(key)

    def push_media(self, local_path: Path) -> str:
        """Copy an image into the phone's media store; its path on the phone."""
        return self._backend().push_media(local_path)

    def app_start(self, package: str) -> None:
        """Bring an app to the foreground."""
        self._backend().app_start(package)

    def app_stop(self, package: str) -> None:
        """Force-stop an app."""
        self._backend().app_stop(package)

    def current_app(self) -> str:
        """The package in the foreground."""
        return self._backend().current_app()

    def dump_hierarchy(self) -> str:
        """The accessibility hierarchy as uiautomator XML."""
        return self._backend().dump_hierarchy()
