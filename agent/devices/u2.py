"""`U2Device`: the `Device` protocol through the uiautomator2 server on the phone.

    phone = U2Device("R58N12ABCDE")               # pushes and starts the u2 server if needed
    phone.tap(540, 1200)
    phone.find(text="发现").click()               # uiautomator2 selectors
    phone.u2.xpath('//*[@text="朋友圈"]').click()  # the full uiautomator2 client

`uiautomator2.connect()` installs and starts the server (it pushes u2.jar and runs it with
`app_process`); its client then serves selectors, xpath and `send_keys`. The hot verbs —
taps, swipes, keys, screenshots (JPEG from the server, no PNG on the phone) and hierarchy
dumps — go through `U2RpcChannel`, one kept-alive stream instead of a new HTTP connection
per call. Shell-level verbs (apps, media, facts) are `AdbDevice`'s.

uiautomator2 and channel failures are raised as `DeviceError`s.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uiautomator2
from uiautomator2 import exceptions as u2_errors

from agent.devices.adb import AdbDevice
from agent.devices.adb_errors import device_errors
from agent.devices.adb_server_client import AdbServerClient
from agent.devices.base import Image, Key
from agent.devices.errors import DeviceCommandError, DeviceError, DeviceOfflineError
from agent.devices.screen_capture import ScreenDecodeError, decode_image
from agent.devices.u2_rpc import DEFAULT_PORT, U2ChannelError, U2RpcChannel, U2RpcError
from farm_protocol.device import DeviceInfo

STEP_MS = 5  # uiautomator injects one swipe step every 5 ms


class U2Device:
    """One phone driven through its uiautomator2 server.

    Args:
        serial: the ADB serial.
        server: the adb server client (`AdbServerClient.from_env()` when None).
        timeout: seconds a call may take before the phone counts as offline.
        jpeg_quality: quality of the server's screenshots (100: almost lossless).
        port: the server's port on the phone.

    Raises:
        DeviceError: the phone is gone, or the uiautomator2 server would not start.
    """

    def __init__(
        self,
        serial: str,
        *,
        server: AdbServerClient | None = None,
        timeout: float = 20.0,
        jpeg_quality: int = 95,
        port: int = DEFAULT_PORT,
    ) -> None:
        self.adb = AdbDevice(serial, server=server, timeout=timeout)
        self.jpeg_quality = jpeg_quality
        self.rpc = U2RpcChannel(self.adb.server, serial, port, timeout)
        with self._errors():
            self.u2: uiautomator2.Device = uiautomator2.connect(self.adb.adbutils_device)

    def __repr__(self) -> str:
        return f"U2Device({self.serial!r})"

    @property
    def serial(self) -> str:
        """The ADB serial."""
        return self.adb.serial

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            with device_errors(self.serial):
                yield
        except DeviceError:
            raise
        except U2RpcError as exc:
            raise DeviceCommandError(self.serial, f"uiautomator2: {exc}") from exc
        except U2ChannelError as exc:
            raise self._gone(str(exc)) from exc
        except u2_errors.UiObjectNotFoundError as exc:
            raise DeviceCommandError(self.serial, f"no such UI object: {exc}") from exc
        except (u2_errors.ConnectError, u2_errors.HTTPError) as exc:
            raise self._gone(str(exc)) from exc
        except u2_errors.BaseException as exc:
            raise DeviceCommandError(self.serial, f"uiautomator2: {exc}") from exc

    def _gone(self, message: str) -> DeviceError:
        """Offline when adb cannot reach the phone; otherwise the u2 server is the problem."""
        if not self.adb.is_online():
            return DeviceOfflineError(self.serial, message)
        return DeviceCommandError(self.serial, f"uiautomator2 server: {message}")

    def _call(self, method: str, *params: Any) -> Any:
        with self._errors():
            try:
                return self.rpc.call(method, *params)
            except U2ChannelError:
                # the server died (or was never started by us): let uiautomator2 restart it
                self.u2.start_uiautomator()
                return self.rpc.call(method, *params)

    # -- facts ----------------------------------------------------------------------------------

    def info(self) -> DeviceInfo:
        """Model, resolution, density, battery, screen state and app versions."""
        return self.adb.info()

    def window_size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.adb.window_size()

    # -- screen ---------------------------------------------------------------------------------

    def screenshot(self) -> Image:
        """The screen as BGR, a JPEG from the uiautomator2 server."""
        encoded = self._call("takeScreenshot", 1, self.jpeg_quality)
        if not encoded:
            return self.adb.screenshot()
        try:
            return decode_image(base64.b64decode(encoded))
        except (ScreenDecodeError, binascii.Error) as exc:
            raise DeviceCommandError(self.serial, f"takeScreenshot: {exc}") from None

    def dump_hierarchy(self) -> str:
        """The accessibility hierarchy as uiautomator XML."""
        return str(self._call("dumpWindowHierarchy", False, 50))

    # -- input ----------------------------------------------------------------------------------

    def tap(self, x: int, y: int) -> None:
        """Touch and release at a point."""
        self._call("click", int(x), int(y))

    def long_press(self, x: int, y: int, duration_ms: int = 800) -> None:
        """Touch, hold for `duration_ms`, release."""
        self._call("click", int(x), int(y), int(duration_ms))

    def swipe(self, x1: int, y1: int, x2: int, y2: int, duration_ms: int = 300) -> None:
        """Drag a finger from one point to another."""
        steps = max(2, duration_ms // STEP_MS)
        self._call("swipe", int(x1), int(y1), int(x2), int(y2), steps)

    def press_key(self, key: Key) -> None:
        """Press back, home or enter."""
        self._call("pressKey", Key(key).value)

    def type_text(self, text: str) -> None:
        """Commit `text` to the focused field (uiautomator2's IME, or clipboard and paste)."""
        if text:
            with self._errors():
                self.u2.send_keys(text)

    # -- selectors ------------------------------------------------------------------------------

    def find(self, **selector: Any) -> Any:
        """A uiautomator2 `UiObject` for a selector (`text=`, `resourceId=`, …)."""
        return self.u2(**selector)

    def exists(self, **selector: Any) -> bool:
        """True when a node matches the selector now."""
        with self._errors():
            return bool(self._call("exist", dict(self.u2(**selector).selector)))

    def click(self, timeout: float = 5.0, **selector: Any) -> None:
        """Wait up to `timeout` s for a node matching the selector, then tap its centre.

        Raises:
            DeviceCommandError: nothing matched in time.
        """
        with self._errors():
            self.u2(**selector).click(timeout=timeout)

    # -- apps and media -------------------------------------------------------------------------

    def push_media(self, local_path: Path) -> str:
        """Push an image into the phone's media store; returns its path on the phone."""
        return self.adb.push_media(local_path)

    def app_start(self, package: str) -> None:
        """Bring an app to the foreground (cold-starting it if needed)."""
        self.adb.app_start(package)

    def app_stop(self, package: str) -> None:
        """Force-stop an app."""
        self.adb.app_stop(package)

    def current_app(self) -> str:
        """The package in the foreground."""
        return self.adb.current_app()

    def close(self) -> None:
        """Close the kept-alive stream (the server keeps running on the phone)."""
        self.rpc.close()
