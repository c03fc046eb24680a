"""The console's API refuses bad input with a 4xx that names the field, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from controller_support import (
    api_headers,
    create_account,
    settings_in,
)

from farm_controller import create_app
from tests.helpers.clock import FakeClock
from tests.helpers.servers import serving

NUL = "a\x00b"
CASES: list[tuple[str, str, dict[str, Any], str | None]] = [
    ("POST", "/api/v1/auth/login", {"json": {"username": "x"}}, "password"),
    ("POST", "/api/v1/auth/login", {"json": {"username": NUL, "password": "y"}}, "username"),
    ("POST", "/api/v1/auth/login", {"json": {"username": "x", "password": "y", "x": 1}}, "x"),
    ("POST", "/api/v1/auth/login", {"content": b"not json"}, None),
    ("POST", "/api/v1/users", {"json": {"username": "x" * 101, "role": "admin"}}, "username"),
    (
        "POST",
        "/api/v1/users",
        {"json": {"username": "ok", "role": "admin", "password": ""}},
        "password",
    ),
    (
        "POST",
        "/api/v1/users",
        {"json": {"username": "ok", "role": "admin", "account_ids": [0]}},
        "account_ids[0]",
    ),
    ("PATCH", "/api/v1/users/1", {"json": {"active": "maybe"}}, "active"),
    ("PATCH", "/api/v1/users/0", {"json": {}}, "user_id"),
    ("POST", "/api/v1/users/1/tokens", {"json": {"name": ""}}, "name"),
    ("POST", "/api/v1/me/tokens", {"json": {"name": "x", "expires_in_days": 0}}, "expires_in_days"),
    ("POST", "/api/v1/me/password", {"json": {"current_password": "x"}}, "new_password"),
    ("GET", "/api/v1/audit", {"params": {"limit": 0}}, "limit"),
    ("GET", "/api/v1/audit", {"params": {"account_id": "x"}}, "account_id"),
    ("GET", "/api/v1/audit", {"params": {"actor": NUL}}, "actor"),
    ("GET", "/api/v1/calendar", {"params": {"start": "x", "end": "y"}}, "start"),
    (
        "GET",
        "/api/v1/calendar",
        {"params": {"start": "9999-12-31T23:00:00-05:00", "end": "9999-12-31T23:30:00-05:00"}},
        "start",
    ),
    ("GET", "/api/v1/schedule/export", {"params": {"start": "2030-01-01T00:00:00Z"}}, "end"),
    (
        "POST",
        "/api/v1/schedule/check",
        {"json": {"account_ids": [1], "text": "x", "run_at": "soon"}},
        "run_at",
    ),
    ("POST", "/api/v1/schedule/next-slot", {"json": {"account_ids": []}}, "account_ids"),
    (
        "POST",
        "/api/v1/schedule/next-slot",
        {"json": {"account_ids": [1], "after": "2030-01-01"}},
        "after",
    ),
    ("PUT", "/api/v1/accounts/1/slots", {"json": {"slots": "09:00"}}, "slots"),
    ("PUT", "/api/v1/accounts/1/slots", {"json": {"slots": ["24:00"]}}, "slots[0]"),
    ("PUT", "/api/v1/accounts/999/slots", {"json": {"slots": []}}, None),
    ("POST", "/api/v1/schedule/import", {"files": {"nope": ("a.csv", b"x", "text/csv")}}, "file"),
    (
        "POST",
        "/api/v1/schedule/import",
        {"files": {"file": ("a.csv", b"run_at\n" + b"x" * 1_100_000, "text/csv")}},
        "file",
    ),
    (
        "POST",
        "/api/v1/schedule/import",
        {
            "files": {"file": ("a.csv", b'text\n"unclosed', "text/csv")},
            "params": {"dry_run": "perhaps"},
        },
        "dry_run",
    ),
    ("GET", "/api/v1/charts/posts", {"params": {"days": 1000}}, "days"),
    ("GET", "/api/v1/charts/first-response", {"params": {"timezone": NUL}}, "timezone"),
    ("GET", "/api/v1/charts/device-online", {"params": {"timezone": "Mars/Base"}}, "timezone"),
    ("GET", "/api/v1/charts/device-online", {"params": {"days": 0}}, "days"),
    ("GET", "/api/v1/charts/device-online", {"params": {"host": NUL}}, "host"),
    ("GET", "/api/v1/jobs", {"params": {"account_id": 0}}, "account_id"),
]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """One controller for the whole table (nothing here is stored)."""
    root = tmp_path_factory.mktemp("bad-console")
    settings = settings_in(root)
    with (
        serving(create_app(settings, clock=FakeClock())) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        client.headers.update(api_headers())
        create_account(client, "shop", "S1", timezone="Asia/Shanghai")
        yield client


@pytest.mark.parametrize(("method", "path", "request_args", "field"), CASES)
def test_bad_console_input_is_refused_naming_the_field(
    shared: httpx.Client, method: str, path: str, request_args: dict[str, Any], field: str | None
) -> None:
    response = shared.request(method, path, **request_args)
    assert 400 <= response.status_code < 500, response.text
    problems = response.json()["detail"]
    assert problems and all(set(p) == {"field", "message", "type"} for p in problems)
    if field is not None:
        assert field in [p["field"] for p in problems], problems


def test_the_check_answers_problems_as_data(shared: httpx.Client) -> None:
    for body, field in [
        ({"account_ids": [1], "text": "x", "timezone": "Mars/Base"}, "timezone"),
        (
            {
                "account_ids": [1],
                "text": "x",
                "recurrence": {"cron": "99 * * * *", "until": "2030-02-01T00:00:00Z"},
            },
            "recurrence.cron",
        ),
        ({"account_ids": [77], "text": "x"}, "account_ids[0]"),
    ]:
        response = shared.post("/api/v1/schedule/check", json=body)
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["ok"] is False and field in [e["field"] for e in report["errors"]]


def test_an_import_with_odd_rows_reports_them_and_never_fails(shared: httpx.Client) -> None:
    client = shared
    rows = [
        "run_at,accounts,text,interval_seconds,until,allow_duplicate,timezone",
        "2030-01-02 09:00,shop,ok,,,,",
        "2030-01-02 09:00,shop,x,sixty,2030-01-03 09:00,,",
        "2030-01-02 09:00,shop,y,,,sometimes,",
        "2030-01-02 09:00,shop,z,,,,Mars/Base",
        "2030-01-02 09:00,#nobody,z,,,,",
        "9999-12-31T23:59:59-12:00,shop,far,,,,",
        ",,,,,,",
    ]
    data = "\n".join(rows).encode()
    response = client.post(
        "/api/v1/schedule/import",
        params={"dry_run": True},
        files={"file": ("plan.csv", data, "text/csv")},
    )
    assert response.status_code == 200, response.text
    fields = {r["row"]: [p["field"] for p in r["problems"]] for r in response.json()["rows"]}
    assert fields == {
        2: [],
        3: ["interval_seconds"],
        4: ["allow_duplicate"],
        5: ["timezone"],
        6: ["accounts"],
        7: ["run_at"],
    }
