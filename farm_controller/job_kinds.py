"""What one job kind decides on the controller: its task at claim, its report at finish.

Each `JobKind` has one class of rules, a `JobKindRules` (`posts.publish_job.PublishJob`,
`chat.sync_job.SyncChatsJob`, `chat.send_job.SendMessageJob`, `RunFlowJob` here); the
table `jobs.agent_side.KINDS` holds one of each, the controller's mirror of the agent's
handler table (`agent.host.worker`). The agent side of a job (`jobs.agent_side`) asks the
table, never the kind.

The queue stores a job's payload as a dict; `task_from_payload` makes it the kind's
typed task (`farm_protocol.agent_api.JobTask`) when the job is claimed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from farm_controller.db import read_session
from farm_controller.errors import Conflict, conflict
from farm_controller.models import Device
from farm_controller.runtime import Runtime
from farm_protocol.agent_api import FinishReport, JobTask, RunFlowTask
from farm_protocol.jobs import Job, JobKind
from farm_protocol.posts import TargetState

MediaUrl = Callable[[str], str]
"""Builds the absolute download URL of a media id."""

TaskT = TypeVar("TaskT", bound=BaseModel)


class TaskUnavailableError(Exception):
    """A claimed job's task cannot be made: its stored payload is malformed, or what it
    refers to is gone. The job fails for good; no phone is asked to run it."""


@dataclass(frozen=True)
class LateReport:
    """What a report that came after the job was decided (its lease gone) made of it."""

    job: Job
    note: str
    record: bool = True
    """Store the report with the job's reports."""


def owner_of(host: str, worker: str) -> str:
    """The lease owner name of a host's worker."""
    return f"{host}/{worker}"


def lease_lost(job: Job, owner: str) -> Conflict:
    """409 ``lease_lost``: `owner` does not hold the job's lease."""
    holder = f", leased by {job.lease_owner}" if job.lease_owner else ""
    return conflict(
        f"job {job.id} is not leased by {owner}: it is {job.state}{holder}", "lease_lost"
    )


def host_has_phone(rt: Runtime, host: str, job: Job) -> bool:
    """Is the job's phone on this host (so what the host read off it can be believed)?"""
    with read_session(rt.sessions) as session:
        device_host = session.scalar(
            select(Device.host_name).where(Device.serial == job.device_serial)
        )
    return device_host == host


def task_from_payload(model: type[TaskT], job: Job, **now: Any) -> TaskT:
    """The job's stored payload as its task; `now` holds fields as they are now.

    Raises:
        TaskUnavailableError: the payload does not make a valid task.
    """
    try:
        return model.model_validate({**job.payload, **now})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'payload'}: {error['msg']}"
            for error in exc.errors()
        )
        raise TaskUnavailableError(f"bad {job.kind.value} payload: {problems}") from None


class JobKindRules:
    """The rules of one job kind. The defaults suit a kind that changes nothing but the
    phone and reads nothing back; each kind overrides what it owns."""

    kind: ClassVar[JobKind]
    parks: ClassVar[bool] = False
    """May a job of this kind park on the phone for a person (confirm mode)?"""

    def claimed_task(self, rt: Runtime, session: Session, job: Job, media_url: MediaUrl) -> JobTask:
        """The task the agent gets for `job`, made when it is claimed (`session` is open).

        Raises:
            TaskUnavailableError: no task can be made for the job.
        """
        raise NotImplementedError

    def read_report(self, rt: Runtime, host: str, job: Job, report: FinishReport) -> None:
        """Store what the phone's screen showed, before the outcome is recorded.

        Runs for every finish report, whatever its outcome and whoever holds the lease.

        Raises:
            DomainError: the report cannot be believed (e.g. the phone is not on `host`).
        """

    def late_report(self, rt: Runtime, job: Job, report: FinishReport) -> LateReport | None:
        """A report for a job already decided (and not already recorded as succeeded):
        what it changes, or None when it only lost its lease."""
        return None

    def mirror(self, rt: Runtime, jobs: Sequence[Job]) -> None:
        """Bring what the jobs stand for (post targets, replies) in line with their states."""

    def target_state(self, rt: Runtime, job: Job) -> TargetState | None:
        """The state of the post target the job publishes, if it publishes one."""
        return None


class RunFlowJob(JobKindRules):
    """`run_flow`: one profile flow with its parameters (no agent runs these yet)."""

    kind = JobKind.RUN_FLOW

    def claimed_task(self, rt: Runtime, session: Session, job: Job, media_url: MediaUrl) -> JobTask:
        """The stored flow and parameters."""
        return task_from_payload(RunFlowTask, job)
