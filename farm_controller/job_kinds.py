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
from farm_controller.errors import Conflict, FieldProblem, Forbidden, Invalid, conflict
from farm_controller.models import Device
from farm_controller.runtime import Runtime
from farm_protocol.agent_api import FinishReport, JobTask, RunFlowTask
from farm_protocol.flow import FlowOutcome, FlowResult, StepStatus
from farm_protocol.jobs import Job, JobKind, JobState
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


def host_of_owner(owner: str) -> str:
    """The host part of a lease owner ``"<host>/<worker>"`` (a worker name has no ``/``)."""
    return owner.rsplit("/", 1)[0]


def require_host_job(rt: Runtime, host: str, job: Job) -> None:
    """Refuse a host's report about a job that is not its own.

    A leased job is the host's whose worker holds the lease; any other job is the host's
    whose phone it is for (a late or repeated report).

    Raises:
        Forbidden: the job is another host's.
    """
    if job.state is JobState.LEASED and job.lease_owner is not None:
        mine = host_of_owner(job.lease_owner) == host
    else:
        mine = host_has_phone(rt, host, job)
    if not mine:
        raise Forbidden(FieldProblem(None, f"job {job.id} is not host {host!r}'s", "forbidden"))


def require_verified_end(result: FlowResult) -> None:
    """A flow that reports success shows it: its last step was verified on the screen.

    The agent's runner stops at the first step that fails, so a flow that reached its goal
    ends with a step whose status is ``ok`` (after a crash and a restart, or an unknown
    outcome settled by the flow's check, earlier steps may have failed).

    Raises:
        Invalid: no steps, or the last one did not succeed (field ``report.result.steps``).
    """
    if not result.steps:
        raise Invalid(
            FieldProblem(
                "report.result.steps",
                f"a {result.outcome.value} report must carry the flow's verified steps",
                "steps_missing",
            )
        )
    last = result.steps[-1]
    if last.status is not StepStatus.OK:
        raise Invalid(
            FieldProblem(
                f"report.result.steps[{len(result.steps) - 1}].status",
                f"a {result.outcome.value} report must end with a verified step, "
                f"not one that is {last.status.value}",
                "step_not_verified",
            )
        )


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

    def check_report(self, job: Job, report: FinishReport) -> None:
        """Refuse a finish report that does not show the verified steps its outcome needs.

        `succeeded` and `already_done` mark the job done (a post published, a reply
        delivered), so they must carry the flow's steps ending with a verified one;
        `already_done` also carries the check that found the work on the screen
        (``data.found`` true, as the agent's `check_post` / `check_message` flows report).
        `failed` and `unknown` may have no steps at all (the agent fails a job whose task
        or profile it cannot use before any step).

        Raises:
            Invalid: the report lacks what its outcome needs (the field is named).
        """
        result = report.result
        if result.outcome is FlowOutcome.SUCCEEDED:
            require_verified_end(result)
        elif result.outcome is FlowOutcome.ALREADY_DONE:
            require_verified_end(result)
            if result.data.found is not True:
                raise Invalid(
                    FieldProblem(
                        "report.result.data.found",
                        "an already_done report must carry the check that found the work "
                        "on the screen (data.found true)",
                        "check_missing",
                    )
                )

    def media_ids(self, job: Job) -> frozenset[str]:
        """The media the job's phone downloads (`GET /api/v1/agent/media/{id}`)."""
        return frozenset()

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
