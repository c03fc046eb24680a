"""The sign-in page never sends a browser off the site, whatever its ``next`` says: the
controller drops a hostile ``next`` and the page's script (Chromium's own URL parser)
refuses one too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from console_farm import playwright_or_skip

from farm_controller import create_app
from simulator.control.server import LoopbackServer
from tests.helpers.farm import controller_settings
from tests.helpers.users import FAST_HASHING, HOSTILE_NEXT, PASSWORD, add_user

playwright_or_skip()

EVIL = re.compile(r"^[a-z]+://evil\.example")


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A controller with one operator, `zhao` (no phones needed)."""
    folder: Path = tmp_path_factory.mktemp("login")
    app = create_app(controller_settings(folder, chat_sync_enabled=False, **FAST_HASHING))
    server = LoopbackServer(app, "127.0.0.1", 0, lifespan=True)
    server.start()
    try:
        add_user(app.state.runtime, "zhao", "operator")
        yield server.url
    finally:
        server.stop()


def sign_in_with_next(page: Any, url: str, next_: str) -> str:
    """Open the sign-in page with `next_`, sign in, and answer where the browser went."""
    opened: list[str] = []

    def evil(route: Any) -> None:
        opened.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<h1>evil</h1>")

    page.context.route(EVIL, evil)
    page.goto(f"{url}/login?next={quote(next_, safe='')}")
    page.fill("#username", "zhao")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(lambda current: "/login" not in current)
    assert opened == [], f"next={next_!r} opened {opened}"
    return str(page.url)


@pytest.mark.parametrize("next_", HOSTILE_NEXT, ids=repr)
@pytest.mark.parametrize("server_checks", [True, False], ids=["page", "script-alone"])
def test_a_hostile_next_leads_home_not_off_the_site(
    url: str, new_page: Any, next_: str, server_checks: bool
) -> None:
    page = new_page()
    if not server_checks:
        # Serve the sign-in page as if the controller kept `next`: the script alone decides.
        def page_anyway(route: Any) -> None:
            route.fulfill(response=route.fetch(url=f"{url}/login", max_redirects=0))

        page.context.route(re.compile(r"/login\?next="), page_anyway)
    landed = sign_in_with_next(page, url, next_)
    assert urlsplit(landed).netloc == urlsplit(url).netloc
    assert urlsplit(landed).path == "/jobs"  # the operator's home


def test_a_path_on_the_site_is_where_sign_in_leads(url: str, new_page: Any) -> None:
    page = new_page()
    landed = sign_in_with_next(page, url, "/jobs?state=failed#top")
    assert landed == f"{url}/jobs?state=failed#top"
