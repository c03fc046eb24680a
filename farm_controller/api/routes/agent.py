"""The agent API (per-host bearer token); the wire types are `farm_protocol.agent_api`."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, ValidationError

from farm_controller.api.deps import AgentHost, RuntimeDep
from farm_controller.api.params import KeyPath
from farm_controller.errors import (
    FieldProblem,
    Forbidden,
    Invalid,
    problems_from_validation,
)
from farm_controller.fleet import registry as fleet
from farm_controller.jobs import agent_side
from farm_controller.jobs.evidence import EvidenceFile
from farm_protocol.agent_api import (
    AGENT_API_PREFIX,
    ClaimRequest,
    ClaimResponse,
    FinishReport,
    FinishResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    ParkReport,
    ParkResponse,
    RegisterRequest,
    RegisterResponse,
    RenewRequest,
    RenewResponse,
    StepAck,
    StepReport,
)

router = APIRouter(prefix=AGENT_API_PREFIX, tags=["agent"])

ReportT = TypeVar("ReportT", bound=BaseModel)


def _report(model: type[ReportT], raw: str) -> ReportT:
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise Invalid(problems_from_validation(exc.errors(), ("report",))) from None


def _file(upload: UploadFile, limit: int, fallback_name: str) -> EvidenceFile:
    upload.file.seek(0)
    # One byte over the limit is enough for the image check to refuse it as too large.
    return EvidenceFile(upload.filename or fallback_name, upload.file.read(limit + 1))


@router.post("/register")
def register(rt: RuntimeDep, host: AgentHost, body: RegisterRequest) -> RegisterResponse:
    """Register the host and all its phones (phones it no longer lists go offline)."""
    if body.host != host:
        raise Forbidden(FieldProblem("host", f"this token belongs to host {host!r}", "forbidden"))
    return fleet.register(rt, host, body)


@router.post("/heartbeat")
def heartbeat(rt: RuntimeDep, host: AgentHost, body: HeartbeatRequest) -> HeartbeatResponse:
    """Report the host alive and its phones' states; returns decisions for parked jobs."""
    return fleet.heartbeat(rt, host, body)


@router.post("/claim")
def claim(rt: RuntimeDep, host: AgentHost, request: Request, body: ClaimRequest) -> ClaimResponse:
    """Lease due jobs for the host's phones (at most one per phone); may return none."""

    def media_url(media_id: KeyPath) -> str:
        return str(request.url_for("agent_media", media_id=media_id))

    return agent_side.claim(rt, host, body, media_url)


@router.get("/media/{media_id}", name="agent_media", response_class=FileResponse)
def media(rt: RuntimeDep, host: AgentHost, media_id: KeyPath) -> FileResponse:
    """Download a post's image (check it against MediaRef.sha256): only while one of this
    host's jobs holding a lease uses it (404 otherwise)."""
    item = agent_side.media_for_host(rt, host, media_id)
    return FileResponse(
        rt.media.path(item.path), media_type=item.content_type, headers={"ETag": item.sha256}
    )


@router.post("/jobs/{job_id}/renew")
def renew(rt: RuntimeDep, host: AgentHost, job_id: KeyPath, body: RenewRequest) -> RenewResponse:
    """Extend the job's lease; carries a person's decision while the job is parked."""
    return agent_side.renew(rt, host, job_id, body)


@router.post("/jobs/{job_id}/steps")
def report_step(rt: RuntimeDep, host: AgentHost, job_id: KeyPath, body: StepReport) -> StepAck:
    """Store one finished flow step for the job's page."""
    return agent_side.report_step(rt, host, job_id, body)


@router.post("/jobs/{job_id}/park")
def park(
    rt: RuntimeDep,
    host: AgentHost,
    job_id: KeyPath,
    report: Annotated[str, Form(description="ParkReport as JSON")],
    screenshot: Annotated[UploadFile, File()],
) -> ParkResponse:
    """Confirm mode: the post waits on the final screen; multipart `report` + `screenshot`."""
    parsed = _report(ParkReport, report)
    shot = _file(screenshot, rt.settings.max_image_bytes, "screenshot.png")
    return agent_side.park(rt, host, job_id, parsed, shot)


@router.post("/jobs/{job_id}/finish")
def finish(
    rt: RuntimeDep,
    host: AgentHost,
    job_id: KeyPath,
    report: Annotated[str, Form(description="FinishReport as JSON")],
    evidence: Annotated[list[UploadFile] | None, File()] = None,
) -> FinishResponse:
    """Report the result (multipart `report` + `evidence` files); safe to retry."""
    parsed = _report(FinishReport, report)
    limit = rt.settings.max_image_bytes
    files = [_file(item, limit, f"evidence-{i}.png") for i, item in enumerate(evidence or [])]
    return agent_side.finish(rt, host, job_id, parsed, files)
