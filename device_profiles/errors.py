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

    @property
    def brief(self) -> str:
        """The message with the file named by its app folder, never by its absolute path.

        What leaves the process (a job's error, an API response) says this, e.g.
        ``nope/profile.yaml: profile file not found``; logs may say `str(self)`.
        """
        name = f"{self.path.parent.name}/{self.path.name}"
        where = f"{name}:{self.line}" if self.line is not None else name
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"
