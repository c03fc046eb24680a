"""`WireFaults`: what can go wrong on a virtual phone's ADB link, switchable at run time.

- refuse authorization: the phone answers the server's CNXN with AUTH challenges and
  never accepts a key, so the adb server lists it as `unauthorized` (until
  `accept_key()`, like a person tapping "Allow");
- be slow: every service waits `delay_s` before answering;
- drop the connection mid-command: the next command matching a pattern runs (its effect
  happens), sends half of its output, then the TCP link is cut.
"""

from __future__ import annotations

import threading


class WireFaults:
    """Faults of one virtual phone's ADB link. Thread-safe.

    Args:
        refuse_auth: refuse every ADB key until `accept_key()`.
        delay_s: seconds every service waits before answering.
    """

    def __init__(self, *, refuse_auth: bool = False, delay_s: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._refuse_auth = refuse_auth
        self.delay_s = delay_s
        self._drop_pattern: str | None = None

    @property
    def refuse_auth(self) -> bool:
        """True while the phone refuses this host's key."""
        with self._lock:
            return self._refuse_auth

    def refuse_key(self) -> None:
        """Refuse keys on the next connections (the phone forgot the host's key)."""
        with self._lock:
            self._refuse_auth = True

    def accept_key(self) -> None:
        """Accept the host's key: a waiting connection completes its handshake."""
        with self._lock:
            self._refuse_auth = False

    def drop_during(self, pattern: str) -> None:
        """Cut the link in the middle of the next command containing `pattern`."""
        with self._lock:
            self._drop_pattern = pattern

    def take_drop(self, command: str) -> bool:
        """True (once) when `command` is the one to drop the link during."""
        with self._lock:
            if self._drop_pattern is not None and self._drop_pattern in command:
                self._drop_pattern = None
                return True
            return False
