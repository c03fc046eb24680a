"""Helpers shared by the queue tests.

`tests/queue/` has no `__init__.py` on purpose: as a package it would be importable as
`queue` and shadow the standard library. pytest puts this folder on `sys.path`, so the
tests import this module by its (unique) name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from farm_queue import JobStore

START = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)

StoreFactory = Callable[[], JobStore]
"""Opens another store on the same storage, as a restarted process would."""


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward and return the new time."""
        self.now += timedelta(seconds=seconds)
        return self.now
