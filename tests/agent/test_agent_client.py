"""ControllerClient: how answers map to errors, and where the token may go."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from agent.host.client import ControllerClient
from agent.host.errors import ControllerRejectedError, ControllerUnavailableError, LeaseLostError
from farm_protocol.agent_api import HeartbeatRequest, RenewRequest


def _client(handler: httpx.MockTransport) -> ControllerClient:
    return ControllerClient("http://controller:8000", "t0ken", transport=handler)


def _answering(status: int, body: object) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, json=body))


def test_a_connection_failure_is_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(ControllerUnavailableError, match="ConnectError"):
        _client(httpx.MockTransport(refuse)).heartbeat(HeartbeatRequest())


@pytest.mark.parametrize("status", [500, 502, 503, 408, 429])
def test_server_trouble_is_unavailable(status: int) -> None:
    with pytest.raises(ControllerUnavailableError, match=str(status)):
        _client(_answering(status, {"detail": "busy"})).heartbeat(HeartbeatRequest())


def test_409_is_a_lost_lease_with_the_controllers_message() -> None:
    body = {"detail": [{"field": None, "message": "job x is queued", "type": "lease_lost"}]}
    with pytest.raises(LeaseLostError) as caught:
        _client(_answering(409, body)).renew("x", RenewRequest(worker="w"))
    assert caught.value.kind == "lease_lost"
    assert "job x is queued" in str(caught.value)


def test_other_4xx_is_rejected_naming_the_field() -> None:
    body = {"detail": [{"field": "report", "message": "bad json", "type": "json_invalid"}]}
    with pytest.raises(ControllerRejectedError) as caught:
        _client(_answering(422, body)).heartbeat(HeartbeatRequest())
    assert caught.value.status == 422
    assert caught.value.message == "report: bad json"


def test_a_garbled_answer_is_unavailable_not_a_crash() -> None:
    with pytest.raises(ControllerUnavailableError, match="unexpected answer"):
        _client(_answering(200, {"nonsense": True})).heartbeat(HeartbeatRequest())


def test_the_token_never_leaves_for_another_origin(tmp_path: Path) -> None:
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.headers.get("authorization")))
        return httpx.Response(200, content=b"pixels")

    client = _client(httpx.MockTransport(handler))
    client.download("http://elsewhere.example/api/v1/agent/media/m1?x=1", tmp_path / "m1")
    client.download("http://controller:8000/api/v1/agent/media/m2", tmp_path / "m2")
    assert seen == [
        ("http://controller:8000/api/v1/agent/media/m1?x=1", "Bearer t0ken"),
        ("http://controller:8000/api/v1/agent/media/m2", "Bearer t0ken"),
    ]
    assert (tmp_path / "m1").read_bytes() == b"pixels"


def test_a_missing_download_is_rejected(tmp_path: Path) -> None:
    client = _client(_answering(404, {"detail": "no such media"}))
    with pytest.raises(ControllerRejectedError):
        client.download("http://controller:8000/api/v1/agent/media/nope", tmp_path / "x")
