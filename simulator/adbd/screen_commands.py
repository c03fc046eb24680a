"""Commands that read the screen: `screencap` and `uiautomator dump`."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from simulator.adbd.shell import Command, Invocation, Outcome, fail, ok

DEFAULT_DUMP = "/sdcard/window_dump.xml"


def screencap(inv: Invocation) -> Outcome:
    """`screencap [-p] [-d DISPLAY] [FILE]`: raw pixels, or PNG with -p (or a .png FILE)."""
    args = inv.argv[1:]
    png = "-p" in args
    files = []
    i = 0
    while i < len(args):
        if args[i] == "-d":
            i += 1
        elif not args[i].startswith("-"):
            files.append(args[i])
        i += 1
    encoder = inv.handset.encoder
    if files:
        path = files[0]
        data = encoder.png() if png or path.endswith(".png") else encoder.raw()
        inv.handset.files.write(path, data)
        return Outcome()
    return ok(encoder.png() if png else encoder.raw())


def uiautomator(inv: Invocation) -> Outcome:
    """`uiautomator dump [--compressed] [FILE]` (FILE may be /dev/tty: the XML is printed)."""
    args = inv.argv[1:]
    if not args or args[0] != "dump":
        return fail("Usage: uiautomator <subcommand> [options]\n", 1)
    paths = [a for a in args[1:] if not a.startswith("-")]
    path = paths[0] if paths else DEFAULT_DUMP
    xml = inv.handset.phone.hierarchy_xml().encode("utf-8")
    if path == "/dev/tty":
        return ok(xml + b"UI hierchary dumped to: /dev/tty\n")
    inv.handset.files.write(path, xml)
    return ok(f"UI hierchary dumped to: {path}\n")


SCREEN_COMMANDS: Mapping[str, Command] = MappingProxyType(
    {
        "screencap": screencap,
        "uiautomator": uiautomator,
    }
)
