"""Why a flow stopped.

FlowError            a step could not be verified (the runner saves evidence)
└── AppCrashedError  the app disappeared mid-flow (back on the launcher)
"""

from __future__ import annotations

from agent.vision.evidence import Mark


class FlowError(Exception):
    """A step could not reach or verify the screen it expects."""

    def __init__(self, message: str, marks: list[Mark] | None = None) -> None:
        super().__init__(message)
        self.marks = marks or []


class AppCrashedError(FlowError):
    """The app is gone from the foreground in the middle of a flow."""
