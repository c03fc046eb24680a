"""`JobEvent`: what an agent tells its listeners (the CLI's log, the demo, benches)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from farm_protocol.flow import FlowOutcome


class JobPhase(StrEnum):
    """Where a job is on this host."""

    STARTED = "started"
    PARKED = "parked"
    FINISHED = "finished"


@dataclass(frozen=True)
class JobEvent:
    """Something happened to a job on one phone.

    Attributes:
        phase: started (claimed; work begins), parked (waits for a person), finished.
        serial: the phone.
        job_id: the job.
        kind: the job's kind, e.g. "publish_post".
        at: when it happened (UTC).
        occurrence_at: for a post, the run time the job is for.
        attempt: which attempt at the job this is (1 for the first claim).
        check_first: the job first reads the phone to learn whether it was done already.
        outcome: for `finished`, the flow's outcome.
        error: for `finished`, what went wrong, if anything.
        duration_s: for `finished`, seconds since `started`.
    """

    phase: JobPhase
    serial: str
    job_id: str
    kind: str
    at: datetime
    occurrence_at: datetime | None = None
    attempt: int = 1
    check_first: bool = False
    outcome: FlowOutcome | None = None
    error: str | None = None
    duration_s: float | None = None


JobListener = Callable[[JobEvent], None]
"""Called from worker threads; must be quick and must not raise."""
