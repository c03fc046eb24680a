"""Sync results become messages exactly once: same window twice, overlapping windows,
bursts longer than a screen; contacts, reopen, auto-tags, and how syncs are planned."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from chat_test_farm import (
    ChatFarm,
    bubble,
    chat_farm,
    conversation_with,
    conversations,
    inbound,
    texts,
    window,
)
from controller_support import SettingsFactory

from farm_controller.chat.planning import plan_syncs
from farm_protocol.chat import SyncChatsResult, SyncChatsTask
from farm_protocol.flow import FlowOutcome
from farm_protocol.jobs import JobKind, JobState
from tests.helpers.clock import FakeClock


@pytest.fixture
def farm(make_settings: SettingsFactory, clock: FakeClock) -> Iterator[ChatFarm]:
    with chat_farm(make_settings(), clock) as running:
        yield running


def test_first_sync_creates_contact_conversation_and_messages(farm: ChatFarm) -> None:
    farm.sync("PH-A", window("张三", inbound("你好", "在吗？😀"), reached_top=True, badge=2))
    [summary] = conversations(farm.admin)
    assert summary["contact"]["name"] == "张三"
    assert summary["account_name"] == "shop-a"
    assert summary["device_serial"] == "PH-A"
    assert summary["status"] == "open"
    assert summary["unread_count"] == 2
    assert summary["waiting_since"] is not None
    assert summary["last_message"] == {"text": "在吗？😀", "direction": "in"}
    detail = conversation_with(farm.admin, "张三")
    assert texts(detail) == [("in", "你好"), ("in", "在吗？😀")]
    assert [m["seq"] for m in detail["messages"]] == [1, 2]
    assert detail["messages"][0]["screen"]["via"] == "hierarchy"
    assert detail["messages"][0]["author"] is None


def test_history_answered_on_the_phone_is_read_not_waiting_and_not_timed(
    farm: ChatFarm, clock: FakeClock
) -> None:
    history = [bubble("in", "有货吗"), bubble("out", "有的"), bubble("in", "那我下单了")]
    farm.sync("PH-A", window("李四", history, reached_top=True, badge=1))
    [summary] = conversations(farm.admin)
    assert summary["unread_count"] == 1  # only what came after the phone's answer
    assert summary["waiting_since"] is not None
    assert summary["first_response_seconds"] is None  # the answer's delay is unknown
    clock.advance(40)
    farm.sync("PH-A", window("李四", [*history, bubble("out", "好的，马上发货")]))
    [summary] = conversations(farm.admin)
    assert summary["first_response_seconds"] == 40.0  # answered on the phone, 40 s later
    assert summary["waiting_since"] is None and summary["unread_count"] == 0


def test_the_same_window_twice_adds_nothing(farm: ChatFarm) -> None:
    read = window("c1", inbound("a", "b", "c"), reached_top=True)
    farm.sync("PH-A", read)
    farm.sync("PH-A", read)
    # The agent also reports it again for the same job (a retried finish).
    assert texts(conversation_with(farm.admin, "c1")) == [("in", "a"), ("in", "b"), ("in", "c")]


def test_overlapping_windows_append_only_the_new_part(farm: ChatFarm) -> None:
    farm.sync("PH-A", window("c1", inbound("m1", "m2", "m3", "m4"), reached_top=True))
    farm.sync("PH-A", window("c1", inbound("m3", "m4", "m5", "m6")))
    farm.sync("PH-A", window("c1", inbound("m2", "m3", "m4", "m5", "m6", "m7")))
    detail = conversation_with(farm.admin, "c1")
    assert [t for _, t in texts(detail)] == [f"m{i}" for i in range(1, 8)]
    assert [m["seq"] for m in detail["messages"]] == list(range(1, 8))


def test_a_burst_of_twenty_behind_the_anchor_is_complete_and_in_order(farm: ChatFarm) -> None:
    farm.sync("PH-A", window("burst", inbound("你好", "价格多少"), reached_top=True))
    burst = [f"第{i}条 消息 {'长' * (i * 7)}" for i in range(1, 21)]
    # The agent scrolled back until it saw the anchor: the window repeats its last message.
    farm.sync("PH-A", window("burst", inbound("价格多少", *burst)))
    farm.sync("PH-A", window("burst", inbound(*burst[-6:])))  # a later re-read
    detail = conversation_with(farm.admin, "burst")
    assert [t for _, t in texts(detail)] == ["你好", "价格多少", *burst]
    assert detail["unread_count"] == 22


def test_repeated_short_texts_are_not_mistaken_for_the_anchor(farm: ChatFarm) -> None:
    farm.sync("PH-A", window("ok", inbound("好的", "好的"), reached_top=True))
    # The chat list's badge says one is new: the repeated tail is not taken for the newest.
    farm.sync("PH-A", window("ok", inbound("好的", "好的", "好的"), badge=1))
    assert texts(conversation_with(farm.admin, "ok")) == [("in", "好的")] * 3


def test_a_window_that_misses_the_anchor_is_stored_and_flagged(farm: ChatFarm) -> None:
    farm.sync("PH-A", window("gap", inbound("old"), reached_top=True))
    farm.sync("PH-A", window("gap", inbound("new 1", "new 2"), reached_anchor=False))
    detail = conversation_with(farm.admin, "gap")
    assert texts(detail) == [("in", "old"), ("in", "new 1"), ("in", "new 2")]
    assert detail["messages"][1]["screen"].get("unaligned") is True


def test_ocr_variants_of_a_long_stored_message_still_align(farm: ChatFarm) -> None:
    long = "请问这款产品还有货吗我想要两件"
    farm.sync("PH-A", window("ocr", inbound(long), reached_top=True))
    misread = bubble("in", "请问这款产品还有貨吗我想要两件", via="ocr", confidence=0.8)
    farm.sync("PH-A", window("ocr", [misread, bubble("in", "谢谢", via="ocr")]))
    detail = conversation_with(farm.admin, "ocr")
    assert texts(detail) == [("in", long), ("in", "谢谢")]
    assert detail["messages"][1]["screen"]["via"] == "ocr"


def test_outgoing_bubbles_typed_on_the_phone_are_stored_without_author(farm: ChatFarm) -> None:
    farm.sync(
        "PH-A",
        window("p", [bubble("in", "hi"), bubble("out", "hello from the phone")], reached_top=True),
    )
    detail = conversation_with(farm.admin, "p")
    out = detail["messages"][1]
    assert (out["direction"], out["author"], out["status"]) == ("out", None, "delivered")
    assert detail["waiting_since"] is None


def test_inbound_reopens_a_resolved_conversation(farm: ChatFarm) -> None:
    farm.sync("PH-A", window("r", inbound("q1"), reached_top=True))
    conv = conversations(farm.admin)[0]
    resolved = farm.admin.post(
        f"/api/v1/conversations/{conv['id']}/status", json={"status": "resolved"}
    )
    assert resolved.json()["status"] == "resolved"
    farm.sync("PH-A", window("r", inbound("q1")))  # nothing new: stays resolved
    assert conversations(farm.admin)[0]["status"] == "resolved"
    farm.sync("PH-A", window("r", inbound("q1", "one more question")))
    assert conversations(farm.admin)[0]["status"] == "open"


def test_keyword_rules_tag_the_contact(farm: ChatFarm) -> None:
    rule = farm.admin.post("/api/v1/auto-tag-rules", json={"keyword": "价格", "tag": "意向客户"})
    assert rule.status_code == 201, rule.text
    farm.admin.post("/api/v1/auto-tag-rules", json={"keyword": "REFUND", "tag": "售后"})
    farm.sync("PH-A", window("t", inbound("你好"), reached_top=True))
    assert conversations(farm.admin)[0]["contact"]["tags"] == []
    farm.sync("PH-A", window("t", inbound("你好", "请问价格是多少", "I want a refund")))
    tags = [t["name"] for t in conversations(farm.admin)[0]["contact"]["tags"]]
    assert sorted(tags) == sorted(["意向客户", "售后"])
    assert conversations(farm.admin, tag="意向客户")[0]["contact"]["name"] == "t"


def test_conversations_of_different_accounts_stay_apart(farm: ChatFarm) -> None:
    farm.sync("PH-A", window("same name", inbound("for shop a"), reached_top=True))
    farm.sync("PH-B", window("same name", inbound("for shop b"), reached_top=True))
    by_account = {c["account_name"]: c for c in conversations(farm.admin)}
    assert by_account["shop-a"]["last_message"]["text"] == "for shop a"
    assert by_account["shop-b"]["last_message"]["text"] == "for shop b"
    assert by_account["shop-a"]["contact"]["id"] != by_account["shop-b"]["contact"]["id"]


def test_sync_jobs_carry_current_anchors_and_are_planned_one_at_a_time(
    farm: ChatFarm, clock: FakeClock
) -> None:
    farm.sync("PH-A", window("x", inbound(*[f"m{i}" for i in range(8)]), reached_top=True))
    farm.sync("PH-B", window("y", inbound("hello"), reached_top=True))
    clock.advance(farm.rt.settings.chat_sync_busy_interval + 1)
    planned = plan_syncs(farm.rt)
    assert {job.device_serial for job in planned} == {"PH-A", "PH-B"}
    assert plan_syncs(farm.rt) == []  # one unfinished sync per account at a time
    job = farm.agent.claim_one("PH-A", JobKind.SYNC_CHATS)
    task = SyncChatsTask.model_validate(job.payload)
    [anchor] = task.anchors
    assert anchor.contact_name == "x"
    assert [m.text for m in anchor.tail] == ["m3", "m4", "m5", "m6", "m7"]
    assert task.app == farm.accounts["shop-a"]["app"]  # the phone reads the account's app
    farm.agent.finish_sync(job)


def test_quiet_accounts_sync_less_often_than_busy_ones(farm: ChatFarm, clock: FakeClock) -> None:
    settings = farm.rt.settings
    first = farm.sync("PH-A", window("q", [bubble("out", "hi")], reached_top=True))
    assert first.kind is JobKind.SYNC_CHATS
    # PH-A's last sync saw no unread and nobody waits: the long interval applies.
    clock.advance(settings.chat_sync_busy_interval + 1)
    assert all(job.device_serial != "PH-A" for job in plan_syncs(farm.rt))
    clock.advance(settings.chat_sync_interval)
    assert any(job.device_serial == "PH-A" for job in plan_syncs(farm.rt))


def test_a_failed_sync_still_stores_what_it_read(farm: ChatFarm) -> None:
    plan_syncs(farm.rt)
    job = farm.agent.claim_one("PH-A", JobKind.SYNC_CHATS)
    result = {
        "conversations": [window("f", inbound("partial"), reached_top=True).model_dump(mode="json")]
    }
    response = farm.agent.finish_flow(
        job, FlowOutcome.FAILED, {"sync": result}, error="phone locked", retryable=False
    )
    assert response.status_code == 200, response.text
    assert farm.rt.jobs.get(job.id).state is JobState.FAILED
    assert texts(conversation_with(farm.admin, "f")) == [("in", "partial")]


def test_a_malformed_sync_result_is_refused_naming_the_field(farm: ChatFarm) -> None:
    plan_syncs(farm.rt)
    job = farm.agent.claim_one("PH-A", JobKind.SYNC_CHATS)
    response = farm.agent.finish_flow(
        job, FlowOutcome.SUCCEEDED, {"sync": {"conversations": [{"contact_name": "x"}]}}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"].startswith("report.result.data.sync")
    assert conversations(farm.admin) == []


def test_concurrent_reports_of_the_same_window_store_it_once(farm: ChatFarm) -> None:
    farm.sync("PH-A", window("race", inbound("start"), reached_top=True))
    result = SyncChatsResult(
        conversations=[window("race", inbound("start", *[f"r{i}" for i in range(20)]))]
    )
    farm.merge_at_once("shop-a", result, copies=6)
    detail = conversation_with(farm.admin, "race")
    assert [t for _, t in texts(detail)] == ["start", *[f"r{i}" for i in range(20)]]
    assert [m["seq"] for m in detail["messages"]] == list(range(1, 22))
