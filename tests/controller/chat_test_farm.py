"""Helpers for the chat tests: users with their own tokens (personal API tokens), a fake
agent that reads chats (sync windows) and sends replies through the agent API, and a
WebSocket client."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from controller_support import FakeAgent, api_headers, create_account
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from farm_controller import create_app
from farm_controller.chat.inbox import merge_sync
from farm_controller.chat.planning import plan_syncs, sync_now
from farm_controller.runtime import Runtime
from farm_protocol.agent_api import AGENT_API_PREFIX, ClaimedJob, FinishReport, FinishResponse
from farm_protocol.chat import BubbleRead, ConversationRead, SyncChatsResult
from farm_protocol.flow import FlowOutcome, FlowResult, StepResult, StepStatus
from farm_protocol.jobs import JobKind
from tests.helpers.servers import serving
from tests.helpers.users import add_users

STAFF_A_TOKEN = "staff-a-token-" + "a" * 30
STAFF_B_TOKEN = "staff-b-token-" + "b" * 30
USERS: dict[str, Any] = {
    "li": {"token": STAFF_A_TOKEN, "role": "agent_staff", "accounts": ["shop-a"]},
    "wang": {"token": STAFF_B_TOKEN, "role": "agent_staff", "accounts": ["shop-b"]},
}


def bubble(direction: str, text: str, **fields: Any) -> BubbleRead:
    """A bubble read off the screen."""
    return BubbleRead(direction="in" if direction == "in" else "out", text=text, **fields)


def inbound(*texts: str) -> list[BubbleRead]:
    """Customer bubbles."""
    return [bubble("in", text) for text in texts]


def window(
    contact: str,
    bubbles: list[BubbleRead],
    *,
    reached_anchor: bool = True,
    reached_top: bool = False,
    badge: int = 0,
) -> ConversationRead:
    """One conversation as the agent reads it."""
    return ConversationRead(
        contact_name=contact,
        unread_badge=badge,
        bubbles=bubbles,
        reached_anchor=reached_anchor,
        reached_top=reached_top,
    )


class ChatAgent(FakeAgent):
    """A fake agent that also runs chat jobs: sync windows and sends."""

    def finish_flow(
        self,
        job: ClaimedJob,
        outcome: FlowOutcome,
        data: dict[str, object] | None = None,
        error: str | None = None,
        retryable: bool = True,
    ) -> httpx.Response:
        # The steps the real agent reports: a flow that reached its goal ends verified.
        step = StepResult(
            index=0, name="verify", action="verify", status=StepStatus.OK, duration_ms=1.0
        )
        result = FlowResult(
            flow=str(job.kind),
            serial=job.device_serial,
            outcome=outcome,
            steps=[step],
            duration_ms=1.0,
            error=error,
        )
        report = FinishReport(worker=self.worker, result=result, retryable=retryable)
        sent = report.model_dump(mode="json")
        sent["result"]["data"] = data or {}  # as JSON: the controller reads it off the wire
        if outcome is FlowOutcome.ALREADY_DONE:
            sent["result"]["data"].setdefault("found", True)  # the check found it
        return self.client.post(
            f"{AGENT_API_PREFIX}/jobs/{job.id}/finish",
            data={"report": json.dumps(sent)},
            headers=self.headers,
        )

    def finish_sync(
        self, job: ClaimedJob, *reads: ConversationRead, unread: dict[str, int] | None = None
    ) -> FinishResponse:
        result = SyncChatsResult(conversations=list(reads), chat_list_unread=unread or {})
        response = self.finish_flow(
            job, FlowOutcome.SUCCEEDED, {"sync": result.model_dump(mode="json")}
        )
        assert response.status_code == 200, response.text
        return FinishResponse.model_validate(response.json())

    def claim_one(self, serial: str, kind: JobKind | None = None) -> ClaimedJob:
        jobs = self.claim(serial)
        assert len(jobs) == 1, jobs
        if kind is not None:
            assert jobs[0].kind is kind, jobs[0]
        return jobs[0]


def sync_once(rt: Runtime, agent: ChatAgent, serial: str, *reads: ConversationRead) -> ClaimedJob:
    """Plan syncs, claim this phone's sync job and finish it with `reads`."""
    plan_syncs(rt)
    job = agent.claim_one(serial, JobKind.SYNC_CHATS)
    agent.finish_sync(job, *reads)
    return job


def make_accounts(client: httpx.Client, agent: FakeAgent) -> dict[str, dict[str, Any]]:
    """Two accounts on two registered phones: shop-a on PH-A, shop-b on PH-B."""
    agent.register("PH-A", "PH-B")
    return {
        "shop-a": create_account(client, "shop-a", "PH-A", timezone="Asia/Shanghai"),
        "shop-b": create_account(client, "shop-b", "PH-B", timezone="Asia/Shanghai"),
    }


def conversations(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """The conversation list (one page of up to 500)."""
    response = client.get("/api/v1/conversations", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def conversation_with(client: httpx.Client, contact: str) -> dict[str, Any]:
    """The detail of the conversation with the contact called `contact`."""
    [found] = [c for c in conversations(client) if c["contact"]["name"] == contact]
    response = client.get(f"/api/v1/conversations/{found['id']}")
    assert response.status_code == 200, response.text
    detail: dict[str, Any] = response.json()
    return detail


def texts(detail: dict[str, Any]) -> list[tuple[str, str]]:
    """(direction, text) of a conversation's messages, in order."""
    return [(m["direction"], m["text"]) for m in detail["messages"]]


class EventStream:
    """A WebSocket client in a thread, collecting chat events."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for raw in self.connection:
                self.events.put(json.loads(raw))
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()

    def next(self, timeout: float = 5.0, type_: str | None = None) -> dict[str, Any]:
        """The next event (of `type_`, skipping others)."""
        while True:
            event = self.events.get(timeout=timeout)
            if type_ is None or event.get("type") == type_:
                return event

    def drain(self, wait: float = 0.3) -> list[dict[str, Any]]:
        """Every event that arrives within `wait` seconds."""
        got = []
        while True:
            try:
                got.append(self.events.get(timeout=wait))
            except queue.Empty:
                return got


@contextmanager
def event_stream(base_url: str, token: str) -> Iterator[EventStream]:
    """A connected, authenticated chat WebSocket."""
    url = base_url.replace("http://", "ws://") + "/api/v1/ws"
    with connect(url, open_timeout=5) as connection:
        connection.send(json.dumps({"type": "auth", "token": token}))
        stream = EventStream(connection)
        ready = stream.next()
        assert ready["type"] == "ready", ready
        yield stream


class ChatFarm:
    """A served controller with chat users, an admin client, a chat agent and two accounts.

    Attributes:
        url: Where the controller listens.
        rt: Its runtime.
        admin: httpx client with the API token.
        agent: The host's agent.
        accounts: shop-a (phone PH-A, served by li) and shop-b (PH-B, served by wang).
    """

    def __init__(self, url: str, rt: Runtime, admin: httpx.Client) -> None:
        self.url = url
        self.rt = rt
        self.admin = admin
        self.agent = ChatAgent(admin)
        self.accounts = make_accounts(admin, self.agent)
        add_users(rt, USERS)

    def client(self, token: str) -> httpx.Client:
        """An httpx client with another token (close it, or use it in a with block)."""
        return httpx.Client(
            base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )

    def sync(self, serial: str, *reads: ConversationRead) -> ClaimedJob:
        """One sync job of the phone (due now, whatever its interval), finished with `reads`."""
        for account in self.accounts.values():
            if account["device_serial"] == serial:
                sync_now(self.rt, account["id"])
        return sync_once(self.rt, self.agent, serial, *reads)

    def merge_at_once(self, account: str, result: SyncChatsResult, copies: int) -> None:
        """`copies` threads merge the same sync result for `account` at the same time, as
        racing finish reports of one window would (job ids j0, j1, ...)."""
        account_id = self.accounts[account]["id"]
        threads = [
            threading.Thread(target=merge_sync, args=(self.rt, account_id, result, f"j{n}"))
            for n in range(copies)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


@contextmanager
def chat_farm(settings: Any, clock: Any) -> Iterator[ChatFarm]:
    """Serve a controller built from `settings` and yield its `ChatFarm`."""
    app = create_app(settings, clock=clock)
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as admin:
        admin.headers.update(api_headers())
        yield ChatFarm(url, app.state.runtime, admin)
