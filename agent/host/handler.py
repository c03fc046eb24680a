"""`JobHandler`: what a worker asks of the code that carries out one kind of job.

A worker holds one handler per `JobKind` it can run (`Publisher` for `publish_post`,
`SyncChatsHandler` and `SendMessageHandler` for the chat jobs); a claimed job of any
other kind (`run_flow`), or one whose task does not validate (`client.UnreadableJob`),
is finished `failed`, not retryable, without touching the phone. A handler gets its
job's task typed (`ClaimedJob.payload`, a `farm_protocol.agent_api.JobTask` of its
kind). It never raises for anything the phone or the controller does: it returns a
`JobOutcome` the worker spools and reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from agent.host.lease import LeaseKeeper
from agent.host.reporting import StepReporter
from farm_protocol.agent_api import ClaimedJob
from farm_protocol.flow import FlowOutcome, FlowResult


@dataclass(frozen=True)
class JobOutcome:
    """What a job came to: the result to report and whether another attempt may help."""

    result: FlowResult
    retryable: bool = True


def failed(serial: str, error: str, *, retryable: bool, flow: str) -> JobOutcome:
    """An outcome for a job that failed before (or without) any flow step."""
    result = FlowResult(
        flow=flow, serial=serial, outcome=FlowOutcome.FAILED, steps=[], duration_ms=0.0, error=error
    )
    return JobOutcome(result, retryable)


class JobHandler(Protocol):
    """Carries out claimed jobs of one kind on one phone."""

    def evidence_dir(self, job_id: str) -> Path:
        """Where the job's evidence screenshots are written (removed once spooled)."""
        ...

    def describe(self, job: ClaimedJob) -> str:
        """A short human description of the job's task, for logs."""
        ...

    def run(
        self,
        job: ClaimedJob,
        lease: LeaseKeeper,
        reporter: StepReporter,
        on_parked: Callable[[], None] | None = None,
    ) -> JobOutcome:
        """Carry out the job; never raises for what the phone or controller does."""
        ...
