"""Users, sign-in, sessions, CSRF, personal API tokens, the first admin."""

from __future__ import annotations

import hashlib
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from controller_support import SettingsFactory
from sqlalchemy import select
from typer.testing import CliRunner

from farm_controller import create_app
from farm_controller.api.pages import same_origin_path
from farm_controller.auth.bootstrap import ensure_demo_admin
from farm_controller.auth.passwords import Passwords
from farm_controller.db import make_engine, session_factory
from farm_controller.models import ApiTokenRecord, UserRecord, WebSession
from farm_controller.runtime import Runtime
from phonefarm.admin_command import admin_app
from tests.helpers.clock import FakeClock
from tests.helpers.users import HOSTILE_NEXT, PASSWORD, add_user


def sign_in(url: str, username: str, password: str = PASSWORD) -> tuple[httpx.Client, str]:
    """A browser-like client with a session cookie, and its CSRF token."""
    browser = httpx.Client(base_url=url, timeout=30)
    response = browser.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return browser, response.json()["csrf_token"]


def test_sign_in_sets_a_strict_session_cookie_and_answers_who(
    client: httpx.Client, rt: Runtime
) -> None:
    add_user(rt, "mei", "scheduler")
    url = str(client.base_url)
    with httpx.Client(base_url=url) as browser:
        response = browser.post(
            "/api/v1/auth/login", json={"username": "MEI", "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        cookie = response.headers["set-cookie"]
        assert "pf_session=" in cookie and "HttpOnly" in cookie
        assert "samesite=lax" in cookie.lower() and "Path=/" in cookie
        body = response.json()
        assert body["user"]["username"] == "mei" and body["user"]["role"] == "scheduler"
        session = browser.get("/api/v1/auth/session").json()
        assert session["csrf_token"] == body["csrf_token"] and session["user"]["via"] == "session"
        # The session is stored as a hash only.
        secret = browser.cookies["pf_session"]
        with rt.sessions() as db:
            keys = db.scalars(select(WebSession.id)).all()
        assert secret not in keys and hashlib.sha256(secret.encode()).hexdigest() in keys


def test_wrong_passwords_are_refused_and_then_rate_limited(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    from tests.helpers.servers import serving

    app = create_app(make_settings(login_max_failures=3, login_window_seconds=60), clock=clock)
    add_user(app.state.runtime, "zhao", "operator")
    with serving(app) as url, httpx.Client(base_url=url) as browser:
        for _ in range(3):
            wrong = browser.post(
                "/api/v1/auth/login", json={"username": "zhao", "password": "nope" * 3}
            )
            assert wrong.status_code == 401
            assert wrong.json()["detail"][0] == {
                "field": "password",
                "message": "wrong user name or password",
                "type": "invalid_credentials",
            }
        unknown = browser.post(
            "/api/v1/auth/login", json={"username": "ghost", "password": "x" * 12}
        )
        assert unknown.status_code == 401  # the same answer as a wrong password
        limited = browser.post(
            "/api/v1/auth/login", json={"username": "zhao", "password": PASSWORD}
        )
        assert limited.status_code == 429
        assert limited.json()["detail"][0]["type"] == "rate_limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        clock.advance(61)
        ok = browser.post("/api/v1/auth/login", json={"username": "zhao", "password": PASSWORD})
        assert ok.status_code == 200, ok.text


def test_cookie_changes_need_the_csrf_token_bearer_tokens_do_not(
    client: httpx.Client, rt: Runtime
) -> None:
    add_user(rt, "root", "admin", token="root-token-" + "r" * 30)
    browser, csrf = sign_in(str(client.base_url), "root")
    with closing(browser):
        body = {"username": "li", "role": "agent_staff"}
        refused = browser.post("/api/v1/users", json=body)
        assert refused.status_code == 403
        assert refused.json()["detail"][0]["type"] == "csrf"
        wrong = browser.post("/api/v1/users", json=body, headers={"X-CSRF-Token": "forged"})
        assert wrong.status_code == 403
        made = browser.post("/api/v1/users", json=body, headers={"X-CSRF-Token": csrf})
        assert made.status_code == 201, made.text
        assert browser.get("/api/v1/users").status_code == 200  # reading needs no token
    with httpx.Client(base_url=str(client.base_url)) as script:
        headers = {"Authorization": "Bearer root-token-" + "r" * 30}
        response = script.post(
            "/api/v1/users", json={"username": "wang", "role": "operator"}, headers=headers
        )
        assert response.status_code == 201, response.text


def test_sign_out_ends_the_session(client: httpx.Client, rt: Runtime) -> None:
    add_user(rt, "mei", "scheduler")
    browser, csrf = sign_in(str(client.base_url), "mei")
    with closing(browser):
        secret = browser.cookies["pf_session"]
        assert (
            browser.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
        )
        browser.cookies.set("pf_session", secret)  # a copy of the old cookie is no use
        assert browser.get("/api/v1/auth/session").status_code == 401


def test_sessions_expire_when_idle(client: httpx.Client, rt: Runtime, clock: FakeClock) -> None:
    add_user(rt, "mei", "scheduler")
    browser, _ = sign_in(str(client.base_url), "mei")
    with closing(browser):
        clock.advance(rt.settings.session_idle_minutes * 60 - 30)
        assert browser.get("/api/v1/auth/session").status_code == 200  # activity moves it on
        clock.advance(rt.settings.session_idle_minutes * 60 - 30)
        assert browser.get("/api/v1/auth/session").status_code == 200
        clock.advance(rt.settings.session_idle_minutes * 60 + 1)
        assert browser.get("/api/v1/auth/session").status_code == 401


def test_a_new_password_signs_other_sessions_out(client: httpx.Client, rt: Runtime) -> None:
    add_user(rt, "mei", "scheduler")
    url = str(client.base_url)
    first, csrf = sign_in(url, "mei")
    second, _ = sign_in(url, "mei")
    with closing(first), closing(second):
        weak = first.post(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "short"},
            headers={"X-CSRF-Token": csrf},
        )
        assert weak.status_code == 422 and weak.json()["detail"][0]["field"] == "password"
        wrong = first.post(
            "/api/v1/me/password",
            json={"current_password": "not it at all", "new_password": "a much better one"},
            headers={"X-CSRF-Token": csrf},
        )
        assert wrong.status_code == 422 and wrong.json()["detail"][0]["field"] == "current_password"
        changed = first.post(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "a much better one"},
            headers={"X-CSRF-Token": csrf},
        )
        assert changed.status_code == 204
        assert first.get("/api/v1/auth/session").status_code == 200
        assert second.get("/api/v1/auth/session").status_code == 401
    sign_in(url, "mei", "a much better one")[0].close()


def test_personal_tokens_are_shown_once_hashed_revocable_and_expire(
    client: httpx.Client, rt: Runtime, clock: FakeClock
) -> None:
    add_user(rt, "mei", "scheduler")
    url = str(client.base_url)
    browser, csrf = sign_in(url, "mei")
    with closing(browser):
        made = browser.post(
            "/api/v1/me/tokens", json={"name": "export script"}, headers={"X-CSRF-Token": csrf}
        )
        assert made.status_code == 201, made.text
        token = made.json()["token"]
        assert token.startswith("pf_") and len(token) > 40
        expiring = browser.post(
            "/api/v1/me/tokens",
            json={"name": "one day", "expires_in_days": 1},
            headers={"X-CSRF-Token": csrf},
        ).json()
        listed = browser.get("/api/v1/me/tokens").json()
        assert {t["name"] for t in listed} == {"export script", "one day"}
        assert all("token" not in t for t in listed)
        with rt.sessions() as db:
            stored = db.scalars(select(ApiTokenRecord.token_sha256)).all()
        assert token not in stored and hashlib.sha256(token.encode()).hexdigest() in stored

        def as_script(value: str) -> int:
            with httpx.Client(base_url=url) as script:
                headers = {"Authorization": f"Bearer {value}"}
                return script.get("/api/v1/posts", headers=headers).status_code

        assert as_script(token) == 200
        assert as_script(expiring["token"]) == 200
        clock.advance(86_401)
        assert as_script(expiring["token"]) == 401
    browser, csrf = sign_in(url, "mei")  # the first session went idle meanwhile
    with closing(browser):
        token_id = made.json()["id"]
        revoke = browser.delete(f"/api/v1/me/tokens/{token_id}", headers={"X-CSRF-Token": csrf})
        assert revoke.status_code == 204
        assert as_script(token) == 401


def test_admins_manage_users(client: httpx.Client, rt: Runtime) -> None:
    from controller_support import create_account

    shop = create_account(client, "shop-1", "S1")
    add_user(rt, "root", "admin")
    browser, csrf = sign_in(str(client.base_url), "root")
    headers = {"X-CSRF-Token": csrf}
    with closing(browser):
        made = browser.post(
            "/api/v1/users",
            json={"username": "li", "role": "agent_staff", "account_ids": [shop["id"]]},
            headers=headers,
        )
        assert made.status_code == 201, made.text
        li = made.json()
        assert li["account_ids"] == [shop["id"]] and li["generated_password"]
        generated = li["generated_password"]
        sign_in(str(client.base_url), "li", generated)[0].close()

        for body, field in [
            ({"username": "li", "role": "operator"}, "username"),
            ({"username": "bad name", "role": "operator"}, "username"),
            ({"username": "api", "role": "operator"}, "username"),
            ({"username": "x", "role": "boss"}, "role"),
            ({"username": "x", "role": "operator", "password": "short"}, "password"),
            ({"username": "x", "role": "agent_staff", "account_ids": [424242]}, "account_ids[0]"),
        ]:
            refused = browser.post("/api/v1/users", json=body, headers=headers)
            assert 400 <= refused.status_code < 500, refused.text
            assert refused.json()["detail"][0]["field"] == field, (body, refused.text)

        me = browser.get("/api/v1/auth/session").json()["user"]
        demote = browser.patch(
            f"/api/v1/users/{me['id']}", json={"role": "operator"}, headers=headers
        )
        assert demote.status_code == 409
        off = browser.patch(f"/api/v1/users/{li['id']}", json={"active": False}, headers=headers)
        assert off.status_code == 200 and off.json()["active"] is False
        refused_login = httpx.post(
            f"{client.base_url}/api/v1/auth/login", json={"username": "li", "password": generated}
        )
        assert refused_login.status_code == 401
        made_token = browser.post(
            f"/api/v1/users/{li['id']}/tokens", json={"name": "bot"}, headers=headers
        ).json()
        assert made_token["token"]
        with httpx.Client(base_url=str(client.base_url)) as script:
            me_as_li = script.get(
                "/api/v1/me", headers={"Authorization": f"Bearer {made_token['token']}"}
            )
        assert me_as_li.status_code == 401  # a deactivated user's tokens stop too


def test_ensure_demo_admin_creates_then_resets(client: httpx.Client, rt: Runtime) -> None:
    first = ensure_demo_admin(rt)
    assert first.created and first.password and first.username == "admin"
    sign_in(str(client.base_url), "admin", first.password)[0].close()
    again = ensure_demo_admin(rt)
    assert not again.created and again.password != first.password
    sign_in(str(client.base_url), "admin", again.password or "")[0].close()


def test_the_admin_create_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("PHONEFARM_PASSWORD_HASH_MEMORY_KIB", "8")
    monkeypatch.setenv("PHONEFARM_PASSWORD_HASH_TIME_COST", "1")
    runner = CliRunner()
    made = runner.invoke(
        admin_app,
        ["create", "--username", "root", "--password-stdin", "--database-url", url],
        input="a long enough password\n",
    )
    assert made.exit_code == 0, made.output
    assert "root" in made.output and "a long enough password" not in made.output
    generated = runner.invoke(admin_app, ["create", "--username", "ops", "--database-url", url])
    assert generated.exit_code == 0, generated.output
    assert "password: " in generated.output
    twice = runner.invoke(
        admin_app,
        ["create", "--username", "ROOT", "--password-stdin", "--database-url", url],
        input="another long password\n",
    )
    assert twice.exit_code == 1 and "exists" in twice.output
    weak = runner.invoke(
        admin_app,
        ["create", "--username", "x", "--password-stdin", "--database-url", url],
        input="short\n",
    )
    assert weak.exit_code == 2 and "password" in weak.output
    engine = make_engine(url)
    with session_factory(engine)() as session:
        root = session.scalars(select(UserRecord).where(UserRecord.username == "root")).one()
        assert root.role == "admin" and root.password_hash is not None
        assert root.password_hash.startswith("$argon2id$")
        assert Passwords().verify(root.password_hash, "a long enough password")
    engine.dispose()


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "bearer", "Token abc"])
def test_malformed_authorization_is_401(client: httpx.Client, header: str) -> None:
    response = client.get("/api/v1/posts", headers={"Authorization": header})
    assert response.status_code == 401


@pytest.mark.parametrize("next_", HOSTILE_NEXT, ids=repr)
def test_the_sign_in_page_drops_a_next_that_leaves_the_site(
    client: httpx.Client, next_: str
) -> None:
    assert same_origin_path(next_) is None
    with httpx.Client(base_url=str(client.base_url)) as browser:
        response = browser.get("/login", params={"next": next_})
        assert response.status_code == 303
        assert response.headers["location"] == "/login"


def test_the_sign_in_page_keeps_a_path_on_the_site(client: httpx.Client) -> None:
    assert same_origin_path("/jobs?state=failed#top") == "/jobs?state=failed#top"
    with httpx.Client(base_url=str(client.base_url)) as browser:
        sent = browser.get("/jobs", params={"state": "failed"})
        assert sent.status_code == 303
        assert sent.headers["location"] == "/login?next=/jobs%3Fstate%3Dfailed"
        page = browser.get(sent.headers["location"])
        assert page.status_code == 200 and "login-form" in page.text
