"""The agent API: what a host agent sends the controller and what it gets back.

Every endpoint lives under `AGENT_API_PREFIX` and takes ``Authorization: Bearer <token>``,
the host's own token; the controller knows the host from the token, so no request names
it except `RegisterRequest` (which must match). Errors come back as
``{"detail": [{"field": ..., "message": ..., "type": ...}]}``.

The protocol, per host::

    POST /register        once at start (and again after `HeartbeatResponse.unknown_devices`)
    POST /heartbeat       every `RegisterResponse.heartbeat_interval` seconds
    per worker (one per phone), in a loop:
      POST /claim                          ClaimRequest → ClaimResponse (0..limit jobs)
      GET  /media/{id}                     download each `MediaRef.url`, check its sha256
      POST /jobs/{id}/renew                every lease_seconds / 3 while working
      POST /jobs/{id}/steps                one `StepReport` per finished flow step
      POST /jobs/{id}/park                 confirm mode: multipart `report` (ParkReport JSON)
                                           + `screenshot`; keep renewing until a renew (or
                                           heartbeat) brings a `Decision`
      POST /jobs/{id}/finish               multipart `report` (FinishReport JSON) +
                                           `evidence` files (0..n)

Retry `finish` with backoff until it answers 200 or 409; a 409 ``lease_lost`` means the
controller has already decided about the job (stop working on it). A job with
`ClaimedJob.check_first` must first read the phone's screen (the feed) to learn whether
an earlier attempt already published it, and finish with `already_done` if so.

Each claimed job carries one task model per kind (`JobTask`: `PublishPostTask`,
`SyncChatsTask`, `SendMessageTask`, `RunFlowTask`) and finishes with a `FlowResult` whose
`data` (`FlowData`) holds what the flow read.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from farm_protocol.chat import SendMessageTask, SyncChatsTask
from farm_protocol.device import DeviceInfo, DeviceState
from farm_protocol.flow import FlowResult, StepResult
from farm_protocol.jobs import TASK_CONFIG, JobKind, JobState, UtcDatetime
from farm_protocol.posts import Decision, PublishMode, TargetState

AGENT_API_PREFIX = "/api/v1/agent"
"""Where the agent API is mounted on the controller."""

WORKER_PATTERN = r"^[A-Za-z0-9._:@-]{1,100}$"
"""A worker name: the lease owner is ``"<host>/<worker>"``."""

SERIAL_PATTERN = r"^[A-Za-z0-9._:@%+\[\]-]{1,128}$"
"""A phone's serial as adb names it: a USB serial (``R58M1234ABC``, ``emulator-5554``), an
address (``192.168.1.5:5555``, ``[fe80::1%wlan0]:5555``) or an mDNS name; 128 at most."""

MAX_INT = 2_147_483_647
"""The largest integer the controller's database columns hold (PostgreSQL's `integer`)."""


def storable_text(value: str) -> str:
    """`value`, when a database can store it.

    Raises:
        ValueError: it contains a NUL character or an unpaired surrogate (not UTF-8).
    """
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains an unpaired surrogate (not valid UTF-8)") from None
    return value


def unstorable_text(value: object, path: str = "") -> str | None:
    """Where in `value` (parsed JSON: dicts, lists, strings) a string cannot be stored, as
    ``"path: what"``, or None when every string (and key) can."""
    if isinstance(value, str):
        try:
            storable_text(value)
        except ValueError as exc:
            return f"{path or 'value'}: {exc}"
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            found = unstorable_text(key, where) if isinstance(key, str) else None
            found = found or unstorable_text(item, where)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = unstorable_text(item, f"{path}[{index}]")
            if found:
                return found
    return None


def _refuse_unstorable(value: Any) -> Any:
    problem = unstorable_text(value)
    if problem is not None:
        raise ValueError(problem)
    return value


Serial = Annotated[str, Field(min_length=1, max_length=128, pattern=SERIAL_PATTERN)]
"""A phone's serial on the wire (see `SERIAL_PATTERN`)."""

Label = Annotated[str, AfterValidator(storable_text), Field(max_length=200)]
"""A short free text a phone or agent reports (a model name, a version)."""

JobId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
"""A job id as the controller hands it out."""

Pixels = Annotated[int, Field(gt=0, le=100_000)]


class AgentDevice(DeviceInfo):
    """One phone as the agent registers it: its facts and its current state.

    The wire form constrains what the controller stores: the serial (`SERIAL_PATTERN`),
    texts without NUL and of bounded length, numbers the database holds.
    """

    serial: Serial
    model: Label = ""
    manufacturer: Label = ""
    sdk: int = Field(default=0, ge=0, le=10_000)
    width: Pixels
    height: Pixels
    density: int = Field(gt=0, le=100_000, description="dots per inch, as `wm density` reports it")
    app_versions: dict[Label, Label] = Field(default_factory=dict, max_length=500)
    state: DeviceState = DeviceState.ONLINE


class RegisterRequest(BaseModel):
    """The host and every phone it has now; phones it no longer lists go offline."""

    host: Annotated[str, AfterValidator(storable_text)] = Field(
        min_length=1, max_length=100, description="must be the token's host"
    )
    agent_version: Label = Field(default="", max_length=100)
    devices: list[AgentDevice] = Field(default_factory=list, max_length=500)


class RegisterResponse(BaseModel):
    """How the controller wants the agent to pace itself."""

    host: str
    server_time: UtcDatetime
    heartbeat_interval: float = Field(description="seconds between heartbeats")
    heartbeat_timeout: float = Field(description="silence after which phones go offline")
    lease_seconds: float = Field(description="default lease length of a claim")
    foreign_devices: list[str] = Field(
        default_factory=list,
        description=(
            "listed serials that belong to another host: not registered here until an "
            "operator moves them (POST /api/v1/devices/{serial}/move)"
        ),
    )


class DeviceStatus(BaseModel):
    """One phone's state in a heartbeat."""

    serial: Serial
    state: DeviceState
    battery: int | None = Field(default=None, ge=0, le=100)
    screen_on: bool | None = None
    locked: bool | None = None
    job_id: JobId | None = Field(default=None, description="the job the phone works on, if any")


class HeartbeatRequest(BaseModel):
    """The host is alive; this is how its phones are."""

    devices: list[DeviceStatus] = Field(default_factory=list, max_length=500)


class PendingDecision(BaseModel):
    """A person answered a parked post: publish it (`confirm`) or discard it (`reject`)."""

    job_id: str
    decision: Decision


class HeartbeatResponse(BaseModel):
    """Answers the agent should act on."""

    server_time: UtcDatetime
    decisions: list[PendingDecision] = Field(
        default_factory=list, description="answers for this host's parked jobs"
    )
    unknown_devices: list[str] = Field(
        default_factory=list, description="serials the controller does not know: register again"
    )


class ClaimRequest(BaseModel):
    """Lease up to `limit` due jobs for these phones (each phone gets at most one)."""

    worker: str = Field(pattern=WORKER_PATTERN, description="with the host, names the lease owner")
    devices: list[Serial] = Field(min_length=1, max_length=500)
    limit: int = Field(default=1, ge=1, le=100)
    lease_seconds: float | None = Field(
        default=None, gt=0, le=3600, description="the controller's default when omitted"
    )


class MediaRef(BaseModel):
    """An image the agent must download (and check by sha256) before publishing."""

    id: str
    sha256: str
    content_type: str
    size: int
    width: int
    height: int
    url: str = Field(description="absolute URL of `GET /api/v1/agent/media/{id}`")


class PublishPostTask(BaseModel):
    """What a `publish_post` job asks of the phone."""

    model_config = TASK_CONFIG
    kind: Literal[JobKind.PUBLISH_POST] = JobKind.PUBLISH_POST
    post_id: int
    target_id: int
    account_id: int
    account_name: str
    app: str = Field(description="the device profile of the app, e.g. simchat")
    occurrence_at: UtcDatetime = Field(description="the run time this job is for")
    text: str
    media: list[MediaRef] = Field(description="in the order they appear in the post")
    publish_mode: PublishMode
    check_first: bool = Field(
        description="an earlier attempt's outcome is unknown: read the feed before publishing"
    )


class RunFlowTask(BaseModel):
    """What a `run_flow` job asks: one flow of the app profile with its parameters.

    No agent runs these yet: it finishes them `failed`, not retryable.
    """

    model_config = TASK_CONFIG
    kind: Literal[JobKind.RUN_FLOW] = JobKind.RUN_FLOW
    flow: str | None = Field(default=None, description="the flow's name in the app profile")
    params: dict[str, Any] = Field(default_factory=dict, description="the flow's parameters")


JobTask = Annotated[
    PublishPostTask | SyncChatsTask | SendMessageTask | RunFlowTask, Field(discriminator="kind")
]
"""What a claimed job asks of the phone: one task model per `JobKind`, told apart by `kind`."""


class JobLease(BaseModel):
    """One leased job without its task: what the agent holds while it works on it."""

    id: str
    kind: JobKind
    device_serial: str
    owner: str = Field(description='"<host>/<worker>"')
    attempts: int
    max_attempts: int
    lease_expires_at: UtcDatetime
    check_first: bool = Field(description="read the screen before acting (see PublishPostTask)")


class ClaimedJob(JobLease):
    """One leased job and its task (``payload.kind`` is the job's `kind`)."""

    payload: JobTask = Field(description="what the job asks of the phone")

    @model_validator(mode="before")
    @classmethod
    def _task_kind_from_job(cls, value: Any) -> Any:
        """A payload without its own `kind` is of the job's kind."""
        if isinstance(value, dict):
            payload = value.get("payload")
            if isinstance(payload, dict) and "kind" not in payload and "kind" in value:
                return {**value, "payload": {**payload, "kind": value["kind"]}}
        return value

    @model_validator(mode="after")
    def _task_of_the_job_kind(self) -> ClaimedJob:
        if self.payload.kind != self.kind:
            raise ValueError(f"a {self.kind} job carries a {self.payload.kind} task")
        return self


class ClaimResponse(BaseModel):
    """The jobs leased by this call (possibly none)."""

    jobs: list[ClaimedJob]
    unknown_devices: list[str] = Field(
        default_factory=list, description="serials not registered to this host: ignored"
    )


class RenewRequest(BaseModel):
    """Keep the lease while working (and while parked)."""

    worker: str = Field(pattern=WORKER_PATTERN)
    lease_seconds: float | None = Field(default=None, gt=0, le=3600)


class RenewResponse(BaseModel):
    """The new lease end, and a person's decision when the job is parked."""

    job_id: str
    lease_expires_at: UtcDatetime
    decision: Decision | None = None


class StepReport(BaseModel):
    """One finished step of the flow, for the job's page (no text in it may hold a NUL)."""

    worker: str = Field(pattern=WORKER_PATTERN)
    step: StepResult

    _storable = model_validator(mode="before")(_refuse_unstorable)


class StepAck(BaseModel):
    """The step was stored."""

    job_id: str
    steps: int = Field(description="steps stored for the job so far")


class ParkReport(BaseModel):
    """Confirm mode: the post is filled in and the phone waits on the final screen.

    Sent as the `report` field of a multipart request with the `screenshot` file.
    """

    worker: str = Field(pattern=WORKER_PATTERN)
    message: Annotated[str, AfterValidator(storable_text)] = Field(default="", max_length=2000)


class ParkResponse(BaseModel):
    """The target now awaits a person; `decision` is set when one was already made."""

    job_id: str
    target_state: TargetState
    screenshot_id: str
    decision: Decision | None = None


class FinishReport(BaseModel):
    """The flow's result. Sent as the `report` field of a multipart request.

    Outcomes: `succeeded` / `already_done` → published; `unknown` → unconfirmed (the
    controller requeues it with `check_first`); `failed` → retried while `retryable` and
    attempts remain, else failed. After a `reject` decision, finish with `failed` once the
    draft is discarded.
    """

    worker: str = Field(pattern=WORKER_PATTERN)
    result: FlowResult
    retryable: bool = Field(default=True, description="for `failed`: may another attempt succeed?")

    _storable = model_validator(mode="before")(_refuse_unstorable)


class FinishResponse(BaseModel):
    """What the controller recorded."""

    job_id: str
    job_state: JobState
    target_state: TargetState | None = None
    evidence_ids: list[str] = Field(default_factory=list)
    rejected_evidence: list[str] = Field(
        default_factory=list, description="uploaded files that were not images (ignored)"
    )
    note: str = ""
