"""Who sees which conversation: staff only their accounts', over REST and the WebSocket."""

from __future__ import annotations

import hashlib
import json
import queue
from collections.abc import Iterator

import pytest
from chat_test_farm import (
    STAFF_A_TOKEN,
    STAFF_B_TOKEN,
    ChatFarm,
    chat_farm,
    conversations,
    event_stream,
    inbound,
    window,
)
from controller_support import AGENT_TOKEN, API_TOKEN, SettingsFactory
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from farm_controller.models import ApiTokenRecord
from tests.helpers.clock import FakeClock


@pytest.fixture
def farm(make_settings: SettingsFactory, clock: FakeClock) -> Iterator[ChatFarm]:
    with chat_farm(make_settings(), clock) as running:
        running.sync("PH-A", window("a-customer", inbound("for A"), reached_top=True))
        running.sync("PH-B", window("b-customer", inbound("for B"), reached_top=True))
        yield running


def ids_by_account(farm: ChatFarm) -> dict[str, int]:
    return {c["account_name"]: c["id"] for c in conversations(farm.admin)}


def test_staff_list_only_their_accounts(farm: ChatFarm) -> None:
    with farm.client(STAFF_A_TOKEN) as li, farm.client(STAFF_B_TOKEN) as wang:
        assert [c["account_name"] for c in conversations(li)] == ["shop-a"]
        assert [c["account_name"] for c in conversations(wang)] == ["shop-b"]
        assert conversations(li, account_id=farm.accounts["shop-b"]["id"]) == []
        assert conversations(li, q="for B") == []
        me = li.get("/api/v1/me").json()
        assert (me["name"], me["role"]) == ("li", "agent_staff")
        assert [a["name"] for a in me["accounts"]] == ["shop-a"]
        assert me["users"] == ["li"]
    assert farm.admin.get("/api/v1/me").json()["users"] == ["li", "wang"]
    assert len(conversations(farm.admin)) == 2


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/conversations/{b}", None),
        ("POST", "/api/v1/conversations/{b}/messages", {"text": "hi"}),
        ("POST", "/api/v1/conversations/{b}/read", None),
        ("POST", "/api/v1/conversations/{b}/assign", {"assignee": "li"}),
        ("POST", "/api/v1/conversations/{b}/status", {"status": "resolved"}),
        ("POST", "/api/v1/conversations/{b}/notes", {"text": "secret"}),
        ("GET", "/api/v1/contacts/{bc}", None),
        ("PATCH", "/api/v1/contacts/{bc}", {"notes": "x"}),
        ("PUT", "/api/v1/contacts/{bc}/tags", {"tags": ["vip"]}),
    ],
)
def test_staff_cannot_read_or_write_another_accounts_conversation(
    farm: ChatFarm, method: str, path: str, body: object
) -> None:
    b = ids_by_account(farm)["shop-b"]
    [b_conv] = [c for c in conversations(farm.admin) if c["id"] == b]
    url = path.format(b=b, bc=b_conv["contact"]["id"])
    with farm.client(STAFF_A_TOKEN) as li:
        response = li.request(method, url, json=body)
    assert response.status_code == 404, response.text
    assert response.json()["detail"][0]["type"] == "not_found"
    after = farm.admin.get(f"/api/v1/conversations/{b}").json()
    assert [m["text"] for m in after["messages"]] == ["for B"]
    assert after["notes"] == []
    assert after["assignee"] is None
    assert after["status"] == "open"
    assert after["unread_count"] == 1
    assert after["contact"]["tags"] == []


def test_tokens_decide_who_may_call(farm: ChatFarm) -> None:
    with farm.client("not-a-token-" + "q" * 30) as nobody:
        assert nobody.get("/api/v1/conversations").status_code == 401
    with farm.client(AGENT_TOKEN) as agent:
        assert agent.get("/api/v1/conversations").status_code == 401
    with farm.client(STAFF_A_TOKEN) as li:
        # A staff member's token is theirs: the rest of the public API is not for their role.
        assert li.get("/api/v1/posts").status_code == 403
        assert li.get("/api/v1/accounts").status_code == 403
        # Admin-only chat settings.
        rule = li.post("/api/v1/auto-tag-rules", json={"keyword": "x", "tag": "y"})
        assert rule.status_code == 403
        assert rule.json()["detail"][0]["type"] == "forbidden"
        # Everyone shares the canned replies and may create tags.
        assert li.post("/api/v1/tags", json={"name": "vip"}).status_code == 201
        canned = li.post("/api/v1/canned-replies", json={"shortcode": "hi", "text": "Hello"})
        assert canned.status_code == 201
        assert canned.json()["created_by"] == "li"


def test_assignment_only_to_users_who_serve_the_account(farm: ChatFarm) -> None:
    a = ids_by_account(farm)["shop-a"]
    with farm.client(STAFF_A_TOKEN) as li:
        ok = li.post(f"/api/v1/conversations/{a}/assign", json={"assignee": "li"})
        assert ok.status_code == 200, ok.text
        assert ok.json()["assignee"] == "li"
        assert [c["id"] for c in conversations(li, mine=True)] == [a]
        wrong = li.post(f"/api/v1/conversations/{a}/assign", json={"assignee": "wang"})
        assert wrong.status_code == 422
        assert wrong.json()["detail"][0]["field"] == "assignee"
        nobody = li.post(f"/api/v1/conversations/{a}/assign", json={"assignee": "ghost"})
        assert nobody.status_code == 422


def test_the_websocket_only_carries_events_of_the_users_accounts(farm: ChatFarm) -> None:
    with (
        event_stream(farm.url, STAFF_A_TOKEN) as li,
        event_stream(farm.url, STAFF_B_TOKEN) as wang,
        event_stream(farm.url, API_TOKEN) as admin,
    ):
        farm.sync("PH-B", window("b-customer", inbound("for B", "second for B")))
        got = wang.next(type_="message.created")
        assert got["message"]["text"] == "second for B"
        assert admin.next(type_="message.created")["message"]["text"] == "second for B"
        farm.sync("PH-A", window("a-customer", inbound("for A", "second for A")))
        assert li.next(type_="message.created")["message"]["text"] == "second for A"
        seen_by_li = li.drain()
        assert all(e["account_id"] == farm.accounts["shop-a"]["id"] for e in seen_by_li)
        b = ids_by_account(farm)["shop-b"]
        farm.admin.post(f"/api/v1/conversations/{b}/notes", json={"text": "只给B看"})
        assert wang.next(type_="note.created")["note"]["text"] == "只给B看"
        assert all(e["type"] != "note.created" for e in li.drain())


def test_the_websocket_refuses_a_bad_token(farm: ChatFarm) -> None:
    url = farm.url.replace("http://", "ws://") + "/api/v1/ws"
    with connect(url, open_timeout=5) as connection:
        connection.send(json.dumps({"type": "auth", "token": AGENT_TOKEN}))
        assert json.loads(connection.recv(timeout=5))["type"] == "error"
        with pytest.raises(ConnectionClosed) as closed:
            connection.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    for first in ("not json", "[1, 2]", '{"type": "auth", "token": 5}', '{"token": "x"}'):
        with connect(url, open_timeout=5) as connection:
            connection.send(first)
            assert json.loads(connection.recv(timeout=5))["type"] == "error"


def test_ping_pong(farm: ChatFarm) -> None:
    with event_stream(farm.url, STAFF_A_TOKEN) as li:
        li.connection.send(json.dumps({"type": "ping"}))
        assert li.next(type_="pong") == {"type": "pong"}
        with pytest.raises(queue.Empty):
            li.next(timeout=0.2, type_="message.created")


def test_user_tokens_are_stored_as_hashes_only(farm: ChatFarm) -> None:
    with farm.rt.sessions() as session:
        stored = session.scalars(select(ApiTokenRecord.token_sha256)).all()
    assert stored and STAFF_A_TOKEN not in stored
    assert hashlib.sha256(STAFF_A_TOKEN.encode()).hexdigest() in stored
