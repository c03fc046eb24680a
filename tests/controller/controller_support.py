"""Helpers shared by the controller tests: tokens, a fake agent, API shortcuts.

`tests/controller/` has no `__init__.py` (like `tests/queue/`); pytest puts this folder on
`sys.path`, so tests import this module by its unique name. What other folders use too
(the clock, images, serving an app, waiting) is in `tests.helpers`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel

from farm_controller import Settings
from farm_protocol.agent_api import (
    AGENT_API_PREFIX,
    AgentDevice,
    ClaimedJob,
    ClaimRequest,
    ClaimResponse,
    DeviceStatus,
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
from farm_protocol.device import DeviceState
from farm_protocol.flow import FlowData, FlowOutcome, FlowResult, StepResult, StepStatus
from tests.helpers.users import FAST_HASHING

SettingsFactory = Callable[..., Settings]
"""Makes test settings; keyword arguments override the defaults (the `make_settings` fixture)."""

API_TOKEN = "api-token-" + "x" * 30
AGENT_TOKEN = "agent-token-" + "y" * 30
OTHER_AGENT_TOKEN = "agent-token-" + "z" * 30
HOST = "rack-1"
OTHER_HOST = "rack-2"


def settings_in(folder: Path, **overrides: Any) -> Settings:
    """A controller on a SQLite file in `folder`: the test tokens of both hosts, the
    scheduler off, cheap password hashing; keyword arguments override."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{folder / 'farm.db'}",
        "media_dir": folder / "media",
        "evidence_dir": folder / "evidence",
        "api_token": API_TOKEN,
        "agent_tokens": {HOST: AGENT_TOKEN, OTHER_HOST: OTHER_AGENT_TOKEN},
        "scheduler_enabled": False,
        "max_image_bytes": 200_000,
        **FAST_HASHING,
    }
    values.update(overrides)
    return Settings(**values)


def api_headers(token: str = API_TOKEN) -> dict[str, str]:
    """Authorization for the public API."""
    return {"Authorization": f"Bearer {token}"}


def device(serial: str, state: DeviceState = DeviceState.ONLINE) -> AgentDevice:
    """A phone as an agent registers it."""
    return AgentDevice(
        serial=serial, model="Pixel 7", width=1080, height=2400, density=420, state=state
    )


def flow_result(serial: str, outcome: FlowOutcome, error: str | None = None) -> FlowResult:
    """A publish_post flow result with one verified step (and, for `already_done`, the
    check that found the post, as the real agent reports it)."""
    return FlowResult(
        flow="publish_post",
        serial=serial,
        outcome=outcome,
        steps=[
            StepResult(
                index=0, name="open app", action="open_app", status=StepStatus.OK, duration_ms=5.0
            )
        ],
        duration_ms=5.0,
        error=error,
        data=FlowData(found=True) if outcome is FlowOutcome.ALREADY_DONE else FlowData(),
    )


class FakeAgent:
    """The agent's side of the protocol, written with httpx and the shared wire types.

    Args:
        client: An httpx client (or Starlette TestClient) pointed at the controller.
        token: The host's agent token.
        host: The host name the token was issued for.
        worker: The worker name (lease owner is ``host/worker``).
    """

    def __init__(
        self, client: httpx.Client, token: str = AGENT_TOKEN, host: str = HOST, worker: str = "w1"
    ) -> None:
        self.client = client
        self.host = host
        self.worker = worker
        self.headers = {"Authorization": f"Bearer {token}"}

    def _post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        json_body = body.model_dump(mode="json") if body is not None else None
        return self.client.post(
            f"{AGENT_API_PREFIX}{path}", json=json_body, headers=self.headers, **kwargs
        )

    def _post_report(
        self, path: str, report: BaseModel, files: list[tuple[str, tuple[str, bytes, str]]]
    ) -> httpx.Response:
        """A report as a multipart form (its files, e.g. screenshots, alongside)."""
        return self.client.post(
            f"{AGENT_API_PREFIX}{path}",
            data={"report": report.model_dump_json()},
            files=files or None,
            headers=self.headers,
        )

    @staticmethod
    def _ok(response: httpx.Response) -> dict[str, Any]:
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def register(self, *serials: str) -> RegisterResponse:
        body = RegisterRequest(
            host=self.host, agent_version="test", devices=[device(s) for s in serials]
        )
        return RegisterResponse.model_validate(self._ok(self._post("/register", body)))

    def heartbeat(
        self, *serials: str, state: DeviceState = DeviceState.ONLINE
    ) -> HeartbeatResponse:
        body = HeartbeatRequest(
            devices=[DeviceStatus(serial=s, state=state, battery=80) for s in serials]
        )
        return HeartbeatResponse.model_validate(self._ok(self._post("/heartbeat", body)))

    def claim(self, *serials: str, lease_seconds: float | None = None) -> list[ClaimedJob]:
        body = ClaimRequest(
            worker=self.worker,
            devices=list(serials),
            limit=len(serials),
            lease_seconds=lease_seconds,
        )
        return ClaimResponse.model_validate(self._ok(self._post("/claim", body))).jobs

    def renew(self, job_id: str) -> RenewResponse:
        body = RenewRequest(worker=self.worker)
        return RenewResponse.model_validate(self._ok(self._post(f"/jobs/{job_id}/renew", body)))

    def step(self, job_id: str, index: int, name: str) -> StepAck:
        result = StepResult(
            index=index, name=name, action="tap", status=StepStatus.OK, duration_ms=3.0
        )
        body = StepReport(worker=self.worker, step=result)
        return StepAck.model_validate(self._ok(self._post(f"/jobs/{job_id}/steps", body)))

    def download(self, url: str) -> bytes:
        response = self.client.get(url, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.content

    def park_response(self, job_id: str, screenshot: bytes) -> httpx.Response:
        report = ParkReport(worker=self.worker, message="ready to publish")
        files = [("screenshot", ("parked.png", screenshot, "image/png"))]
        return self._post_report(f"/jobs/{job_id}/park", report, files)

    def park(self, job_id: str, screenshot: bytes) -> ParkResponse:
        return ParkResponse.model_validate(self._ok(self.park_response(job_id, screenshot)))

    def finish_response(
        self,
        job_id: str,
        serial: str,
        outcome: FlowOutcome,
        evidence: list[bytes] | None = None,
        retryable: bool = True,
        error: str | None = None,
    ) -> httpx.Response:
        report = FinishReport(
            worker=self.worker, result=flow_result(serial, outcome, error), retryable=retryable
        )
        files = [
            ("evidence", (f"step-{i}.png", data, "image/png"))
            for i, data in enumerate(evidence or [])
        ]
        return self._post_report(f"/jobs/{job_id}/finish", report, files)

    def finish(
        self,
        job_id: str,
        serial: str,
        outcome: FlowOutcome,
        evidence: list[bytes] | None = None,
        retryable: bool = True,
        error: str | None = None,
    ) -> FinishResponse:
        response = self.finish_response(job_id, serial, outcome, evidence, retryable, error)
        return FinishResponse.model_validate(self._ok(response))


def create_account(client: httpx.Client, name: str, serial: str, **fields: Any) -> dict[str, Any]:
    """Create an account through the API and return it."""
    response = client.post(
        "/api/v1/accounts", json={"name": name, "device_serial": serial, **fields}
    )
    assert response.status_code == 201, response.text
    account: dict[str, Any] = response.json()
    return account


def submit_post(client: httpx.Client, **fields: Any) -> httpx.Response:
    """Submit a post as JSON (run_at may be a datetime)."""
    body = dict(fields)
    if isinstance(body.get("run_at"), datetime):
        body["run_at"] = body["run_at"].isoformat()
    recurrence = body.get("recurrence")
    if isinstance(recurrence, dict) and isinstance(recurrence.get("until"), datetime):
        body["recurrence"] = {**recurrence, "until": recurrence["until"].isoformat()}
    return client.post("/api/v1/posts", json=body)


def upload(client: httpx.Client, data: bytes, name: str = "a.png") -> dict[str, Any]:
    """Upload an image through the API and return its media record."""
    response = client.post("/api/v1/media", files={"file": (name, data, "image/png")})
    assert response.status_code == 201, response.text
    media: dict[str, Any] = response.json()
    return media
