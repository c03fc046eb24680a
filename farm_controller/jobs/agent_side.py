"""The agent's side of a job: claim, renew, report steps, park, finish.

The lease owner is ``"<host>/<worker>"``: the host comes from the agent's token, so one
host can never renew or finish another host's job. Renew, step, park and finish on
another host's job answer 403 (`job_kinds.require_host_job`: a leased job is its lease
holder's, any other its phone's host's); the host's own job with another worker's lease
answers 409 ``lease_lost``. A host downloads only the media of the jobs it holds
(`media_for_host`). A finish report must show what its outcome claims (each kind's
`check_report`): a `succeeded` or `already_done` report without verified steps is 422.

Finishing is safe to retry. The same report sent again after the job was recorded
answers 200; a success reported after the lease ran out (the agent was cut off from the
controller while it published) is still believed — the phone did publish — so the
target becomes `published` and the job that was waiting for a check is cancelled.
Anything else after the lease is gone answers 409 ``lease_lost``. The same holds for a
`send_message` job: a late success delivers its reply (`chat.replies.believe_delivered`).

What differs by kind is asked of the kind's rules in `KINDS` (see `job_kinds`), never
decided here: the task a claimed job carries (made when it is claimed: a post's publish
mode, sync anchors, `check_first` as they are now), what a finish report's screen
readings change before its outcome is recorded (a `sync_chats` job's `FlowData.sync`, a
`send_message` job's `FlowData.window`), what a late report is believed to mean, and what
mirrors a job's state (post targets, replies). A job whose task cannot be made (its
stored payload is malformed, its post target gone) fails at claim, not retryable.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from farm_queue import JobNotFoundError, LeaseLostError
from sqlalchemy import func, select

from farm_controller.chat.send_job import SendMessageJob
from farm_controller.chat.sync_job import SyncChatsJob
from farm_controller.db import read_session, write_session
from farm_controller.errors import FieldProblem, Invalid, conflict, not_found
from farm_controller.fleet.registry import release_device, set_state
from farm_controller.job_kinds import (
    JobKindRules,
    MediaUrl,
    RunFlowJob,
    TaskUnavailableError,
    lease_lost,
    owner_of,
    require_host_job,
)
from farm_controller.jobs.evidence import EvidenceFile, store_evidence
from farm_controller.models import Device, JobReport, JobStep, Media, PostTarget
from farm_controller.posts.outcomes import settle_unconfirmed
from farm_controller.posts.publish_job import PublishJob
from farm_controller.runtime import Runtime
from farm_protocol.agent_api import (
    ClaimedJob,
    ClaimRequest,
    ClaimResponse,
    FinishReport,
    FinishResponse,
    ParkReport,
    ParkResponse,
    RenewRequest,
    RenewResponse,
    StepAck,
    StepReport,
)
from farm_protocol.device import DeviceState
from farm_protocol.flow import FlowOutcome
from farm_protocol.jobs import Job, JobKind, JobState
from farm_protocol.posts import Decision, TargetState

log = logging.getLogger(__name__)

MAX_STEPS_PER_JOB = 2000

KINDS: dict[JobKind, JobKindRules] = {
    JobKind.PUBLISH_POST: PublishJob(),
    JobKind.SYNC_CHATS: SyncChatsJob(),
    JobKind.SEND_MESSAGE: SendMessageJob(),
    JobKind.RUN_FLOW: RunFlowJob(),
}
"""The rules of each job kind: the controller's side of the agent's handler table."""


def _mirror(rt: Runtime, jobs: Iterable[Job]) -> None:
    """Bring what each job stands for in line with its state (its kind's `mirror`)."""
    jobs = list(jobs)
    for kind, rules in KINDS.items():
        of_kind = [job for job in jobs if job.kind is kind]
        if of_kind:
            rules.mirror(rt, of_kind)


def _get_job(rt: Runtime, job_id: str) -> Job:
    try:
        return rt.jobs.get(job_id)
    except JobNotFoundError:
        raise not_found("job", job_id) from None


def _holds_lease(job: Job, owner: str) -> bool:
    return job.state is JobState.LEASED and job.lease_owner == owner


def _require_lease(rt: Runtime, host: str, job_id: str, owner: str) -> Job:
    """The job, leased by `owner`; 403 when it is another host's, else 409 ``lease_lost``."""
    job = _get_job(rt, job_id)
    if not _holds_lease(job, owner):
        require_host_job(rt, host, job)
        raise lease_lost(job, owner)
    return job


MAX_LEASED_JOBS = 100_000
"""More leases than any farm has phones (one lease per phone)."""


def media_for_host(rt: Runtime, host: str, media_id: str) -> Media:
    """A media item one of the host's leased jobs downloads.

    Raises:
        NotFound: no such media, or none of the host's leased jobs uses it.
    """
    prefix = owner_of(host, "")
    mine = any(
        media_id in KINDS[job.kind].media_ids(job)
        for job in rt.jobs.list(state=JobState.LEASED, limit=MAX_LEASED_JOBS)
        if job.lease_owner is not None and job.lease_owner.startswith(prefix)
    )
    with read_session(rt.sessions) as session:
        item = session.get(Media, media_id) if mine else None
    if item is None:
        raise not_found("media", media_id)
    return item


def claim(rt: Runtime, host: str, request: ClaimRequest, media_url: MediaUrl) -> ClaimResponse:
    """Lease due jobs for the host's phones among `request.devices`."""
    owner = owner_of(host, request.worker)
    with read_session(rt.sessions) as session:
        known = set(
            session.scalars(
                select(Device.serial).where(
                    Device.host_name == host, Device.serial.in_(request.devices)
                )
            )
        )
    unknown = [serial for serial in request.devices if serial not in known]
    if not known:
        return ClaimResponse(jobs=[], unknown_devices=unknown)
    jobs = rt.jobs.claim(
        owner,
        known,
        lease_seconds=request.lease_seconds or rt.settings.lease_seconds,
        limit=request.limit,
    )
    if not jobs:
        return ClaimResponse(jobs=[], unknown_devices=unknown)
    _mirror(rt, jobs)
    claimed = []
    unavailable: list[tuple[Job, str]] = []
    with write_session(rt.sessions) as session:
        for job in jobs:
            try:
                task = KINDS[job.kind].claimed_task(rt, session, job, media_url)
            except TaskUnavailableError as exc:
                unavailable.append((job, str(exc)))
                continue
            device = session.get(Device, job.device_serial)
            if device is not None:
                device.current_job_id = job.id
                set_state(session, device, DeviceState.BUSY, rt.clock())
            assert job.lease_expires_at is not None
            claimed.append(
                ClaimedJob(
                    id=job.id,
                    kind=job.kind,
                    device_serial=job.device_serial,
                    owner=owner,
                    attempts=job.attempts,
                    max_attempts=job.max_attempts,
                    lease_expires_at=job.lease_expires_at,
                    check_first=job.needs_check,
                    payload=task,
                )
            )
    for job, error in unavailable:
        _fail_unavailable(rt, job, owner, error)
    return ClaimResponse(jobs=claimed, unknown_devices=unknown)


def _fail_unavailable(rt: Runtime, job: Job, owner: str, error: str) -> None:
    """No task can be made for a job just leased: it fails for good, before any phone."""
    log.warning("job %s (%s) cannot be run: %s", job.id, job.kind, error)
    try:
        failed = rt.jobs.fail(job.id, owner, error, retryable=False)
    except LeaseLostError:
        return
    _mirror(rt, [failed])


def _decision(rt: Runtime, job_id: str) -> Decision | None:
    with read_session(rt.sessions) as session:
        return session.scalar(
            select(PostTarget.decision).where(
                PostTarget.job_id == job_id,
                PostTarget.state == TargetState.AWAITING_CONFIRMATION,
            )
        )


def renew(rt: Runtime, host: str, job_id: str, request: RenewRequest) -> RenewResponse:
    """Extend the lease; tell a parked job a person's decision."""
    owner = owner_of(host, request.worker)
    try:
        job = rt.jobs.renew(
            job_id, owner, lease_seconds=request.lease_seconds or rt.settings.lease_seconds
        )
    except JobNotFoundError:
        raise not_found("job", job_id) from None
    except LeaseLostError:
        current = rt.jobs.get(job_id)
        require_host_job(rt, host, current)
        raise lease_lost(current, owner) from None
    assert job.lease_expires_at is not None
    return RenewResponse(
        job_id=job.id, lease_expires_at=job.lease_expires_at, decision=_decision(rt, job_id)
    )


def report_step(rt: Runtime, host: str, job_id: str, report: StepReport) -> StepAck:
    """Store one finished step of the job's flow."""
    owner = owner_of(host, report.worker)
    job = _require_lease(rt, host, job_id, owner)
    with write_session(rt.sessions) as session:
        count = int(
            session.scalar(select(func.count(JobStep.id)).where(JobStep.job_id == job_id)) or 0
        )
        if count >= MAX_STEPS_PER_JOB:
            raise Invalid(FieldProblem("step", f"more than {MAX_STEPS_PER_JOB} steps", "too_many"))
        step = report.step
        session.add(
            JobStep(
                job_id=job_id,
                owner=owner,
                attempt=job.attempts,
                index=step.index,
                name=step.name[:200],
                status=step.status.value,
                data=step.model_dump(mode="json"),
                created_at=rt.clock(),
            )
        )
    return StepAck(job_id=job_id, steps=count + 1)


def park(
    rt: Runtime, host: str, job_id: str, report: ParkReport, screenshot: EvidenceFile
) -> ParkResponse:
    """Confirm mode: the post waits on the phone's final screen for a person."""
    owner = owner_of(host, report.worker)
    job = _require_lease(rt, host, job_id, owner)
    if not KINDS[job.kind].parks:
        raise conflict(f"job {job_id} is a {job.kind} job; only publish_post jobs park")
    stored = store_evidence(rt, job_id, "park", [screenshot])
    if not stored.ids:
        reason = stored.rejected[0] if stored.rejected else "no screenshot"
        raise Invalid(FieldProblem("screenshot", reason, "not_an_image"))
    with write_session(rt.sessions) as session:
        target = session.scalars(
            select(PostTarget).where(PostTarget.job_id == job_id).with_for_update()
        ).first()
        if target is None:
            raise conflict(f"job {job_id} belongs to no post target")
        target.state = TargetState.AWAITING_CONFIRMATION
        target.parked_evidence_id = stored.ids[0]
        target.error = report.message or None
        target.updated_at = rt.clock()
        return ParkResponse(
            job_id=job_id,
            target_state=target.state,
            screenshot_id=stored.ids[0],
            decision=target.decision,
        )


def _record_report(
    rt: Runtime, job: Job, owner: str, report: FinishReport, result: dict[str, object]
) -> None:
    with write_session(rt.sessions) as session:
        session.add(
            JobReport(
                job_id=job.id,
                owner=owner,
                attempt=job.attempts,
                outcome=report.result.outcome.value,
                result=result,
                created_at=rt.clock(),
            )
        )


def _apply_outcome(
    rt: Runtime,
    job: Job,
    owner: str,
    report: FinishReport,
    result: dict[str, object],
    evidence: list[str],
) -> Job:
    """Record the result on the queue (the lease is held by `owner`)."""
    outcome = report.result.outcome
    if report.result.ok:
        return rt.jobs.complete(job.id, owner, result, evidence)
    if outcome is FlowOutcome.UNKNOWN:
        error = report.result.error or "the agent could not tell whether the post went out"
        marked = rt.jobs.mark_unconfirmed(job.id, owner, error)
        return settle_unconfirmed(rt, [marked])[0]
    rejected = _decision(rt, job.id) is Decision.REJECT
    return rt.jobs.fail(
        job.id,
        owner,
        "rejected by a reviewer" if rejected else (report.result.error or "the flow failed"),
        retryable=report.retryable and not rejected,
        evidence=evidence,
    )


def finish(
    rt: Runtime, host: str, job_id: str, report: FinishReport, files: Sequence[EvidenceFile]
) -> FinishResponse:
    """Record the job's result and evidence; update its post target."""
    owner = owner_of(host, report.worker)
    job = _get_job(rt, job_id)
    if not _holds_lease(job, owner):
        require_host_job(rt, host, job)
    rules = KINDS[job.kind]
    rules.check_report(job, report)
    rules.read_report(rt, host, job, report)
    stored = store_evidence(rt, job_id, "finish", files)
    result: dict[str, object] = report.result.model_dump(mode="json")
    result["evidence_ids"] = dict(stored.by_filename)
    if _holds_lease(job, owner):
        try:
            job = _apply_outcome(rt, job, owner, report, result, stored.ids)
        except LeaseLostError:
            job = rt.jobs.get(job_id)  # reaped a moment ago: handled as a late report below
        else:
            _record_report(rt, job, owner, report, result)
            _mirror(rt, [job])
            release_device(rt, job)
            return FinishResponse(
                job_id=job.id,
                job_state=job.state,
                target_state=rules.target_state(rt, job),
                evidence_ids=stored.ids,
                rejected_evidence=stored.rejected,
            )
    if report.result.ok and job.state is JobState.SUCCEEDED:
        note = "already recorded"
    else:
        late = rules.late_report(rt, job, report)
        if late is None:
            raise lease_lost(job, owner)
        job, note = late.job, late.note
        if late.record:
            _record_report(rt, job, owner, report, result)
    release_device(rt, job)
    return FinishResponse(
        job_id=job.id,
        job_state=job.state,
        target_state=rules.target_state(rt, job),
        evidence_ids=stored.ids,
        rejected_evidence=stored.rejected,
        note=note,
    )
