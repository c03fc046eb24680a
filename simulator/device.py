"""`SimulatedDevice`: the `Device` protocol over an in-process `VirtualPhone`.

Everything a flow does goes through the same verbs as on a real phone; the virtual
phone renders, hit-tests and records ground truth in its world.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, UnidentifiedImageError

from agent.devices.base import Image as ImageArray
from agent.devices.base import Key
from agent.devices.errors import DeviceCommandError, DeviceOfflineError
from farm_protocol.device import DeviceInfo
from simulator.phone import VirtualPhone

APP_VERSIONS = {"com.simchat.app": "8.0.1"}
SDK = 33


class SimulatedDevice:
    """A `Device` backed by a virtual phone.

    Args:
        phone: the virtual phone to drive.
    """

    def __init__(self, phone: VirtualPhone) -> None:
        self.phone = phone

    @property
    def serial(self) -> str:
        """The virtual phone's serial."""
        return self.phone.serial

    def _online(self) -> VirtualPhone:
        if not self.phone.connected:
            raise DeviceOfflineError(self.serial, "the virtual phone is disconnected")
        return self.phone

    def info(self) -> DeviceInfo:
        """Model, resolution, density, battery, screen state and app versions."""
        phone = self._online()
        return DeviceInfo(
            serial=phone.serial,
            model=f"SimPhone {phone.width}x{phone.height}",
            manufacturer="phonefarm",
            sdk=SDK,
            width=phone.width,
            height=phone.height,
            density=phone.density,
            battery=phone.battery,
            screen_on=True,
            locked=phone.locked,
            app_versions=dict(APP_VERSIONS),
        )

    def window_size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        phone = self._online()
        return (phone.width, phone.height)

    def screenshot(self) -> ImageArray:
        """The screen as a BGR uint8 array of shape (height, width, 3)."""
        return self._online().screenshot_bgr()

    def tap(self, x: int, y: int) -> None:
        """Touch and release at a point."""
        self._online().tap(x, y)

    def long_press(self, x: int, y: int, duration_ms: int = 800) -> None:
        """Touch, hold for `duration_ms`, release."""
        self._online().long_press(x, y, duration_ms)

    def swipe(self, x1: int, y1: int, x2: int, y2: int, duration_ms: int = 300) -> None:
        """Drag a finger from one point to another."""
        self._online().swipe(x1, y1, x2, y2, duration_ms)

    def type_text(self, text: str) -> None:
        """Commit `text` to the focused field through the (simulated) input method."""
        self._online().commit_text(text)

    def press_key(self, key: Key) -> None:
        """Press back, home or enter."""
        self._online().press_key(Key(key).value)

    def push_media(self, local_path: Path) -> str:
        """Copy an image into the media store; returns its path on the phone.

        Raises:
            DeviceCommandError: the file is missing or is not an image.
        """
        phone = self._online()
        try:
            with Image.open(local_path) as source:
                source.load()
                image = source.convert("RGB")
        except FileNotFoundError:
            raise DeviceCommandError(self.serial, f"no such file: {local_path}") from None
        except (UnidentifiedImageError, OSError) as exc:
            raise DeviceCommandError(self.serial, f"not an image: {local_path} ({exc})") from None
        return phone.add_media(Path(local_path).name, image).path

    def app_start(self, package: str) -> None:
        """Bring an app to the foreground (cold-starting it if needed).

        Raises:
            DeviceCommandError: the package is not installed.
        """
        try:
            self._online().app_start(package)
        except KeyError:
            raise DeviceCommandError(self.serial, f"package not installed: {package}") from None

    def app_stop(self, package: str) -> None:
        """Force-stop an app."""
        self._online().app_stop(package)

    def current_app(self) -> str:
        """The package in the foreground."""
        return self._online().current_app()

    def dump_hierarchy(self) -> str:
        """The accessibility hierarchy as uiautomator XML."""
        return self._online().hierarchy_xml()
