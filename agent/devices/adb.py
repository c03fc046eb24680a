"""`AdbDevice`: the `Device` protocol over ADB — the production backend for real phones.

    server = AdbServerClient.from_env()
    phone = AdbDevice("R58N12ABCDE", server=server)
    phone.tap(540, 1200)
    frame = phone.screenshot()                     # BGR array, raw screencap (fast path)

Hot verbs (tap, swipe, keys, screenshots, hierarchy) go through `AdbServerClient`: one
connection to the adb server per call, about a millisecond over loopback. adbutils is
used where its breadth matters more than its per-call cost (pushing media, installing the
input method). Every ADB failure is raised as a `DeviceError`: a phone that went away is
`DeviceOfflineError`, never a crash.

Shell commands end with `; echo <marker>$?`, so a command whose output lacks the marker
was cut off with its link (offline), and a non-zero exit code is a `DeviceCommandError`.
"""

from __future__ import annotations

import re
import shlex
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import adbutils
from PIL import Image as PilImage
from PIL import UnidentifiedImageError

from agent.devices.adb_errors import device_errors
from agent.devices.adb_server_client import AdbServerClient
from agent.devices.base import Image, Key
from agent.devices.errors import (
    DeviceCommandError,
    DeviceError,
    DeviceOfflineError,
    InputMethodMissingError,
)
from agent.devices.input_method import (
    ADB_KEYBOARD,
    KNOWN_INPUT_METHODS,
    BroadcastInputMethod,
    by_id,
    input_text_argument,
)
from agent.devices.screen_capture import (
    ScreenDecodeError,
    TruncatedCaptureError,
    decode_image,
    decode_raw,
)
from farm_protocol.device import DeviceInfo

WATCHED_PACKAGES = ("com.simchat.app", "com.tencent.mm", "com.tencent.wework")
MEDIA_DIR = "/sdcard/Pictures"
DUMP_PATH = "/sdcard/phonefarm_window_dump.xml"
SCAN_FILE = "android.intent.action.MEDIA_SCANNER_SCAN_FILE"
KEYCODES: Mapping[Key, str] = MappingProxyType(
    {Key.BACK: "KEYCODE_BACK", Key.HOME: "KEYCODE_HOME", Key.ENTER: "KEYCODE_ENTER"}
)
_RC_MARKER = "PF-EXIT:"
_SECTION = "@@PF@@"
_SIZE = re.compile(r"(\d+)x(\d+)")
_FOCUS = re.compile(r"mCurrentFocus=Window\{\S+ \S+ ([^}\s]+)")
_FOCUSED_APP = re.compile(r"mFocusedApp=\S*\{\S+ \S+ ([^}\s/]+)/")
_LOCKED = re.compile(r"(mDreamingLockscreen|mShowingLockscreen|isStatusBarKeyguard)=true")


class AdbDevice:
    """One phone the adb server sees.

    Args:
        serial: its ADB serial (USB serial, or HOST:PORT for TCP).
        server: the adb server client (`AdbServerClient.from_env()` when None).
        timeout: seconds a command may take before the phone counts as offline.
        watched_packages: apps whose versions `info()` reports when installed.
    """

    def __init__(
        self,
        serial: str,
        *,
        server: AdbServerClient | None = None,
        timeout: float = 20.0,
        watched_packages: Sequence[str] = WATCHED_PACKAGES,
    ) -> None:
        self._serial = serial
        self.server = server or AdbServerClient.from_env(timeout)
        self.timeout = timeout
        self.watched_packages = tuple(watched_packages)
        self._size: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"AdbDevice({self._serial!r})"

    @property
    def serial(self) -> str:
        """The ADB serial."""
        return self._serial

    @property
    def adbutils_device(self) -> adbutils.AdbDevice:
        """The same phone as an adbutils device (for what this class does not cover)."""
        client = adbutils.AdbClient(host=self.server.host, port=self.server.port)
        return client.device(self._serial)

    # -- shell ----------------------------------------------------------------------------------

    def shell(self, command: str, *, timeout: float | None = None, check: bool = True) -> str:
        """Run a shell command on the phone; its output (stdout and stderr).

        Raises:
            DeviceOfflineError: the phone is gone, or the link dropped during the command.
            DeviceUnauthorizedError: the phone has not accepted this host's key.
            DeviceCommandError: the command exited non-zero (when `check`).
        """
        with device_errors(self._serial):
            raw = self.server.run(
                self._serial, f"shell:{command}; echo {_RC_MARKER}$?", timeout or self.timeout
            )
        text = raw.decode("utf-8", errors="replace")
        cut = text.rfind(_RC_MARKER)
        if cut < 0:
            raise DeviceOfflineError(self._serial, f"the link dropped during `{command[:60]}`")
        output, code = text[:cut], text[cut + len(_RC_MARKER) :].strip()
        if check and code != "0":
            raise DeviceCommandError(
                self._serial, f"`{command[:60]}` exited {code}: {output.strip()[:300]}"
            )
        return output

    def exec_out(self, command: str, *, timeout: float | None = None, size_hint: int = 0) -> bytes:
        """Run a command through `exec:` (binary-safe, no exit code); its raw output.

        Raises:
            DeviceError: as for `shell`.
        """
        with device_errors(self._serial):
            return self.server.run(
                self._serial, f"exec:{command}", timeout or self.timeout, size_hint
            )

    def _sections(self, commands: Mapping[str, str]) -> dict[str, str]:
        """Run several commands in one round trip; their outputs by name."""
        script = "; ".join(f"echo {_SECTION}{name}; {cmd}" for name, cmd in commands.items())
        output = self.shell(script, check=False)
        sections: dict[str, str] = {}
        for chunk in output.split(_SECTION)[1:]:
            name, _, body = chunk.partition("\n")
            sections[name.strip()] = body
        return sections

    # -- facts ----------------------------------------------------------------------------------

    def info(self) -> DeviceInfo:
        """Model, resolution, density, battery, screen state and app versions (one round trip).

        Raises:
            DeviceError: the phone did not answer (offline, unauthorized).
        """
        commands = {
            "model": "getprop ro.product.model",
            "manufacturer": "getprop ro.product.manufacturer",
            "sdk": "getprop ro.build.version.sdk",
            "size": "wm size",
            "density": "wm density",
            "battery": "dumpsys battery | grep level",
            "power": "dumpsys power | grep -E 'mWakefulness=|Display Power'",
            "window": "dumpsys window | grep -E 'Lockscreen|isStatusBarKeyguard'",
            "packages": "pm list packages",
        }
        facts = self._sections(commands)
        width, height = _last_size(facts.get("size", ""))
        if not width:
            raise DeviceCommandError(self._serial, "`wm size` gave no screen size")
        self._size = (width, height)
        installed = set(re.findall(r"package:(\S+)", facts.get("packages", "")))
        versions = self._versions([p for p in self.watched_packages if p in installed])
        battery = re.search(r"level:\s*(\d+)", facts.get("battery", ""))
        density = re.findall(r"density:\s*(\d+)", facts.get("density", ""))
        sdk = facts.get("sdk", "").strip()
        power = facts.get("power", "")
        return DeviceInfo(
            serial=self._serial,
            model=facts.get("model", "").strip(),
            manufacturer=facts.get("manufacturer", "").strip(),
            sdk=int(sdk) if sdk.isdigit() else 0,
            width=width,
            height=height,
            density=int(density[-1]) if density else 160,
            battery=min(100, int(battery.group(1))) if battery else None,
            screen_on="Awake" in power or "state=ON" in power,
            locked=bool(_LOCKED.search(facts.get("window", ""))),
            app_versions=versions,
        )

    def _versions(self, packages: Sequence[str]) -> dict[str, str]:
        if not packages:
            return {}
        found = self._sections(
            {p: f"dumpsys package {shlex.quote(p)} | grep versionName" for p in packages}
        )
        versions = {}
        for package, text in found.items():
            match = re.search(r"versionName=(\S+)", text)
            if match:
                versions[package] = match.group(1)
        return versions

    def window_size(self) -> tuple[int, int]:
        """(width, height) in pixels (asked once, then remembered)."""
        if self._size is None:
            width, height = _last_size(self.shell("wm size"))
            if not width:
                raise DeviceCommandError(self._serial, "`wm size` gave no screen size")
            self._size = (width, height)
        return self._size

    # -- screen ---------------------------------------------------------------------------------

    def screenshot(self) -> Image:
        """The screen as BGR, through raw `screencap` (no PNG compression on the phone).

        Raises:
            DeviceOfflineError: the link dropped while the frame was sent.
            DeviceCommandError: the phone sent something that is not a frame.
        """
        width, height = self._size or (0, 0)
        data = self.exec_out("screencap", size_hint=width * height * 4 + 16)
        try:
            return decode_raw(data)
        except TruncatedCaptureError as exc:
            raise DeviceOfflineError(self._serial, f"screen capture cut off: {exc}") from None
        except ScreenDecodeError:
            return self.screenshot_png()  # a phone with an unusual frame buffer

    def screenshot_png(self) -> Image:
        """The screen as BGR, through `screencap -p` (the slow path: PNG on the phone)."""
        data = self.exec_out("screencap -p")
        try:
            return decode_image(data)
        except TruncatedCaptureError as exc:
            raise DeviceOfflineError(self._serial, f"screen capture cut off: {exc}") from None
        except ScreenDecodeError as exc:
            raise DeviceCommandError(self._serial, f"screencap -p: {exc}") from None

    def dump_hierarchy(self) -> str:
        """The accessibility hierarchy: `uiautomator dump` to a file, then pulled by sync."""
        output = self.shell(f"uiautomator dump {DUMP_PATH}", check=False)
        if "dumped to" not in output:
            raise DeviceCommandError(self._serial, f"uiautomator dump: {output.strip()[:300]}")
        with device_errors(self._serial):
            data = self.server.pull(self._serial, DUMP_PATH, self.timeout)
        return data.decode("utf-8", errors="replace")

    # -- input ----------------------------------------------------------------------------------

    def tap(self, x: int, y: int) -> None:
        """Touch and release at a point."""
        self.shell(f"input tap {int(x)} {int(y)}")

    def long_press(self, x: int, y: int, duration_ms: int = 800) -> None:
        """Touch, hold for `duration_ms`, release (a swipe that does not move)."""
        self.shell(f"input swipe {int(x)} {int(y)} {int(x)} {int(y)} {int(duration_ms)}")

    def swipe(self, x1: int, y1: int, x2: int, y2: int, duration_ms: int = 300) -> None:
        """Drag a finger from one point to another."""
        self.shell(f"input swipe {int(x1)} {int(y1)} {int(x2)} {int(y2)} {int(duration_ms)}")

    def press_key(self, key: Key) -> None:
        """Press back, home or enter."""
        self.shell(f"input keyevent {KEYCODES[Key(key)]}")

    def type_text(self, text: str) -> None:
        """Commit `text` (any Unicode) to the focused field through the input method.

        Raises:
            InputMethodMissingError: the text is not plain ASCII and no broadcast input
                method (ADBKeyboard) is installed.
        """
        if not text:
            return
        ime = self._input_method()
        if ime is None:
            argument = input_text_argument(text)
            if argument is None:
                raise InputMethodMissingError(
                    self._serial,
                    f"typing {text[:20]!r} needs the ADBKeyboard input method "
                    f"({ADB_KEYBOARD.package}); install it when preparing the phone "
                    "(AdbDevice.prepare_input_method(apk))",
                )
            self.shell(f"input text {argument}")
            return
        output = self.shell(ime.text_command(text))
        if "Broadcast completed" not in output:
            raise DeviceCommandError(self._serial, f"text broadcast failed: {output[:200]}")

    def _input_method(self) -> BroadcastInputMethod | None:
        """The broadcast input method in use, selecting an installed one if needed."""
        current = self.shell("settings get secure default_input_method").strip()
        ime = by_id(current)
        if ime is not None:
            return ime
        return self.select_input_method()

    def select_input_method(self) -> BroadcastInputMethod | None:
        """Enable and select an installed broadcast input method; None when there is none."""
        installed = set(self.shell("ime list -s -a").split())
        for ime in KNOWN_INPUT_METHODS:
            if ime.ime_id in installed:
                self.shell(f"ime enable {ime.ime_id}")
                self.shell(f"ime set {ime.ime_id}")
                return ime
        return None

    def prepare_input_method(self, apk: Path | None = None) -> BroadcastInputMethod:
        """Device preparation: install ADBKeyboard from `apk` if needed, then select it.

        Raises:
            InputMethodMissingError: no broadcast input method is installed and no `apk`.
            DeviceError: the install or the selection failed.
        """
        ime = self.select_input_method()
        if ime is None and apk is not None:
            with device_errors(self._serial):
                self.adbutils_device.install(str(apk), nolaunch=True)
            ime = self.select_input_method()
        if ime is None:
            raise InputMethodMissingError(
                self._serial,
                f"no ADBKeyboard ({ADB_KEYBOARD.package}) on the phone; pass its APK to install",
            )
        return ime

    # -- media and apps -------------------------------------------------------------------------

    def push_media(self, local_path: Path) -> str:
        """Push an image into the phone's media store; returns its path on the phone.

        Raises:
            DeviceCommandError: the file is missing or is not an image.
        """
        local_path = Path(local_path)
        try:
            with PilImage.open(local_path) as image:
                image.verify()
        except FileNotFoundError:
            raise DeviceCommandError(self._serial, f"no such file: {local_path}") from None
        except (UnidentifiedImageError, OSError) as exc:
            raise DeviceCommandError(self._serial, f"not an image: {local_path} ({exc})") from None
        remote = f"{MEDIA_DIR}/{local_path.name}"
        with device_errors(self._serial):
            self.adbutils_device.sync.push(local_path, remote, mode=0o644)
        self.shell(f"am broadcast -a {SCAN_FILE} -d {shlex.quote('file://' + remote)}")
        return remote

    def app_start(self, package: str) -> None:
        """Bring an app to the foreground (cold-starting it if needed).

        Raises:
            DeviceCommandError: the package is not installed.
        """
        quoted = shlex.quote(package)
        output = self.shell(
            f"monkey -p {quoted} -c android.intent.category.LAUNCHER 1", check=False
        )
        if "No activities found" in output or "monkey aborted" in output:
            raise DeviceCommandError(self._serial, f"package not installed: {package}")

    def app_stop(self, package: str) -> None:
        """Force-stop an app."""
        self.shell(f"am force-stop {shlex.quote(package)}")

    def current_app(self) -> str:
        """The package of the focused window."""
        output = self.shell("dumpsys window | grep -E 'mCurrentFocus|mFocusedApp'", check=False)
        match = _FOCUS.search(output)
        if match is not None:
            target = match.group(1)
            return target.split("/", 1)[0] if "/" in target else "com.android.systemui"
        focused = _FOCUSED_APP.search(output)
        if focused is not None:
            return focused.group(1)
        raise DeviceCommandError(self._serial, "no focused window in `dumpsys window`")

    # -- health ---------------------------------------------------------------------------------

    def keep_awake(self, on: bool = True) -> None:
        """Keep the screen on while the phone is plugged in (`svc power stayon`)."""
        self.shell(f"svc power stayon {'true' if on else 'false'}")

    def unlock(self) -> None:
        """Wake the screen and swipe the lock screen away (phones without a PIN).

        Raises:
            DeviceCommandError: still locked afterwards (a PIN or pattern is set).
        """
        self.shell("input keyevent KEYCODE_WAKEUP")
        if not self.info().locked:
            return
        width, height = self.window_size()
        self.swipe(width // 2, int(height * 0.85), width // 2, int(height * 0.25), 300)
        if self.info().locked:
            raise DeviceCommandError(
                self._serial, "still locked after a swipe: remove the PIN/pattern on this phone"
            )

    def is_online(self) -> bool:
        """True when the phone answers a trivial command."""
        try:
            self.shell("true", timeout=5.0)
        except DeviceError:
            return False
        return True


def _last_size(text: str) -> tuple[int, int]:
    """The last WxH in `wm size` output (an override comes after the physical size)."""
    sizes = _SIZE.findall(text)
    if not sizes:
        return (0, 0)
    width, height = sizes[-1]
    return (int(width), int(height))
