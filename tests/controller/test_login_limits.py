"""Sign-in limits: brute force stays slow, and nobody can lock anyone else out.

Each browser connects from its own loopback address (127.0.0.0/8), so an attacker here
and the owner there are told apart the way the controller sees them: by the peer address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from controller_support import SettingsFactory
from fastapi import FastAPI

from farm_controller import create_app
from tests.helpers.clock import FakeClock
from tests.helpers.servers import serving
from tests.helpers.users import PASSWORD, add_user

WRONG = "not the password"
Browser = Callable[..., httpx.Client]


@pytest.fixture
def app(make_settings: SettingsFactory, clock: FakeClock) -> FastAPI:
    app = create_app(make_settings(login_window_seconds=300), clock=clock)
    add_user(app.state.runtime, "root", "admin")
    add_user(app.state.runtime, "mei", "scheduler")
    return app


@pytest.fixture
def browser(app: FastAPI) -> Iterator[Browser]:
    """Make a fresh browser at `ip` (with a `pf_device` cookie when given)."""
    opened: list[httpx.Client] = []
    with serving(app) as url:

        def make(ip: str, device: str | None = None) -> httpx.Client:
            client = httpx.Client(
                base_url=url,
                transport=httpx.HTTPTransport(local_address=ip),
                cookies={"pf_device": device} if device else None,
                timeout=30,
            )
            opened.append(client)
            return client

        yield make
        for client in opened:
            client.close()


def sign_in(client: httpx.Client, username: str, password: str = PASSWORD) -> int:
    return client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    ).status_code


def test_failures_elsewhere_do_not_lock_the_owner_out(browser: Browser) -> None:
    attacker = browser("127.0.66.1")
    assert [sign_in(attacker, "root", WRONG) for _ in range(5)] == [401] * 5
    refused = attacker.post("/api/v1/auth/login", json={"username": "root", "password": PASSWORD})
    assert refused.status_code == 429  # closed for the attacker's address, right password or not
    assert refused.json()["detail"][0]["type"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 300
    owner = browser("127.0.7.1")
    assert sign_in(owner, "root") == 200


def test_a_browser_known_to_the_user_signs_in_while_the_name_is_attacked(
    browser: Browser, clock: FakeClock
) -> None:
    home = browser("127.0.7.1")
    assert sign_in(home, "root") == 200
    device = home.cookies.get("pf_device")
    assert device
    for i in range(20):  # a distributed attack: one guess from each of 20 addresses
        assert sign_in(browser(f"127.0.113.{i + 1}"), "root", WRONG) == 401
    # A browser that never signed in as root is refused everywhere for now …
    assert sign_in(browser("127.0.2.10"), "root") == 429
    # … but root's own browser, even on the road, signs in.
    laptop = browser("127.0.2.99", device=device)
    assert sign_in(laptop, "root") == 200
    # A stolen device cookie buys no more guesses than an address does.
    thief = browser("127.0.113.200", device=device)
    assert [sign_in(thief, "root", WRONG) for _ in range(5)] == [401] * 5
    assert sign_in(thief, "root") == 429
    clock.advance(301)
    assert sign_in(browser("127.0.2.10"), "root") == 200


def test_failures_on_many_names_from_one_address_spare_known_browsers(browser: Browser) -> None:
    office = "127.0.9.9"
    mei_before = browser(office)
    assert sign_in(mei_before, "mei") == 200
    device = mei_before.cookies.get("pf_device")
    sprayer = browser(office)
    assert [sign_in(sprayer, f"user{i}", WRONG) for i in range(30)] == [401] * 30
    assert sign_in(browser(office), "root") == 429  # unknown browsers at that address wait
    assert sign_in(browser(office, device=device), "mei") == 200
