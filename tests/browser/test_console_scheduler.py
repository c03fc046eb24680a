"""The console in a real browser, with real virtual phones publishing.

A scheduler signs in, composes a post with two images (one dropped, one chosen) for two
accounts, sees the API's check, schedules it a few seconds ahead, and watches both
entries turn published on the calendar; the virtual phones' feeds show the post with both
images. An operator approves a confirm-mode post from its parked screenshot and reads the
job's verified steps; an admin looks at charts, users and the audit log. Screenshots of
every page, in English and zh-CN, go to artifacts/browser/console_*.png.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from console_farm import REVIEW_TEXT, ZONE, ConsoleFarm, set_language, shot, sign_in

from tests.helpers.images import photo_png, rgb_sha256

sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright")
expect = sync_api.expect

TEXT = "周末上新 🎉 两张图 · new in this weekend"


def drop_files(page: Any, selector: str, files: list[tuple[str, bytes]]) -> None:
    """Drag and drop files onto `selector`, as a person would from the desktop."""
    transfer = page.evaluate_handle(
        """(files) => {
            const transfer = new DataTransfer();
            for (const f of files) {
                const bytes = Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0));
                transfer.items.add(new File([bytes], f.name, { type: "image/png" }));
            }
            return transfer;
        }""",
        [{"name": name, "data": base64.b64encode(data).decode()} for name, data in files],
    )
    page.dispatch_event(selector, "dragover", {"dataTransfer": transfer})
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def scroll_to_post(page: Any, post_id: int) -> None:
    """Scroll the week grid to the post's entries (the grid redraws itself meanwhile)."""
    page.evaluate(
        """(id) => document.querySelector(`.entry[data-post='${id}']`)
            ?.scrollIntoView({ block: "center" })""",
        post_id,
    )


def show_week_of(page: Any, local: datetime) -> None:
    """Page the week view to the week of `local` (the run time may be past Sunday midnight)."""
    today = datetime.now(ZoneInfo(ZONE)).date()
    monday = today - timedelta(days=today.weekday())
    for _ in range((local.date() - monday).days // 7):
        page.click("#next")


def test_a_scheduler_schedules_a_post_with_two_images_and_sees_both_published(
    farm: ConsoleFarm, new_page: Any
) -> None:
    page = new_page()
    page.goto(f"{farm.url}/calendar")
    expect(page).to_have_url(f"{farm.url}/login?next=/calendar")
    shot(page, "login_en")
    sign_in(page, farm.url, "mei", "/calendar")
    expect(page).to_have_url(f"{farm.url}/calendar")
    expect(page.locator(".nav-link")).to_have_text(["Review", "Calendar", "Charts"])

    page.click("#new-post")
    composer = page.locator("#composer")
    expect(composer).to_be_visible()
    page.fill("#c-text", TEXT)
    first, second = photo_png(101, (640, 480)), photo_png(102, (640, 480))
    drop_files(page, "#c-drop", [("front.png", first)])
    expect(page.locator("#c-thumbs .thumb")).to_have_count(1)
    page.set_input_files(
        "#c-files", [{"name": "back.png", "mimeType": "image/png", "buffer": second}]
    )
    expect(page.locator("#c-thumbs .thumb")).to_have_count(2)
    for name in ("shop-1", "shop-2"):
        page.locator("#c-accounts label", has_text=name).locator("input").check()
    expect(page.locator("#c-selected")).to_have_text("2 account(s) selected")
    # A few seconds from now, in the accounts' zone.
    run_at = datetime.now(UTC) + timedelta(seconds=6)
    local = run_at.astimezone(ZoneInfo(ZONE))
    expect(page.locator("#c-zone")).to_have_value(ZONE)
    page.fill("#c-date", local.strftime("%Y-%m-%d"))
    page.fill("#c-time", local.strftime("%H:%M:%S"))
    expect(page.locator("#c-checks .check-item.ok")).to_be_visible()
    expect(page.locator("#c-preview .pics img")).to_have_count(2)
    expect(page.locator("#c-preview .who")).to_have_text("shop-1 and 1 more")
    shot(page, "composer_en")
    page.click("#c-submit")
    expect(composer).to_be_hidden(timeout=15_000)

    post = farm.post_with_text(TEXT)
    assert post["created_by"] == "mei" and len(post["media"]) == 2
    show_week_of(page, local)
    entries = page.locator(f'.entry[data-post="{post["id"]}"]')
    expect(entries).to_have_count(2)
    # The phones publish; the calendar refreshes itself.
    expect(page.locator(f'.entry[data-post="{post["id"]}"][data-state="published"]')).to_have_count(
        2, timeout=90_000
    )
    for name in ("shop-1", "shop-2"):
        serial = farm.accounts[name]["device_serial"]
        [published] = [p for p in farm.feed(serial) if p["text"] == TEXT]
        hashes = [image["rgb_sha256"] for image in published["images"]]
        assert hashes == [rgb_sha256(first), rgb_sha256(second)]
    scroll_to_post(page, post["id"])
    shot(page, "calendar_week_en")
    page.locator(f'.entry[data-post="{post["id"]}"]').first.click()
    expect(page.locator("#entry-body .badge", has_text="Published").first).to_be_visible()
    shot(page, "calendar_entry_en")
    page.locator("#entry [data-close]").click()

    page.click('[data-view="month"]')
    expect(page.locator(".cal-month")).to_be_visible()
    if local.month != datetime.now(ZoneInfo(ZONE)).month:  # just past midnight at a month's end
        page.click("#next")
    expect(page.locator(f'.cal-month .entry[data-post="{post["id"]}"]')).to_have_count(2)
    shot(page, "calendar_month_en")
    set_language(page, "zh-CN")
    expect(page.locator("#new-post")).to_have_text("新建朋友圈")
    expect(page.locator(".entry.s-published").first).to_be_visible()
    shot(page, "calendar_month_zh")
    page.click('[data-view="week"]')
    expect(page.locator("#week-grid")).to_be_visible()
    page.click("#today")
    show_week_of(page, local)
    scroll_to_post(page, post["id"])
    shot(page, "calendar_week_zh")
    page.click("#new-post")
    page.fill("#c-text", "每天早上好 ☀️")
    page.locator("#c-tags .tag-chip", has_text="#auto").click()
    page.select_option("#c-repeat", "weekly")
    expect(page.locator("#c-checks .check-item.ok")).to_contain_text("共")
    shot(page, "composer_zh")
    page.locator("#composer [data-close]").first.click()
    page.click("#open-slots")
    expect(page.locator("#slots-table input[data-account]").first).to_have_value("09:00, 20:00")
    shot(page, "slots_zh")
    set_language(page, "en")


def test_an_operator_approves_a_parked_post_and_reads_its_job(
    farm: ConsoleFarm, new_page: Any
) -> None:
    account = farm.accounts["shop-3"]
    text = REVIEW_TEXT  # submitted when the farm started; its phone parks on the last screen
    page = new_page()
    sign_in(page, farm.url, "zhao")
    expect(page).to_have_url(f"{farm.url}/jobs")  # the operator's home
    page.goto(f"{farm.url}/review")
    card = page.locator(".review-card", has_text=text)
    expect(card).to_be_visible(timeout=60_000)
    expect(card.locator("img.parked")).to_have_js_property("complete", True)
    shot(page, "review_en")
    set_language(page, "zh-CN")
    expect(card.locator("button.approve")).to_have_text("通过并发表")
    shot(page, "review_zh")
    card.locator("button.approve").click()
    expect(card).to_contain_text("已通过")
    post = farm.post_with_text(text)
    [target] = post["targets"]
    assert target["decided_by"] == "zhao"
    expect(page.locator(".review-card", has_text=text)).to_have_count(0, timeout=60_000)
    serial = account["device_serial"]
    assert [p["text"] for p in farm.feed(serial)].count(text) == 1

    page.goto(f"{farm.url}/jobs?kind=publish_post")
    expect(page.locator("#f-kind")).to_have_value("publish_post")
    expect(page.locator(f'tr[data-id="{target["job_id"]}"]')).to_be_visible()
    shot(page, "jobs_zh")
    set_language(page, "en")
    page.locator(f'tr[data-id="{target["job_id"]}"]').click()
    expect(page).to_have_url(f"{farm.url}/jobs/{target['job_id']}")
    expect(page.locator("#job-sub .badge")).to_have_text("Succeeded")
    expect(page.locator(".step").first).to_be_visible()
    assert page.locator(".step.ok").count() >= 5
    expect(page.locator("#evidence img").first).to_be_visible()
    shot(page, "job_en", full_page=True)
    page.locator("#evidence img").first.click()
    expect(page.locator("#lightbox")).to_be_visible()
    shot(page, "job_evidence_en")
    page.click("#lightbox-close")
    page.goto(f"{farm.url}/jobs")
    shot(page, "jobs_en")


def test_an_admin_reads_charts_users_and_the_audit_log(farm: ConsoleFarm, new_page: Any) -> None:
    page = new_page()
    sign_in(page, farm.url, "root", "/charts")
    expect(page.locator("#posts-chart svg rect").first).to_be_visible()
    expect(page.locator("#frt-chart svg rect").first).to_be_visible()
    online = page.locator("#online-chart svg rect")
    expect(online.first).to_be_visible()
    # Two weeks of history (console_farm) plus today: a green bar for every day.
    expect(page.locator('#online-chart svg rect[fill="#12b76a"]')).to_have_count(14)
    expect(page.locator("#online-stats")).to_contain_text("Availability")
    expect(page.locator("#online-stats .stat b").first).to_contain_text("%")
    expect(page.locator("#online-legend")).to_contain_text("Online (busy included)")
    expect(page.locator("#online-text")).to_contain_text("Recorded since")
    shot(page, "charts_en")
    set_language(page, "zh-CN")
    expect(page.locator("#online-stats")).to_contain_text("在线率")
    expect(page.locator("#online-legend")).to_contain_text("在线（含忙碌）")
    shot(page, "charts_zh")

    page.goto(f"{farm.url}/admin/users")
    expect(page.locator('tr[data-user="li"]')).to_contain_text("shop-1")
    shot(page, "users_zh")
    set_language(page, "en")
    expect(page.locator('tr[data-user="li"]')).to_be_visible()
    page.click("#new-user")
    page.fill("#u-username", "wang")
    page.select_option("#u-role", "agent_staff")
    page.locator("#u-accounts label", has_text="shop-2").locator("input").check()
    page.click("#u-save")
    expect(page.locator("#generated")).to_contain_text("Password for wang")
    expect(page.locator('tr[data-user="wang"]')).to_contain_text("shop-2")
    shot(page, "users_en")
    page.locator('tr[data-user="wang"]').click()
    page.locator("#u-tokens input[type=text]").fill("nightly export")
    page.locator("#u-tokens button[type=submit]").click()
    expect(page.locator("#u-tokens .secret code")).to_contain_text("pf_")
    shot(page, "user_token_en")
    page.locator("#user-dialog [data-close]").first.click()

    page.goto(f"{farm.url}/admin/audit")
    page.fill("#f-actor", "root")
    expect(page.locator('#events tr[data-action="users.create_user"]').first).to_be_visible()
    shot(page, "audit_en")
    page.fill("#f-actor", "")
    page.check("#f-failed")
    set_language(page, "zh-CN")
    expect(page.locator("#events tbody tr").first).to_be_visible()
    shot(page, "audit_zh")
    set_language(page, "en")
    page.goto(f"{farm.url}/account")
    expect(page.locator("#who")).to_have_text("管理员 · Admin")
    page.locator("#tokens input[type=text]").fill("backup script")
    page.locator("#tokens button[type=submit]").click()
    expect(page.locator("#tokens .secret code")).to_contain_text("pf_")
    shot(page, "account_en")


def test_the_console_fits_a_tablet(farm: ConsoleFarm, new_page: Any) -> None:
    page = new_page(width=820, height=1180)
    sign_in(page, farm.url, "mei", "/calendar")
    expect(page.locator("#week-grid")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
    shot(page, "calendar_tablet_en")
    page.click("#new-post")
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
    shot(page, "composer_tablet_en")
