"""A user name is one user in any case or Unicode form, on SQLite and PostgreSQL alike:
``Émilie`` signs in as ``émilie`` or ``ÉMILIE`` (or with a combining accent), nobody can
be created beside her under another spelling, and failed sign-ins count under one name.
The name is shown as it was typed."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from controller_support import SettingsFactory, api_headers

from farm_controller import create_app
from tests.helpers.clock import FakeClock
from tests.helpers.servers import serving
from tests.helpers.users import PASSWORD

SPELLINGS = ["émilie", "ÉMILIE", "E\u0301milie", "  Émilie "]
"""Other ways to type ``Émilie``: lower and upper case, decomposed, with spaces."""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(
    request: pytest.FixtureRequest, make_settings: SettingsFactory, clock: FakeClock
) -> Iterator[str]:
    overrides = {}
    if request.param == "postgresql":
        overrides["database_url"] = request.getfixturevalue("pg_url")
    app = create_app(make_settings(**overrides), clock=clock)
    assert app.state.runtime.engine.dialect.name == request.param
    with serving(app) as served:
        yield served


def sign_in(url: str, username: str, password: str = PASSWORD) -> httpx.Response:
    with httpx.Client(base_url=url) as browser:
        return browser.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_a_name_is_one_user_whatever_its_case_or_form(url: str) -> None:
    with httpx.Client(base_url=url, headers=api_headers()) as admin:
        made = admin.post(
            "/api/v1/users", json={"username": "Émilie", "role": "scheduler", "password": PASSWORD}
        )
        assert made.status_code == 201, made.text
        assert made.json()["username"] == "Émilie"
        for spelling in SPELLINGS:
            twin = admin.post(
                "/api/v1/users",
                json={"username": spelling.strip(), "role": "admin", "password": PASSWORD},
            )
            assert twin.status_code == 409, spelling
            assert twin.json()["detail"][0]["field"] == "username"
            assert "Émilie" in twin.json()["detail"][0]["message"]
        assert [u["username"] for u in admin.get("/api/v1/users").json()] == ["Émilie"]
        assert [u["username"] for u in admin.get("/api/v1/users?q=ÉMI").json()] == ["Émilie"]
    for spelling in SPELLINGS:
        response = sign_in(url, spelling)
        assert response.status_code == 200, (spelling, response.text)
        assert response.json()["user"]["username"] == "Émilie"


def test_failed_sign_ins_count_under_one_name(url: str) -> None:
    with httpx.Client(base_url=url, headers=api_headers()) as admin:
        body = {"username": "Émilie", "role": "scheduler", "password": PASSWORD}
        assert admin.post("/api/v1/users", json=body).status_code == 201
    for spelling in ["émilie", "ÉMILIE", "E\u0301milie", "e\u0301MILIE", "Émilie"]:
        assert sign_in(url, spelling, "not the password").status_code == 401
    assert sign_in(url, "Émilie").status_code == 429
