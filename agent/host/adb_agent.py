"""`AdbAgent`: the agent over the phones the local adb server sees (`phonefarm agent --adb`).

    agent = AdbAgent(settings, AdbSpec(backend="u2", connect=("192.168.1.20:5555",)))
    agent.start()                 # list the phones, one worker each, then follow the plug
    agent.phones()                # serial, state, operator hint, app profile
    agent.stop()

Hot-plug: `AdbDiscovery` follows the adb server's device list. A phone that appears later
gets a worker (`Supervisor.add_device`); one that goes away or turns offline/unauthorized
is marked so at once — its worker stops claiming, the heartbeat reports the state, and
the job in hand (if any) ends as any dropped phone's does (lease, `unknown` and
check-first rules). When it comes back the worker finds it online within a probe.

A phone that is unauthorized or offline when first seen gets a worker too, but the
controller hears of it only once it has answered (registering needs its screen size):
until then the agent logs its state with what the operator should do.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from agent.devices.adb_backends import BACKENDS, open_device
from agent.devices.adb_discovery import (
    OFFLINE_HINT,
    AdbDiscovery,
    DeviceChange,
    list_phones,
    start_adb_server,
)
from agent.devices.adb_errors import UNAUTHORIZED_HINT
from agent.devices.adb_server_client import AdbServerClient, AdbServerError
from agent.devices.base import Device, Image, Key
from agent.devices.errors import DeviceError, DeviceOfflineError, DeviceUnauthorizedError
from agent.host.app_catalog import AppCatalog
from agent.host.events import JobListener
from agent.host.phone_apps import PhoneApps
from agent.host.settings import AgentSettings
from agent.host.supervisor import Supervisor
from device_profiles.selection import bundled_profiles
from farm_protocol.device import DeviceInfo, DeviceState

log = logging.getLogger(__name__)

ERROR_HINT = "the host user may not open the USB device: add a udev rule for it"


def state_hint(state: DeviceState) -> str | None:
    """What an operator should do about a phone in `state` (None: nothing)."""
    return {
        DeviceState.UNAUTHORIZED: UNAUTHORIZED_HINT,
        DeviceState.OFFLINE: OFFLINE_HINT,
        DeviceState.ERROR: ERROR_HINT,
    }.get(state)


@dataclass(frozen=True)
class AdbSpec:
    """How the agent reaches its phones.

    Attributes:
        backend: "adb" (AdbDevice) or "u2" (U2Device, uiautomator2 on the phone).
        connect: TCP addresses to `adb connect` and keep connected (Wi-Fi debugging).
        reconnect_interval: seconds between polls of the device list and reconnections.
        start_server: run `adb start-server` when no server answers.
        timeout: seconds a phone may take to answer before it counts as offline.
    """

    backend: str = "adb"
    connect: tuple[str, ...] = ()
    reconnect_interval: float = 2.0
    start_server: bool = True
    timeout: float = 20.0

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown backend {self.backend!r}; choose one of {BACKENDS}")


@dataclass(frozen=True)
class PhoneView:
    """One phone as `phonefarm agent --adb` shows it."""

    serial: str
    state: DeviceState
    hint: str | None
    profile: str | None


class AttachedPhone:
    """A phone the adb server lists, as its worker sees it: a `Device` that follows the plug.

    The backend is opened on first use while the phone is online and dropped when it goes
    away (a U2Device is opened again after a replug). While discovery says the phone is
    not online every call raises at once — `DeviceOfflineError` or
    `DeviceUnauthorizedError` with the operator's hint — instead of waiting for a timeout.
    Every answered `info()` tells the phone's `PhoneApps` which apps it has.

    Args:
        serial: the ADB serial.
        opener: opens the backend for a serial (may raise `DeviceError`).
        apps: the phone's view of the app profiles.
        state: what adb lists it as now.
    """

    def __init__(
        self,
        serial: str,
        opener: Callable[[str], Device],
        apps: PhoneApps,
        state: DeviceState = DeviceState.ONLINE,
    ) -> None:
        self._serial = serial
        self._opener = opener
        self.apps = apps
        self._state = state
        self._device: Device | None = None
        self._lock = threading.Lock()
        self._opening = threading.Lock()

    def __repr__(self) -> str:
        return f"AttachedPhone({self._serial!r}, {self._state.value})"

    @property
    def serial(self) -> str:
        """The ADB serial."""
        return self._serial

    @property
    def state(self) -> DeviceState:
        """What adb lists the phone as."""
        with self._lock:
            return self._state

    def set_state(self, state: DeviceState) -> DeviceState:
        """Adb lists the phone as `state` now; a phone that left loses its backend.

        Returns:
            The state before.
        """
        with self._lock:
            before, self._state = self._state, state
            dropped = None
            if state is not DeviceState.ONLINE:
                dropped, self._device = self._device, None
        close = getattr(dropped, "close", None)
        if callable(close):
            try:
                close()
            except Exception:  # closing a dead link must not stop the discovery thread
                log.debug("%s: closing the old backend failed", self._serial, exc_info=True)
        return before

    def _backend(self) -> Device:
        with self._lock:
            state, device = self._state, self._device
        if state is DeviceState.UNAUTHORIZED:
            raise DeviceUnauthorizedError(self._serial, f"unauthorized — {UNAUTHORIZED_HINT}")
        if state is DeviceState.ERROR:
            raise DeviceError(self._serial, ERROR_HINT)
        if state is not DeviceState.ONLINE:
            raise DeviceOfflineError(self._serial, f"adb lists it {state.value} — {OFFLINE_HINT}")
        if device is not None:
            return device
        with self._opening:
            with self._lock:
                if self._device is not None:
                    return self._device
            device = self._opener(self._serial)
            with self._lock:
                if self._state is DeviceState.ONLINE and self._device is None:
                    self._device = device
                return device

    # -- the Device protocol --------------------------------------------------------------------

    def info(self) -> DeviceInfo:
        """Model, resolution, density, battery, screen and app versions."""
        info = self._backend().info()
        self.apps.observe(info.app_versions)
        return info

    def window_size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self._backend().window_size()

    def screenshot(self) -> Image:
        """What the screen shows, as a BGR array."""
        return self._backend().screenshot()

    def tap(self, x: int, y: int) -> None:
        """Touch and release at a point."""
        self._backend().tap(x, y)

    def long_press(self, x: int, y: int, duration_ms: int = 800) -> None:
        """Touch, hold, release."""
        self._backend().long_press(x, y, duration_ms)

    def swipe(self, x1: int, y1: int, x2: int, y2: int, duration_ms: int = 300) -> None:
        """Drag a finger from one point to another."""
        self._backend().swipe(x1, y1, x2, y2, duration_ms)

    def type_text(self, text: str) -> None:
        """Commit `text` to the focused field through the input method."""
        self._backend().type_text(text)

    def press_key(self, key: Key) -> None:
        """Press back, home or enter."""
        self._backend().press_key(key)

    def push_media(self, local_path: Path) -> str:
        """Copy an image into the phone's media store; its path on the phone."""
        return self._backend().push_media(local_path)

    def app_start(self, package: str) -> None:
        """Bring an app to the foreground."""
        self._backend().app_start(package)

    def app_stop(self, package: str) -> None:
        """Force-stop an app."""
        self._backend().app_stop(package)

    def current_app(self) -> str:
        """The package in the foreground."""
        return self._backend().current_app()

    def dump_hierarchy(self) -> str:
        """The accessibility hierarchy as uiautomator XML."""
        return self._backend().dump_hierarchy()


class AdbAgent:
    """A supervisor over the phones of the local adb server, following them as they come and go.

    Args:
        settings: the agent's settings.
        spec: backend and addresses to keep connected.
        server: the adb server (`AdbServerClient.from_env()` when None).
        server_env: the environment to start the adb server in (this process's when None).
        listener: told about every job's start, park and finish.
    """

    def __init__(
        self,
        settings: AgentSettings,
        spec: AdbSpec | None = None,
        *,
        server: AdbServerClient | None = None,
        server_env: Mapping[str, str] | None = None,
        listener: JobListener | None = None,
    ) -> None:
        self.spec = spec or AdbSpec()
        self.server = server or AdbServerClient.from_env()
        self.server_env = server_env
        self.catalog = AppCatalog()
        self.profiles = bundled_profiles()
        self._phones: dict[str, AttachedPhone] = {}
        self._lock = threading.Lock()
        self.supervisor = Supervisor(settings, [], listener=listener, apps_for=self._apps_for)
        self.discovery = AdbDiscovery(
            self.server,
            keep_connected=self.spec.connect,
            on_change=self._on_change,
            reconnect_interval=self.spec.reconnect_interval,
            start_server=self.spec.start_server,
            server_env=server_env,
        )
        self._started = False

    # -- reading --------------------------------------------------------------------------------

    def phone(self, serial: str) -> AttachedPhone:
        """The phone with this serial.

        Raises:
            KeyError: adb has not listed it while the agent ran.
        """
        with self._lock:
            return self._phones[serial]

    def phones(self) -> list[PhoneView]:
        """Every phone seen so far: its state (the worker's), operator hint and profile."""
        with self._lock:
            phones = list(self._phones.values())
        views = []
        for phone in phones:
            state = phone.state  # what adb says, or (when online) what the worker found
            worker = self.supervisor.worker_for(phone.serial)
            if state is DeviceState.ONLINE and worker is not None:
                state = worker.status().state
            views.append(PhoneView(phone.serial, state, state_hint(state), phone.apps.profile))
        return views

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> AdbAgent:
        """Connect `spec.connect`, give every listed phone a worker, then follow the plug.

        Raises:
            AdbServerError: no adb server answers (and none could be started).
        """
        if self._started:
            raise RuntimeError("an agent starts once")
        self._started = True
        try:
            self.server.version()
        except AdbServerError:
            if not (self.spec.start_server and start_adb_server(self.server, self.server_env)):
                raise
        for address in self.spec.connect:
            try:
                self.server.connect(address)
            except AdbServerError as exc:
                log.warning("%s: adb connect failed (%s); retrying in the background", address, exc)
        for listed in list_phones(self.server):
            phone = self._note(listed.serial, listed.state)
            if phone is not None:
                self._add_worker(phone)
        self.supervisor.start()
        self.discovery.start()
        return self

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop following the plug, then stop the supervisor (finishing jobs in hand)."""
        self.discovery.stop()
        return self.supervisor.stop(timeout)

    def __enter__(self) -> AdbAgent:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- phones coming and going ----------------------------------------------------------------

    def _apps_for(self, device: Device) -> AppCatalog:
        if isinstance(device, AttachedPhone):
            return device.apps
        return PhoneApps(self.catalog, device.serial, profiles=self.profiles)

    def _open(self, serial: str) -> Device:
        return open_device(
            serial,
            backend=self.spec.backend,
            server=AdbServerClient(self.server.host, self.server.port, self.spec.timeout),
        )

    def _note(self, serial: str, state: DeviceState) -> AttachedPhone | None:
        """Note what adb lists a phone as; returns the phone when it is new."""
        with self._lock:
            known = self._phones.get(serial)
            if known is None:
                apps = PhoneApps(self.catalog, serial, profiles=self.profiles)
                self._phones[serial] = AttachedPhone(serial, self._open, apps, state)
                return self._phones[serial]
        known.set_state(state)
        return None

    def _add_worker(self, phone: AttachedPhone) -> None:
        hint = state_hint(phone.state)
        log.info("%s: found (%s)%s", phone.serial, phone.state.value, f" — {hint}" if hint else "")
        try:
            self.supervisor.add_device(phone)  # once started, this probes the phone
        except RuntimeError:
            log.debug("%s: the agent is stopping; no worker", phone.serial)

    def _on_change(self, change: DeviceChange) -> None:
        """Discovery's news (on its thread): keep workers and states in step with the plug."""
        state = change.after or DeviceState.OFFLINE
        with self._lock:
            phone = self._phones.get(change.serial)
        if phone is None:
            if change.after is None:
                return
            # plugged in while the agent runs: noted now (later news finds it), while its
            # worker is added, and probes the phone, on a thread of its own
            new = self._note(change.serial, state)
            if new is not None:
                threading.Thread(
                    target=self._add_worker, args=(new,), name="adb-attach", daemon=True
                ).start()
            return
        if phone.set_state(state) is state:
            return  # e.g. offline, then not listed at all while it is reconnected
        hint = state_hint(state)
        if hint is not None:
            gone = "unplugged" if change.after is None else state.value
            log.warning("%s: %s — %s", change.serial, gone, hint)
        worker = self.supervisor.worker_for(change.serial)
        if worker is None:
            return
        if state is DeviceState.ONLINE:
            # back (or authorized): probe now rather than at the next offline poll
            threading.Thread(target=worker.probe, name="adb-probe", daemon=True).start()
        else:
            worker.probe()  # fails at once: the worker stops claiming for this phone
