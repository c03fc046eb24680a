"""The OpenAPI document tells the truth: schemathesis calls every operation with generated
requests, and every answer is documented and never a server error.

Bounded (a few examples per operation, no example database) so it runs in the suite;
`PHONEFARM_SCHEMATHESIS_EXAMPLES` asks for more.
"""

from __future__ import annotations

import os
from pathlib import Path

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, status_code_conformance

from farm_controller import Settings, create_app

API_TOKEN = "conformance-api-token-" + "c" * 24
EXAMPLES = int(os.environ.get("PHONEFARM_SCHEMATHESIS_EXAMPLES", "8"))


def _settings(folder: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{folder / 'conformance.db'}",
        api_token=API_TOKEN,
        agent_tokens={"rack-1": "conformance-agent-token-" + "a" * 24},
        media_dir=folder / "media",
        evidence_dir=folder / "evidence",
        scheduler_enabled=False,
        password_hash_memory_kib=8,
        password_hash_time_cost=1,
    )


def test_every_answer_is_documented_and_never_a_server_error(tmp_path: Path) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_settings(tmp_path)))
    failures: dict[str, str] = {}
    calls = 0

    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(operation.as_strategy())
        def call(case: schemathesis.Case) -> None:
            nonlocal calls
            calls += 1
            response = case.call(headers={"Authorization": f"Bearer {API_TOKEN}"})
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance])

        try:
            call()
        except BaseException as exc:  # schemathesis' FailureGroup is a BaseExceptionGroup
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures[label] = str(exc)[:600]
    assert calls >= len(list(schema.get_all_operations())), "every operation was called"
    assert not failures, "\n\n".join(f"{label}: {text}" for label, text in failures.items())


def test_a_body_that_is_not_utf8_json_is_a_422_like_any_malformed_body(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path))) as client:
        for body in (b"\xff\xfe{", b'{"name": "\xff"}', b"{not json"):
            response = client.post(
                "/api/v1/accounts",
                content=body,
                headers={
                    "Authorization": f"Bearer {API_TOKEN}",
                    "content-type": "application/json",
                },
            )
            assert response.status_code == 422, (body, response.text)
            assert response.json()["detail"][0]["type"] in ("body_invalid", "json_invalid")


def test_every_operation_documents_its_error_statuses(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path))) as client:
        document = client.get("/openapi.json").json()
    paths = document["paths"]
    assert "404" in paths["/api/v1/posts/{post_id}"]["get"]["responses"]
    assert "409" in paths["/api/v1/posts/{post_id}/cancel"]["post"]["responses"]
    assert "415" in paths["/api/v1/posts"]["post"]["responses"]
    assert "429" in paths["/api/v1/auth/login"]["post"]["responses"]
    for path, item in paths.items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"401", "403", "422"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert "409" in codes, (method, path)
