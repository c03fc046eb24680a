"""Jobs: what the phones were asked to do, with steps, evidence, retry and cancel."""

from __future__ import annotations

from typing import Annotated

from farm_queue import JobNotFoundError
from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from farm_controller.api.audit_middleware import note
from farm_controller.api.deps import RuntimeDep, SessionDep
from farm_controller.api.params import IdQuery, KeyPath, Offset, TextQuery
from farm_controller.api.presenters import evidence_out, job_out, step_out, target_out
from farm_controller.errors import not_found
from farm_controller.jobs.control import cancel_job, retry_job
from farm_controller.jobs.listing import Order, list_jobs
from farm_controller.models import Account, Evidence, JobReport, JobStep, PostTarget
from farm_controller.runtime import Runtime
from farm_controller.schemas.jobs import JobDetail, JobOut, ReportOut
from farm_protocol.jobs import JobKind, JobState

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("")
def list_all(
    rt: RuntimeDep,
    session: SessionDep,
    state: JobState | None = None,
    device_serial: TextQuery = None,
    kind: JobKind | None = None,
    account_id: IdQuery = None,
    order: Order = "oldest",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> list[JobOut]:
    """List jobs in enqueue order (or newest first), by state, phone, kind or account."""
    if account_id is not None:
        account = session.get(Account, account_id)
        if account is None:
            raise not_found("account", account_id)
        if device_serial is not None and device_serial != account.device_serial:
            return []
        device_serial = account.device_serial
    jobs = list_jobs(
        rt,
        state=state,
        device_serial=device_serial,
        kind=kind,
        order=order,
        limit=limit,
        offset=offset,
    )
    return [job_out(job) for job in jobs]


@router.get("/{job_id}")
def get_job(rt: RuntimeDep, session: SessionDep, request: Request, job_id: KeyPath) -> JobDetail:
    """Show a job with its reported steps and results, evidence URLs and post target."""
    try:
        job = rt.jobs.get(job_id)
    except JobNotFoundError:
        raise not_found("job", job_id) from None
    steps = session.scalars(
        select(JobStep).where(JobStep.job_id == job_id).order_by(JobStep.id)
    ).all()
    reports = session.scalars(
        select(JobReport).where(JobReport.job_id == job_id).order_by(JobReport.id)
    ).all()
    evidence = session.scalars(
        select(Evidence).where(Evidence.job_id == job_id).order_by(Evidence.created_at)
    ).all()
    target = session.scalars(select(PostTarget).where(PostTarget.job_id == job_id)).first()
    if target is None and isinstance(job.payload.get("target_id"), int):
        # A retried job's target follows the newest job; show it for the old one too.
        target = session.get(PostTarget, job.payload["target_id"])
    target_view = None
    if target is not None:
        account = session.get(Account, target.account_id)
        target_view = target_out(request, target, account.name if account else "")
    return JobDetail(
        **job_out(job).model_dump(),
        steps=[step_out(step) for step in steps],
        reports=[
            ReportOut(
                attempt=r.attempt,
                owner=r.owner,
                outcome=r.outcome,
                result=dict(r.result),
                created_at=r.created_at,
            )
            for r in reports
        ],
        evidence_files=[evidence_out(request, item) for item in evidence],
        target=target_view,
    )


@router.post("/{job_id}/retry")
def retry(rt: RuntimeDep, request: Request, job_id: KeyPath) -> JobOut:
    """Retry a failed job (as a new job) or an unconfirmed one (reading the screen first)."""
    _note_job(rt, request, job_id)
    retried = job_out(retry_job(rt, job_id))
    note(request, new_job=retried.id)
    return retried


@router.post("/{job_id}/cancel")
def cancel(rt: RuntimeDep, request: Request, job_id: KeyPath) -> JobOut:
    """Cancel a queued or unconfirmed job; 409 while a phone holds it."""
    _note_job(rt, request, job_id)
    return job_out(cancel_job(rt, job_id))


def _note_job(rt: Runtime, request: Request, job_id: str) -> None:
    """Tell the audit log which phone and account the job is for."""
    try:
        job = rt.jobs.get(job_id)
    except JobNotFoundError:
        return
    account_id = job.payload.get("account_id")
    note(
        request,
        devices=[job.device_serial],
        accounts=[account_id] if isinstance(account_id, int) else [],
        kind=str(job.kind),
    )
