"""An `agent_staff` user in a real browser: the chat is theirs, operators' pages and APIs
answer 403 (the server decides, not the menu)."""

from __future__ import annotations

from typing import Any

import pytest
from console_farm import ConsoleFarm, shot, sign_in

sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright")
expect = sync_api.expect


def test_agent_staff_get_403_on_operator_pages_and_apis(farm: ConsoleFarm, new_page: Any) -> None:
    page = new_page()
    sign_in(page, farm.url, "li")
    expect(page).to_have_url(f"{farm.url}/chat")
    expect(page.locator(".nav-link")).to_have_text(["Chat"])
    for path in ("/jobs", "/jobs/0123456789abcdef", "/review", "/calendar", "/admin/users"):
        response = page.goto(f"{farm.url}{path}")
        assert response is not None and response.status == 403, path
        expect(page.locator("h1")).to_have_text("403")
    shot(page, "forbidden")
    page.goto(f"{farm.url}/chat")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    statuses = page.evaluate(
        """async () => {
            const session = await (await fetch("/api/v1/auth/session")).json();
            const headers = {
                "Content-Type": "application/json", "X-CSRF-Token": session.csrf_token,
            };
            const calls = [
                ["GET", "/api/v1/jobs"], ["GET", "/api/v1/devices"], ["GET", "/api/v1/review"],
                ["POST", "/api/v1/jobs/x/retry"], ["POST", "/api/v1/posts"],
                ["GET", "/api/v1/calendar"], ["GET", "/api/v1/users"], ["GET", "/api/v1/audit"],
                ["GET", "/api/v1/conversations"],
            ];
            const out = {};
            for (const [method, path] of calls) {
                const body = method === "POST" ? "{}" : undefined;
                const response = await fetch(path, { method, headers, body });
                out[`${method} ${path}`] = response.status;
            }
            return out;
        }"""
    )
    assert statuses.pop("GET /api/v1/conversations") == 200
    assert statuses == dict.fromkeys(statuses, 403), statuses
