"""Errors raised while loading a profile.

ProfileError   a profile file is missing, malformed, or names something that does not exist
"""

from __future__ import annotations

from pathlib import Path


class ProfileError(Exception):
    """A profile cannot be used. The message names the file, line and field."""

    def __init__(self, path: Path, line: int | None, field: str, reason: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {field}: {reason}" if field else f"{where}: {reason}")
        self.path = path
        self.line = line
        self.field = field
        self.reason = reason
