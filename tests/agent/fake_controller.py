"""A fake controller: the agent API of `farm_protocol.agent_api` with state a test can read.

It is a real FastAPI app served on a loopback port, so the agent's real httpx client,
multipart uploads and error handling run unchanged. Tests hand it jobs, read what the
agent reported, switch it "down" (every call answers 503) and post decisions.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from farm_protocol.agent_api import (
    AGENT_API_PREFIX,
    ClaimedJob,
    ClaimRequest,
    FinishReport,
    FinishResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    JobLease,
    MediaRef,
    ParkReport,
    ParkResponse,
    PendingDecision,
    PublishPostTask,
    RegisterRequest,
    RegisterResponse,
    RenewRequest,
    RenewResponse,
    StepAck,
    StepReport,
)
from farm_protocol.flow import FlowOutcome
from farm_protocol.jobs import JobKind, JobState
from farm_protocol.posts import Decision, PublishMode, TargetState
from tests.helpers.waiting import wait_for

TOKEN = "fake-agent-token-" + "q" * 20
HOST = "rack-9"


@dataclass
class Finish:
    """One finish request the fake received."""

    report: FinishReport
    evidence: list[tuple[str, bytes]]


@dataclass
class FakeState:
    """Everything the fake stores; tests read it."""

    queued: list[JobLease] = field(default_factory=list)
    """`ClaimedJob`s, and the leases of jobs whose payload is no valid task (`raw_payloads`)."""
    leased: dict[str, JobLease] = field(default_factory=dict)
    raw_payloads: dict[str, dict[str, Any]] = field(default_factory=dict)
    registrations: list[RegisterRequest] = field(default_factory=list)
    heartbeats: list[HeartbeatRequest] = field(default_factory=list)
    claims: int = 0
    renewals: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    steps: dict[str, list[StepReport]] = field(default_factory=lambda: defaultdict(list))
    parks: dict[str, tuple[ParkReport, bytes]] = field(default_factory=dict)
    finishes: dict[str, list[Finish]] = field(default_factory=lambda: defaultdict(list))
    decisions: dict[str, Decision] = field(default_factory=dict)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    media_downloads: int = 0
    known_serials: set[str] = field(default_factory=set)
    foreign_serials: set[str] = field(default_factory=set)
    """Phones the controller has on another host: registering them does not make them known."""
    lost: set[str] = field(default_factory=set)


class FakeController:
    """The agent API, faked.

    Args:
        lease_seconds: the default lease it grants.
        heartbeat_interval: the interval it asks for.
    """

    def __init__(self, lease_seconds: float = 6.0, heartbeat_interval: float = 0.3) -> None:
        self.lease_seconds = lease_seconds
        self.heartbeat_interval = heartbeat_interval
        self.state = FakeState()
        self.down = False
        self.forget_host = False
        self.finish_status: int | None = None
        self.lock = threading.RLock()
        self.base_url = ""
        self.app = self._build()

    # -- what tests call ---------------------------------------------------------------

    def add_media(self, data: bytes, content_type: str = "image/png") -> str:
        """Store an image; returns its id."""
        media_id = uuid.uuid4().hex
        with self.lock:
            self.state.media[media_id] = (data, content_type)
        return media_id

    def add_publish_job(
        self,
        serial: str,
        text: str,
        images: Sequence[bytes] = (),
        *,
        mode: PublishMode = PublishMode.AUTO,
        check_first: bool = False,
        kind: JobKind = JobKind.PUBLISH_POST,
    ) -> str:
        """Queue a job for a phone; returns its id."""
        job_id = uuid.uuid4().hex
        refs = []
        for data in images:
            media_id = self.add_media(data)
            refs.append(
                MediaRef(
                    id=media_id,
                    sha256=hashlib.sha256(data).hexdigest(),
                    content_type="image/png",
                    size=len(data),
                    width=1,
                    height=1,
                    url=f"{self.base_url}{AGENT_API_PREFIX}/media/{media_id}",
                )
            )
        now = datetime.now(UTC)
        task = PublishPostTask(
            post_id=1,
            target_id=1,
            account_id=1,
            account_name="shop",
            app="simchat",
            occurrence_at=now,
            text=text,
            media=refs,
            publish_mode=mode,
            check_first=check_first,
        )
        job = ClaimedJob(
            id=job_id,
            kind=kind,
            device_serial=serial,
            owner="",
            attempts=1,
            max_attempts=3,
            lease_expires_at=now,
            check_first=check_first,
            payload=task if kind is JobKind.PUBLISH_POST else {"text": text},
        )
        with self.lock:
            self.state.queued.append(job)
        return job_id

    def add_job(
        self,
        serial: str,
        kind: JobKind,
        payload: dict[str, Any],
        *,
        check_first: bool = False,
        attempts: int = 1,
    ) -> str:
        """Queue a job of any kind with its payload as JSON (chat jobs); returns its id.

        A payload that is no valid task of the kind is sent as it is.
        """
        lease = JobLease(
            id=uuid.uuid4().hex,
            kind=kind,
            device_serial=serial,
            owner="",
            attempts=attempts,
            max_attempts=3,
            lease_expires_at=datetime.now(UTC),
            check_first=check_first,
        )
        job: JobLease
        try:
            job = ClaimedJob(**lease.model_dump(), payload=payload)
        except ValidationError:
            job = lease
        with self.lock:
            if not isinstance(job, ClaimedJob):
                self.state.raw_payloads[job.id] = payload
            self.state.queued.append(job)
        return job.id

    def decide(self, job_id: str, decision: Decision) -> None:
        """A person answers a parked job."""
        with self.lock:
            self.state.decisions[job_id] = decision

    def finishes(self, job_id: str) -> list[Finish]:
        """The finish requests received for a job."""
        with self.lock:
            return list(self.state.finishes.get(job_id, []))

    def finished(self, job_id: str, timeout: float = 60.0) -> Finish:
        """Wait for a job's finish request and return it (a job is finished once)."""
        finishes = wait_for(lambda: self.finishes(job_id), timeout=timeout)
        assert len(finishes) == 1, "one finish per job"
        return finishes[0]

    # -- the app -----------------------------------------------------------------------

    def _build(self) -> FastAPI:
        app = FastAPI()
        fake = self

        @app.middleware("http")
        async def gate(request: Request, call_next: Any) -> Response:
            if fake.down:
                return JSONResponse({"detail": "down for maintenance"}, status_code=503)
            if request.headers.get("authorization") != f"Bearer {TOKEN}":
                return JSONResponse(
                    {"detail": [{"field": None, "message": "bad token", "type": "auth"}]},
                    status_code=401,
                )
            response: Response = await call_next(request)
            return response

        def lease_lost(job_id: str) -> HTTPException:
            return HTTPException(
                409, [{"field": None, "message": f"{job_id} lost", "type": "lease_lost"}]
            )

        @app.post(f"{AGENT_API_PREFIX}/register")
        def register(body: RegisterRequest) -> RegisterResponse:
            with fake.lock:
                fake.state.registrations.append(body)
                listed = {d.serial for d in body.devices}
                fake.state.known_serials = listed - fake.state.foreign_serials
                foreign = sorted(listed & fake.state.foreign_serials)
                fake.forget_host = False
            return RegisterResponse(
                host=body.host,
                server_time=datetime.now(UTC),
                heartbeat_interval=fake.heartbeat_interval,
                heartbeat_timeout=fake.heartbeat_interval * 4,
                lease_seconds=fake.lease_seconds,
                foreign_devices=foreign,
            )

        @app.post(f"{AGENT_API_PREFIX}/heartbeat")
        def heartbeat(body: HeartbeatRequest) -> HeartbeatResponse:
            with fake.lock:
                fake.state.heartbeats.append(body)
                unknown = [
                    d.serial
                    for d in body.devices
                    if fake.forget_host or d.serial not in fake.state.known_serials
                ]
                decisions = [
                    PendingDecision(job_id=job_id, decision=decision)
                    for job_id, decision in fake.state.decisions.items()
                    if job_id in fake.state.parks
                ]
            return HeartbeatResponse(
                server_time=datetime.now(UTC), decisions=decisions, unknown_devices=unknown
            )

        def as_json(job: JobLease) -> dict[str, Any]:
            raw = job.model_dump(mode="json")
            if job.id in fake.state.raw_payloads:
                raw["payload"] = fake.state.raw_payloads[job.id]
            return raw

        @app.post(f"{AGENT_API_PREFIX}/claim")
        def claim(body: ClaimRequest) -> dict[str, Any]:
            with fake.lock:
                fake.state.claims += 1
                busy = {job.device_serial for job in fake.state.leased.values()}
                jobs = []
                for job in list(fake.state.queued):
                    if job.device_serial in body.devices and job.device_serial not in busy:
                        fake.state.queued.remove(job)
                        leased = job.model_copy(
                            update={
                                "owner": f"{HOST}/{body.worker}",
                                "lease_expires_at": datetime.now(UTC)
                                + timedelta(seconds=body.lease_seconds or fake.lease_seconds),
                            }
                        )
                        fake.state.leased[job.id] = leased
                        busy.add(job.device_serial)
                        jobs.append(leased)
                        if len(jobs) >= body.limit:
                            break
                unknown = [s for s in body.devices if s not in fake.state.known_serials]
                return {"jobs": [as_json(job) for job in jobs], "unknown_devices": unknown}

        @app.get(f"{AGENT_API_PREFIX}/media/{{media_id}}")
        def media(media_id: str) -> Response:
            with fake.lock:
                if media_id not in fake.state.media:
                    raise HTTPException(404, "no such media")
                fake.state.media_downloads += 1
                data, content_type = fake.state.media[media_id]
            return Response(data, media_type=content_type)

        @app.post(f"{AGENT_API_PREFIX}/jobs/{{job_id}}/renew")
        def renew(job_id: str, body: RenewRequest) -> RenewResponse:
            with fake.lock:
                if job_id not in fake.state.leased or job_id in fake.state.lost:
                    raise lease_lost(job_id)
                fake.state.renewals[job_id] += 1
                decision = fake.state.decisions.get(job_id) if job_id in fake.state.parks else None
            return RenewResponse(
                job_id=job_id,
                lease_expires_at=datetime.now(UTC)
                + timedelta(seconds=body.lease_seconds or fake.lease_seconds),
                decision=decision,
            )

        @app.post(f"{AGENT_API_PREFIX}/jobs/{{job_id}}/steps")
        def step(job_id: str, body: StepReport) -> StepAck:
            with fake.lock:
                if job_id not in fake.state.leased:
                    raise lease_lost(job_id)
                fake.state.steps[job_id].append(body)
                return StepAck(job_id=job_id, steps=len(fake.state.steps[job_id]))

        @app.post(f"{AGENT_API_PREFIX}/jobs/{{job_id}}/park")
        def park(
            job_id: str,
            report: Annotated[str, Form()],
            screenshot: Annotated[UploadFile, File()],
        ) -> ParkResponse:
            parsed = ParkReport.model_validate_json(report)
            data = screenshot.file.read()
            with fake.lock:
                if job_id not in fake.state.leased:
                    raise lease_lost(job_id)
                fake.state.parks[job_id] = (parsed, data)
                decision = fake.state.decisions.get(job_id)
            return ParkResponse(
                job_id=job_id,
                target_state=TargetState.AWAITING_CONFIRMATION,
                screenshot_id="shot-1",
                decision=decision,
            )

        @app.post(f"{AGENT_API_PREFIX}/jobs/{{job_id}}/finish")
        def finish(
            job_id: str,
            report: Annotated[str, Form()],
            evidence: Annotated[list[UploadFile] | None, File()] = None,
        ) -> FinishResponse:
            if fake.finish_status is not None:
                raise HTTPException(
                    fake.finish_status,
                    [{"field": "report", "message": "refused", "type": "test"}],
                )
            parsed = FinishReport.model_validate_json(report)
            files = [(item.filename or "", item.file.read()) for item in evidence or []]
            with fake.lock:
                fake.state.finishes[job_id].append(Finish(parsed, files))
                was_leased = fake.state.leased.pop(job_id, None) is not None
            if not was_leased and not parsed.result.ok:
                raise lease_lost(job_id)
            ok = parsed.result.outcome in (FlowOutcome.SUCCEEDED, FlowOutcome.ALREADY_DONE)
            return FinishResponse(
                job_id=job_id,
                job_state=JobState.SUCCEEDED if ok else JobState.FAILED,
                evidence_ids=[name for name, _ in files],
            )

        return app
