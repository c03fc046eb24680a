"""Errors a device backend raises.

DeviceError
├── DeviceOfflineError        the phone is gone (unplugged, adb dropped, simulator stopped)
├── DeviceUnauthorizedError   the phone has not accepted this host's ADB key
├── DeviceCommandError        the phone answered, but the command failed
└── InputMethodMissingError   Unicode text needs our input method, which is not installed
"""

from __future__ import annotations


class DeviceError(Exception):
    """A phone could not do what was asked."""

    def __init__(self, serial: str, message: str) -> None:
        super().__init__(f"{serial}: {message}")
        self.serial = serial


class DeviceOfflineError(DeviceError):
    """The phone is not reachable any more."""


class DeviceUnauthorizedError(DeviceError):
    """The phone refused this host's ADB key."""


class DeviceCommandError(DeviceError):
    """A command reached the phone and failed there."""


class InputMethodMissingError(DeviceError):
    """Typing Unicode needs the phonefarm input method, which the phone does not have."""
