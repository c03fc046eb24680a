"""A clock that only moves when told to, for the controller's and the queue's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

START = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
"""Where a `FakeClock` starts."""


class FakeClock:
    """A clock that only moves when told to (thread-safe enough for reads)."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward and return the new time."""
        self.now += timedelta(seconds=seconds)
        return self.now
