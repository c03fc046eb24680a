"""The chat store on PostgreSQL: sync merge (also concurrent), reply round trip, filters."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator

import pytest
from chat_test_farm import (
    chat_farm,
    conversation_with,
    conversations,
    inbound,
    texts,
    window,
)
from controller_support import FakeClock, SettingsFactory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from farm_controller.chat.inbox import merge_sync
from farm_protocol.chat import SyncChatsResult
from farm_protocol.flow import FlowOutcome
from farm_protocol.jobs import JobKind

PG_URL_ENV = "PHONEFARM_TEST_PG_URL"


@pytest.fixture
def chat_pg_url() -> Iterator[str]:
    """A URL whose connections work in a fresh PostgreSQL schema (dropped afterwards)."""
    url = os.environ.get(PG_URL_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {PG_URL_ENV}")
    schema = f"chat_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    yield scoped.render_as_string(hide_password=False)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.mark.postgres
def test_chat_round_trip_on_postgres(
    chat_pg_url: str, make_settings: SettingsFactory, clock: FakeClock
) -> None:
    settings = make_settings(database_url=chat_pg_url)
    with chat_farm(settings, clock) as farm:
        farm.sync("PH-A", window("顾客", inbound("你好 👋"), reached_top=True))
        result = SyncChatsResult(
            conversations=[window("顾客", inbound("你好 👋", *[f"p{i}" for i in range(20)]))]
        )
        account_id = farm.accounts["shop-a"]["id"]
        threads = [
            threading.Thread(target=merge_sync, args=(farm.rt, account_id, result, f"j{n}"))
            for n in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        detail = conversation_with(farm.admin, "顾客")
        assert [t for _, t in texts(detail)] == ["你好 👋", *[f"p{i}" for i in range(20)]]
        reply = farm.admin.post(
            f"/api/v1/conversations/{detail['id']}/messages", json={"text": "您好！"}
        )
        assert reply.status_code == 201, reply.text
        job = farm.agent.claim_one("PH-A", JobKind.SEND_MESSAGE)
        assert farm.agent.finish_flow(job, FlowOutcome.SUCCEEDED).status_code == 200
        detail = conversation_with(farm.admin, "顾客")
        assert detail["messages"][-1]["status"] == "delivered"
        assert [c["contact"]["name"] for c in conversations(farm.admin, q="P1")] == ["顾客"]
