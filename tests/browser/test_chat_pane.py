"""The chat pane in a real browser (Playwright driving Debian's chromium).

A staff member signs in (user name and password), sees a new customer message arrive
without reloading, answers with a canned reply (``/shortcode`` + Enter), and sees it marked
delivered once the (simulated) agent reports it; a message containing HTML renders as
literal text. The agent's side is played through the real agent API (claim + finish with a
sync window). Screenshots of the pane, in English and zh-CN, go to ``artifacts/browser/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from console_farm import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, playwright_or_skip

from farm_controller import Settings, create_app
from farm_controller.chat.planning import plan_syncs, sync_now
from farm_controller.runtime import Runtime
from farm_protocol.agent_api import (
    AGENT_API_PREFIX,
    AgentDevice,
    ClaimedJob,
    ClaimRequest,
    ClaimResponse,
    FinishReport,
    RegisterRequest,
)
from farm_protocol.chat import BubbleRead, ConversationRead, SendMessageTask, SyncChatsResult
from farm_protocol.flow import FlowOutcome, FlowResult, StepResult, StepStatus
from farm_protocol.jobs import JobKind
from tests.helpers.servers import serving
from tests.helpers.users import FAST_HASHING

API_TOKEN = "browser-api-token-" + "x" * 30
AGENT_TOKEN = "browser-agent-token-" + "y" * 30
STAFF_PASSWORD = "browser staff password"
HOST = "rack-1"
SERIAL = "PH-A1"
XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"

playwright_api = playwright_or_skip()

expect = playwright_api.expect


@dataclass
class Farm:
    url: str
    rt: Runtime
    admin: httpx.Client
    agent: httpx.Client
    account_id: int


def claim(farm: Farm, kind: JobKind) -> ClaimedJob:
    body = ClaimRequest(worker="w1", devices=[SERIAL])
    response = farm.agent.post(f"{AGENT_API_PREFIX}/claim", json=body.model_dump(mode="json"))
    assert response.status_code == 200, response.text
    [job] = ClaimResponse.model_validate(response.json()).jobs
    assert job.kind is kind, job
    return job


def finish(farm: Farm, job: ClaimedJob, data: dict[str, object] | None = None) -> None:
    result = FlowResult(
        flow=str(job.kind),
        serial=SERIAL,
        outcome=FlowOutcome.SUCCEEDED,
        steps=[StepResult(index=0, name="v", action="verify", status=StepStatus.OK, duration_ms=1)],
        duration_ms=1.0,
        data=data or {},
    )
    report = FinishReport(worker="w1", result=result)
    response = farm.agent.post(
        f"{AGENT_API_PREFIX}/jobs/{job.id}/finish", data={"report": report.model_dump_json()}
    )
    assert response.status_code == 200, response.text


def customers_write(farm: Farm, *reads: ConversationRead) -> None:
    """The agent's sync job reads these windows off the phone and reports them."""
    sync_now(farm.rt, farm.account_id)
    plan_syncs(farm.rt)
    job = claim(farm, JobKind.SYNC_CHATS)
    result = SyncChatsResult(conversations=list(reads))
    finish(farm, job, {"sync": result.model_dump(mode="json")})


def read(contact: str, *bubbles: tuple[str, str], badge: int = 0) -> ConversationRead:
    return ConversationRead(
        contact_name=contact,
        unread_badge=badge,
        bubbles=[BubbleRead(direction="in" if d == "in" else "out", text=t) for d, t in bubbles],
        reached_anchor=True,
        reached_top=False,
    )


@pytest.fixture
def farm(tmp_path: Path) -> Iterator[Farm]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'farm.db'}",
        media_dir=tmp_path / "media",
        evidence_dir=tmp_path / "evidence",
        api_token=API_TOKEN,
        agent_tokens={HOST: AGENT_TOKEN},
        scheduler_enabled=False,
        **FAST_HASHING,
    )
    app = create_app(settings)
    with (
        serving(app) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {API_TOKEN}"}) as admin,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {AGENT_TOKEN}"}) as agent,
    ):
        register = RegisterRequest(
            host=HOST,
            devices=[
                AgentDevice(serial=SERIAL, model="Pixel 7", width=1080, height=2400, density=420)
            ],
        )
        assert agent.post(
            f"{AGENT_API_PREFIX}/register", json=register.model_dump(mode="json")
        ).is_success
        account = admin.post(
            "/api/v1/accounts",
            json={"name": "旗舰店-01", "device_serial": SERIAL, "timezone": "Asia/Shanghai"},
        ).json()
        staff = admin.post(
            "/api/v1/users",
            json={
                "username": "li",
                "display_name": "小李",
                "role": "agent_staff",
                "password": STAFF_PASSWORD,
                "account_ids": [account["id"]],
            },
        )
        assert staff.status_code == 201, staff.text
        for shortcode, text in [
            ("thx", "感谢您的耐心，我们马上为您处理！"),
            ("price", "这款现在活动价 199 元，包邮。"),
            ("ship", "今天下午 4 点前下单当天发货。"),
        ]:
            created = admin.post(
                "/api/v1/canned-replies", json={"shortcode": shortcode, "text": text}
            )
            assert created.status_code == 201, created.text
        admin.post("/api/v1/auto-tag-rules", json={"keyword": "价格", "tag": "意向客户"})
        yield Farm(url, app.state.runtime, admin, agent, account["id"])


def test_staff_answer_a_new_message_with_a_canned_reply(farm: Farm) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    customers_write(
        farm,
        read("王小明", ("in", "你好，请问这款还有货吗？"), badge=1),
        read("Emma Chen", ("in", "Hi! Is the blue one still available?"), ("in", "价格多少？")),
        read("李女士", ("in", "收到了，谢谢"), ("out", "不客气，欢迎再来～")),
        read("张先生", ("in", "发票怎么开？")),
    )
    dialogs: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
            page = context.new_page()
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(f"{farm.url}/chat")
            expect(page).to_have_url(f"{farm.url}/login?next=/chat")
            page.screenshot(path=str(ARTIFACTS / "chat_login_en.png"))
            page.fill("#username", "li")
            page.fill("#password", STAFF_PASSWORD)
            page.click("#login-form button[type=submit]")
            expect(page).to_have_url(f"{farm.url}/chat")
            expect(page.locator("#conn")).to_have_attribute("data-state", "live")
            expect(page.locator(".conv")).to_have_count(4)

            page.locator(".conv", has_text="王小明").click()
            expect(page.locator("#t-name")).to_have_text("王小明")
            expect(page.locator("#t-via")).to_contain_text("PH-A1")

            # A new customer message arrives while the pane is open: no reload.
            customers_write(
                farm,
                read(
                    "王小明",
                    ("in", "你好，请问这款还有货吗？"),
                    ("in", "我想要两件，今天能发货吗？"),
                    badge=1,
                ),
            )
            expect(page.locator(".msg.in .text", has_text="我想要两件")).to_be_visible()

            # Answer with a canned reply: /thx, Enter picks it, Enter sends it.
            box = page.locator("#reply")
            box.click()
            box.type("/th")
            expect(page.locator("#canned-pop .canned-item.active")).to_contain_text("/thx")
            box.press("Enter")
            expect(box).to_have_value("感谢您的耐心，我们马上为您处理！")
            box.press("Enter")
            sent = page.locator(".msg.out", has_text="感谢您的耐心")
            expect(sent).to_be_visible()
            expect(sent.locator(".delivery")).to_have_attribute("data-status", "queued")
            expect(box).to_have_value("")

            # The phone sends it: the agent claims the job and reports success.
            job = claim(farm, JobKind.SEND_MESSAGE)
            assert isinstance(job.payload, SendMessageTask)
            assert job.payload.text == "感谢您的耐心，我们马上为您处理！"
            assert job.payload.contact_name == "王小明"
            expect(sent.locator(".delivery")).to_have_attribute("data-status", "sent")
            finish(farm, job)
            expect(sent.locator(".delivery")).to_have_attribute("data-status", "delivered")
            expect(sent.locator(".delivery")).to_contain_text("Delivered")

            # Chat text is untrusted: HTML in a message is shown as text, never run.
            customers_write(
                farm,
                read(
                    "王小明",
                    ("in", "我想要两件，今天能发货吗？"),
                    ("out", "感谢您的耐心，我们马上为您处理！"),
                    ("in", XSS),
                    badge=1,
                ),
            )
            hostile = page.locator(".msg.in .text", has_text="<script>alert(1)</script>")
            expect(hostile).to_have_text(XSS)
            assert page.locator("#messages img").count() == 0
            assert page.locator("#messages script").count() == 0
            page.wait_for_timeout(300)
            assert dialogs == []

            # Notes and tags on the right.
            page.fill("#note-input", "客户要两件，今天发顺丰")
            page.click("#note-form button[type=submit]")
            expect(page.locator("#notes .note-text")).to_have_text("客户要两件，今天发顺丰")
            page.fill("#tag-input", "VIP")
            page.press("#tag-input", "Enter")
            expect(page.locator("#p-tags .tag")).to_contain_text("VIP")

            # Alt+J / Alt+K move between conversations.
            current = page.locator("#t-name").text_content()
            page.keyboard.press("Alt+J")
            expect(page.locator("#t-name")).not_to_have_text(current or "")
            page.keyboard.press("Alt+K")
            expect(page.locator("#t-name")).to_have_text(current or "")
            page.screenshot(path=str(ARTIFACTS / "chat_pane_en.png"))

            # The same pane in zh-CN.
            page.locator("#app .lang-toggle").click()
            expect(page.locator("#t-resolve")).to_have_text("解决 (Alt+E)")
            expect(sent.locator(".delivery")).to_contain_text("已送达")
            box.click()
            box.type("/")
            expect(page.locator("#canned-pop .canned-item")).to_have_count(3)
            page.screenshot(path=str(ARTIFACTS / "chat_pane_zh.png"))
            box.press("Escape")
            box.fill("")

            # Alt+E resolves; the open tab no longer lists it.
            page.keyboard.press("Alt+E")
            expect(page.locator("#t-resolve")).to_have_text("重新打开")
            expect(page.locator(".conv")).to_have_count(4)  # the open one stays while shown
            state = farm.admin.get("/api/v1/conversations", params={"status": "resolved"})
            assert [c["contact"]["name"] for c in state.json()["items"]] == ["王小明"]
        finally:
            browser.close()
    assert dialogs == []
