"""Waiting for something to happen, and a free loopback port."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

ADB_PORTS = range(5555, 5586)
"""Ports an adb server scans for emulators: a test server must never listen on one."""
ADB_SERVER_PORT = 5037


class NotInTime(AssertionError):
    """A condition was not met within its timeout."""


def wait_for(predicate: Callable[[], T], timeout: float = 30.0, interval: float = 0.05) -> T:
    """Poll until `predicate()` is truthy and return its value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise NotInTime(f"condition not met within {timeout} s")
        time.sleep(interval)


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.05) -> bool:
    """Poll until `predicate()` is truthy: True, or False once `timeout` seconds are over."""
    try:
        wait_for(predicate, timeout, interval)
    except NotInTime:
        return False
    return True


def free_port() -> int:
    """A free loopback port (never one of adb's: a test may run an adb server)."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in ADB_PORTS and port != ADB_SERVER_PORT:
            return port
