"""The chat store on PostgreSQL: sync merge (also concurrent), reply round trip, filters."""

from __future__ import annotations

import pytest
from chat_test_farm import (
    chat_farm,
    conversation_with,
    conversations,
    inbound,
    texts,
    window,
)
from controller_support import SettingsFactory

from farm_protocol.chat import SyncChatsResult
from farm_protocol.flow import FlowOutcome
from farm_protocol.jobs import JobKind
from tests.helpers.clock import FakeClock


@pytest.mark.postgres
def test_chat_round_trip_on_postgres(
    pg_url: str, make_settings: SettingsFactory, clock: FakeClock
) -> None:
    settings = make_settings(database_url=pg_url)
    with chat_farm(settings, clock) as farm:
        farm.sync("PH-A", window("顾客", inbound("你好 👋"), reached_top=True))
        result = SyncChatsResult(
            conversations=[window("顾客", inbound("你好 👋", *[f"p{i}" for i in range(20)]))]
        )
        farm.merge_at_once("shop-a", result, copies=4)
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
