"""`UiautomatorRpc`: the JSON-RPC methods of the uiautomator2 server, on a virtual phone.

What the unmodified uiautomator2 3.x client calls for `connect`, `info`, `click`,
`swipe`, `press`, `screenshot`, `dump_hierarchy`, `send_keys` (clipboard and paste when
its own IME is missing) and selector lookups (`d(text=…).click()`, `.exists`, `.wait()`).

JSON-RPC errors use the server's codes: -32601 for an unknown method, -32002 with
`UiObjectNotFoundException` in the message for a selector that matches nothing.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from simulator.adbd.activity_commands import KEYCODES
from simulator.adbd.handset import SDK, Handset
from simulator.adbd.ui_selector import UiNode, parse_nodes, select

ACTION_DOWN, ACTION_UP = 0, 1
KEY_NAMES: Mapping[str, str] = MappingProxyType({"back": "back", "home": "home", "enter": "enter"})


class RpcError(Exception):
    """A JSON-RPC error answer."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class UiautomatorRpc:
    """The methods, bound to one handset.

    Args:
        handset: the phone.
    """

    def __init__(self, handset: Handset) -> None:
        self.handset = handset
        self.phone = handset.phone
        self._down: tuple[int, int, float] | None = None
        self._methods: dict[str, Callable[..., Any]] = {
            "deviceInfo": self.device_info,
            "click": self.click,
            "longClick": self.long_click,
            "swipe": self.swipe,
            "swipePoints": self.swipe_points,
            "drag": self.swipe,
            "injectInputEvent": self.inject_input_event,
            "pressKey": self.press_key,
            "pressKeyCode": self.press_key_code,
            "takeScreenshot": self.take_screenshot,
            "dumpWindowHierarchy": self.dump_window_hierarchy,
            "setClipboard": self.set_clipboard,
            "getClipboard": lambda: self.handset.clipboard,
            "pasteClipboard": self.paste_clipboard,
            "clearInputText": lambda: True,
            "exist": lambda sel: bool(self._select(sel)),
            "count": lambda sel: len(self._select(sel)),
            "objInfo": lambda sel: self._one(sel).info(),
            "objInfoOfAllInstances": lambda sel: [n.info() for n in self._select(sel)],
            "getText": lambda sel: self._one(sel).attrs.get("text", ""),
            "setText": self.set_text,
            "clearTextField": lambda sel: True,
            "waitForExists": lambda sel, ms: self._wait(sel, ms, present=True),
            "waitUntilGone": lambda sel, ms: self._wait(sel, ms, present=False),
            "wakeUp": lambda: self._screen(True),
            "sleep": lambda: self._screen(False),
            "getLastToast": lambda: None,
            "clearLastToast": lambda: True,
            "makeToast": lambda *args: True,
            "freezeRotation": lambda *args: True,
            "setOrientation": lambda *args: True,
            "getLastTraversedText": lambda: None,
            "clearLastTraversedText": lambda: True,
        }

    def call(self, method: str, params: Any) -> Any:
        """Run one method with JSON-RPC params (a list or a dict).

        Raises:
            RpcError: unknown method, bad params, or no such UI object.
        """
        function = self._methods.get(method)
        if function is None:
            raise RpcError(-32601, f"Method not found: {method}")
        try:
            if isinstance(params, Mapping):
                return function(**params)
            return function(*(params or []))
        except TypeError as exc:
            raise RpcError(-32602, f"Invalid params for {method}: {exc}") from None
        except ValueError as exc:
            raise RpcError(-32001, f"java.lang.IllegalArgumentException: {exc}") from None

    # -- device -----------------------------------------------------------------------------

    def device_info(self) -> dict[str, Any]:
        """Size, rotation, SDK, current package, screen state."""
        phone = self.phone
        return {
            "currentPackageName": phone.current_app(),
            "displayWidth": phone.width,
            "displayHeight": phone.height,
            "displayRotation": 0,
            "displaySizeDpX": round(phone.width / phone.scale),
            "displaySizeDpY": round(phone.height / phone.scale),
            "naturalOrientation": True,
            "productName": "simphone",
            "screenOn": self.handset.screen_on,
            "sdkInt": SDK,
        }

    def _screen(self, on: bool) -> bool:
        self.handset.screen_on = on
        if not on:
            self.phone.lock_screen()
        return True

    # -- touch --------------------------------------------------------------------------------

    def click(self, x: Any, y: int | None = None, duration_ms: int | None = None) -> bool:
        """Tap (or long-press for `duration_ms`) at a point, or on the node a selector names."""
        if isinstance(x, Mapping):
            x, y = self._one(x).center
        assert y is not None
        if duration_ms is not None and duration_ms >= 500:
            self.phone.long_press(int(x), int(y), duration_ms)
        else:
            self.phone.tap(int(x), int(y))
        return True

    def long_click(self, selector: Mapping[str, Any]) -> bool:
        """Long-press the node a selector names."""
        x, y = self._one(selector).center
        self.phone.long_press(x, y)
        return True

    def swipe(self, fx: int, fy: int, tx: int, ty: int, steps: int = 10) -> bool:
        """Drag from one point to another; a step lasts 5 ms."""
        self.phone.swipe(int(fx), int(fy), int(tx), int(ty), max(1, int(steps)) * 5)
        return True

    def swipe_points(self, points: list[int], steps: int) -> bool:
        """Drag along points (flattened x, y pairs): from the first to the last."""
        return self.swipe(points[0], points[1], points[-2], points[-1], steps)

    def inject_input_event(self, action: int, x: int, y: int, meta: int = 0) -> bool:
        """Raw touch events: a down then an up make a tap, long press or swipe."""
        if action == ACTION_DOWN:
            self._down = (int(x), int(y), time.monotonic())
        elif action == ACTION_UP and self._down is not None:
            x0, y0, t0 = self._down
            self._down = None
            held_ms = int((time.monotonic() - t0) * 1000)
            if abs(x - x0) + abs(y - y0) > 10:
                self.phone.swipe(x0, y0, int(x), int(y), max(held_ms, 50))
            elif held_ms >= 500:
                self.phone.long_press(x0, y0, held_ms)
            else:
                self.phone.tap(x0, y0)
        return True

    def press_key(self, key: str) -> bool:
        """ "back", "home", "enter", "power", "wakeup"."""
        name = key.lower()
        if name in KEY_NAMES:
            self.phone.press_key(KEY_NAMES[name])
        elif name in ("power", "sleep"):
            self._screen(False)
        elif name == "wakeup":
            self._screen(True)
        return True

    def press_key_code(self, code: int, meta: int = 0) -> bool:
        """A key by Android keycode."""
        names = {v: k.lower() for k, v in KEYCODES.items()}
        return self.press_key(names.get(int(code), "unknown"))

    # -- screen -------------------------------------------------------------------------------

    def take_screenshot(self, scale: float = 1.0, quality: int = 80) -> str:
        """The screen as a base64 JPEG."""
        return base64.b64encode(self.handset.encoder.jpeg(float(scale), int(quality))).decode()

    def dump_window_hierarchy(
        self, compressed: bool = False, max_depth: int = 50, root_in_active: bool = False
    ) -> str:
        """The accessibility hierarchy as XML."""
        return self.phone.hierarchy_xml()

    # -- text ----------------------------------------------------------------------------------

    def set_clipboard(self, label: str | None, text: str) -> bool:
        """Put text on the clipboard."""
        self.handset.clipboard = text
        return True

    def paste_clipboard(self) -> bool:
        """Paste the clipboard into the focused field."""
        self.phone.commit_text(self.handset.clipboard)
        return True

    def set_text(self, selector: Mapping[str, Any], text: str) -> bool:
        """Focus the node a selector names and type `text` into it."""
        x, y = self._one(selector).center
        self.phone.tap(x, y)
        self.phone.commit_text(text)
        return True

    # -- selectors ----------------------------------------------------------------------------

    def _select(self, selector: Mapping[str, Any]) -> list[UiNode]:
        return select(parse_nodes(self.phone.hierarchy_xml()), selector)

    def _one(self, selector: Mapping[str, Any]) -> UiNode:
        found = self._select(selector)
        if not found:
            raise RpcError(
                -32002,
                f"androidx.test.uiautomator.UiObjectNotFoundException: UiSelector{dict(selector)}",
            )
        return found[0]

    def _wait(self, selector: Mapping[str, Any], timeout_ms: int, present: bool) -> bool:
        deadline = time.monotonic() + timeout_ms / 1000.0
        while True:
            if bool(self._select(selector)) == present:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
