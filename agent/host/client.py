"""`ControllerClient`: the agent API of `farm_protocol.agent_api`, over httpx.

One client serves a whole agent process (httpx clients are safe to share between
threads). Every method raises `ControllerUnavailableError` when the request may work
later and `ControllerRejectedError` (or `LeaseLostError`) when it will not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, Field, ValidationError

from agent.host.errors import ControllerRejectedError, ControllerUnavailableError, LeaseLostError
from farm_protocol.agent_api import (
    AGENT_API_PREFIX,
    ClaimedJob,
    ClaimRequest,
    FinishReport,
    FinishResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    JobLease,
    ParkReport,
    ParkResponse,
    RegisterRequest,
    RegisterResponse,
    RenewRequest,
    RenewResponse,
    StepAck,
    StepReport,
)

ResponseT = TypeVar("ResponseT", bound=BaseModel)


class UnreadableJob(JobLease):
    """A claimed job whose task does not validate (a malformed payload).

    The worker finishes it `failed`, not retryable, without touching the phone.
    """

    problem: str = Field(description="what is wrong with the payload, field by field")


class _ClaimAnswer(BaseModel):
    """`ClaimResponse` with each job left raw, so one bad task spoils only its own job."""

    jobs: list[dict[str, Any]]
    unknown_devices: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Claimed:
    """What a claim leased: readable jobs, unreadable ones, and serials not registered."""

    jobs: list[ClaimedJob | UnreadableJob]
    unknown_devices: list[str]


def read_job(raw: dict[str, Any]) -> ClaimedJob | UnreadableJob:
    """A claimed job from its JSON; an `UnreadableJob` when only its task is malformed.

    Raises:
        ValidationError: not even the job's lease (id, kind, phone …) can be read.
    """
    try:
        return ClaimedJob.model_validate(raw)
    except ValidationError as exc:
        problem = _task_problems(exc, str(raw.get("kind")))
    return UnreadableJob(**JobLease.model_validate(raw).model_dump(), problem=problem)


def _task_problems(exc: ValidationError, kind: str) -> str:
    """``field: message`` per error, the field named within the task."""
    problems = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        if loc[:1] == ["payload"]:
            loc = loc[1:]
        if loc[:1] == [kind]:  # the discriminated union's tag
            loc = loc[1:]
        problems.append(f"{'.'.join(loc) or 'payload'}: {error['msg']}")
    return "; ".join(problems)


_RETRY_LATER = frozenset({408, 425, 429})


class ControllerClient:
    """Talks to one controller with this host's token.

    Args:
        base_url: the controller, e.g. ``http://127.0.0.1:8000``.
        token: the host's agent token.
        timeout: seconds for ordinary requests.
        upload_timeout: seconds for requests that carry files (park, finish, media).
        transport: an httpx transport (tests pass a fake one).
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        upload_timeout: float = 120.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.upload_timeout = upload_timeout
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # -- the protocol ------------------------------------------------------------------

    def register(self, request: RegisterRequest) -> RegisterResponse:
        """Register the host and every phone it has now."""
        return self._call("POST", "/register", RegisterResponse, json=_json(request))

    def heartbeat(self, request: HeartbeatRequest) -> HeartbeatResponse:
        """Report the host alive with its phones' states; returns decisions to act on."""
        return self._call("POST", "/heartbeat", HeartbeatResponse, json=_json(request))

    def claim(self, request: ClaimRequest) -> Claimed:
        """Lease due jobs for some phones (possibly none); see `read_job`."""
        answer = self._call("POST", "/claim", _ClaimAnswer, json=_json(request))
        try:
            jobs = [read_job(raw) for raw in answer.jobs]
        except ValidationError as exc:
            # A controller mid-upgrade may answer oddly; the next attempt may do better.
            raise ControllerUnavailableError(f"POST /claim: unexpected answer: {exc}") from exc
        return Claimed(jobs, answer.unknown_devices)

    def renew(self, job_id: str, request: RenewRequest) -> RenewResponse:
        """Extend a job's lease; the answer carries a person's decision for a parked job."""
        return self._call("POST", f"/jobs/{job_id}/renew", RenewResponse, json=_json(request))

    def report_step(
        self, job_id: str, report: StepReport, *, timeout: float | None = None
    ) -> StepAck:
        """Store one finished flow step."""
        return self._call(
            "POST", f"/jobs/{job_id}/steps", StepAck, json=_json(report), timeout=timeout
        )

    def park(self, job_id: str, report: ParkReport, screenshot_png: bytes) -> ParkResponse:
        """Confirm mode: the post waits on the phone; send the screenshot a person will see."""
        return self._call(
            "POST",
            f"/jobs/{job_id}/park",
            ParkResponse,
            data={"report": report.model_dump_json()},
            files=[("screenshot", ("parked.png", screenshot_png, "image/png"))],
            timeout=self.upload_timeout,
        )

    def finish(self, job_id: str, report: FinishReport, evidence: Sequence[Path]) -> FinishResponse:
        """Send the job's result and its evidence images (safe to repeat)."""
        files = [("evidence", (path.name, path.read_bytes(), "image/png")) for path in evidence]
        return self._call(
            "POST",
            f"/jobs/{job_id}/finish",
            FinishResponse,
            data={"report": report.model_dump_json()},
            files=files or None,
            timeout=self.upload_timeout,
        )

    def download(self, url: str, dest: Path) -> None:
        """Stream `GET url` (a `MediaRef.url`) into `dest`.

        The token only ever goes to the controller: a URL naming another origin is
        fetched by its path from the controller.
        """
        try:
            with self._http.stream(
                "GET", self._on_controller(url), timeout=self.upload_timeout
            ) as response:
                if response.status_code != 200:
                    response.read()
                    _raise_for(response)
                with dest.open("wb") as out:
                    for chunk in response.iter_bytes():
                        out.write(chunk)
        except httpx.TransportError as exc:
            raise ControllerUnavailableError(f"GET {url}: {_describe(exc)}") from exc

    # -- plumbing ----------------------------------------------------------------------

    def _on_controller(self, url: str) -> str:
        parts = urlsplit(url)
        base = urlsplit(self.base_url)
        if not parts.scheme or (parts.scheme, parts.netloc) == (base.scheme, base.netloc):
            return url
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _call(
        self,
        method: str,
        path: str,
        model: type[ResponseT],
        *,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> ResponseT:
        url = AGENT_API_PREFIX + path
        try:
            if timeout is not None:
                kwargs["timeout"] = timeout
            response = self._http.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise ControllerUnavailableError(f"{method} {path}: {_describe(exc)}") from exc
        if response.status_code != 200:
            _raise_for(response)
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            # A controller mid-upgrade may answer oddly; the next attempt may do better.
            raise ControllerUnavailableError(f"{method} {path}: unexpected answer: {exc}") from exc


def _json(model: BaseModel) -> Any:
    return model.model_dump(mode="json")


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _problem(response: httpx.Response) -> tuple[str, str]:
    """(message, type) from the controller's error body, tolerant of other shapes."""
    try:
        body = response.json()
    except ValueError:
        return (response.text[:300] or response.reason_phrase, "")
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        first = detail[0]
        field = f"{first.get('field')}: " if first.get("field") else ""
        return (f"{field}{first.get('message', first.get('msg', ''))}", str(first.get("type", "")))
    if isinstance(detail, str):
        return (detail, "")
    return (str(body)[:300], "")


def _raise_for(response: httpx.Response) -> None:
    status = response.status_code
    message, kind = _problem(response)
    where = f"{response.request.method} {response.request.url.path}"
    if status >= 500 or status in _RETRY_LATER:
        raise ControllerUnavailableError(f"{where}: HTTP {status}: {message}")
    if status == 409:
        raise LeaseLostError(status, message, kind)
    raise ControllerRejectedError(status, message, kind)
