"""Every route, every role: the server enforces `auth.policy.ROUTE_ROLES`, and no route is
missing from it.

The test walks the OpenAPI schema (and the pages and WebSockets, which it does not list)
and calls each route as each role with harmless arguments (ids that do not exist, empty
bodies): a role the table allows never gets 401/403, any other gets 403; without
credentials the API answers 401 and pages send the browser to /login.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from controller_support import AGENT_TOKEN, API_TOKEN, SettingsFactory, settings_in
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from farm_controller import create_app
from farm_controller.auth.policy import ROUTE_ROLES, access_for, is_page
from farm_controller.auth.principal import ROLES
from tests.helpers.servers import serving
from tests.helpers.users import PASSWORD, add_user

TOKENS = {role: f"matrix-{role}-token-" + "m" * 24 for role in ROLES}
MISSING_ID = 999_999


@dataclass
class Matrix:
    url: str
    schema: dict[str, Any]
    routes: set[tuple[str, str]]
    cookies: dict[str, httpx.Cookies]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    root = tmp_path_factory.mktemp("matrix")
    settings = settings_in(root)
    app = create_app(settings)
    for role in ROLES:
        add_user(app.state.runtime, f"user-{role}", role, token=TOKENS[role])
    routes = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            routes.add(("GET", context.path))
        elif context.methods is None:
            routes.add(("WS", context.path_format))
        else:
            routes.update((m, context.path_format) for m in context.methods if m != "HEAD")
    with serving(app) as url:
        cookies = {}
        for role in ROLES:
            with httpx.Client(base_url=url) as browser:
                login = browser.post(
                    "/api/v1/auth/login", json={"username": f"user-{role}", "password": PASSWORD}
                )
                assert login.status_code == 200, login.text
                cookies[role] = browser.cookies
        yield Matrix(url, app.openapi(), routes, cookies)


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                found.append((method.upper(), path, operation))
    return sorted(found, key=lambda op: (op[1], op[0]))


def concrete(path: str, operation: dict[str, Any]) -> str:
    """The path with harmless values: ids that do not exist, unknown keys."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "path":
            continue
        kind = parameter.get("schema", {}).get("type")
        value = str(MISSING_ID) if kind == "integer" else "no-such-key"
        path = path.replace("{" + parameter["name"] + "}", value)
    return path


def test_every_route_is_in_the_table_and_the_table_has_no_stale_entry(matrix: Matrix) -> None:
    schema_routes = {(m, p) for m, p, _ in operations(matrix.schema)}
    missing = sorted((schema_routes | matrix.routes) - set(ROUTE_ROLES))
    assert missing == [], f"add these routes to auth.policy.ROUTE_ROLES: {missing}"
    stale = sorted(set(ROUTE_ROLES) - matrix.routes)
    assert stale == [], f"these table entries have no route: {stale}"


def test_each_role_gets_exactly_what_the_table_allows(matrix: Matrix) -> None:
    wrong = []
    with httpx.Client(base_url=matrix.url, timeout=30) as client:
        for method, path, operation in operations(matrix.schema):
            access = access_for(method, path)
            assert access is not None, (method, path)
            url = concrete(path, operation)
            body = {} if method in ("POST", "PUT", "PATCH") else None
            callers: dict[str, str] = {**{role: TOKENS[role] for role in ROLES}, "api": API_TOKEN}
            for who, token in callers.items():
                response = client.request(
                    method, url, json=body, headers={"Authorization": f"Bearer {token}"}
                )
                role = "admin" if who == "api" else who
                if access.kind == "agent":
                    expected_ok = False
                    if response.status_code != 401:
                        wrong.append((method, path, who, response.status_code, "want 401"))
                    continue
                expected_ok = access.allows(role)  # type: ignore[arg-type]
                got_ok = response.status_code not in (401, 403)
                if expected_ok != got_ok or (not expected_ok and response.status_code != 403):
                    wrong.append((method, path, who, response.status_code, response.text[:120]))
            anonymous = client.request(method, url, json=body)
            if access.kind == "public":
                if anonymous.status_code in (401, 403):
                    wrong.append((method, path, "anonymous", anonymous.status_code, "public"))
            elif anonymous.status_code != 401:
                wrong.append((method, path, "anonymous", anonymous.status_code, "want 401"))
    assert wrong == []


def test_agents_tokens_open_only_the_agent_api(matrix: Matrix) -> None:
    with httpx.Client(base_url=matrix.url, timeout=30) as client:
        headers = {"Authorization": f"Bearer {AGENT_TOKEN}"}
        for method, path, operation in operations(matrix.schema):
            access = access_for(method, path)
            assert access is not None
            if access.kind in ("public", "agent"):
                continue
            body = {} if method in ("POST", "PUT", "PATCH") else None
            response = client.request(method, concrete(path, operation), json=body, headers=headers)
            assert response.status_code == 401, (method, path, response.status_code)


def test_pages_follow_the_table_and_send_strangers_to_the_sign_in_page(matrix: Matrix) -> None:
    pages = sorted(key for key in ROUTE_ROLES if key[0] == "GET" and is_page(key[1]))
    assert ("GET", "/jobs") in pages and ("GET", "/login") in pages
    browsers = {
        role: httpx.Client(base_url=matrix.url, cookies=matrix.cookies[role]) for role in ROLES
    }
    try:
        with httpx.Client(base_url=matrix.url, timeout=30) as anonymous_browser:
            for _, template in pages:
                path = template.replace("{job_id}", "0123456789abcdef")
                access = access_for("GET", template)
                assert access is not None
                anonymous = anonymous_browser.get(path)
                if access.kind == "public":
                    assert anonymous.status_code == 200, path
                else:
                    assert anonymous.status_code == 303, path
                    assert anonymous.headers["location"].startswith("/login?next=")
                for role, browser in browsers.items():
                    response = browser.get(path)
                    if access.allows(role):
                        assert response.status_code in (200, 303), (path, role)
                    else:
                        assert response.status_code == 403, (path, role)
                        assert "403" in response.text
                    console_page = not path.startswith(("/docs", "/redoc", "/openapi"))
                    if console_page and response.status_code in (200, 403):
                        assert "script-src 'self'" in response.headers["content-security-policy"]
    finally:
        for browser in browsers.values():
            browser.close()


def test_the_websocket_follows_the_table(matrix: Matrix) -> None:
    access = access_for("WS", "/api/v1/ws")
    assert access is not None
    url = matrix.url.replace("http://", "ws://") + "/api/v1/ws"
    for role in ROLES:
        with connect(url, open_timeout=5) as connection:
            connection.send(json.dumps({"type": "auth", "token": TOKENS[role]}))
            first = json.loads(connection.recv(timeout=5))
            if access.allows(role):
                assert first["type"] == "ready", (role, first)
                continue
            assert first["type"] == "error", (role, first)
            with pytest.raises(ConnectionClosed) as closed:
                connection.recv(timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403, role


def test_a_route_missing_from_the_table_is_refused(make_settings: SettingsFactory) -> None:
    from fastapi import APIRouter

    app = create_app(make_settings())
    extra = APIRouter()

    @extra.get("/api/v1/forgotten")
    def forgotten() -> dict[str, str]:
        return {"secret": "x"}

    app.include_router(extra)
    with serving(app) as url, httpx.Client(base_url=url) as client:
        response = client.get("/api/v1/forgotten", headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert response.status_code == 403
    assert "secret" not in response.text
