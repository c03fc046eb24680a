"""`Publisher`: carries out one `publish_post` job on one phone.

Auto mode runs the profile's `publish_post` flow (with ``check_first`` when an earlier
attempt's outcome is unknown: the runner reads the feed first and answers
`already_done` when the post is there). Confirm mode::

    [check_post, when check_first] ─found─▶ already_done
    prepare_post ──▶ park (screenshot) ──▶ wait for a person, lease kept alive
        confirm ──▶ publish_prepared ──▶ succeeded | failed | unknown
        reject  ──▶ discard the draft ──▶ failed, not retryable
        agent stopping or lease lost ──▶ discard the draft ──▶ failed, retryable

Whatever happens is returned as one `FlowResult` (steps of every flow, renumbered); the
worker spools and sends it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import cv2

from agent.devices.base import Device, Key
from agent.devices.errors import DeviceError
from agent.flows.app import App
from agent.flows.runner import FlowRunner
from agent.host.app_catalog import AppCatalog
from agent.host.backoff import Backoff
from agent.host.client import ControllerClient
from agent.host.decisions import DecisionBoard
from agent.host.errors import ControllerRejectedError, ControllerUnavailableError, MediaError
from agent.host.handler import JobOutcome
from agent.host.handler import failed as failed_job
from agent.host.lease import LeaseKeeper
from agent.host.media_cache import MediaCache
from agent.host.reporting import StepReporter, merge_results
from device_profiles import ProfileError
from farm_protocol.agent_api import ClaimedJob, ParkReport, PublishPostTask
from farm_protocol.flow import FlowOutcome, FlowResult
from farm_protocol.posts import Decision, PublishMode

log = logging.getLogger(__name__)

PUBLISH_FLOW = "publish_post"
CHECK_FLOW = "check_post"
PREPARE_FLOW = "prepare_post"
PUBLISH_PREPARED_FLOW = "publish_prepared"
DECISION_POLL_S = 1.0


def failed(serial: str, error: str, *, retryable: bool) -> JobOutcome:
    """A `publish_post` job that failed before (or without) any flow step."""
    return failed_job(serial, error, retryable=retryable, flow=PUBLISH_FLOW)


class Publisher:
    """Publishes posts on one phone (the `JobHandler` of `publish_post` jobs).

    Args:
        device: the phone.
        apps: compiled app profiles.
        media: the image cache.
        client: the controller (for parking in confirm mode).
        decisions: where people's answers to parked posts arrive.
        worker: the worker name jobs are claimed with.
        evidence_root: evidence screenshots go to ``evidence_root/<job id>/``.
        stop: set when the agent is shutting down.
        backoff: makes delays for retrying a park while the controller is away.
    """

    def __init__(
        self,
        device: Device,
        *,
        apps: AppCatalog,
        media: MediaCache,
        client: ControllerClient,
        decisions: DecisionBoard,
        worker: str,
        evidence_root: Path,
        stop: threading.Event,
        backoff: Callable[[], Backoff],
    ) -> None:
        self.device = device
        self.apps = apps
        self.media = media
        self.client = client
        self.decisions = decisions
        self.worker = worker
        self.evidence_root = evidence_root
        self.stop = stop
        self._backoff = backoff

    def evidence_dir(self, job_id: str) -> Path:
        """Where the job's evidence screenshots are written."""
        return self.evidence_root / job_id

    def describe(self, job: ClaimedJob) -> str:
        """A short human description of the job's post, for logs."""
        task = job.payload
        return describe_post(task) if isinstance(task, PublishPostTask) else job.kind.value

    def run(
        self,
        job: ClaimedJob,
        lease: LeaseKeeper,
        reporter: StepReporter,
        on_parked: Callable[[], None] | None = None,
    ) -> JobOutcome:
        """Carry out the job; never raises for anything the phone or controller does."""
        serial = self.device.serial
        task = job.payload
        if not isinstance(task, PublishPostTask):
            return failed(serial, f"a publish_post job carries a {task.kind} task", retryable=False)
        try:
            app = self.apps.get(task.app)
        except ProfileError as exc:
            return failed(
                serial, f"no usable profile for app {task.app!r}: {exc.brief}", retryable=False
            )
        try:
            images = [self.media.fetch(ref, self.stop) for ref in task.media]
        except MediaError as exc:
            return failed(serial, str(exc), retryable=True)
        params: dict[str, object] = {"text": task.text, "images": [str(p) for p in images]}
        check_first = job.check_first or task.check_first
        runner = FlowRunner(
            self.device, app, evidence_dir=self.evidence_dir(job.id), on_step=reporter
        )
        try:
            if task.publish_mode is PublishMode.CONFIRM:
                return self._confirmed(job, app, runner, params, check_first, lease, on_parked)
            result = runner.run(PUBLISH_FLOW, {**params, "check_first": check_first})
        except (KeyError, ValueError) as exc:
            # The profile lacks a flow or the task does not fit its parameters.
            return failed(
                serial, f"the {task.app} profile cannot run this job: {exc}", retryable=False
            )
        return JobOutcome(result)

    # -- confirm mode ------------------------------------------------------------------

    def _confirmed(
        self,
        job: ClaimedJob,
        app: App,
        runner: FlowRunner,
        params: dict[str, object],
        check_first: bool,
        lease: LeaseKeeper,
        on_parked: Callable[[], None] | None,
    ) -> JobOutcome:
        serial = self.device.serial
        parts: list[FlowResult] = []

        def done(
            outcome: FlowOutcome, error: str | None = None, retryable: bool = True
        ) -> JobOutcome:
            return JobOutcome(merge_results(PUBLISH_FLOW, serial, parts, outcome, error), retryable)

        if check_first:
            check = runner.run(CHECK_FLOW, params)
            parts.append(check)
            if check.outcome is FlowOutcome.SUCCEEDED and check.data.found is True:
                return done(FlowOutcome.ALREADY_DONE)
        prepared = runner.run(PREPARE_FLOW, params)
        parts.append(prepared)
        if not prepared.ok:
            return done(FlowOutcome.FAILED, prepared.error or "the post could not be filled in")
        problem = self._park(job, lease)
        if problem is not None:
            self._discard(app)
            return done(FlowOutcome.FAILED, problem)
        if on_parked is not None:
            on_parked()
        decision = self._await_decision(job.id, lease)
        if decision is None:
            self._discard(app)
            why = "the lease was lost" if lease.lost else "the agent stopped"
            return done(
                FlowOutcome.FAILED, f"{why} before a person decided; the draft was discarded"
            )
        if decision is Decision.REJECT:
            self._discard(app)
            return done(FlowOutcome.FAILED, "rejected by a reviewer", retryable=False)
        published = runner.run(PUBLISH_PREPARED_FLOW, params)
        parts.append(published)
        return done(published.outcome, published.error)

    def _park(self, job: ClaimedJob, lease: LeaseKeeper) -> str | None:
        """Send the filled-in composer's screenshot; None when parked, else why not."""
        try:
            frame = self.device.screenshot()
        except DeviceError as exc:
            return f"no screenshot to park with: {exc}"
        ok, png = cv2.imencode(".png", frame)
        if not ok:
            return "the screenshot could not be encoded"
        report = ParkReport(worker=self.worker, message="filled in; waiting for a person")
        backoff = self._backoff()
        while True:
            try:
                response = self.client.park(job.id, report, png.tobytes())
            except ControllerUnavailableError as exc:
                if lease.lost or self.stop.wait(backoff.next()):
                    return f"could not park: {exc}"
                continue
            except ControllerRejectedError as exc:
                return f"the controller refused to park the post: {exc}"
            if response.decision is not None:
                self.decisions.post(job.id, response.decision)
            return None

    def _await_decision(self, job_id: str, lease: LeaseKeeper) -> Decision | None:
        while not self.stop.is_set() and not lease.lost:
            decision = self.decisions.wait(job_id, DECISION_POLL_S)
            if decision is not None:
                return decision
        return None

    def _discard(self, app: App) -> None:
        """Leave the composer without publishing: back, then force-stop the app."""
        try:
            self.device.press_key(Key.BACK)
            self.device.app_stop(app.package)
        except DeviceError as exc:
            log.warning("%s: could not discard the draft (%s)", self.device.serial, exc)


def describe_post(task: PublishPostTask) -> str:
    """A short human description of a publish task, for logs."""
    text = task.text if len(task.text) <= 24 else task.text[:23] + "…"
    return f"post {task.post_id} for {task.account_name} ({text!r}, {len(task.media)} images)"
