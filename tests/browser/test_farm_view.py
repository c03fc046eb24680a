"""The farm view and the device page in a real browser (Playwright driving Debian's chromium).

An operator signs in, sees the farm grid with live thumbnails, opens a virtual phone,
takes control and taps through to its Moments feed by clicking on the live screen; the
virtual phone's own ground truth (`screen_label()`) shows the navigation, and the audit
log has every tap. The farm is real: the controller on a loopback port, an agent with
virtual phones and its screen link (``tests/helpers/live_farm.py``). Screenshots of
both pages in English and zh-CN go to ``artifacts/browser/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from console_farm import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, playwright_or_skip
from sqlalchemy import select

from farm_controller.models import AuditEvent
from farm_protocol.jobs import JobKind, JobState
from simulator.node import APP_PACKAGE
from tests.helpers.farm import API_TOKEN
from tests.helpers.images import photo_png
from tests.helpers.live_farm import LiveFarm
from tests.helpers.users import PASSWORD
from tests.helpers.waiting import wait_for

playwright_api = playwright_or_skip()

expect = playwright_api.expect
ALL_THUMBNAILS = """() => {
  const shown = [...document.querySelectorAll('.phone-card img')];
  return shown.length === 6 && shown.every((img) => img.naturalWidth > 0);
}"""
pytestmark = pytest.mark.slow


@pytest.fixture
def farm(tmp_path: Path) -> Iterator[LiveFarm]:
    with LiveFarm(tmp_path, 6, controller={"chat_sync_enabled": False}) as live:
        live.add_user("wang", "operator")
        live.add_user("zhao", "operator")
        with live.client(API_TOKEN) as admin:
            for i, (name, tags) in enumerate(
                [
                    ("好物小店 01", ["华东", "VIP"]),
                    ("好物小店 02", ["华东"]),
                    ("Daily Deals 03", ["华南"]),
                    ("好物小店 04", ["华南", "新号"]),
                ]
            ):
                body = {"name": name, "device_serial": live.serials[i], "tags": tags}
                assert admin.post("/api/v1/accounts", json=body).status_code == 201
            # The first phone publishes a post: the device page shows the job's evidence.
            media = admin.post(
                "/api/v1/media", files={"file": ("sunset.png", photo_png(5), "image/png")}
            ).json()
            accounts = admin.get("/api/v1/accounts").json()
            first = next(a for a in accounts if a["device_serial"] == live.serials[0])
            post = {"text": "周末上新 🌿", "account_ids": [first["id"]], "media_ids": [media["id"]]}
            created = admin.post("/api/v1/posts", json=post)
            assert created.status_code == 201, created.text
            post_id = created.json()["id"]

            def published() -> bool:
                states = admin.get(f"/api/v1/posts/{post_id}").json()["targets"]
                return bool(states) and all(t["state"] == "published" for t in states)

            wait_for(published, 60, 0.3)
        # Back to the home screen, the app closed: the operator starts from there.
        phone = live.phone(live.serials[0])
        phone.app_stop(APP_PACKAGE)
        phone.goto("launcher")
        # Something for the grid to show: a failed job (this agent does not run run_flow)
        # and a phone another operator holds.
        job = live.rt.jobs.enqueue(JobKind.RUN_FLOW, live.serials[3], {}, max_attempts=1)
        wait_for(lambda: live.rt.jobs.get(job.id).state is JobState.FAILED, 15, interval=0.2)
        live.worker(live.serials[4]).control.take("zhao", 600)
        live.hub.host_of[live.serials[4]] = "rack-1"
        live.hub.set_control(live.worker(live.serials[4]).control.state())
        yield live


def center(farm: LiveFarm, serial: str, node_id: str, box: dict[str, Any]) -> tuple[float, float]:
    """Page coordinates of a node's centre on the live screen `box` (its bounding box)."""
    phone = farm.phone(serial)
    [node] = phone.find(node_id)
    x0, y0, x1, y1 = node.bounds
    return (
        box["x"] + (x0 + x1) / 2 / phone.width * box["width"],
        box["y"] + (y0 + y1) / 2 / phone.height * box["height"],
    )


def settled_label(farm: LiveFarm, serial: str, wanted: str) -> str:
    phone = farm.phone(serial)
    wait_for(lambda: phone.screen_label() == wanted, 10, 0.05)
    return phone.screen_label()


def test_operator_taps_through_to_moments_on_the_live_screen(farm: LiveFarm) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    serial = farm.serials[0]
    phone = farm.phone(serial)
    assert phone.screen_label() == "launcher"
    dialogs: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
            page = context.new_page()
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(f"{farm.url}/farm")
            expect(page).to_have_url(f"{farm.url}/login?next=/farm")
            page.fill("#username", "wang")
            page.fill("#password", PASSWORD)
            page.click("#login-form button[type=submit]")
            expect(page).to_have_url(f"{farm.url}/farm")

            # The grid: every phone, live thumbnails for the cards on screen.
            cards = page.locator(".phone-card")
            expect(cards).to_have_count(6)
            expect(page.locator("#live-state")).to_have_class("live-state live")
            first = page.locator(f'.phone-card[data-serial="{serial}"]')
            expect(first).to_contain_text("好物小店 01")
            expect(
                page.locator(f'.phone-card[data-serial="{farm.serials[3]}"] .phone-line.err')
            ).to_contain_text("run_flow")
            expect(
                page.locator(f'.phone-card[data-serial="{farm.serials[4]}"] .held')
            ).to_contain_text("zhao")
            page.wait_for_function(ALL_THUMBNAILS, timeout=10000)
            page.screenshot(path=str(ARTIFACTS / "farm_grid_en.png"), full_page=True)

            # Filters: by account tag, by state.
            page.select_option("#f-tag", "华南")
            expect(cards).to_have_count(2)
            page.select_option("#f-tag", "")
            expect(cards).to_have_count(6)
            page.wait_for_function(ALL_THUMBNAILS, timeout=10000)

            page.locator(".lang-toggle").click()
            expect(page.locator("h1")).to_have_text("设备监控")
            page.wait_for_timeout(300)
            page.screenshot(path=str(ARTIFACTS / "farm_grid_zh.png"), full_page=True)
            page.locator(".lang-toggle").click()
            expect(page.locator("h1")).to_have_text("Farm")

            # The device page: live screen, take control, tap through by clicking.
            first.click()
            expect(page).to_have_url(f"{farm.url}/devices/{serial}")
            screen = page.locator("#screen")
            page.wait_for_function(
                "() => document.querySelector('#screen').naturalWidth > 0", timeout=10000
            )
            expect(page.locator("#jobs .job-item")).to_have_count(1)
            expect(page.locator("#jobs .job-shots img").first).to_be_visible()
            page.locator("#take").click()
            expect(page.locator("#control-box")).to_have_class("control-box yours")
            for node_id, wanted in [
                ("app_simchat", "chat_list"),
                ("tab_discover", "discover"),
                ("entry_moments", "moments_feed"),
            ]:
                box = screen.bounding_box()
                assert box is not None
                x, y = center(farm, serial, node_id, box)
                page.mouse.click(x, y)
                assert settled_label(farm, serial, wanted) == wanted
            assert phone.screen_label() == "moments_feed"
            expect(page.locator("#screen-rate")).to_contain_text("frames/s")
            page.wait_for_timeout(600)  # the live screen catches up with the phone
            page.screenshot(path=str(ARTIFACTS / "device_page_en.png"), full_page=True)

            page.locator(".lang-toggle").click()
            expect(page.locator("#take, #release").first).to_be_attached()
            expect(page.locator("#control-text")).to_contain_text("你正在控制这部手机")
            page.screenshot(path=str(ARTIFACTS / "device_page_zh.png"), full_page=True)

            page.locator("#release").click()
            expect(page.locator("#take")).to_be_visible()
            assert farm.worker(serial).control.state().holder is None
        finally:
            browser.close()
    assert dialogs == []
    with farm.rt.sessions() as session:
        events = list(
            session.scalars(
                select(AuditEvent).where(
                    AuditEvent.devices.like(f"%,{serial},%"), AuditEvent.actor == "wang"
                )
            )
        )
    actions = [event.action for event in events]
    assert actions.count("live.remote_input") == 3, actions
    assert "live.take_control" in actions and "live.release_control" in actions
