"""`Registration`: what the controller knows of this host, shared by heartbeat and workers."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from farm_protocol.agent_api import RegisterResponse


class Registration:
    """Whether (and with which phones) the host is registered, and the controller's pacing.

    The heartbeat loop registers and calls `update`; anyone who learns that the
    controller's picture is out of date (a phone came online for the first time, the
    controller named unknown serials) calls `invalidate`, and the loop registers again.

    A phone the controller says belongs to another host (`RegisterResponse.foreign_devices`)
    is listed but not this host's: no worker claims for it until an operator moves it here.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._response: RegisterResponse | None = None
        self._serials: frozenset[str] = frozenset()
        self._foreign: frozenset[str] = frozenset()
        self._stale = True

    @property
    def response(self) -> RegisterResponse | None:
        """The last registration's answer (None before the first)."""
        with self._changed:
            return self._response

    @property
    def stale(self) -> bool:
        """True when the host must register (again)."""
        with self._changed:
            return self._stale

    def update(self, response: RegisterResponse, serials: Iterable[str]) -> None:
        """The controller accepted a registration listing `serials`."""
        with self._changed:
            self._response = response
            self._serials = frozenset(serials)
            self._foreign = frozenset(response.foreign_devices)
            self._stale = False
            self._changed.notify_all()

    def invalidate(self) -> None:
        """Register again at the next opportunity."""
        with self._changed:
            self._stale = True

    def knows(self, serial: str) -> bool:
        """True when the last registration listed this phone."""
        with self._changed:
            return self._response is not None and serial in self._serials

    @property
    def foreign(self) -> frozenset[str]:
        """Serials the last registration listed that belong to another host."""
        with self._changed:
            return self._foreign

    def owns(self, serial: str) -> bool:
        """True when the last registration gave this host the phone (listed, not foreign)."""
        with self._changed:
            return self._owns(serial)

    def _owns(self, serial: str) -> bool:
        return self._response is not None and serial in self._serials - self._foreign

    def wait_for(self, serial: str, timeout: float) -> bool:
        """Wait up to `timeout` s until a registration gives this host `serial`."""
        with self._changed:
            return self._changed.wait_for(lambda: self._owns(serial), timeout)

    def lease_seconds(self, default: float = 60.0) -> float:
        """The controller's default lease length (`default` before registering)."""
        with self._changed:
            return self._response.lease_seconds if self._response else default

    def heartbeat_interval(self, default: float = 5.0) -> float:
        """The controller's heartbeat interval (`default` before registering)."""
        with self._changed:
            return self._response.heartbeat_interval if self._response else default
