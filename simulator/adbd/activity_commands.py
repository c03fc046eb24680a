"""Commands that act on the phone: `input`, `am`, `monkey`.

`am broadcast` delivers two kinds of intents the agent relies on: the text broadcast of a
selected ADBKeyboard-style input method (base64 text → committed to the focused field)
and the media scanner's scan-file intent (a pushed image appears in the picker).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Mapping
from types import MappingProxyType

from simulator.adbd.handset import Handset
from simulator.adbd.shell import Command, Invocation, Outcome, fail, ok
from simulator.adbd.system_commands import activity_of
from simulator.node import LAUNCHER_PACKAGE

KEYCODES: Mapping[str, int] = MappingProxyType(
    {
        "HOME": 3,
        "BACK": 4,
        "POWER": 26,
        "ENTER": 66,
        "DEL": 67,
        "MENU": 82,
        "APP_SWITCH": 187,
        "SLEEP": 223,
        "WAKEUP": 224,
    }
)
LONG_PRESS_MS = 500
SCAN_FILE = "android.intent.action.MEDIA_SCANNER_SCAN_FILE"


def keycode(name: str) -> int:
    """KEYCODE_BACK, BACK or 4 → 4.

    Raises:
        ValueError: unknown key name.
    """
    if name.isdigit():
        return int(name)
    key = name.upper().removeprefix("KEYCODE_")
    if key not in KEYCODES:
        raise ValueError(f"unknown keycode {name}")
    return KEYCODES[key]


def _press(handset: Handset, code: int) -> None:
    phone = handset.phone
    if code == KEYCODES["POWER"]:
        handset.screen_on = not handset.screen_on
        if not handset.screen_on:
            phone.lock_screen()
    elif code == KEYCODES["SLEEP"]:
        handset.screen_on = False
        phone.lock_screen()
    elif code == KEYCODES["WAKEUP"]:
        handset.screen_on = True
    elif not handset.screen_on:
        return
    elif code == KEYCODES["BACK"]:
        phone.press_key("back")
    elif code == KEYCODES["HOME"]:
        phone.press_key("home")
    elif code == KEYCODES["ENTER"]:
        phone.press_key("enter")


def input_command(inv: Invocation) -> Outcome:
    """`input [SOURCE] tap X Y | swipe X1 Y1 X2 Y2 [MS] | keyevent [--longpress] K… | text T`."""
    args = inv.argv[1:]
    if args and args[0] in ("touchscreen", "touchpad", "keyboard", "mouse", "dpad"):
        args = args[1:]
    handset = inv.handset
    phone = handset.phone
    verb, rest = args[0], args[1:]
    if verb == "keyevent":
        for name in (a for a in rest if not a.startswith("--")):
            _press(handset, keycode(name))
        return Outcome()
    if not handset.screen_on:
        return Outcome()  # a dark screen ignores touches and typing
    if verb == "tap":
        phone.tap(round(float(rest[0])), round(float(rest[1])))
    elif verb in ("swipe", "draganddrop"):
        x1, y1, x2, y2 = (round(float(v)) for v in rest[:4])
        duration = int(rest[4]) if len(rest) > 4 else 300
        if (x1, y1) == (x2, y2) and duration >= LONG_PRESS_MS:
            phone.long_press(x1, y1, duration)
        else:
            phone.swipe(x1, y1, x2, y2, duration)
    elif verb == "text":
        phone.commit_text(" ".join(rest).replace("%s", " "))
    else:
        return fail(f"Error: Unknown command: {verb}\n", 1)
    return Outcome()


def _start(handset: Handset, package: str) -> bool:
    """Bring `package` to the front; False when it is not installed."""
    if package not in handset.packages:
        return False
    phone = handset.phone
    if package == LAUNCHER_PACKAGE:
        phone.press_key("home")
    else:
        # installed but not simulated (settings…): nothing to show
        with contextlib.suppress(KeyError):
            phone.app_start(package)
    return True


def _intent(args: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """am's intent options → (options, extras)."""
    options: dict[str, str] = {}
    extras: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("--es", "--ei", "--ez", "--el", "--ef", "--eu"):
            extras[args[i + 1]] = args[i + 2]
            i += 3
            continue
        if arg in ("-a", "-d", "-n", "-c", "-t", "-p", "-f", "--user"):
            options[arg] = args[i + 1]
            i += 2
            continue
        if not arg.startswith("-"):
            options.setdefault("-n", arg)
        i += 1
    return options, extras


def _broadcast(handset: Handset, args: list[str]) -> Outcome:
    options, extras = _intent(args)
    action = options.get("-a", "")
    intent = f"act={action}" + (f" dat={options['-d']}" if "-d" in options else "")
    if extras:
        intent += " flg=0x400000 (has extras)"
    head = f"Broadcasting: Intent {{ {intent} }}\n"
    result = 0
    ime = handset.active_input_method()
    if action == SCAN_FILE and options.get("-d", "").startswith("file://"):
        handset.scan_media(options["-d"].removeprefix("file://"))
    elif ime is not None and action == ime.text_action:
        try:
            text = base64.b64decode(extras.get(ime.text_extra, ""), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return ok(head + "Broadcast completed: result=0\n")
        handset.phone.commit_text(text)
        result = ime.handled_result
    elif ime is not None and action in (ime.clear_action, "ADB_KEYBOARD_HIDE"):
        result = ime.handled_result
    return ok(head + f"Broadcast completed: result={result}\n")


def am(inv: Invocation) -> Outcome:
    """`am start [-W] [-S] … -n PKG/ACT`, `am force-stop PKG`, `am broadcast …`."""
    handset = inv.handset
    verb, args = inv.argv[1], inv.argv[2:]
    if verb in ("start", "start-activity"):
        options, _ = _intent(args)
        component = options.get("-n", "")
        package = component.split("/", 1)[0] or options.get("-p", "")
        if not package or not _start(handset, package):
            return fail(
                f"Starting: Intent {{ cmp={component} }}\nError type 3\n"
                f"Error: Activity class {{{component}}} does not exist.\n",
                1,
            )
        return ok(f"Starting: Intent {{ cmp={activity_of(handset, package)} }}\n")
    if verb == "force-stop":
        handset.phone.app_stop(args[-1])
        return Outcome()
    if verb == "broadcast":
        return _broadcast(handset, args)
    return fail(f"am: unknown command {verb}\n", 255)


def monkey(inv: Invocation) -> Outcome:
    """`monkey -p PKG -c android.intent.category.LAUNCHER 1`."""
    args = inv.argv[1:]
    package = args[args.index("-p") + 1] if "-p" in args else ""
    if not package or not _start(inv.handset, package):
        return Outcome(b"", b"** No activities found to run, monkey aborted.\n", 252)
    return ok(f"  bash arg: -p\n  bash arg: {package}\nEvents injected: 1\n")


ACTIVITY_COMMANDS: Mapping[str, Command] = MappingProxyType(
    {
        "input": input_command,
        "am": am,
        "monkey": monkey,
    }
)
