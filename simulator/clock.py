"""A clock that only moves when told to, for deterministic tests and benches."""

from __future__ import annotations


class ManualClock:
    """Monotonic seconds that advance only through `advance`.

    Args:
        start: the initial reading.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start

    def __call__(self) -> float:
        """The current reading."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._now += seconds
