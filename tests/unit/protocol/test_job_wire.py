"""Jobs on the wire: one typed task per kind, and what a flow read as typed data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from farm_protocol.agent_api import ClaimedJob, RunFlowTask
from farm_protocol.chat import ConversationRead, SendMessageTask, SyncChatsTask
from farm_protocol.flow import FlowData, FlowOutcome, FlowResult
from farm_protocol.jobs import JobKind

LEASE: dict[str, Any] = {
    "id": "j1",
    "device_serial": "S1",
    "owner": "rack-1/w1",
    "attempts": 1,
    "max_attempts": 3,
    "lease_expires_at": "2025-01-01T00:00:00Z",
    "check_first": False,
}
SEND = {"message_id": 4, "conversation_id": 2, "contact_name": "甲", "text": "好的"}


def test_a_payload_without_its_kind_takes_the_jobs() -> None:
    job = ClaimedJob.model_validate({**LEASE, "kind": "send_message", "payload": SEND})
    assert isinstance(job.payload, SendMessageTask) and job.payload.text == "好的"
    sync = ClaimedJob.model_validate({**LEASE, "kind": "sync_chats", "payload": {}})
    assert isinstance(sync.payload, SyncChatsTask)
    flow = ClaimedJob.model_validate({**LEASE, "kind": "run_flow", "payload": {"flow": "x"}})
    assert flow.payload == RunFlowTask(flow="x")
    sent = json.loads(job.model_dump_json())
    assert sent["payload"]["kind"] == "send_message"


def test_a_task_of_another_kind_or_missing_fields_is_refused() -> None:
    with pytest.raises(ValidationError, match="carries a sync_chats task"):
        ClaimedJob.model_validate(
            {**LEASE, "kind": "send_message", "payload": {"kind": "sync_chats"}}
        )
    with pytest.raises(ValidationError) as caught:
        ClaimedJob.model_validate(
            {**LEASE, "kind": JobKind.SEND_MESSAGE, "payload": {"contact_name": "甲"}}
        )
    assert ("payload", "send_message", "text") in [e["loc"] for e in caught.value.errors()]


def test_flow_data_leaves_out_what_the_flow_did_not_read() -> None:
    result = FlowResult(
        flow="check_post",
        serial="S1",
        outcome=FlowOutcome.SUCCEEDED,
        steps=[],
        duration_ms=1.0,
        data=FlowData(found=False, detail="not in the feed"),
    )
    assert result.model_dump(mode="json")["data"] == {"found": False, "detail": "not in the feed"}
    merged = FlowData(found=True, detail="seen").merged(FlowData(feed_check=True))
    assert merged.model_dump() == {"found": True, "detail": "seen", "feed_check": True}


def test_an_unreadable_window_is_dropped_but_a_bad_sync_result_is_refused() -> None:
    data = FlowData.model_validate({"window": {"bubbles": "?"}, "found": True})
    assert data.window is None and data.found is True
    window = {"contact_name": "甲", "bubbles": [], "reached_anchor": True, "reached_top": False}
    assert isinstance(FlowData.model_validate({"window": window}).window, ConversationRead)
    with pytest.raises(ValidationError) as caught:
        FlowData.model_validate({"sync": {"conversations": [{"contact_name": "x"}]}})
    assert caught.value.errors()[0]["loc"][0] == "sync"
