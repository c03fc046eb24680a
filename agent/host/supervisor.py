"""`Supervisor`: one agent process — its phones' workers, the heartbeat, the spool resend.

    supervisor = Supervisor(settings, devices)      # settings read once by the caller
    supervisor.start()
    ...
    supervisor.stop()                               # finish what is in hand, then return

    supervisor.add_device(phone)                    # a phone plugged in later gets a worker

Threads: one `DeviceWorker` per phone, one `HeartbeatLoop`, one resend of finish reports
an earlier process left in the spool, and a `LeaseKeeper` per job in progress. All are
daemon threads: a process that dies leaves leases to expire and the spool to resend,
which is exactly what the controller and the next agent process are built to handle.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace

from agent.devices.base import Device
from agent.host.app_catalog import AppCatalog
from agent.host.backoff import Backoff
from agent.host.client import ControllerClient
from agent.host.decisions import DecisionBoard
from agent.host.events import JobListener
from agent.host.heartbeat import HeartbeatLoop
from agent.host.media_cache import MediaCache
from agent.host.outbox import Outbox
from agent.host.registration import Registration
from agent.host.screen_stream import ScreenLink
from agent.host.settings import AgentSettings
from agent.host.shared_ocr import process_ocr
from agent.host.spool import FinishSpool
from agent.host.worker import DeviceWorker, WorkerContext, worker_name
from agent.vision.ocr import OcrEngine
from farm_protocol.agent_api import DeviceStatus

log = logging.getLogger(__name__)


class Supervisor:
    """Runs one worker per phone and keeps the controller informed.

    Args:
        settings: the agent's settings.
        devices: the phones of this host (unique serials).
        client: the controller client (one is made from the settings when None).
        listener: told about every job's start, park and finish.
        boot_id: names this process in lease owners (random when None).
        apps_for: a phone's view of the app profiles (None: the shared catalog for all);
            `phonefarm agent --adb` picks each phone's profile from its app versions.
        ocr: the OCR engine of chat jobs (None: the process's lazy one, `process_ocr`).
        screens: keep the screen link (live screens, remote control) to the controller.
    """

    def __init__(
        self,
        settings: AgentSettings,
        devices: Sequence[Device],
        *,
        client: ControllerClient | None = None,
        listener: JobListener | None = None,
        boot_id: str | None = None,
        apps_for: Callable[[Device], AppCatalog] | None = None,
        ocr: OcrEngine | None = None,
        screens: bool = True,
    ) -> None:
        serials = [device.serial for device in devices]
        if len(set(serials)) != len(serials):
            raise ValueError(f"phone serials must be unique: {serials}")
        self.settings = settings
        self.boot_id = boot_id or uuid.uuid4().hex[:6]
        self.client = client or ControllerClient(
            settings.controller_url,
            settings.token.get_secret_value(),
            timeout=settings.http_timeout,
            upload_timeout=settings.upload_timeout,
        )
        self._owns_client = client is None
        self.stop_event = threading.Event()
        self.registration = Registration()
        self.decisions = DecisionBoard()
        spool = FinishSpool(settings.spool_dir)
        self.outbox = Outbox(spool, self.client, self._backoff)
        self.media = MediaCache(
            settings.media_dir,
            self.client,
            attempts=settings.media_attempts,
            backoff_cap=min(5.0, settings.backoff_cap),
        )
        self._context = WorkerContext(
            settings=settings,
            client=self.client,
            spool=spool,
            outbox=self.outbox,
            media=self.media,
            apps=AppCatalog(),
            decisions=self.decisions,
            registration=self.registration,
            stop=self.stop_event,
            backoff=self._backoff,
            listener=listener,
            ocr=ocr or process_ocr(settings.ocr_threads),
        )
        self._apps_for = apps_for
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._started = False
        self.workers: list[DeviceWorker] = []  # the heartbeat reads this list as it grows
        for device in devices:
            self.add_device(device)
        self.heartbeat = HeartbeatLoop(
            self.client,
            host=settings.host,
            agent_version=settings.agent_version,
            phones=self.workers,
            registration=self.registration,
            decisions=self.decisions,
            stop=self.stop_event,
            backoff=self._backoff,
            interval=settings.heartbeat_interval,
        )
        # Live screens and remote control (screen_stream.py); streams only while watched.
        self.screens = ScreenLink(settings, lambda: list(self.workers), self.stop_event)
        self._screens_enabled = screens

    def _backoff(self) -> Backoff:
        return Backoff(initial=self.settings.backoff_initial, cap=self.settings.backoff_cap)

    def add_device(self, device: Device) -> DeviceWorker:
        """Give a phone its worker; once started, the worker probes it and runs at once.

        A phone that has not answered yet (unauthorized, offline) gets a worker too: it is
        registered with the controller once it answers.

        Raises:
            ValueError: a phone with this serial has a worker already.
            RuntimeError: the supervisor has stopped.
        """
        context = self._context
        if self._apps_for is not None:
            context = replace(context, apps=self._apps_for(device))
        with self._lock:
            if self.stop_event.is_set():
                raise RuntimeError("the supervisor has stopped")
            if self.worker_for(device.serial) is not None:
                raise ValueError(f"phone serials must be unique: {device.serial} twice")
            worker = DeviceWorker(device, context, worker_name(device.serial, self.boot_id))
            self.workers.append(worker)
            started = self._started
        if started:
            worker.probe()
            worker.start()
            log.info("%s: new phone, worker started", device.serial)
        return worker

    def worker_for(self, serial: str) -> DeviceWorker | None:
        """The worker of the phone `serial` (None: no such phone)."""
        return next((w for w in list(self.workers) if w.serial == serial), None)

    def start(self) -> None:
        """Probe the phones, resend spooled reports, start heartbeats and workers."""
        with self._lock:
            if self._started:
                raise RuntimeError("a supervisor starts once")
            self._started = True
            workers = list(self.workers)
        for worker in workers:
            worker.probe()
        self.media.prune()
        self._spawn("resend", lambda: self.outbox.resend_pending(self.stop_event))
        self._spawn("heartbeat", self.heartbeat.run)
        if self._screens_enabled:  # not joined on stop: it leaves within 0.5 s, or dies
            threading.Thread(target=self.screens.run, name="screens", daemon=True).start()
        for worker in workers:
            worker.start()
        log.info(
            "agent %s (%s) started with %d phone(s) for %s",
            self.settings.host,
            self.boot_id,
            len(workers),
            self.settings.controller_url,
        )

    def _spawn(self, name: str, target: Callable[[], object]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def wait_registered(self, timeout: float) -> bool:
        """Wait until the controller accepted a registration (True) or `timeout` passed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.registration.response is not None and not self.registration.stale:
                return True
            time.sleep(0.02)
        return False

    def statuses(self) -> list[DeviceStatus]:
        """Every phone's state right now."""
        return [worker.status() for worker in list(self.workers)]

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop claiming; let each worker finish the job in hand and deliver its report.

        Parked posts are discarded and reported failed (retryable). Reports that cannot be
        delivered stay in the spool for the next process.

        Returns:
            True when every thread ended within `timeout` seconds.
        """
        with self._lock:
            self.stop_event.set()
            workers = list(self.workers)
        self.decisions.wake()
        self.screens.close()
        deadline = time.monotonic() + timeout
        done = True
        for worker in workers:
            done = worker.join(max(0.0, deadline - time.monotonic())) and done
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            done = done and not thread.is_alive()
        if self._owns_client and done:
            self.client.close()
        log.info("agent %s stopped%s", self.settings.host, "" if done else " (threads left)")
        return done
