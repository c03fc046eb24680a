"""Input methods that type any Unicode text a broadcast carries (ADBKeyboard and kin).

`input text` cannot type Chinese or emoji. An input method that commits the base64 text
of a broadcast can: ADBKeyboard (`com.android.adbkeyboard`, the one device preparation
installs) or the keyboard inside uiautomator2's app. It only receives the broadcast while
it is the selected input method.
"""

from __future__ import annotations

import base64
import shlex
from dataclasses import dataclass


@dataclass(frozen=True)
class BroadcastInputMethod:
    """An input method driven by broadcasts.

    Attributes:
        ime_id: the id `ime enable` / `ime set` take.
        text_action: the broadcast whose base64 extra is committed as text.
        text_extra: the name of that extra.
    """

    ime_id: str
    text_action: str
    text_extra: str

    @property
    def package(self) -> str:
        """The package that provides it."""
        return self.ime_id.split("/", 1)[0]

    def text_command(self, text: str) -> str:
        """The shell command that types `text`."""
        encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
        return f"am broadcast -a {self.text_action} --es {self.text_extra} {shlex.quote(encoded)}"


ADB_KEYBOARD = BroadcastInputMethod("com.android.adbkeyboard/.AdbIME", "ADB_INPUT_B64", "msg")
U2_KEYBOARD = BroadcastInputMethod(
    "com.github.uiautomator/.AdbKeyboard", "ADB_KEYBOARD_INPUT_TEXT", "text"
)
KNOWN_INPUT_METHODS = (ADB_KEYBOARD, U2_KEYBOARD)


def by_id(ime_id: str) -> BroadcastInputMethod | None:
    """The known input method with this id, if any."""
    for ime in KNOWN_INPUT_METHODS:
        if ime.ime_id == ime_id:
            return ime
    return None


def input_text_argument(text: str) -> str | None:
    """`text` escaped for `input text`, or None when `input text` cannot type it.

    `input text` handles printable ASCII only; a space is written `%s`.
    """
    if not text or not all(32 <= ord(c) < 127 for c in text) or "%s" in text:
        return None
    return shlex.quote(text.replace(" ", "%s"))
