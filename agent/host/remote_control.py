"""`ControlGate`: a person's remote control of a phone and its worker's jobs never overlap.

The rule (chosen over "input only while the worker happens to be idle", which would let a
job start between two taps of a person): remote control is *taken* explicitly.

- `take` succeeds only while the worker has no job in hand; it waits a moment for a
  claim in flight to come back empty. A job is never interrupted: publishing and sending
  are irreversible, and a half-driven flow would leave the phone in an unknown state.
- While the phone is held the worker claims nothing (`begin_work` says no); its jobs
  wait in the queue.
- Only the holder's input is carried out; each input renews the hold.
- The hold ends on `release`, after `hold_seconds` without input (a forgotten browser tab
  must not keep a phone from its jobs), or when the screen link drops (`release_all`).

    gate = ControlGate("PH-1")
    if gate.begin_work():          # the worker, before each claim
        try: ... claim, work ...
        finally: gate.end_work()
    gate.take("li", 120)           # the screen link, for a ControlCommand

Exceptions::

    ControlRefused(code, message)  take/input refused: busy, held by another, not held
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from agent.devices.base import Device, Key
from farm_protocol.live import (
    CommandError,
    ControlState,
    KeyInput,
    LongPressInput,
    RemoteInput,
    SwipeInput,
    TapInput,
    TextInput,
)

TAKE_WAIT_S = 3.0
"""How long `take` waits for a claim in flight (not a job) to come back."""


class ControlRefused(Exception):
    """A take or an input was refused; `code` says why."""

    def __init__(self, code: CommandError, message: str) -> None:
        super().__init__(message)
        self.code = code


class ControlGate:
    """Who may drive one phone right now: its worker, or the person holding it.

    Args:
        serial: the phone.
        clock: monotonic seconds (tests pass a fake one).
    """

    def __init__(self, serial: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.serial = serial
        self._clock = clock
        self._cond = threading.Condition()
        self._working = 0  # claims/jobs in progress (the worker's; tests may add one)
        self._holder: str | None = None
        self._deadline = 0.0
        self._hold_seconds = 0.0

    # -- the worker ------------------------------------------------------------------------

    def begin_work(self) -> bool:
        """The worker may claim (and then run) a job: True unless a person holds the phone."""
        with self._cond:
            if self._held():
                return False
            self._working += 1
            return True

    def end_work(self) -> None:
        """The worker's claim came back empty, or its job is finished."""
        with self._cond:
            self._working = max(0, self._working - 1)
            self._cond.notify_all()

    @property
    def working(self) -> bool:
        """True while the worker claims or works a job."""
        with self._cond:
            return self._working > 0

    # -- people ----------------------------------------------------------------------------

    def _held(self) -> bool:
        if self._holder is not None and self._clock() >= self._deadline:
            self._holder = None
        return self._holder is not None

    def state(self) -> ControlState:
        """Who holds the phone now."""
        with self._cond:
            if not self._held():
                return ControlState(serial=self.serial)
            left = max(0.0, self._deadline - self._clock())
            return ControlState(serial=self.serial, holder=self._holder, expires_in=round(left, 1))

    def take(self, user: str, hold_seconds: float, wait: float = TAKE_WAIT_S) -> ControlState:
        """Hold the phone for `user` (or renew their hold) for `hold_seconds` without input.

        Raises:
            ControlRefused: another person holds it (`held`), or its worker has a job in
                hand (`busy`).
        """
        end = self._clock() + wait
        with self._cond:
            if self._held() and self._holder != user:
                raise ControlRefused(CommandError.HELD, f"{self._holder} controls this phone")
            while self._working > 0:
                left = end - self._clock()
                if left <= 0:
                    raise ControlRefused(
                        CommandError.BUSY, "the phone is working on a job; try when it is idle"
                    )
                self._cond.wait(min(left, 0.1))
            self._holder = user
            self._hold_seconds = hold_seconds
            self._deadline = self._clock() + hold_seconds
        return self.state()

    def release(self, user: str | None = None) -> ControlState:
        """End the hold (`user`'s, or anybody's when None); jobs may run again."""
        with self._cond:
            if user is None or self._holder == user:
                self._holder = None
            self._cond.notify_all()
        return self.state()

    def check_input(self, user: str) -> None:
        """Allow one input from `user` and renew their hold.

        Raises:
            ControlRefused: `user` does not hold the phone (`not_held`).
        """
        with self._cond:
            if not self._held() or self._holder != user:
                raise ControlRefused(CommandError.NOT_HELD, "take control of the phone first")
            self._deadline = self._clock() + self._hold_seconds


def apply_input(device: Device, action: RemoteInput) -> None:
    """Carry out one remote input on `device` (fractions become the screen's pixels).

    Raises:
        DeviceError: the phone failed it.
    """
    if isinstance(action, TextInput):
        device.type_text(action.text)
        return
    if isinstance(action, KeyInput):
        device.press_key(Key(action.key))
        return
    width, height = device.window_size()

    def px(fraction: float, size: int) -> int:
        return min(size - 1, max(0, round(fraction * size)))

    if isinstance(action, TapInput):
        device.tap(px(action.x, width), px(action.y, height))
    elif isinstance(action, LongPressInput):
        device.long_press(px(action.x, width), px(action.y, height), action.duration_ms)
    elif isinstance(action, SwipeInput):
        device.swipe(
            px(action.x, width),
            px(action.y, height),
            px(action.x2, width),
            px(action.y2, height),
            action.duration_ms,
        )
