"""Exponential backoff with jitter and a cap, for retrying a controller that is away."""

from __future__ import annotations

import random


class Backoff:
    """Delays that double after each failure, up to a cap; `reset` after a success.

    Jitter spreads the retries of many workers so they do not arrive together.

    Args:
        initial: the first delay in seconds.
        cap: the longest delay in seconds.
        factor: growth per failure.
        jitter: each delay is scaled by a random factor in [1 - jitter, 1 + jitter].
        seed: seed of the jitter's random generator (None: unpredictable).
    """

    def __init__(
        self,
        initial: float = 0.5,
        cap: float = 30.0,
        factor: float = 2.0,
        jitter: float = 0.2,
        seed: int | None = None,
    ) -> None:
        if initial <= 0 or cap < initial or factor < 1 or not 0 <= jitter < 1:
            raise ValueError("need 0 < initial <= cap, factor >= 1 and 0 <= jitter < 1")
        self.initial = initial
        self.cap = cap
        self.factor = factor
        self.jitter = jitter
        self._rng = random.Random(seed)
        self._failures = 0

    @property
    def failures(self) -> int:
        """Failures since the last reset."""
        return self._failures

    def next(self) -> float:
        """The delay before the next attempt; each call counts one more failure."""
        base = min(self.cap, self.initial * self.factor**self._failures)
        self._failures += 1
        spread = 1.0 + self.jitter * (2.0 * self._rng.random() - 1.0)
        return min(self.cap, base * spread)

    def reset(self) -> None:
        """The last attempt worked: start again from `initial`."""
        self._failures = 0
