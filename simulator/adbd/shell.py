"""`Shell`: a small `/system/bin/sh` for the virtual phone.

It runs what ADB clients send in `shell:` and `exec:` services: command lists joined by
`;`, `&&`, `||`, pipelines with `|`, `$?`, leading `NAME=value` assignments and the
redirections `>`, `>>`, `<`, `2>`, `2>&1`. Commands are Python callables looked up by
name (`echo`, `getprop`, `input`, `screencap`…); an unknown one fails with code 127 and
the message a phone prints.
"""

from __future__ import annotations

import shlex
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.adbd.handset import Handset

OPERATORS = (";", "&&", "||", "&", "|")
REDIRECTS = (">", ">>", "<", ">&")


@dataclass
class Invocation:
    """One command about to run.

    Attributes:
        argv: the command and its arguments.
        stdin: what the previous command of the pipeline wrote (or a file).
        env: variables assigned before the command.
        handset: the phone.
        cancelled: set when the client closed the stream (long commands stop).
    """

    argv: list[str]
    stdin: bytes
    env: dict[str, str]
    handset: Handset
    cancelled: threading.Event


@dataclass
class Outcome:
    """What a command did: its output and exit code."""

    stdout: bytes = b""
    stderr: bytes = b""
    code: int = 0
    combined: bytes | None = None  # stdout and stderr interleaved, command by command

    @property
    def output(self) -> bytes:
        """stdout and stderr as one stream (what `shell:` without the v2 protocol sends)."""
        return self.combined if self.combined is not None else self.stdout + self.stderr


def ok(text: str | bytes = b"") -> Outcome:
    """A successful outcome printing `text`."""
    return Outcome(text.encode() if isinstance(text, str) else text)


def fail(message: str, code: int = 1) -> Outcome:
    """A failed outcome with `message` on stderr."""
    return Outcome(b"", message.encode(), code)


Command = Callable[[Invocation], Outcome]


@dataclass
class _Simple:
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    stdout_to: tuple[str, bool] | None = None  # (path, append)
    stdin_from: str | None = None
    stderr_to: str | None = None  # a path, or "&1"


def tokenize(line: str) -> list[str]:
    """Split a command line into words and operators, honouring quotes.

    Raises:
        ValueError: unbalanced quotes.
    """
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    lexer.commenters = ""
    return list(lexer)


def _parse_pipeline(words: list[str]) -> list[_Simple]:
    commands = [_Simple()]
    i = 0
    while i < len(words):
        word = words[i]
        current = commands[-1]
        fd_two = word == "2" and i + 1 < len(words) and words[i + 1] in (">", ">&", ">>")
        if word == "|":
            commands.append(_Simple())
        elif fd_two:
            target = words[i + 2] if i + 2 < len(words) else ""
            current.stderr_to = "&1" if words[i + 1] == ">&" and target == "1" else target
            i += 2
        elif word in (">", ">>"):
            current.stdout_to = (words[i + 1] if i + 1 < len(words) else "", word == ">>")
            i += 1
        elif word == ">&":
            i += 1  # ">&2" and the like: output stays where it is
        elif word == "<":
            current.stdin_from = words[i + 1] if i + 1 < len(words) else ""
            i += 1
        elif not current.argv and "=" in word and word.split("=", 1)[0].isidentifier():
            name, value = word.split("=", 1)
            current.env[name] = value
        else:
            current.argv.append(word)
        i += 1
    return commands


class Shell:
    """Runs command lines against a handset.

    Args:
        handset: the phone.
        commands: the commands it knows, by name.
    """

    def __init__(self, handset: Handset, commands: Mapping[str, Command]) -> None:
        self.handset = handset
        self.commands = commands

    def run(self, line: str, cancelled: threading.Event | None = None) -> Outcome:
        """Run a command line; its stdout, stderr and the last exit code."""
        cancelled = cancelled or threading.Event()
        try:
            words = tokenize(line)
        except ValueError as exc:
            return fail(f"/system/bin/sh: syntax error: {exc}\n", 2)
        results: list[Outcome] = []
        code = 0
        connector = ";"
        segment: list[str] = []
        for word in [*words, ";"]:
            if word not in (";", "&&", "||", "&"):
                segment.append(word)
                continue
            run_it = connector in (";", "&") or (connector == "&&") == (code == 0)
            if segment and run_it:
                expanded = [w.replace("$?", str(code)) for w in segment]
                results.append(self._pipeline(_parse_pipeline(expanded), cancelled))
                code = results[-1].code
            segment = []
            connector = word
        if len(results) == 1:
            return results[0]  # no copies: a raw screencap is megabytes
        return Outcome(
            b"".join(r.stdout for r in results),
            b"".join(r.stderr for r in results),
            code,
            b"".join(r.stdout + r.stderr for r in results),
        )

    def _pipeline(self, commands: list[_Simple], cancelled: threading.Event) -> Outcome:
        data = b""
        errors = bytearray()
        code = 0
        for simple in commands:
            stdin = data
            if simple.stdin_from:
                try:
                    stdin = self.handset.files.read(simple.stdin_from)
                except OSError:
                    return fail(f"/system/bin/sh: can't open '{simple.stdin_from}'\n")
            result = self._simple(simple, stdin, cancelled)
            out, err = result.stdout, result.stderr
            if simple.stderr_to == "&1":
                out, err = out + err, b""
            elif simple.stderr_to is not None:
                err = b""
            if simple.stdout_to is not None:
                path, append = simple.stdout_to
                if path != "/dev/null":
                    before = b""
                    if append:
                        try:
                            before = self.handset.files.read(path)
                        except OSError:
                            before = b""
                    self.handset.files.write(path, before + out)
                out = b""
            data = out
            errors += err
            code = result.code
        return Outcome(data, bytes(errors), code)

    def _simple(self, simple: _Simple, stdin: bytes, cancelled: threading.Event) -> Outcome:
        if not simple.argv:
            return Outcome()
        name = simple.argv[0].rsplit("/", 1)[-1]
        command = self.commands.get(name)
        if command is None:
            return fail(f"/system/bin/sh: {simple.argv[0]}: inaccessible or not found\n", 127)
        invocation = Invocation(
            [name, *simple.argv[1:]], stdin, simple.env, self.handset, cancelled
        )
        try:
            return command(invocation)
        except (IndexError, ValueError) as exc:
            return fail(f"{name}: bad arguments ({exc})\n", 2)
