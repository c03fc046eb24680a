"""Step reports while a job runs, and one `FlowResult` for a job that ran several flows.

Step reports are for the job's page: best-effort, never worth holding up the phone. A
report the controller did not take is not retried, and after a failure the reporter stays
quiet for a few seconds so an unreachable controller costs the flow nothing. The finish
report, which carries every step again, is the one that must arrive (see `spool`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from agent.host.client import ControllerClient
from agent.host.errors import ControllerError
from device_profiles.model import Step
from farm_protocol.agent_api import StepReport
from farm_protocol.flow import FlowData, FlowOutcome, FlowResult, StepResult

log = logging.getLogger(__name__)

QUIET_AFTER_FAILURE_S = 5.0


class StepReporter:
    """A `FlowRunner` step listener that posts each finished step of one job.

    Steps are numbered across every flow the job runs (check, prepare, publish).

    Args:
        client: the controller.
        job_id: the job.
        worker: the worker name the job was claimed with.
        timeout: seconds to wait for each report.
    """

    def __init__(
        self, client: ControllerClient, job_id: str, worker: str, timeout: float = 3.0
    ) -> None:
        self.client = client
        self.job_id = job_id
        self.worker = worker
        self.timeout = timeout
        self.sent = 0
        self.dropped = 0
        self._next_index = 0
        self._quiet_until = 0.0

    def __call__(self, step: Step, result: StepResult | None) -> None:
        """`FlowRunner.on_step`: called at the start (result None) and end of each step."""
        if result is None:
            return
        numbered = result.model_copy(
            update={
                "index": self._next_index,
                "evidence": [Path(e).name for e in result.evidence if e],
            }
        )
        self._next_index += 1
        if time.monotonic() < self._quiet_until:
            self.dropped += 1
            return
        try:
            self.client.report_step(
                self.job_id, StepReport(worker=self.worker, step=numbered), timeout=self.timeout
            )
        except ControllerError as exc:
            self.dropped += 1
            self._quiet_until = time.monotonic() + QUIET_AFTER_FAILURE_S
            log.debug("job %s: step %r not reported (%s)", self.job_id, step.name, exc)
        else:
            self.sent += 1


def merge_results(
    flow: str,
    serial: str,
    parts: Sequence[FlowResult],
    outcome: FlowOutcome,
    error: str | None = None,
    data: FlowData | None = None,
) -> FlowResult:
    """One result for a job that ran several flows: steps renumbered, evidence joined.

    Args:
        flow: the name the job reports (e.g. "publish_post").
        serial: the phone.
        parts: the flows' results, in the order they ran.
        outcome: the job's outcome.
        error: the job's error, if any.
        data: extra readings; the parts' readings are merged in order underneath them.
    """
    steps: list[StepResult] = []
    for part in parts:
        for step in part.steps:
            steps.append(step.model_copy(update={"index": len(steps)}))
    merged = FlowData()
    for part in parts:
        merged = merged.merged(part.data)
    if data is not None:
        merged = merged.merged(data)
    return FlowResult(
        flow=flow,
        serial=serial,
        outcome=outcome,
        steps=steps,
        duration_ms=round(sum(part.duration_ms for part in parts), 1),
        error=error,
        evidence=[path for part in parts for path in part.evidence],
        data=merged,
    )
