"""Random interruptions a virtual phone can suffer, reproducible from a seed.

The phone asks the plan at fixed points — on every screen change and on every tap — and
each question draws the same number of random numbers whatever the answer, so the same
seed and the same sequence of actions give the same faults.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ScreenChangeFaults:
    """What goes wrong as a new screen appears."""

    dialog: bool
    slow: bool


@dataclass(frozen=True)
class TapFaults:
    """What goes wrong when a finger touches the screen."""

    banner: bool
    toast: bool
    freeze: bool
    crash: bool


class FaultPlan:
    """Rates of random faults (each 0..1) and the random source that draws them.

    Args:
        seed: seed of the plan's own random generator.
        dialog_rate: chance an update dialog pops up on a screen change.
        banner_rate: chance a notification banner drops in on a tap.
        toast_rate: chance a network-error toast shows on a tap.
        slow_rate: chance a screen change (or an upload) runs `slow_factor` times slower.
        slow_factor: how much slower a slow animation runs.
        freeze_rate: chance a tap freezes the screen (stale frames, input ignored).
        freeze_ms: how long a freeze lasts.
        crash_rate: chance a tap crashes the app.
    """

    def __init__(
        self,
        seed: int = 0,
        dialog_rate: float = 0.0,
        banner_rate: float = 0.0,
        toast_rate: float = 0.0,
        slow_rate: float = 0.0,
        slow_factor: float = 3.0,
        freeze_rate: float = 0.0,
        freeze_ms: int = 600,
        crash_rate: float = 0.0,
    ) -> None:
        for name, rate in (
            ("dialog_rate", dialog_rate),
            ("banner_rate", banner_rate),
            ("toast_rate", toast_rate),
            ("slow_rate", slow_rate),
            ("freeze_rate", freeze_rate),
            ("crash_rate", crash_rate),
        ):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be within 0..1, got {rate}")
        self.seed = seed
        self.dialog_rate = dialog_rate
        self.banner_rate = banner_rate
        self.toast_rate = toast_rate
        self.slow_rate = slow_rate
        self.slow_factor = slow_factor
        self.freeze_rate = freeze_rate
        self.freeze_ms = freeze_ms
        self.crash_rate = crash_rate
        self._rng = random.Random(seed)

    @classmethod
    def random_interruptions(cls, seed: int) -> FaultPlan:
        """Moderate noise a robust flow must survive (crashes stay opt-in)."""
        return cls(
            seed=seed,
            dialog_rate=0.08,
            banner_rate=0.05,
            toast_rate=0.05,
            slow_rate=0.1,
            slow_factor=3.0,
            freeze_rate=0.03,
            freeze_ms=600,
        )

    def on_screen_change(self) -> ScreenChangeFaults:
        """Draw the faults of one screen change."""
        dialog = self._rng.random() < self.dialog_rate
        slow = self._rng.random() < self.slow_rate
        return ScreenChangeFaults(dialog=dialog, slow=slow)

    def on_tap(self) -> TapFaults:
        """Draw the faults of one tap."""
        banner = self._rng.random() < self.banner_rate
        toast = self._rng.random() < self.toast_rate
        freeze = self._rng.random() < self.freeze_rate
        crash = self._rng.random() < self.crash_rate
        return TapFaults(banner=banner, toast=toast, freeze=freeze, crash=crash)

    def slow_down(self) -> float:
        """Duration multiplier for one upload: `slow_factor` or 1."""
        return self.slow_factor if self._rng.random() < self.slow_rate else 1.0

    def pick(self, options: Sequence[T]) -> T:
        """One of `options`, drawn from the plan's generator."""
        return options[self._rng.randrange(len(options))]
