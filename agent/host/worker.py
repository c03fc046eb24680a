"""`DeviceWorker`: one thread per phone — claim a job, carry it out, finish it.

The loop, while the agent runs::

    probe the phone (info) ──offline──▶ report it offline, probe again later, claim nothing
        │ online
    a person holds it (remote_control.ControlGate) ──▶ claim nothing, wait claim_interval
        │ not held
    claim (one job for this phone) ──none──▶ wait claim_interval
        │ a job
    lease keeper renews every lease/3 · step reports · the kind's handler runs the flow(s)
    with the job's typed task (Publisher: publish_post; SyncChatsHandler: sync_chats;
    SendMessageHandler: send_message; no handler, or a task that does not validate:
    failed, not retryable, the phone untouched)
        │
    probe again: a phone that dropped turns a failure into a non-retryable one (the job
    ends visibly failed, with the evidence taken so far, until someone retries it)
        │
    spool the finish report and evidence ──▶ deliver with backoff until 200/409

A controller that is away only slows the loop down (claims back off; the job in hand is
finished and its report waits in the spool).
"""

from __future__ import annotations

import logging
import random
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from agent.devices.base import Device
from agent.devices.errors import DeviceError, DeviceOfflineError, DeviceUnauthorizedError
from agent.host.app_catalog import AppCatalog
from agent.host.backoff import Backoff
from agent.host.chatting import SendMessageHandler, SyncChatsHandler
from agent.host.client import ControllerClient, UnreadableJob
from agent.host.decisions import DecisionBoard
from agent.host.errors import ControllerRejectedError, ControllerUnavailableError
from agent.host.events import JobEvent, JobListener, JobPhase
from agent.host.handler import JobHandler, JobOutcome, failed
from agent.host.lease import LeaseKeeper
from agent.host.media_cache import MediaCache
from agent.host.outbox import Outbox
from agent.host.publishing import Publisher
from agent.host.registration import Registration
from agent.host.remote_control import ControlGate
from agent.host.reporting import StepReporter
from agent.host.settings import AgentSettings
from agent.host.shared_ocr import process_ocr
from agent.host.spool import FinishSpool
from agent.vision.ocr import OcrEngine
from farm_protocol.agent_api import (
    AgentDevice,
    ClaimedJob,
    ClaimRequest,
    DeviceStatus,
    FinishReport,
    PublishPostTask,
)
from farm_protocol.device import DeviceInfo, DeviceState
from farm_protocol.flow import FlowOutcome
from farm_protocol.jobs import JobKind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerContext:
    """What every worker of one agent process shares."""

    settings: AgentSettings
    client: ControllerClient
    spool: FinishSpool
    outbox: Outbox
    media: MediaCache
    apps: AppCatalog
    decisions: DecisionBoard
    registration: Registration
    stop: threading.Event
    backoff: Callable[[], Backoff]
    listener: JobListener | None = None
    ocr: OcrEngine | None = None
    """The process's OCR engine for chat text (`shared_ocr.process_ocr()` when None)."""


def worker_name(serial: str, boot_id: str) -> str:
    """A worker name the protocol accepts: the serial (sanitised) and the process's boot id."""
    safe = re.sub(r"[^A-Za-z0-9._:-]", "_", serial)
    return f"{safe[: 99 - len(boot_id)]}@{boot_id}"


class DeviceWorker:
    """Works the jobs of one phone in its own thread.

    Args:
        device: the phone.
        context: what the agent's workers share.
        name: the worker name (lease owner is ``<host>/<name>``).
    """

    def __init__(self, device: Device, context: WorkerContext, name: str) -> None:
        self.device = device
        self.serial = device.serial
        self.context = context
        self.name = name
        self.jobs_done = 0
        self._lock = threading.Lock()
        self._info: DeviceInfo | None = None
        self._state = DeviceState.OFFLINE
        self._job_id: str | None = None
        self._rng = random.Random(name)
        self._next_probe = 0.0
        self.control = ControlGate(self.serial)  # a person's remote control (remote_control.py)
        self.handlers: dict[JobKind, JobHandler] = {}
        self.handlers[JobKind.PUBLISH_POST] = Publisher(
            device,
            apps=context.apps,
            media=context.media,
            client=context.client,
            decisions=context.decisions,
            worker=name,
            evidence_root=context.settings.evidence_dir,
            stop=context.stop,
            backoff=context.backoff,
        )
        ocr = context.ocr or process_ocr(context.settings.ocr_threads)
        evidence, chat_app = context.settings.evidence_dir, context.settings.chat_app
        self.handlers[JobKind.SYNC_CHATS] = SyncChatsHandler(
            device, apps=context.apps, ocr=ocr, evidence_root=evidence, default_app=chat_app
        )
        self.handlers[JobKind.SEND_MESSAGE] = SendMessageHandler(
            device, apps=context.apps, ocr=ocr, evidence_root=evidence, default_app=chat_app
        )
        self._thread = threading.Thread(target=self._run, name=f"worker-{self.serial}", daemon=True)

    # -- what the heartbeat reports ----------------------------------------------------

    def registration_entry(self) -> AgentDevice | None:
        """The phone as it registers (None until it answered a probe once)."""
        with self._lock:
            if self._info is None:
                return None
            return AgentDevice(**self._info.model_dump(), state=self._state)

    def status(self) -> DeviceStatus:
        """The phone's state right now (busy with a job, online, offline…)."""
        with self._lock:
            info = self._info
            return DeviceStatus(
                serial=self.serial,
                state=self._state,
                battery=info.battery if info else None,
                screen_on=info.screen_on if info else None,
                locked=info.locked if info else None,
                job_id=self._job_id,
            )

    # -- the thread --------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker's thread."""
        self._thread.start()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def probe(self) -> bool:
        """Ask the phone for its facts; record its state. True when it answered."""
        try:
            info = self.device.info()
        except DeviceOfflineError:
            return self._set_state(DeviceState.OFFLINE)
        except DeviceUnauthorizedError:
            return self._set_state(DeviceState.UNAUTHORIZED)
        except DeviceError as exc:
            log.warning("%s: probe failed (%s)", self.serial, exc)
            return self._set_state(DeviceState.ERROR)
        with self._lock:
            first = self._info is None
            self._info = info
            if self._state is not DeviceState.BUSY:
                if self._state is not DeviceState.ONLINE:
                    log.info("%s: online", self.serial)
                self._state = DeviceState.ONLINE
        if first or not self.context.registration.knows(self.serial):
            self.context.registration.invalidate()
        return True

    def _set_state(self, state: DeviceState) -> bool:
        with self._lock:
            if self._state is not state:
                log.warning("%s: %s", self.serial, state.value)
            self._state = state
        return False

    def _run(self) -> None:
        backoff = self.context.backoff()
        while not self.context.stop.is_set():
            try:
                delay = self._turn()
            except ControllerUnavailableError as exc:
                delay = backoff.next()
                log.debug("%s: claim failed (%s); retry in %.1f s", self.serial, exc, delay)
            except ControllerRejectedError as exc:
                delay = backoff.next()
                log.warning("%s: claim refused (%s); retry in %.1f s", self.serial, exc, delay)
            except Exception:
                delay = backoff.next()
                log.exception("%s: worker loop failed; carrying on in %.1f s", self.serial, delay)
            else:
                backoff.reset()
            if delay > 0:
                self.context.stop.wait(delay)

    def _turn(self) -> float:
        """One turn of the loop; returns how long to wait before the next."""
        ctx = self.context
        settings = ctx.settings
        if time.monotonic() >= self._next_probe:
            if not self.probe():
                return settings.offline_poll
            self._next_probe = time.monotonic() + settings.status_interval
        if not ctx.registration.owns(self.serial):  # not registered yet, or another host's
            ctx.registration.wait_for(self.serial, settings.claim_interval)
            return 0.0
        if not self.control.begin_work():  # a person holds the phone: no jobs meanwhile
            return settings.claim_interval
        try:
            jobs = self._claim()
            if not jobs:
                return settings.claim_interval * (0.8 + 0.4 * self._rng.random())
            for job in jobs:
                self.work(job)
        finally:
            self.control.end_work()
        self._next_probe = 0.0
        return 0.0

    def _claim(self) -> list[ClaimedJob | UnreadableJob]:
        settings = self.context.settings
        request = ClaimRequest(
            worker=self.name, devices=[self.serial], limit=1, lease_seconds=settings.lease_seconds
        )
        response = self.context.client.claim(request)
        if self.serial in response.unknown_devices:
            self.context.registration.invalidate()
        return [job for job in response.jobs if job.device_serial == self.serial]

    # -- one job -----------------------------------------------------------------------

    def work(self, job: ClaimedJob | UnreadableJob) -> None:
        """Carry out one claimed job and deliver its finish report (or leave it spooled)."""
        ctx = self.context
        started = time.monotonic()
        with self._lock:
            self._state = DeviceState.BUSY
            self._job_id = job.id
        handler = self.handlers.get(job.kind)
        if isinstance(job, UnreadableJob) or handler is None:
            what = job.kind.value
        else:
            what = handler.describe(job)
        log.info(
            "%s: job %s started: %s%s",
            self.serial,
            job.id[:8],
            what,
            " (check first)" if job.check_first else "",
        )
        self._emit(JobPhase.STARTED, job)
        lease_seconds = ctx.settings.lease_seconds or ctx.registration.lease_seconds()
        lease = LeaseKeeper(ctx.client, job.id, self.name, lease_seconds, ctx.decisions).start()
        try:
            outcome = self._carry_out(job, lease)
            if not self.probe() and outcome.result.outcome is FlowOutcome.FAILED:
                error = f"{outcome.result.error or 'the flow failed'}; the phone went offline"
                outcome = JobOutcome(outcome.result.model_copy(update={"error": error}), False)
            report = FinishReport(
                worker=self.name, result=outcome.result, retryable=outcome.retryable
            )
            evidence = [Path(p) for p in dict.fromkeys(outcome.result.evidence) if p]
            entry = ctx.spool.put(job.id, report, evidence)
            lease.finishing()
            handler = self.handlers.get(job.kind)
            if handler is not None and not ctx.settings.keep_evidence:
                shutil.rmtree(handler.evidence_dir(job.id), ignore_errors=True)
            ctx.outbox.deliver(entry, ctx.stop)
        finally:
            lease.stop()
            ctx.decisions.forget(job.id)
            with self._lock:
                self._job_id = None
                if self._state is DeviceState.BUSY:
                    self._state = DeviceState.ONLINE
        self.jobs_done += 1
        result = outcome.result
        took = time.monotonic() - started
        log.info(
            "%s: job %s %s in %.1f s%s",
            self.serial,
            job.id[:8],
            result.outcome.value,
            took,
            f": {result.error}" if result.error else "",
        )
        self._emit(
            JobPhase.FINISHED, job, outcome=result.outcome, error=result.error, duration_s=took
        )

    def _carry_out(self, job: ClaimedJob | UnreadableJob, lease: LeaseKeeper) -> JobOutcome:
        reporter = StepReporter(self.context.client, job.id, self.name)
        handler = self.handlers.get(job.kind)
        if isinstance(job, UnreadableJob):
            return failed(
                self.serial,
                f"bad {job.kind.value} payload: {job.problem}",
                retryable=False,
                flow=job.kind.value,
            )
        if handler is None:
            return failed(
                self.serial,
                f"this agent does not run {job.kind.value} jobs",
                retryable=False,
                flow=job.kind.value,
            )
        try:
            return handler.run(
                job, lease, reporter, on_parked=lambda: self._emit(JobPhase.PARKED, job)
            )
        except Exception as exc:  # a bug must not lose the job: report it as failed
            log.exception("%s: job %s crashed the worker", self.serial, job.id[:8])
            error = f"agent error: {type(exc).__name__}: {exc}"
            return failed(self.serial, error, retryable=True, flow=job.kind.value)

    def _emit(
        self,
        phase: JobPhase,
        job: ClaimedJob | UnreadableJob,
        *,
        outcome: FlowOutcome | None = None,
        error: str | None = None,
        duration_s: float | None = None,
    ) -> None:
        listener = self.context.listener
        if listener is None:
            return
        task = job.payload if isinstance(job, ClaimedJob) else None
        event = JobEvent(
            phase=phase,
            serial=self.serial,
            job_id=job.id,
            kind=job.kind.value,
            at=datetime.now(UTC),
            occurrence_at=task.occurrence_at if isinstance(task, PublishPostTask) else None,
            attempt=job.attempts,
            check_first=job.check_first,
            outcome=outcome,
            error=error,
            duration_s=duration_s,
        )
        try:
            listener(event)
        except Exception:
            log.exception("a job listener failed")
