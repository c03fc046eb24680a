"""The chat API: list filters and pagination, status, notes, contacts, tags and rules,
canned replies, and bad input answered 4xx naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from chat_test_farm import (
    STAFF_A_TOKEN,
    ChatFarm,
    chat_farm,
    conversations,
    event_stream,
    inbound,
    window,
)
from controller_support import SettingsFactory
from sqlalchemy import select

from farm_controller.chat.inbox import merge_sync
from farm_controller.chat.planning import plan_syncs
from farm_controller.models import ChatSync, UserAccount
from farm_protocol.chat import SyncChatsResult
from farm_protocol.jobs import JobState
from tests.helpers.clock import FakeClock
from tests.helpers.users import add_user


@pytest.fixture
def farm(make_settings: SettingsFactory, clock: FakeClock) -> Iterator[ChatFarm]:
    with chat_farm(make_settings(), clock) as running:
        reads = [window(f"客户{i:02d}", inbound(f"问题 {i}"), reached_top=True) for i in range(12)]
        running.sync("PH-A", *reads)
        running.sync("PH-B", window("Bob", inbound("where is my parcel?"), reached_top=True))
        yield running


def first_id(farm: ChatFarm, **filters: Any) -> int:
    value: int = conversations(farm.admin, **filters)[0]["id"]
    return value


def test_list_filters_search_and_pagination(farm: ChatFarm, clock: FakeClock) -> None:
    assert len(conversations(farm.admin)) == 13
    page = farm.admin.get("/api/v1/conversations", params={"limit": 5, "offset": 10}).json()
    assert (page["total"], len(page["items"]), page["offset"]) == (13, 3, 10)
    assert len(conversations(farm.admin, account_id=farm.accounts["shop-b"]["id"])) == 1
    assert [c["contact"]["name"] for c in conversations(farm.admin, q="PARCEL")] == ["Bob"]
    assert [c["contact"]["name"] for c in conversations(farm.admin, q="客户03")] == ["客户03"]
    assert conversations(farm.admin, q="100%_") == []
    bob = first_id(farm, q="Bob")
    farm.admin.post(f"/api/v1/conversations/{bob}/read")
    assert bob not in [c["id"] for c in conversations(farm.admin, unread=True)]
    farm.admin.post(f"/api/v1/conversations/{bob}/status", json={"status": "pending"})
    assert [c["id"] for c in conversations(farm.admin, status="pending")] == [bob]
    assert bob not in [c["id"] for c in conversations(farm.admin, status="open")]
    assert len(conversations(farm.admin, unassigned=True)) == 13
    # Newest activity first.
    clock.advance(5)
    farm.sync("PH-A", window("客户05", inbound("问题 5", "追问")))
    assert conversations(farm.admin)[0]["contact"]["name"] == "客户05"


def test_detail_pages_back_through_history(farm: ChatFarm) -> None:
    farm.sync("PH-A", window("long", inbound(*[f"line {i}" for i in range(230)]), reached_top=True))
    conv = first_id(farm, q="long")
    detail = farm.admin.get(f"/api/v1/conversations/{conv}").json()
    assert len(detail["messages"]) == 200
    assert detail["has_more"] is True
    assert detail["messages"][-1]["text"] == "line 229"
    older = farm.admin.get(
        f"/api/v1/conversations/{conv}", params={"before_seq": detail["messages"][0]["seq"]}
    ).json()
    assert [m["text"] for m in older["messages"]] == [f"line {i}" for i in range(30)]
    assert older["has_more"] is False
    unknown = farm.admin.get(f"/api/v1/conversations/{conv}", params={"before_seq": 9999})
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["field"] == "before_seq"


def test_replies_not_seen_on_the_phone_yet_are_listed_last_and_page_in_screen_order(
    farm: ChatFarm,
) -> None:
    farm.sync("PH-A", window("screen", inbound("q1"), reached_top=True))
    conv = first_id(farm, q="screen")
    queued = farm.admin.post(f"/api/v1/conversations/{conv}/messages", json={"text": "r1"})
    assert queued.status_code == 201, queued.text
    # The customer wrote again before the reply went out; the phone shows q2 first (a
    # sync that was already running when the reply was written).
    result = SyncChatsResult(conversations=[window("screen", inbound("q1", "q2"))])
    merge_sync(farm.rt, farm.accounts["shop-a"]["id"], result, "sync-in-flight")
    detail = farm.admin.get(f"/api/v1/conversations/{conv}").json()
    assert [(m["text"], m["position"]) for m in detail["messages"]] == [
        ("q1", 1),
        ("q2", 2),
        ("r1", None),  # queued: not on the screen yet
    ]
    older = farm.admin.get(
        f"/api/v1/conversations/{conv}", params={"before_seq": detail["messages"][2]["seq"]}
    ).json()
    assert [m["text"] for m in older["messages"]] == ["q1", "q2"]
    older = farm.admin.get(
        f"/api/v1/conversations/{conv}", params={"before_seq": detail["messages"][1]["seq"]}
    ).json()
    assert [m["text"] for m in older["messages"]] == ["q1"]


def test_notes_status_and_events(farm: ChatFarm) -> None:
    conv = first_id(farm, q="客户01")
    with event_stream(farm.url, STAFF_A_TOKEN) as li:
        note = farm.admin.post(f"/api/v1/conversations/{conv}/notes", json={"text": "老客户，优先"})
        assert note.status_code == 201, note.text
        assert li.next(type_="note.created")["note"]["author"] == "api"
        resolved = farm.admin.post(
            f"/api/v1/conversations/{conv}/status", json={"status": "resolved"}
        )
        assert resolved.json()["status"] == "resolved"
        event = li.next(type_="conversation.updated")
        assert event["conversation"]["status"] == "resolved"
    detail = farm.admin.get(f"/api/v1/conversations/{conv}").json()
    assert [n["text"] for n in detail["notes"]] == ["老客户，优先"]


def test_contact_profile_and_tags(farm: ChatFarm) -> None:
    contact = conversations(farm.admin, q="Bob")[0]["contact"]
    url = f"/api/v1/contacts/{contact['id']}"
    changed = farm.admin.patch(
        url, json={"display_name": "Bob Li", "notes": "买过两次", "attributes": {"city": "杭州"}}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["display_name"] == "Bob Li"
    assert [c["contact"]["name"] for c in conversations(farm.admin, q="bob li")] == ["Bob"]
    tagged = farm.admin.put(f"{url}/tags", json={"tags": ["VIP", "回购"]})
    assert sorted(t["name"] for t in tagged.json()["tags"]) == ["VIP", "回购"]
    tagged = farm.admin.put(f"{url}/tags", json={"tags": ["VIP"]})
    assert [t["name"] for t in tagged.json()["tags"]] == ["VIP"]
    assert sorted(t["name"] for t in farm.admin.get("/api/v1/tags").json()) == ["VIP", "回购"]
    assert len(conversations(farm.admin, tag="VIP")) == 1
    assert farm.admin.get(url).json()["attributes"] == {"city": "杭州"}


def test_tags_and_rules_crud(farm: ChatFarm) -> None:
    tag = farm.admin.post("/api/v1/tags", json={"name": "潜在", "color": "#22C55E"})
    assert tag.status_code == 201
    assert tag.json()["color"] == "#22c55e"
    assert farm.admin.post("/api/v1/tags", json={"name": "潜在"}).status_code == 409
    renamed = farm.admin.patch(f"/api/v1/tags/{tag.json()['id']}", json={"name": "潜在客户"})
    assert renamed.json()["name"] == "潜在客户"
    rule = farm.admin.post("/api/v1/auto-tag-rules", json={"keyword": "多少钱", "tag": "潜在客户"})
    assert rule.status_code == 201
    again = farm.admin.post("/api/v1/auto-tag-rules", json={"keyword": "多少钱", "tag": "潜在客户"})
    assert again.status_code == 409
    assert [r["keyword"] for r in farm.admin.get("/api/v1/auto-tag-rules").json()] == ["多少钱"]
    assert farm.admin.delete(f"/api/v1/auto-tag-rules/{rule.json()['id']}").status_code == 204
    assert farm.admin.delete(f"/api/v1/tags/{tag.json()['id']}").status_code == 204
    assert farm.admin.get("/api/v1/tags").json() == []
    assert farm.admin.delete(f"/api/v1/tags/{tag.json()['id']}").status_code == 404


def test_canned_replies_crud(farm: ChatFarm) -> None:
    created = farm.admin.post(
        "/api/v1/canned-replies", json={"shortcode": "price", "text": "价格是 99 元"}
    )
    assert created.status_code == 201, created.text
    reply_id = created.json()["id"]
    dup = farm.admin.post("/api/v1/canned-replies", json={"shortcode": "PRICE", "text": "x"})
    assert dup.status_code == 409
    assert dup.json()["detail"][0]["field"] == "shortcode"
    farm.admin.post("/api/v1/canned-replies", json={"shortcode": "thanks", "text": "谢谢惠顾"})
    listed = farm.admin.get("/api/v1/canned-replies", params={"q": "pri"}).json()
    assert [r["shortcode"] for r in listed] == ["price"]
    patched = farm.admin.patch(f"/api/v1/canned-replies/{reply_id}", json={"text": "99 元包邮"})
    assert patched.json()["text"] == "99 元包邮"
    assert farm.admin.delete(f"/api/v1/canned-replies/{reply_id}").status_code == 204
    assert [r["shortcode"] for r in farm.admin.get("/api/v1/canned-replies").json()] == ["thanks"]


BAD = [
    ("POST", "/messages", {"text": ""}, "text"),
    ("POST", "/messages", {"text": "   "}, "text"),
    ("POST", "/messages", {}, "text"),
    ("POST", "/messages", {"text": "a\x00b"}, "text"),
    ("POST", "/messages", {"text": "hello \x1b[2J"}, "text"),
    ("POST", "/messages", {"text": "ring\x07"}, "text"),
    ("POST", "/messages", {"text": "x" * 4001}, "text"),
    ("POST", "/messages", {"text": "x", "send_at": "2030-01-01T10:00:00"}, "send_at"),
    ("POST", "/messages", {"text": "x", "send_at": "tomorrow"}, "send_at"),
    ("POST", "/messages", {"text": "x", "canned_reply_id": -1}, "canned_reply_id"),
    ("POST", "/messages", {"text": "x", "bot": True}, "bot"),
    ("POST", "/status", {"status": "snoozed"}, "status"),
    ("POST", "/assign", {"assignee": ""}, "assignee"),
    ("POST", "/notes", {"text": ""}, "text"),
    ("POST", "/messages/99999/retry", None, None),
]


@pytest.mark.parametrize(("method", "suffix", "body", "field"), BAD)
def test_bad_input_is_4xx_naming_the_field(
    farm: ChatFarm, method: str, suffix: str, body: object, field: str | None
) -> None:
    conv = first_id(farm)
    response = farm.admin.request(method, f"/api/v1/conversations/{conv}{suffix}", json=body)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["detail"][0]["field"] == field


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("GET", "/api/v1/conversations/0", None, "conversation_id"),
        ("GET", "/api/v1/conversations/99999999999", None, "conversation_id"),
        ("GET", "/api/v1/conversations?limit=0", None, "limit"),
        ("GET", "/api/v1/conversations?status=maybe", None, "status"),
        ("GET", "/api/v1/conversations?q=%00", None, "q"),
        ("POST", "/api/v1/tags", {"name": "x", "color": "red"}, "color"),
        ("POST", "/api/v1/tags", {"name": ""}, "name"),
        ("POST", "/api/v1/tags", {"name": "vip\x1b"}, "name"),
        ("POST", "/api/v1/tags", {"name": "two\nlines"}, "name"),
        ("PUT", "/api/v1/contacts/1/tags", {"tags": ["ok", "b\x08ad"]}, "tags[1]"),
        ("PATCH", "/api/v1/contacts/1", {"display_name": "Bob\x1b"}, "display_name"),
        ("POST", "/api/v1/auto-tag-rules", {"keyword": "buy\x07", "tag": "x"}, "keyword"),
        ("POST", "/api/v1/canned-replies", {"shortcode": "bel", "text": "hi\x07"}, "text"),
        ("POST", "/api/v1/canned-replies", {"shortcode": "has space", "text": "x"}, "shortcode"),
        (
            "POST",
            "/api/v1/canned-replies",
            {"shortcode": "ok", "text": "x", "media_id": "no"},
            "media_id",
        ),
        ("PATCH", "/api/v1/contacts/1", {"attributes": {"": "x"}}, "attributes..[key]"),
        ("POST", "/api/v1/auto-tag-rules", {"keyword": " ", "tag": "x"}, "keyword"),
    ],
)
def test_bad_chat_settings_are_4xx_naming_the_field(
    farm: ChatFarm, method: str, path: str, body: object, field: str
) -> None:
    response = farm.admin.request(method, path, json=body)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["detail"][0]["field"] == field


def test_the_pane_is_served_with_a_strict_policy(farm: ChatFarm) -> None:
    page = farm.admin.get("/chat")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<script type="module" src="/static/chat.js">' in page.text
    assert farm.admin.get("/static/chat.js").status_code == 200
    with farm.client(STAFF_A_TOKEN) as staff:
        assert staff.get("/", follow_redirects=False).headers["location"] == "/chat"


def test_an_account_with_chat_history_is_kept_with_a_409_naming_what_holds_it(
    farm: ChatFarm,
) -> None:
    shop_b = farm.accounts["shop-b"]["id"]
    before = conversations(farm.admin, account_id=shop_b)
    refused = farm.admin.delete(f"/api/v1/accounts/{shop_b}")
    assert refused.status_code == 409, refused.text
    [problem] = refused.json()["detail"]
    assert problem["type"] == "in_use"
    assert "1 conversation(s)" in problem["message"] and "1 contact(s)" in problem["message"]
    assert farm.admin.get(f"/api/v1/accounts/{shop_b}").status_code == 200
    assert conversations(farm.admin, account_id=shop_b) == before


def test_deleting_an_account_takes_its_sync_state_and_staff_assignments_along(
    farm: ChatFarm,
) -> None:
    farm.agent.register("PH-C")
    shop_c = farm.admin.post(
        "/api/v1/accounts", json={"name": "shop-c", "device_serial": "PH-C"}
    ).json()["id"]
    add_user(farm.rt, "zhao", "agent_staff", accounts_served=["shop-c", "shop-a"])
    farm.sync("PH-C")  # read, nothing there: a sync state, no chat history
    [queued] = [
        j
        for j in plan_syncs(farm.rt, farm.rt.clock() + timedelta(hours=1))
        if j.device_serial == "PH-C"
    ]
    deleted = farm.admin.delete(f"/api/v1/accounts/{shop_c}")
    assert deleted.status_code == 204, deleted.text
    assert farm.admin.get(f"/api/v1/accounts/{shop_c}").status_code == 404
    with farm.rt.sessions() as session:
        assert session.get(ChatSync, shop_c) is None
        served = session.scalars(select(UserAccount.account_id)).all()
    assert shop_c not in served and farm.accounts["shop-a"]["id"] in served
    assert farm.rt.jobs.get(queued.id).state is JobState.CANCELLED


def test_replies_and_canned_replies_a_phone_cannot_type_are_refused_and_not_stored(
    farm: ChatFarm,
) -> None:
    conv = first_id(farm)
    before = farm.admin.get(f"/api/v1/conversations/{conv}").json()["messages"]
    for path, body in [
        (f"/api/v1/conversations/{conv}/messages", {"text": "\x1b[31mred"}),
        ("/api/v1/canned-replies", {"shortcode": "esc", "text": "a\x1bb"}),
        ("/api/v1/tags", {"name": "\x07"}),
    ]:
        refused = farm.admin.post(path, json=body)
        assert refused.status_code == 422, refused.text
        [problem] = refused.json()["detail"]
        assert problem["type"] == "control_character" and problem["field"] in ("text", "name")
    assert farm.admin.get(f"/api/v1/conversations/{conv}").json()["messages"] == before
    assert farm.admin.get("/api/v1/canned-replies").json() == []
    assert farm.admin.get("/api/v1/tags").json() == []
    kept = farm.admin.post(
        f"/api/v1/conversations/{conv}/messages", json={"text": "第一行\n\t第二行"}
    )
    assert kept.status_code == 201, kept.text
    assert kept.json()["text"] == "第一行\n\t第二行"
