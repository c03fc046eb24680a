"""`Handset`: the Android system around a `VirtualPhone`, as ADB sees it.

The virtual phone models the screen and the app; a real phone also has system properties,
installed packages, input methods, settings, files and listening ports. This adapter keeps
that state for the shell commands and services of the adbd server, so they answer like a
phone would (`getprop`, `pm list packages`, `ime list`, `settings get`…).
"""

from __future__ import annotations

import io
import posixpath
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from PIL import Image, UnidentifiedImageError

from simulator.adbd.filesystem import VirtualFiles
from simulator.adbd.frame_encoder import FrameEncoder
from simulator.node import APP_PACKAGE, LAUNCHER_PACKAGE, SYSTEM_UI_PACKAGE
from simulator.phone import VirtualPhone

SDK = 33
RELEASE = "13"
LATIN_IME = "com.android.inputmethod.latin/.LatinIME"


@dataclass(frozen=True)
class InputMethodSpec:
    """An input method that types what a broadcast carries (ADBKeyboard and its kin).

    Attributes:
        ime_id: the id `ime set` takes.
        text_action: the broadcast action whose base64 extra is committed as text.
        text_extra: the name of that extra.
        clear_action: the broadcast that clears the focused field.
        handled_result: the broadcast result code the IME sets when it handled an intent.
    """

    ime_id: str
    text_action: str
    text_extra: str
    clear_action: str
    handled_result: int

    @property
    def package(self) -> str:
        """The IME's package."""
        return self.ime_id.split("/", 1)[0]


ADB_KEYBOARD = InputMethodSpec(
    "com.android.adbkeyboard/.AdbIME", "ADB_INPUT_B64", "msg", "ADB_CLEAR_TEXT", 0
)
U2_KEYBOARD = InputMethodSpec(
    "com.github.uiautomator/.AdbKeyboard",
    "ADB_KEYBOARD_INPUT_TEXT",
    "text",
    "ADB_KEYBOARD_CLEAR_TEXT",
    -1,
)
KNOWN_INPUT_METHODS = (ADB_KEYBOARD, U2_KEYBOARD)


@dataclass(frozen=True)
class PackageInfo:
    """An installed package.

    Attributes:
        version_name: e.g. "8.0.1".
        version_code: e.g. 801.
        activity: its launcher activity, relative to the package (".MainActivity").
    """

    version_name: str
    version_code: int
    activity: str = ".MainActivity"


BASE_PACKAGES: Mapping[str, PackageInfo] = MappingProxyType(
    {
        APP_PACKAGE: PackageInfo("8.0.1", 801),
        LAUNCHER_PACKAGE: PackageInfo("13", 33, ".uioverride.QuickstepLauncher"),
        SYSTEM_UI_PACKAGE: PackageInfo("13", 33, ".StatusBar"),
        "com.android.settings": PackageInfo("13", 33, ".Settings"),
        "com.android.inputmethod.latin": PackageInfo("13", 33, ".LatinIME"),
    }
)


class Handset:
    """The system state of one virtual phone. Thread-safe.

    Args:
        phone: the virtual phone (screen, app, world).
        input_methods: broadcast IMEs installed (ADBKeyboard by default; none: Unicode text
            cannot be typed over ADB).
        ime_selected: whether the first of them is already the selected input method.
        model: `ro.product.model` ("SimPhone WxH" when None).
    """

    def __init__(
        self,
        phone: VirtualPhone,
        *,
        input_methods: Iterable[InputMethodSpec] = (ADB_KEYBOARD,),
        ime_selected: bool = True,
        model: str | None = None,
    ) -> None:
        self.phone = phone
        self.files = VirtualFiles()
        self.model = model or f"SimPhone {phone.width}x{phone.height}"
        self._lock = threading.Lock()
        self.packages: dict[str, PackageInfo] = dict(BASE_PACKAGES)
        self.input_methods: dict[str, InputMethodSpec] = {}
        self.enabled_imes: set[str] = {LATIN_IME}
        self.settings: dict[tuple[str, str], str] = {
            ("secure", "default_input_method"): LATIN_IME,
            ("global", "stay_on_while_plugged_in"): "0",
            ("system", "screen_off_timeout"): "30000",
        }
        self.clipboard = ""
        self.screen_on = True
        self._ports: dict[int, int] = {}
        self.encoder = FrameEncoder(phone, lambda: self.screen_on)
        for spec in input_methods:
            self.install_input_method(spec)
        if ime_selected and self.input_methods:
            first = next(iter(self.input_methods.values()))
            self.enabled_imes.add(first.ime_id)
            self.set_setting("secure", "default_input_method", first.ime_id)

    # -- properties -------------------------------------------------------------------------

    def properties(self) -> dict[str, str]:
        """System properties, as `getprop` prints them."""
        phone = self.phone
        return {
            "ro.serialno": phone.serial,
            "ro.product.model": self.model,
            "ro.product.brand": "phonefarm",
            "ro.product.manufacturer": "phonefarm",
            "ro.product.name": "simphone",
            "ro.product.device": "simphone",
            "ro.product.cpu.abi": "arm64-v8a",
            "ro.build.version.sdk": str(SDK),
            "ro.build.version.release": RELEASE,
            "ro.build.type": "user",
            "ro.sf.lcd_density": str(phone.density),
            "ro.secure": "1",
            "ro.debuggable": "0",
            "sys.boot_completed": "1",
            "persist.sys.locale": phone.locale,
            "persist.sys.timezone": "Asia/Shanghai",
        }

    # -- packages and input methods -----------------------------------------------------------

    def install_input_method(self, spec: InputMethodSpec) -> None:
        """Install a broadcast input method (not yet enabled or selected)."""
        with self._lock:
            self.input_methods[spec.ime_id] = spec
            self.packages[spec.package] = PackageInfo("1.0", 1, ".ImeSettings")

    def uninstall(self, package: str) -> bool:
        """Remove a package (and the input methods it provides); True when it was there."""
        with self._lock:
            for ime_id in [i for i in self.input_methods if i.startswith(package + "/")]:
                del self.input_methods[ime_id]
                self.enabled_imes.discard(ime_id)
                if self.settings.get(("secure", "default_input_method")) == ime_id:
                    self.settings[("secure", "default_input_method")] = LATIN_IME
            return self.packages.pop(package, None) is not None

    def all_imes(self) -> list[str]:
        """Every installed input method id."""
        with self._lock:
            return [LATIN_IME, *self.input_methods]

    def active_input_method(self) -> InputMethodSpec | None:
        """The broadcast IME that is selected, if one is."""
        current = self.setting("secure", "default_input_method")
        with self._lock:
            return self.input_methods.get(current or "")

    # -- settings -------------------------------------------------------------------------------

    def setting(self, namespace: str, key: str) -> str | None:
        """A value of `settings get`."""
        with self._lock:
            return self.settings.get((namespace, key))

    def set_setting(self, namespace: str, key: str, value: str) -> None:
        """`settings put`."""
        with self._lock:
            self.settings[(namespace, key)] = value

    # -- media ---------------------------------------------------------------------------------

    def scan_media(self, path: str) -> bool:
        """The media scanner indexes a file: a pushed image appears in the picker.

        Returns False when the file is missing or is not an image (nothing is added).
        """
        try:
            data = self.files.read(path)
            with Image.open(io.BytesIO(data)) as source:
                source.load()
                image = source.convert("RGB")
        except (OSError, UnidentifiedImageError):
            return False
        self.phone.add_media(posixpath.basename(path), image)
        return True

    # -- device ports (what `tcp:PORT` reaches) ---------------------------------------------------

    def listen(self, device_port: int, host_port: int) -> None:
        """A process on the phone listens on `device_port`, served at loopback `host_port`."""
        with self._lock:
            self._ports[device_port] = host_port

    def unlisten(self, device_port: int) -> None:
        """Nothing listens on `device_port` any more."""
        with self._lock:
            self._ports.pop(device_port, None)

    def port(self, device_port: int) -> int | None:
        """The loopback port serving `device_port`, or None when nothing listens."""
        with self._lock:
            return self._ports.get(device_port)
