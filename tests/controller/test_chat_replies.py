"""Replies: reply → send_message job → the agent's finish → delivery status; unconfirmed
sends are checked before any retry; failed ones really resend; the per-minute cap."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from chat_test_farm import (
    STAFF_A_TOKEN,
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

from farm_controller.scheduler import reap
from farm_protocol.chat import SendMessageTask
from farm_protocol.flow import FlowOutcome
from farm_protocol.jobs import JobKind, JobState
from tests.helpers.clock import FakeClock


@pytest.fixture
def farm(make_settings: SettingsFactory, clock: FakeClock) -> Iterator[ChatFarm]:
    settings = make_settings(messages_per_minute=3, lease_seconds=30)
    with chat_farm(settings, clock) as running:
        running.sync("PH-A", window("客户甲", inbound("你好，在吗"), reached_top=True))
        yield running


def conversation_id(farm: ChatFarm) -> int:
    [conversation] = conversations(farm.admin, account_id=farm.accounts["shop-a"]["id"])
    value: int = conversation["id"]
    return value


def send(farm: ChatFarm, token: str | None = None, **body: Any) -> dict[str, Any]:
    client = farm.client(token) if token else farm.admin
    response = client.post(f"/api/v1/conversations/{conversation_id(farm)}/messages", json=body)
    assert response.status_code == 201, response.text
    message: dict[str, Any] = response.json()
    return message


def message(farm: ChatFarm, message_id: int) -> dict[str, Any]:
    detail = farm.admin.get(f"/api/v1/conversations/{conversation_id(farm)}").json()
    [found] = [m for m in detail["messages"] if m["id"] == message_id]
    return dict(found)


def test_reply_is_queued_claimed_sent_and_delivered(farm: ChatFarm, clock: FakeClock) -> None:
    clock.advance(30)
    with farm.client(STAFF_A_TOKEN) as li:
        reply = li.post(
            f"/api/v1/conversations/{conversation_id(farm)}/messages",
            json={"text": "在的，请问需要什么？🙂"},
        )
    assert reply.status_code == 201, reply.text
    created = reply.json()
    assert (created["direction"], created["author"], created["status"]) == ("out", "li", "queued")
    assert created["job_id"]
    summary = conversations(farm.admin)[0]
    assert summary["waiting_since"] is None
    assert summary["first_response_seconds"] == 30.0

    job = farm.agent.claim_one("PH-A", JobKind.SEND_MESSAGE)
    assert job.id == created["job_id"]
    task = SendMessageTask.model_validate(job.payload)
    assert task.text == "在的，请问需要什么？🙂"
    assert task.contact_name == "客户甲"
    assert task.message_id == created["id"]
    assert task.check_first is False
    assert task.app == farm.accounts["shop-a"]["app"]  # the phone runs the account's app
    assert message(farm, created["id"])["status"] == "sent"

    done = farm.agent.finish_flow(job, FlowOutcome.SUCCEEDED)
    assert done.status_code == 200, done.text
    delivered = message(farm, created["id"])
    assert delivered["status"] == "delivered"
    assert delivered["delivered_at"] is not None

    # The next sync sees the bubble on screen after the anchor: nothing is duplicated.
    farm.sync(
        "PH-A",
        window("客户甲", [bubble("in", "你好，在吗"), bubble("out", "在的，请问需要什么？🙂")]),
    )
    assert texts(conversation_with(farm.admin, "客户甲")) == [
        ("in", "你好，在吗"),
        ("out", "在的，请问需要什么？🙂"),
    ]


def test_already_done_counts_as_delivered(farm: ChatFarm) -> None:
    created = send(farm, text="ok")
    job = farm.agent.claim_one("PH-A", JobKind.SEND_MESSAGE)
    farm.agent.finish_flow(job, FlowOutcome.ALREADY_DONE)
    assert message(farm, created["id"])["status"] == "delivered"


def test_unknown_outcome_is_requeued_with_check_first(farm: ChatFarm) -> None:
    created = send(farm, text="发货了吗？")
    job = farm.agent.claim_one("PH-A", JobKind.SEND_MESSAGE)
    response = farm.agent.finish_flow(job, FlowOutcome.UNKNOWN, error="phone froze after send")
    assert response.status_code == 200, response.text
    stored = farm.rt.jobs.get(job.id)
    assert stored.state is JobState.QUEUED
    assert stored.needs_check is True
    shown = message(farm, created["id"])
    assert shown["status"] == "unconfirmed"
    assert "froze" in shown["error"]

    again = farm.agent.claim_one("PH-A", JobKind.SEND_MESSAGE)
    assert again.id == job.id
    assert again.check_first is True
    assert SendMessageTask.model_validate(again.payload).check_first is True
    farm.agent.finish_flow(again, FlowOutcome.ALREADY_DONE)
    assert message(farm, created["id"])["status"] == "delivered"


def test_an_expired_lease_makes_the_send_unconfirmed_and_checked(
    farm: ChatFarm, clock: FakeClock
) -> None:
    created = send(farm, text="稍等")
    job = farm.agent.claim_one("PH-A", JobKind.SEND_MESSAGE)
    clock.advance(31)
    reap(farm.rt)
    assert farm.rt.jobs.get(job.id).needs_check is True
    assert message(farm, created["id"])["status"] == "unconfirmed"
    # The agent that lost its lease reports success late: believe the phone.
    late = farm.agent.finish_flow(job, FlowOutcome.SUCCEEDED)
    assert late.status_code == 200, late.text
    assert "late report" in late.json()["note"]
    assert message(farm, created["id"])["status"] == "delivered"
    assert farm.rt.jobs.get(job.id).state is JobState.CANCELLED


def test_a_sync_that_shows_an_unconfirmed_reply_delivers_it_and_drops_the_check(
    farm: ChatFarm, clock: FakeClock
) -> None:
    created = send(farm, text="已经发货")
    job = farm.agent.claim_one("PH-A", JobKind.SEND_MESSAGE)
    farm.agent.finish_flow(job, FlowOutcome.UNKNOWN, error="lost the screen")
    assert farm.rt.jobs.get(job.id).needs_check is True
    # A sync runs before the check: the reply's bubble is on the screen after the anchor.
    sync = farm.rt.jobs.enqueue(
        JobKind.SYNC_CHATS,
        "PH-A",
        {"account_id": farm.accounts["shop-a"]["id"]},
        not_before=clock.now - timedelta(seconds=5),
    )
    claimed = farm.agent.claim_one("PH-A", JobKind.SYNC_CHATS)
    assert claimed.id == sync.id
    farm.agent.finish_sync(
        claimed, window("客户甲", [bubble("in", "你好，在吗"), bubble("out", "已经发货")])
    )
    detail = conversation_with(farm.admin, "客户甲")
    assert texts(detail) == [("in", "你好，在吗"), ("out", "已经发货")]
    assert detail["messages"][1]["id"] == created["id"]
    assert detail["messages"][1]["status"] == "delivered"
    assert farm.rt.jobs.get(job.id).state is JobState.CANCELLED
    assert farm.agent.claim("PH-A") == []


def test_failed_reply_can_be_retried_and_really_resends(farm: ChatFarm) -> None:
    created = send(farm, text="再发一次")
    job = farm.agent.claim_one("PH-A", JobKind.SEND_MESSAGE)
    farm.agent.finish_flow(job, FlowOutcome.FAILED, error="contact not found", retryable=False)
    failed = message(farm, created["id"])
    assert failed["status"] == "failed"
    assert failed["error"] == "contact not found"

    base = f"/api/v1/conversations/{conversation_id(farm)}/messages/{created['id']}"
    retried = farm.admin.post(f"{base}/retry")
    assert retried.status_code == 200, retried.text
    body = retried.json()
    assert body["status"] == "queued"
    assert body["attempts"] == 2
    assert body["job_id"] != job.id
    again = farm.agent.claim_one("PH-A", JobKind.SEND_MESSAGE)
    assert again.id == body["job_id"]
    assert again.check_first is False
    farm.agent.finish_flow(again, FlowOutcome.SUCCEEDED)
    assert message(farm, created["id"])["status"] == "delivered"
    # Only failed replies can be retried.
    assert farm.admin.post(f"{base}/retry").status_code == 409


def test_retryable_failures_are_retried_by_the_queue_first(farm: ChatFarm) -> None:
    created = send(farm, text="x")
    job = farm.agent.claim_one("PH-A", JobKind.SEND_MESSAGE)
    farm.agent.finish_flow(job, FlowOutcome.FAILED, error="input method hiccup")
    assert message(farm, created["id"])["status"] == "queued"


def test_canned_reply_text_is_used(farm: ChatFarm) -> None:
    canned = farm.admin.post(
        "/api/v1/canned-replies", json={"shortcode": "hi", "text": "您好，我是客服小李"}
    ).json()
    created = send(farm, canned_reply_id=canned["id"])
    assert created["text"] == "您好，我是客服小李"
    missing = farm.admin.post(
        f"/api/v1/conversations/{conversation_id(farm)}/messages", json={"canned_reply_id": 999}
    )
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["field"] == "canned_reply_id"


def test_the_per_minute_cap_refuses_before_queuing(farm: ChatFarm, clock: FakeClock) -> None:
    for i in range(3):
        send(farm, text=f"m{i}")
    over = farm.admin.post(
        f"/api/v1/conversations/{conversation_id(farm)}/messages", json={"text": "one too many"}
    )
    assert over.status_code == 429
    [problem] = over.json()["detail"]
    assert (problem["field"], problem["type"]) == ("text", "cap_reached")
    assert "3 message(s) per minute" in problem["message"]
    assert len(farm.rt.jobs.list(kind=JobKind.SEND_MESSAGE)) == 3
    clock.advance(61)
    send(farm, text="after a minute")


def test_account_cap_overrides_the_default(farm: ChatFarm) -> None:
    account = farm.accounts["shop-a"]
    changed = farm.admin.patch(f"/api/v1/accounts/{account['id']}", json={"messages_per_minute": 1})
    assert changed.status_code == 200, changed.text
    assert changed.json()["messages_per_minute"] == 1
    send(farm, text="one")
    over = farm.admin.post(
        f"/api/v1/conversations/{conversation_id(farm)}/messages", json={"text": "two"}
    )
    assert over.status_code == 429


def test_send_later_waits_and_can_be_cancelled(farm: ChatFarm, clock: FakeClock) -> None:
    later = clock.now + timedelta(minutes=10)
    created = send(farm, text="明天见", send_at=later.isoformat())
    assert created["send_at"].startswith(later.strftime("%Y-%m-%dT%H:%M"))
    assert farm.agent.claim("PH-A") == []
    clock.advance(10 * 60 + 1)
    job = farm.agent.claim_one("PH-A", JobKind.SEND_MESSAGE)
    farm.agent.finish_flow(job, FlowOutcome.SUCCEEDED)
    assert message(farm, created["id"])["status"] == "delivered"

    second = send(farm, text="取消这条", send_at=(clock.now + timedelta(hours=1)).isoformat())
    base = f"/api/v1/conversations/{conversation_id(farm)}/messages/{second['id']}"
    cancelled = farm.admin.post(f"{base}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert farm.rt.jobs.get(second["job_id"]).state is JobState.CANCELLED
    assert farm.admin.post(f"{base}/cancel").status_code == 409


def test_send_at_in_the_past_is_refused(farm: ChatFarm, clock: FakeClock) -> None:
    past = clock.now - timedelta(hours=1)
    response = farm.admin.post(
        f"/api/v1/conversations/{conversation_id(farm)}/messages",
        json={"text": "late", "send_at": past.isoformat()},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "send_at"


def test_syncs_wait_while_a_reply_is_queued_for_the_phone(farm: ChatFarm, clock: FakeClock) -> None:
    from farm_controller.chat.planning import plan_syncs

    send(farm, text="first the reply")
    clock.advance(3600)
    assert all(job.device_serial != "PH-A" for job in plan_syncs(farm.rt))
    job = farm.agent.claim_one("PH-A", JobKind.SEND_MESSAGE)
    farm.agent.finish_flow(job, FlowOutcome.SUCCEEDED)
    assert any(job.device_serial == "PH-A" for job in plan_syncs(farm.rt))


def sent_window(*bubbles: Any) -> dict[str, object]:
    """A send job's `data`: what the conversation showed after the send (or the check)."""
    return {"window": window("客户甲", list(bubbles), reached_anchor=False).model_dump(mode="json")}


def test_a_reply_found_by_its_check_after_a_later_one_keeps_its_place_on_the_screen(
    farm: ChatFarm, clock: FakeClock
) -> None:
    first = send(farm, text="稍等，我查一下")
    lost = farm.agent.claim_one("PH-A", JobKind.SEND_MESSAGE)
    second = send(farm, text="查到了，明天发货")
    clock.advance(31)
    reap(farm.rt)  # the first send's agent died after tapping Send: unconfirmed, to check
    assert message(farm, first["id"])["status"] == "unconfirmed"

    # The second reply goes out first (the check waits for its backoff); the screen shows
    # the first one above it, so both take their places as the screen shows them.
    job = farm.agent.claim_one("PH-A", JobKind.SEND_MESSAGE)
    assert job.id == second["job_id"]
    screen = [
        bubble("in", "你好，在吗"),
        bubble("out", "稍等，我查一下"),
        bubble("out", "查到了，明天发货"),
    ]
    done = farm.agent.finish_flow(job, FlowOutcome.SUCCEEDED, sent_window(*screen))
    assert done.status_code == 200, done.text
    detail = conversation_with(farm.admin, "客户甲")
    assert texts(detail) == [(b.direction, b.text) for b in screen]
    assert [m["status"] for m in detail["messages"][1:]] == ["delivered", "delivered"]
    assert [m["id"] for m in detail["messages"][1:]] == [first["id"], second["id"]]
    assert farm.rt.jobs.get(lost.id).state is JobState.CANCELLED  # no check, no resend
    assert farm.agent.claim("PH-A") == []

    # The next sync aligns with what is stored: only the new message is added.
    farm.sync("PH-A", window("客户甲", [*screen, bubble("in", "好的谢谢")]))
    assert texts(conversation_with(farm.admin, "客户甲")) == [
        *[(b.direction, b.text) for b in screen],
        ("in", "好的谢谢"),
    ]


def test_a_send_window_shows_new_customer_messages_once(farm: ChatFarm) -> None:
    created = send(farm, text="您好")
    job = farm.agent.claim_one("PH-A", JobKind.SEND_MESSAGE)
    screen = [bubble("in", "你好，在吗"), bubble("in", "有人吗？"), bubble("out", "您好")]
    farm.agent.finish_flow(job, FlowOutcome.SUCCEEDED, sent_window(*screen))
    detail = conversation_with(farm.admin, "客户甲")
    # Listed in the phone's order: the customer asked again before the reply went out.
    assert texts(detail) == [(b.direction, b.text) for b in screen]
    assert [m["seq"] for m in detail["messages"]] == [1, 3, 2]  # learnt in another order
    assert detail["messages"][2]["id"] == created["id"]
    assert detail["messages"][2]["status"] == "delivered"
    assert conversations(farm.admin)[0]["unread_count"] == 2
    # The screen order is what later syncs align with: this one adds nothing.
    farm.sync("PH-A", window("客户甲", screen))
    assert len(conversation_with(farm.admin, "客户甲")["messages"]) == 3


def test_a_send_window_that_does_not_meet_the_stored_messages_is_not_stored(
    farm: ChatFarm,
) -> None:
    created = send(farm, text="在的")
    job = farm.agent.claim_one("PH-A", JobKind.SEND_MESSAGE)
    unrelated = [bubble("in", "别的对话"), bubble("out", "在的")]
    done = farm.agent.finish_flow(job, FlowOutcome.SUCCEEDED, sent_window(*unrelated))
    assert done.status_code == 200, done.text
    detail = conversation_with(farm.admin, "客户甲")
    assert texts(detail) == [("in", "你好，在吗"), ("out", "在的")]
    assert detail["messages"][1]["id"] == created["id"]
    assert detail["messages"][1]["status"] == "delivered"
    # A malformed window is ignored too: the delivery is what counts.
    other = send(farm, text="好")
    job = farm.agent.claim_one("PH-A", JobKind.SEND_MESSAGE)
    bad = farm.agent.finish_flow(job, FlowOutcome.SUCCEEDED, {"window": {"bubbles": "?"}})
    assert bad.status_code == 200, bad.text
    assert message(farm, other["id"])["status"] == "delivered"
