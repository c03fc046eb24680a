"""The `Device` protocol: everything flows and vision may ask of a phone.

Backends (`SimulatedDevice`, `AdbDevice`, `U2Device`) implement it. Flows see
nothing else, so the same flow drives a virtual phone and a real one.
Coordinates are physical pixels of the current orientation; screenshots are
BGR `uint8` arrays of shape (height, width, 3), as OpenCV expects.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy.typing as npt

from farm_protocol.device import DeviceInfo

Image = npt.NDArray[Any]


class Key(StrEnum):
    """Hardware and soft keys a flow may press."""

    BACK = "back"
    HOME = "home"
    ENTER = "enter"


@runtime_checkable
class Device(Protocol):
    """One phone, driven like a finger. Every method may raise `DeviceError`."""

    @property
    def serial(self) -> str:
        """The ADB serial (or the simulator's name)."""
        ...

    def info(self) -> DeviceInfo:
        """Model, resolution, density, battery, screen and app versions."""
        ...

    def window_size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        ...

    def screenshot(self) -> Image:
        """What the screen shows right now, as a BGR array."""
        ...

    def tap(self, x: int, y: int) -> None:
        """Touch and release at a point."""
        ...

    def long_press(self, x: int, y: int, duration_ms: int = 800) -> None:
        """Touch, hold for `duration_ms`, release."""
        ...

    def swipe(self, x1: int, y1: int, x2: int, y2: int, duration_ms: int = 300) -> None:
        """Drag a finger from one point to another."""
        ...

    def type_text(self, text: str) -> None:
        """Commit `text` (any Unicode) to the focused field through the input method."""
        ...

    def press_key(self, key: Key) -> None:
        """Press a key (back, home, enter)."""
        ...

    def push_media(self, local_path: Path) -> str:
        """Copy an image into the phone's media store so the picker shows it first.

        Returns the path on the phone.
        """
        ...

    def app_start(self, package: str) -> None:
        """Bring an app to the foreground (cold-starting it if needed)."""
        ...

    def app_stop(self, package: str) -> None:
        """Force-stop an app."""
        ...

    def current_app(self) -> str:
        """The package in the foreground (the launcher's when on the home screen)."""
        ...

    def dump_hierarchy(self) -> str:
        """The accessibility hierarchy as uiautomator-style XML."""
        ...
