"""Jobs as the public API shows them: the queue's job plus steps, evidence and target."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from farm_controller.schemas.posts import TargetOut
from farm_protocol.jobs import Job


class JobOut(Job):
    """A job of the queue, with the post it belongs to (when it publishes one)."""

    post_id: int | None = None
    target_id: int | None = None


class StepOut(BaseModel):
    """A flow step an agent reported."""

    attempt: int
    index: int
    name: str
    status: str
    owner: str
    data: dict[str, Any]
    created_at: datetime


class EvidenceOut(BaseModel):
    """A screenshot uploaded for the job."""

    id: str
    kind: str
    filename: str
    content_type: str
    size: int
    url: str
    created_at: datetime


class ReportOut(BaseModel):
    """The result an agent reported at the end of one attempt."""

    attempt: int
    owner: str
    outcome: str
    result: dict[str, Any]
    created_at: datetime


class JobDetail(JobOut):
    """A job with its steps, results, evidence and post target."""

    steps: list[StepOut]
    reports: list[ReportOut]
    evidence_files: list[EvidenceOut]
    target: TargetOut | None
