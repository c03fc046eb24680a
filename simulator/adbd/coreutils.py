"""Toybox-style commands of the virtual phone's shell: echo, cat, ls, grep, md5sum…

Only what ADB clients use (uiautomator2 checks its jar with `toybox md5sum`, adbutils
appends `; echo X4EXIT:$?`, we filter `dumpsys` output with `grep`).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import stat
from collections.abc import Mapping
from types import MappingProxyType

from simulator.adbd.shell import Command, Invocation, Outcome, fail, ok


def echo(inv: Invocation) -> Outcome:
    """`echo [-n] WORDS`."""
    args = inv.argv[1:]
    newline = True
    if args and args[0] == "-n":
        newline, args = False, args[1:]
    return ok(" ".join(args) + ("\n" if newline else ""))


def true(_inv: Invocation) -> Outcome:
    """`true`."""
    return Outcome()


def false(_inv: Invocation) -> Outcome:
    """`false`."""
    return Outcome(code=1)


def sleep(inv: Invocation) -> Outcome:
    """`sleep SECONDS` (ends early when the client goes away)."""
    inv.cancelled.wait(float(inv.argv[1]))
    return Outcome()


def cat(inv: Invocation) -> Outcome:
    """`cat [FILE…]` (stdin without files)."""
    if len(inv.argv) == 1:
        return ok(inv.stdin)
    out = bytearray()
    for path in inv.argv[1:]:
        try:
            out += inv.handset.files.read(path)
        except FileNotFoundError:
            return Outcome(bytes(out), f"cat: {path}: No such file or directory\n".encode(), 1)
        except IsADirectoryError:
            return Outcome(bytes(out), f"cat: {path}: Is a directory\n".encode(), 1)
    return ok(bytes(out))


def rm(inv: Invocation) -> Outcome:
    """`rm [-f] [-r] FILE…`."""
    force = any(a.startswith("-") and "f" in a for a in inv.argv[1:])
    for path in (a for a in inv.argv[1:] if not a.startswith("-")):
        if not inv.handset.files.remove(path) and not force:
            return fail(f"rm: {path}: No such file or directory\n")
    return Outcome()


def mkdir(inv: Invocation) -> Outcome:
    """`mkdir [-p] DIR…`."""
    for path in (a for a in inv.argv[1:] if not a.startswith("-")):
        inv.handset.files.mkdir(path)
    return Outcome()


def chmod(inv: Invocation) -> Outcome:
    """`chmod MODE FILE…` (modes are not enforced)."""
    for path in inv.argv[2:]:
        if inv.handset.files.stat(path) is None:
            return fail(f"chmod: {path}: No such file or directory\n")
    return Outcome()


def ls(inv: Invocation) -> Outcome:
    """`ls [-l] [PATH]`."""
    paths = [a for a in inv.argv[1:] if not a.startswith("-")] or ["/sdcard"]
    out: list[str] = []
    for path in paths:
        entry = inv.handset.files.stat(path)
        if entry is None:
            return fail(f"ls: {path}: No such file or directory\n")
        if stat.S_ISDIR(entry.mode):
            out.extend(inv.handset.files.listdir(path))
        else:
            out.append(path)
    return ok("".join(f"{name}\n" for name in out))


def md5sum(inv: Invocation) -> Outcome:
    """`md5sum FILE…`."""
    lines = []
    for path in inv.argv[1:]:
        try:
            digest = hashlib.md5(inv.handset.files.read(path)).hexdigest()
        except OSError:
            return fail(f"md5sum: {path}: No such file or directory\n")
        lines.append(f"{digest}  {path}\n")
    return ok("".join(lines))


def grep(inv: Invocation) -> Outcome:
    """`grep [-E] [-i] [-v] [-o] [-e PATTERN] [PATTERN] [FILE]`."""
    args = inv.argv[1:]
    flags = 0
    invert = only = False
    patterns: list[str] = []
    files: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-e":
            patterns.append(args[i + 1])
            i += 1
        elif arg.startswith("-") and len(arg) > 1:
            flags |= re.IGNORECASE if "i" in arg else 0
            invert = invert or "v" in arg
            only = only or "o" in arg
        elif not patterns:
            patterns.append(arg)
        else:
            files.append(arg)
        i += 1
    data = inv.stdin
    if files:
        try:
            data = b"".join(inv.handset.files.read(f) for f in files)
        except OSError:
            return fail(f"grep: {files[0]}: No such file or directory\n", 2)
    regex = re.compile("|".join(f"(?:{p})" for p in patterns), flags)
    out = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        match = regex.search(line)
        if bool(match) != invert:
            out.append(match.group(0) if only and match else line)
    return Outcome("".join(f"{line}\n" for line in out).encode(), b"", 0 if out else 1)


def head(inv: Invocation) -> Outcome:
    """`head [-n N]`."""
    count = 10
    if len(inv.argv) >= 3 and inv.argv[1] == "-n":
        count = int(inv.argv[2])
    lines = inv.stdin.splitlines(keepends=True)[:count]
    return ok(b"".join(lines))


def basename(inv: Invocation) -> Outcome:
    """`basename PATH`."""
    return ok(posixpath.basename(inv.argv[1]) + "\n")


def toybox(inv: Invocation) -> Outcome:
    """`toybox COMMAND ARGS…`: the multi-call binary."""
    if len(inv.argv) < 2:
        return ok(" ".join(sorted(COREUTILS)) + "\n")
    command = COREUTILS.get(inv.argv[1])
    if command is None:
        return fail(f"toybox: Unknown command {inv.argv[1]}\n")
    inv.argv = inv.argv[1:]
    return command(inv)


COREUTILS: Mapping[str, Command] = MappingProxyType(
    {
        "echo": echo,
        "true": true,
        "false": false,
        "sleep": sleep,
        "cat": cat,
        "rm": rm,
        "mkdir": mkdir,
        "chmod": chmod,
        "ls": ls,
        "md5sum": md5sum,
        "grep": grep,
        "head": head,
        "basename": basename,
    }
)
