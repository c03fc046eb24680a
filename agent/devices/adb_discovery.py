"""Finding phones through the adb server, and following them as they come and go.

    server = AdbServerClient.from_env()
    for phone in list_phones(server):              # `adb devices -l`, once
        print(phone.serial, phone.state, phone.model)

    discovery = AdbDiscovery(server, keep_connected=["192.168.1.20:5555"], on_change=print)
    discovery.start()                              # follows `host:track-devices`
    discovery.states()                             # serial → DeviceState, kept current
    discovery.stop()

The tracker holds the adb server's `track-devices` stream open, so a phone plugged in or
out shows within a fraction of a second; the list is also polled every
`reconnect_interval` (adb does not report a TCP phone turning offline on that stream).
It survives what the adb server does:

- the server dies or is killed: every phone turns offline, the tracker waits, restarts the
  server (`adb start-server`, when `adb` is on PATH and `start_server` is set) and
  resumes; a killed server forgets `adb connect`ed phones, so…
- …addresses in `keep_connected` are connected again whenever they are missing or offline
  (the server itself retries a dropped TCP phone only every ~10 s, ~6 times).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from agent.devices.adb_errors import UNAUTHORIZED_HINT
from agent.devices.adb_server_client import AdbServerClient, AdbServerError
from farm_protocol.device import DeviceState

log = logging.getLogger(__name__)

ADB_STATES: Mapping[str, DeviceState] = MappingProxyType(
    {
        "device": DeviceState.ONLINE,
        "unauthorized": DeviceState.UNAUTHORIZED,
        "authorizing": DeviceState.UNAUTHORIZED,
        "offline": DeviceState.OFFLINE,
        "connecting": DeviceState.OFFLINE,
        "bootloader": DeviceState.OFFLINE,
        "recovery": DeviceState.OFFLINE,
        "sideload": DeviceState.OFFLINE,
        "no permissions": DeviceState.ERROR,
    }
)
OFFLINE_HINT = "check the cable (or the phone's Wi-Fi) and that USB debugging is still on"


def device_state(adb_state: str) -> DeviceState:
    """Our state for what `adb devices` says ("device" → online, …)."""
    if adb_state.startswith("no permissions"):
        return DeviceState.ERROR
    return ADB_STATES.get(adb_state, DeviceState.OFFLINE)


@dataclass(frozen=True)
class AdbPhone:
    """A phone as the adb server lists it.

    Attributes:
        serial: ADB serial (USB serial or HOST:PORT).
        adb_state: what adb says ("device", "offline", "unauthorized", …).
        model: `model:` of `adb devices -l` (underscores for spaces), when known.
        transport_id: the server's transport id, when known.
    """

    serial: str
    adb_state: str
    model: str = ""
    transport_id: str = ""

    @property
    def state(self) -> DeviceState:
        """Our state for it."""
        return device_state(self.adb_state)

    @property
    def hint(self) -> str | None:
        """What an operator should do about it, when something is wrong."""
        if self.state is DeviceState.UNAUTHORIZED:
            return UNAUTHORIZED_HINT
        if self.state is DeviceState.OFFLINE:
            return OFFLINE_HINT
        if self.state is DeviceState.ERROR:
            return "the host user may not open the USB device: add a udev rule for it"
        return None


@dataclass(frozen=True)
class DeviceChange:
    """A phone appeared, went away, or changed state (None: not listed at all)."""

    serial: str
    before: DeviceState | None
    after: DeviceState | None


def list_phones(server: AdbServerClient) -> list[AdbPhone]:
    """Every phone the adb server lists, with its model.

    Raises:
        AdbServerError: the adb server did not answer.
    """
    return [
        AdbPhone(serial, state, details.get("model", ""), details.get("transport_id", ""))
        for serial, state, details in server.devices()
    ]


def start_adb_server(server: AdbServerClient, env: Mapping[str, str] | None = None) -> bool:
    """Run `adb start-server` for a local server; True when it ran.

    Args:
        server: the server to start (its port is passed on).
        env: the environment to run `adb` in (this process's when None).
    """
    adb = os.environ.get("ADB") or shutil.which("adb")
    if adb is None or server.host not in ("127.0.0.1", "localhost"):
        return False
    env = {**(env or os.environ), "ANDROID_ADB_SERVER_PORT": str(server.port)}
    result = subprocess.run(
        [adb, "start-server"], env=env, capture_output=True, timeout=30, check=False
    )
    return result.returncode == 0


class AdbDiscovery:
    """Follows the adb server's device list on a background thread.

    Args:
        server: the adb server client.
        keep_connected: TCP addresses ("HOST:PORT") to `adb connect` whenever missing.
        on_change: called (on the tracker's thread) for every appearance, departure and
            state change.
        reconnect_interval: seconds between reconnection attempts (and server restarts).
        start_server: run `adb start-server` when no server answers.
        server_env: the environment to start it in (this process's when None).
    """

    def __init__(
        self,
        server: AdbServerClient,
        *,
        keep_connected: Iterable[str] = (),
        on_change: Callable[[DeviceChange], None] | None = None,
        reconnect_interval: float = 2.0,
        start_server: bool = True,
        server_env: Mapping[str, str] | None = None,
    ) -> None:
        self.server = server
        self.keep_connected = list(keep_connected)
        self.on_change = on_change
        self.reconnect_interval = reconnect_interval
        self.start_server = start_server
        self.server_env = server_env
        self._states: dict[str, DeviceState] = {}
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._tracking_socket: socket.socket | None = None

    # -- reading --------------------------------------------------------------------------------

    def states(self) -> dict[str, DeviceState]:
        """serial → state of every phone listed now."""
        with self._lock:
            return dict(self._states)

    def state(self, serial: str) -> DeviceState:
        """A phone's state (OFFLINE when not listed)."""
        with self._lock:
            return self._states.get(serial, DeviceState.OFFLINE)

    def wait_for(self, serial: str, state: DeviceState | None, timeout: float) -> bool:
        """Wait until a phone is in `state` (None: not listed); True when it got there."""
        with self._lock:
            return self._lock.wait_for(lambda: self._states.get(serial) == state, timeout)

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> AdbDiscovery:
        """Start tracking (and reconnecting). Returns self."""
        self._stop.clear()
        for name, target in (("adb-track", self._track), ("adb-poll", self._poll)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop tracking; waits for the threads."""
        self._stop.set()
        sock = self._tracking_socket
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the tracker blocked in recv
        for thread in self._threads:
            thread.join(5.0)
        self._threads.clear()

    def __enter__(self) -> AdbDiscovery:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- the threads ----------------------------------------------------------------------------

    def _apply(self, listed: dict[str, str]) -> None:
        new = {serial: device_state(state) for serial, state in listed.items()}
        with self._lock:
            old = self._states
            self._states = new
            self._lock.notify_all()
        changes = [
            DeviceChange(serial, old.get(serial), new.get(serial))
            for serial in sorted(set(old) | set(new))
            if old.get(serial) != new.get(serial)
        ]
        for change in changes:
            log.info("%s: %s → %s", change.serial, change.before, change.after)
            if self.on_change is not None:
                try:
                    self.on_change(change)
                except Exception:
                    log.exception("device change listener failed")

    def _track(self) -> None:
        while not self._stop.is_set():
            try:
                with self.server.track_devices() as sock:
                    self._tracking_socket = sock
                    while not self._stop.is_set():
                        self._apply(self.server.read_device_list(sock))
            except AdbServerError as exc:
                if self._stop.is_set():
                    return
                log.debug("device tracking interrupted: %s", exc)
                self._apply({})
                if self.start_server:
                    start_adb_server(self.server, self.server_env)
            finally:
                self._tracking_socket = None
            self._stop.wait(self.reconnect_interval / 4)

    def _poll(self) -> None:
        while not self._stop.wait(self.reconnect_interval):
            try:
                # track-devices stays silent when a TCP phone turns offline (adb 1.0.41):
                # the list is polled as well
                self._apply({serial: state for serial, state, _ in self.server.devices()})
            except AdbServerError as exc:
                log.debug("device list unavailable: %s", exc)
                continue
            for address in list(self.keep_connected):
                if self.state(address) in (DeviceState.ONLINE, DeviceState.UNAUTHORIZED):
                    continue
                try:
                    if self.state(address) is DeviceState.OFFLINE and address in self.states():
                        self.server.disconnect(address)  # drop the stale entry, retry now
                    self.server.connect(address)
                except AdbServerError as exc:
                    log.debug("%s: reconnect failed (%s)", address, exc)
