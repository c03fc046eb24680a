"""Fixtures for the console's browser tests: one farm (controller + virtual phones) for the
session, one Chromium per module; each test opens its own browser contexts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (skips when either is missing).

    One per module: Playwright's sync API runs an event loop while it is open, and other
    modules start their own.
    """
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright")
    from console_farm import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The console farm of `console_farm.py`, shared by the console's browser tests."""
    from console_farm import console_farm

    with console_farm(tmp_path_factory.mktemp("console")) as running:
        yield running


@pytest.fixture
def new_page(chromium: Any) -> Iterator[Any]:
    """Make pages in fresh contexts (1280 × 860, Asia/Shanghai); closed afterwards."""
    contexts: list[Any] = []
    problems: list[str] = []

    def make(width: int = 1280, height: int = 860, locale: str = "en-US") -> Any:
        context = chromium.new_context(
            viewport={"width": width, "height": height},
            locale=locale,
            timezone_id="Asia/Shanghai",
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert problems == [], problems
