"""An open WebSocket keeps only the access its credential still gives, within a second.

Deactivating a user, revoking a token, signing a session out or unassigning a staff
member from an account takes effect on the sockets already open — the chat events
(`/api/v1/ws`) and the live screens (`/api/v1/ws/screens`) — not only on later requests.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from chat_test_farm import (
    STAFF_A_TOKEN,
    ChatFarm,
    EventStream,
    chat_farm,
    event_stream,
    inbound,
    window,
)
from controller_support import SettingsFactory
from websockets.sync.client import connect

from tests.helpers.clock import FakeClock
from tests.helpers.users import PASSWORD, add_user

OPERATOR_TOKEN = "operator-token-" + "o" * 30
WITHIN_S = 1.0
"""The promise: a change reaches the open sockets within this."""


@pytest.fixture
def farm(make_settings: SettingsFactory, clock: FakeClock) -> Iterator[ChatFarm]:
    with chat_farm(make_settings(), clock) as running:
        running.sync("PH-A", window("a-customer", inbound("for A"), reached_top=True))
        add_user(running.rt, "ops", "operator", token=OPERATOR_TOKEN)
        yield running


def user_id(farm: ChatFarm, name: str) -> int:
    found: int = next(
        u["id"] for u in farm.admin.get("/api/v1/users").json() if u["username"] == name
    )
    return found


def closed_within(stream: EventStream, seconds: float) -> float:
    """Seconds until the server closed the socket (fails after `seconds`)."""
    started = time.monotonic()
    assert stream.closed.wait(seconds), f"the socket was still open after {seconds} s"
    return time.monotonic() - started


def close_code(stream: EventStream) -> int | None:
    code: int | None = stream.connection.close_code
    return code


def texts(events: list[dict[str, Any]]) -> list[str]:
    """The texts of the new messages among `events`."""
    return [e["message"]["text"] for e in events if e.get("type") == "message.created"]


def customer_writes(farm: ChatFarm, text: str) -> None:
    farm.sync("PH-A", window("a-customer", inbound("for A", text)))


def test_a_revoked_token_closes_the_chat_socket_it_opened(farm: ChatFarm) -> None:
    with event_stream(farm.url, STAFF_A_TOKEN) as li:
        customer_writes(farm, "before")
        assert li.next(type_="message.created")["message"]["text"] == "before"
        li_id = user_id(farm, "li")
        [token] = farm.admin.get(f"/api/v1/users/{li_id}/tokens").json()
        revoked = farm.admin.delete(f"/api/v1/users/{li_id}/tokens/{token['id']}")
        assert revoked.status_code == 204
        closed_within(li, WITHIN_S + 0.5)
        assert close_code(li) == 4401
        customer_writes(farm, "after the revocation")
        assert "after the revocation" not in texts(li.drain(0.5))


def test_a_deactivated_user_loses_both_sockets(farm: ChatFarm) -> None:
    screens_url = farm.url.replace("http://", "ws://") + "/api/v1/ws/screens"
    with (
        event_stream(farm.url, STAFF_A_TOKEN) as li,
        connect(screens_url, open_timeout=5) as screens,
    ):
        screens.send(json.dumps({"type": "auth", "token": OPERATOR_TOKEN}))
        assert json.loads(screens.recv(timeout=5))["type"] == "ready"
        for name in ("li", "ops"):
            changed = farm.admin.patch(
                f"/api/v1/users/{user_id(farm, name)}", json={"active": False}
            )
            assert changed.status_code == 200, changed.text
        closed_within(li, WITHIN_S + 0.5)
        assert close_code(li) == 4401
        started = time.monotonic()
        with pytest.raises(Exception) as ended:
            while True:
                screens.recv(timeout=WITHIN_S + 0.5)
        assert time.monotonic() - started <= WITHIN_S + 0.5
        assert screens.close_code == 4401, ended.value


def test_signing_out_closes_the_sessions_socket(farm: ChatFarm) -> None:
    add_user(farm.rt, "zhou", "agent_staff", accounts_served=["shop-a"])
    with httpx.Client(base_url=farm.url, timeout=30) as browser:
        signed_in = browser.post(
            "/api/v1/auth/login", json={"username": "zhou", "password": PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        csrf = signed_in.json()["csrf_token"]
        url = farm.url.replace("http://", "ws://") + "/api/v1/ws"
        cookie = f"pf_session={browser.cookies['pf_session']}"
        with connect(url, open_timeout=5, additional_headers={"Cookie": cookie}) as connection:
            connection.send(json.dumps({"type": "auth"}))
            stream = EventStream(connection)
            assert stream.next()["type"] == "ready"
            out = browser.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
            assert out.status_code == 204
            closed_within(stream, WITHIN_S + 0.5)
            assert close_code(stream) == 4401


def test_unassigning_an_account_narrows_the_open_socket(farm: ChatFarm) -> None:
    with event_stream(farm.url, STAFF_A_TOKEN) as li:
        customer_writes(farm, "still mine")
        assert li.next(type_="message.created")["message"]["text"] == "still mine"
        changed = farm.admin.patch(f"/api/v1/users/{user_id(farm, 'li')}", json={"account_ids": []})
        assert changed.status_code == 200, changed.text
        time.sleep(WITHIN_S)
        customer_writes(farm, "no longer li's")
        assert "no longer li's" not in texts(li.drain(0.7))
        assert not li.closed.is_set(), "narrowed, not closed: li may still get other accounts"
        li.connection.send(json.dumps({"type": "ping"}))
        assert li.next(type_="pong") == {"type": "pong"}


def test_a_role_that_may_no_longer_use_the_socket_closes_it_4403(farm: ChatFarm) -> None:
    screens_url = farm.url.replace("http://", "ws://") + "/api/v1/ws/screens"
    with connect(screens_url, open_timeout=5) as screens:
        screens.send(json.dumps({"type": "auth", "token": OPERATOR_TOKEN}))
        assert json.loads(screens.recv(timeout=5))["type"] == "ready"
        changed = farm.admin.patch(
            f"/api/v1/users/{user_id(farm, 'ops')}", json={"role": "agent_staff"}
        )
        assert changed.status_code == 200, changed.text
        with pytest.raises(Exception):  # noqa: B017 - the close ends the stream
            while True:
                screens.recv(timeout=WITHIN_S + 0.5)
        assert screens.close_code == 4403
