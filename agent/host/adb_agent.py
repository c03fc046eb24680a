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
from collections.abc import Mapping
from dataclasses import dataclass
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
from agent.devices.attached import ERROR_HINT, AttachedPhone
from agent.devices.base import Device
from agent.host.app_catalog import AppCatalog
from agent.host.events import JobListener
from agent.host.phone_apps import PhoneApps
from agent.host.settings import AgentSettings
from agent.host.supervisor import Supervisor
from device_profiles.selection import bundled_profiles
from farm_protocol.device import DeviceState

log = logging.getLogger(__name__)


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
        self._phones: dict[str, AttachedPhone[PhoneApps]] = {}
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

    def phone(self, serial: str) -> AttachedPhone[PhoneApps]:
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
        with self._lock:
            known = self._phones.get(device.serial)
        if known is not None and known is device:
            return known.apps
        return PhoneApps(self.catalog, device.serial, profiles=self.profiles)

    def _open(self, serial: str) -> Device:
        return open_device(
            serial,
            backend=self.spec.backend,
            server=AdbServerClient(self.server.host, self.server.port, self.spec.timeout),
        )

    def _note(self, serial: str, state: DeviceState) -> AttachedPhone[PhoneApps] | None:
        """Note what adb lists a phone as; returns the phone when it is new."""
        with self._lock:
            known = self._phones.get(serial)
            if known is None:
                apps = PhoneApps(self.catalog, serial, profiles=self.profiles)
                self._phones[serial] = AttachedPhone(serial, self._open, apps, state)
                return self._phones[serial]
        known.set_state(state)
        return None

    def _add_worker(self, phone: AttachedPhone[PhoneApps]) -> None:
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
