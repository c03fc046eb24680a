"""App version ranges, as a profile names the app versions it was written for.

    VersionRange.parse(">=8.0,<9").contains("8.0.49")       # True
    VersionRange.parse(">=8.0,<9").contains("7.0.22")       # False

A range is comma-separated clauses, each an operator (`>=`, `>`, `<=`, `<`, `==`, `!=`)
and a dotted version. Versions compare by their leading dotted numbers, so what
`dumpsys package` reports as `versionName` (`8.0.49`, `4.1.22.6019`, `8.0.50-beta`,
`8.0.47.2560(0x28002F36)`) is compared as (8, 0, 49), (4, 1, 22, 6019), …; missing parts
count as 0 (`8.0` == `8.0.0`).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

_LEADING = re.compile(r"\s*v?(\d+(?:\.\d+)*)")
_CLAUSE = re.compile(r"\s*(>=|<=|==|!=|>|<)\s*(\d+(?:\.\d+)*)\s*")
_OPS: dict[str, Callable[[tuple[int, ...], tuple[int, ...]], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}

Version = tuple[int, ...]


def parse_version(text: str) -> Version | None:
    """The leading dotted numbers of a version name, or None when it has none."""
    m = _LEADING.match(text)
    if m is None:
        return None
    return tuple(int(part) for part in m.group(1).split("."))


def _padded(a: Version, b: Version) -> tuple[Version, Version]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


@dataclass(frozen=True)
class VersionRange:
    """Every clause must hold for a version to be in the range."""

    clauses: tuple[tuple[str, Version], ...]
    text: str

    @classmethod
    def parse(cls, text: str) -> VersionRange:
        """Parse `">=8.0,<9"`.

        Raises:
            ValueError: a clause is not an operator and a dotted version.
        """
        clauses = []
        for raw in text.split(","):
            m = _CLAUSE.fullmatch(raw)
            if m is None:
                raise ValueError(
                    f"{raw.strip()!r} is not a version clause like '>=8.0' "
                    "(operators: >=, >, <=, <, ==, !=; clauses joined by commas)"
                )
            clauses.append((m.group(1), tuple(int(p) for p in m.group(2).split("."))))
        return cls(tuple(clauses), text)

    def contains(self, version_name: str) -> bool:
        """True when the version name's leading numbers satisfy every clause."""
        version = parse_version(version_name)
        if version is None:
            return False
        for op, bound in self.clauses:
            have, want = _padded(version, bound)
            if not _OPS[op](have, want):
                return False
        return True

    @property
    def lower(self) -> Version:
        """The lowest version the range admits by its `>=`/`>`/`==` clauses ((0,) if none)."""
        bounds = [b for op, b in self.clauses if op in (">=", ">", "==")]
        return max(bounds, key=lambda b: b + (0,) * (8 - len(b))) if bounds else (0,)

    def __str__(self) -> str:
        return self.text
