"""The agent's side of a job: claim, renew, report steps, park, finish.

The lease owner is ``"<host>/<worker>"``: the host comes from the agent's token, so one
host can never renew or finish another host's job.

Finishing is safe to retry. The same report sent again after the job was recorded
answers 200; a success reported after the lease ran out (the agent was cut off from the
controller while it published) is still believed — the phone did publish — so the
target becomes `published` and the job that was waiting for a check is cancelled.
Anything else after the lease is gone answers 409 ``lease_lost``. The same holds for a
`send_message` job: a late success delivers its reply (`chat.replies.believe_delivered`).

Chat jobs: a `sync_chats` result (`FlowResult.data["sync"]`, a `SyncChatsResult`) is
merged into the chat store before anything else, whatever the outcome and the lease:
what the phone's screen showed is true, and the merge never stores a message twice
(`chat.inbox`). A `send_message` job's reply mirrors the job (`chat.replies`); what its
conversation showed (`data["window"]`) is merged first, so the reply takes its place on
the screen among the messages around it. Claimed
chat jobs carry a fresh payload: sync anchors as stored now, `check_first` as it is now.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from farm_queue import JobNotFoundError, LeaseLostError
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from farm_controller.chat import planning, replies
from farm_controller.chat.inbox import merge_sync, merge_window
from farm_controller.db import read_session, write_session
from farm_controller.errors import (
    Conflict,
    FieldProblem,
    Invalid,
    conflict,
    not_found,
    problems_from_validation,
)
from farm_controller.fleet.registry import release_device, set_state
from farm_controller.jobs.evidence import EvidenceFile, store_evidence
from farm_controller.models import (
    Account,
    Device,
    JobReport,
    JobStep,
    Media,
    PostTarget,
)
from farm_controller.posts.outcomes import settle_unconfirmed, sync_targets
from farm_controller.runtime import Runtime
from farm_protocol.agent_api import (
    ClaimedJob,
    ClaimRequest,
    ClaimResponse,
    FinishReport,
    FinishResponse,
    MediaRef,
    ParkReport,
    ParkResponse,
    PublishPostTask,
    RenewRequest,
    RenewResponse,
    StepAck,
    StepReport,
)
from farm_protocol.chat import ConversationRead, SyncChatsResult
from farm_protocol.device import DeviceState
from farm_protocol.flow import FlowOutcome
from farm_protocol.jobs import Job, JobKind, JobState
from farm_protocol.posts import Decision, TargetState

log = logging.getLogger(__name__)

MediaUrl = Callable[[str], str]
"""Builds the absolute download URL of a media id."""

MAX_STEPS_PER_JOB = 2000


def owner_of(host: str, worker: str) -> str:
    """The lease owner name of a host's worker."""
    return f"{host}/{worker}"


def _get_job(rt: Runtime, job_id: str) -> Job:
    try:
        return rt.jobs.get(job_id)
    except JobNotFoundError:
        raise not_found("job", job_id) from None


def _lease_lost(job: Job, owner: str) -> Conflict:
    holder = f", leased by {job.lease_owner}" if job.lease_owner else ""
    return conflict(
        f"job {job.id} is not leased by {owner}: it is {job.state}{holder}", "lease_lost"
    )


def _require_lease(rt: Runtime, job_id: str, owner: str) -> Job:
    job = _get_job(rt, job_id)
    if job.state is not JobState.LEASED or job.lease_owner != owner:
        raise _lease_lost(job, owner)
    return job


def _publish_task(session: Session, job: Job, media_url: MediaUrl) -> PublishPostTask | None:
    target = session.get(PostTarget, job.payload.get("target_id"))
    if target is None:
        return None
    account = session.get(Account, target.account_id)
    if account is None:
        return None
    ids = [str(media_id) for media_id in job.payload.get("media_ids", [])]
    found = {m.id: m for m in session.scalars(select(Media).where(Media.id.in_(ids)))}
    return PublishPostTask(
        post_id=target.post_id,
        target_id=target.id,
        account_id=account.id,
        account_name=account.name,
        app=account.app,
        occurrence_at=target.occurrence_at,
        text=str(job.payload.get("text", "")),
        media=[
            MediaRef(
                id=item.id,
                sha256=item.sha256,
                content_type=item.content_type,
                size=item.size,
                width=item.width,
                height=item.height,
                url=media_url(item.id),
            )
            for item in (found[i] for i in ids if i in found)
        ],
        # Read now, not at enqueue: a person may have switched the account to confirm.
        publish_mode=account.publish_mode,
        check_first=job.needs_check,
    )


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
    sync_targets(rt, jobs)
    replies.sync_replies(rt, jobs)
    claimed = []
    with write_session(rt.sessions) as session:
        for job in jobs:
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
                    payload=_claimed_payload(rt, job),
                    publish_post=(
                        _publish_task(session, job, media_url)
                        if job.kind is JobKind.PUBLISH_POST
                        else None
                    ),
                )
            )
    return ClaimResponse(jobs=claimed, unknown_devices=unknown)


def _claimed_payload(rt: Runtime, job: Job) -> dict[str, object]:
    if job.kind is JobKind.SYNC_CHATS:
        return planning.claimed_payload(rt, job)
    if job.kind is JobKind.SEND_MESSAGE:
        return replies.claimed_payload(job)
    return dict(job.payload)


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
        raise _lease_lost(rt.jobs.get(job_id), owner) from None
    assert job.lease_expires_at is not None
    return RenewResponse(
        job_id=job.id, lease_expires_at=job.lease_expires_at, decision=_decision(rt, job_id)
    )


def report_step(rt: Runtime, host: str, job_id: str, report: StepReport) -> StepAck:
    """Store one finished step of the job's flow."""
    owner = owner_of(host, report.worker)
    job = _require_lease(rt, job_id, owner)
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
    job = _require_lease(rt, job_id, owner)
    if job.kind is not JobKind.PUBLISH_POST:
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


def _target_state(rt: Runtime, job_id: str) -> TargetState | None:
    with read_session(rt.sessions) as session:
        return session.scalar(select(PostTarget.state).where(PostTarget.job_id == job_id))


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


def _late_success(rt: Runtime, job: Job) -> Job:
    """The phone published, but the lease was already taken back: believe the phone."""
    if job.state in (JobState.QUEUED, JobState.UNCONFIRMED):
        job = rt.jobs.cancel(job.id)
    now = rt.clock()
    with write_session(rt.sessions) as session:
        target = session.scalars(
            select(PostTarget).where(PostTarget.job_id == job.id).with_for_update()
        ).first()
        if target is not None and target.state is not TargetState.PUBLISHED:
            target.state = TargetState.PUBLISHED
            target.published_at = now
            target.error = "published (reported after the lease ran out)"
            target.updated_at = now
    return job


def _host_has_phone(rt: Runtime, host: str, job: Job) -> bool:
    """Is the job's phone on this host (so what the host read off it can be believed)?"""
    with read_session(rt.sessions) as session:
        device_host = session.scalar(
            select(Device.host_name).where(Device.serial == job.device_serial)
        )
    return device_host == host


def _merge_sync_result(rt: Runtime, host: str, job: Job, report: FinishReport) -> None:
    """Store what a sync read, if this host's phone read it (see the module docstring)."""
    raw = report.result.data.get("sync")
    if raw is None:
        return
    if not _host_has_phone(rt, host, job):
        raise _lease_lost(job, owner_of(host, report.worker))
    try:
        result = SyncChatsResult.model_validate(raw)
    except ValidationError as exc:
        raise Invalid(
            problems_from_validation(exc.errors(), ("report", "result", "data", "sync"))
        ) from None
    account_id = planning.account_of_sync(rt, job)
    if account_id is None:
        log.warning("sync job %s: no account uses phone %s", job.id, job.device_serial)
        return
    merge_sync(rt, account_id, result, job.id)


def _merge_send_window(rt: Runtime, host: str, job: Job, report: FinishReport) -> None:
    """Place a delivered reply where the screen shows it (`chat.inbox.merge_window`).

    Best effort: a window that is missing or malformed leaves the reply to be placed when
    its job's outcome is recorded.
    """
    raw = report.result.data.get("window")
    account_id = job.payload.get("account_id")
    if raw is None or not report.result.ok or not isinstance(account_id, int):
        return
    if not _host_has_phone(rt, host, job):
        return
    try:
        read = ConversationRead.model_validate(raw)
    except ValidationError as exc:
        log.warning("send job %s: unreadable window ignored (%s)", job.id, exc.error_count())
        return
    merge_window(rt, account_id, read, job.id)


def finish(
    rt: Runtime, host: str, job_id: str, report: FinishReport, files: Sequence[EvidenceFile]
) -> FinishResponse:
    """Record the job's result and evidence; update its post target."""
    owner = owner_of(host, report.worker)
    job = _get_job(rt, job_id)
    if job.kind is JobKind.SYNC_CHATS:
        _merge_sync_result(rt, host, job, report)
    elif job.kind is JobKind.SEND_MESSAGE:
        _merge_send_window(rt, host, job, report)
    stored = store_evidence(rt, job_id, "finish", files)
    result: dict[str, object] = report.result.model_dump(mode="json")
    result["evidence_ids"] = dict(stored.by_filename)
    note = ""
    if job.state is JobState.LEASED and job.lease_owner == owner:
        try:
            job = _apply_outcome(rt, job, owner, report, result, stored.ids)
        except LeaseLostError:
            job = rt.jobs.get(job_id)  # reaped a moment ago: handled as a late report below
        else:
            _record_report(rt, job, owner, report, result)
            sync_targets(rt, [job])
            replies.sync_replies(rt, [job])
            release_device(rt, job)
            return FinishResponse(
                job_id=job.id,
                job_state=job.state,
                target_state=_target_state(rt, job.id),
                evidence_ids=stored.ids,
                rejected_evidence=stored.rejected,
            )
    if report.result.ok and job.state is JobState.SUCCEEDED:
        note = "already recorded"
    elif (
        report.result.ok
        and job.kind is JobKind.PUBLISH_POST
        and job.state in (JobState.QUEUED, JobState.UNCONFIRMED)
    ):
        job = _late_success(rt, job)
        _record_report(rt, job, owner, report, result)
        note = "late report believed: the target is published and the job's check cancelled"
    elif (
        report.result.ok
        and job.kind is JobKind.SEND_MESSAGE
        and job.state in (JobState.QUEUED, JobState.UNCONFIRMED)
    ):
        job = replies.believe_delivered(rt, job)
        _record_report(rt, job, owner, report, result)
        note = "late report believed: the reply is delivered and the job's check cancelled"
    elif job.kind is JobKind.SYNC_CHATS:
        note = "what was read is stored; the job itself had already been decided"
    else:
        raise _lease_lost(job, owner)
    release_device(rt, job)
    return FinishResponse(
        job_id=job.id,
        job_state=job.state,
        target_state=_target_state(rt, job.id),
        evidence_ids=stored.ids,
        rejected_evidence=stored.rejected,
        note=note,
    )
