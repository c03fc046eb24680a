"""Translating ADB failures (ours and adbutils') into the `DeviceError` tree.

"device 'X' not found", "device offline", "closed", no adb server, timeouts
                                → DeviceOfflineError (the phone is gone; try again later)
"device unauthorized", "device still authorizing"
                                → DeviceUnauthorizedError (with what the operator must do)
anything else the server refuses → DeviceCommandError
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import adbutils
from adbutils.errors import AdbConnectionError

from agent.devices.adb_server_client import (
    AdbProtocolError,
    AdbServerError,
    AdbServerUnavailableError,
    AdbTimeoutError,
)
from agent.devices.errors import (
    DeviceCommandError,
    DeviceError,
    DeviceOfflineError,
    DeviceUnauthorizedError,
)

UNAUTHORIZED_HINT = (
    "unlock the phone and accept the 'Allow USB debugging?' prompt "
    "(tick 'Always allow from this computer'); no prompt? revoke USB debugging "
    "authorizations in Developer options and plug it in again"
)
_OFFLINE_WORDS = ("not found", "offline", "closed", "no devices", "connecting", "disconnected")


def translate(serial: str, exc: Exception) -> DeviceError:
    """The `DeviceError` an ADB failure means for the phone `serial`."""
    message = str(exc).strip() or type(exc).__name__
    lowered = message.lower()
    if "unauthorized" in lowered or "authorizing" in lowered:
        return DeviceUnauthorizedError(serial, f"{message.splitlines()[0]} — {UNAUTHORIZED_HINT}")
    if isinstance(exc, AdbServerUnavailableError | AdbConnectionError):
        return DeviceOfflineError(serial, f"adb server unreachable: {message}")
    if isinstance(exc, AdbTimeoutError | adbutils.AdbTimeout | TimeoutError):
        return DeviceOfflineError(serial, f"no answer in time: {message}")
    if isinstance(exc, AdbProtocolError | EOFError | OSError):
        return DeviceOfflineError(serial, f"the link dropped: {message}")
    if any(word in lowered for word in _OFFLINE_WORDS):
        return DeviceOfflineError(serial, message)
    return DeviceCommandError(serial, message)


@contextmanager
def device_errors(serial: str) -> Iterator[None]:
    """Re-raise ADB failures inside the block as `DeviceError`s."""
    try:
        yield
    except DeviceError:
        raise
    except (AdbServerError, adbutils.AdbError, OSError, EOFError) as exc:
        raise translate(serial, exc) from exc


__all__ = ["UNAUTHORIZED_HINT", "device_errors", "translate"]
