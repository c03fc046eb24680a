"""`LiveHub` on its own: streams run exactly while watched, frames reach only their
watchers, commands get their answers, a dropped link takes its holds with it."""

from __future__ import annotations

import asyncio
import json

import pytest

from farm_controller.auth.principal import User
from farm_controller.fleet.live_hub import AgentLink, AgentUnavailable, LiveHub
from farm_protocol.live import (
    TIER_SPECS,
    AgentHello,
    CommandResult,
    ControlCommand,
    ControlState,
    FrameHeader,
    StreamTier,
    encode_frame,
)

OPERATOR = User(name="op", role="operator")
HOSTS = {"A1": "rack-1", "A2": "rack-1", "B1": "rack-2"}


def frame(serial: str, tier: StreamTier, seq: int = 1) -> bytes:
    header = FrameHeader(
        serial=serial,
        tier=tier,
        seq=seq,
        width=10,
        height=20,
        screen_width=100,
        screen_height=200,
        captured_ms=0.0,
    )
    return encode_frame(header, b"jpeg")


def sent(link: AgentLink) -> list[dict[str, object]]:
    out = []
    while not link.outbox.empty():
        message = link.outbox.get_nowait()
        if message is not None:
            out.append(json.loads(message))
    return out


def test_streams_start_with_the_first_viewer_and_stop_with_the_last() -> None:
    async def scenario() -> None:
        hub = LiveHub()
        link = hub.connect_agent("rack-1", AgentHello(host="rack-1", serials=["A1", "A2"]))
        one, two = hub.add_viewer(OPERATOR), hub.add_viewer(OPERATOR)
        hub.watch(one, ["A1", "A2"], "A1", HOSTS)
        asked = sent(link)
        assert {(m["serial"], m["tier"]) for m in asked} == {
            ("A1", "thumb"),
            ("A2", "thumb"),
            ("A1", "focus"),
        }
        focus = next(m for m in asked if m["tier"] == "focus")
        assert focus["spec"] == TIER_SPECS[StreamTier.FOCUS].model_dump()
        hub.watch(two, ["A1"], None, HOSTS)
        assert sent(link) == []  # already streaming: nothing new to ask
        hub.watch(one, ["A1"], None, HOSTS)  # A2 off screen, A1 out of focus
        stopped = sent(link)
        assert {(m["serial"], m["tier"], m["spec"]) for m in stopped} == {
            ("A2", "thumb", None),
            ("A1", "focus", None),
        }
        hub.remove_viewer(one)
        assert sent(link) == []  # two still watches A1
        hub.remove_viewer(two)
        assert sent(link) == [{"type": "watch", "serial": "A1", "tier": "thumb", "spec": None}]
        assert hub.watched() == {}

    asyncio.run(scenario())


def test_frames_reach_only_the_viewers_of_their_stream() -> None:
    async def scenario() -> None:
        hub = LiveHub()
        link = hub.connect_agent("rack-1", AgentHello(host="rack-1"))
        other = hub.connect_agent("rack-2", AgentHello(host="rack-2"))
        grid, page = hub.add_viewer(OPERATOR), hub.add_viewer(OPERATOR)
        hub.watch(grid, ["A1", "B1"], None, HOSTS)
        hub.watch(page, [], "A1", HOSTS)
        hub.agent_frame(link, frame("A1", StreamTier.THUMB, 1))
        hub.agent_frame(link, frame("A1", StreamTier.THUMB, 2))  # replaces the unsent one
        hub.agent_frame(link, frame("A1", StreamTier.FOCUS))
        hub.agent_frame(link, frame("A2", StreamTier.THUMB))  # never asked for: dropped
        hub.agent_frame(other, frame("A1", StreamTier.THUMB))  # not rack-2's phone: dropped
        hub.agent_frame(link, b"\x00\x01x")  # garbage: dropped
        _texts, frames = grid.drain()
        assert frames == [frame("A1", StreamTier.THUMB, 2)]
        _, frames = page.drain()
        assert frames == [frame("A1", StreamTier.FOCUS)]
        assert link.dropped == 1 and other.dropped == 1
        assert grid.replaced == 1

    asyncio.run(scenario())


def test_an_agent_that_connects_later_is_asked_for_what_is_watched() -> None:
    async def scenario() -> None:
        hub = LiveHub()
        viewer = hub.add_viewer(OPERATOR)
        hub.watch(viewer, ["A1"], "A1", HOSTS)
        link = hub.connect_agent("rack-1", AgentHello(host="rack-1"))
        assert {(m["serial"], m["tier"]) for m in sent(link)} == {("A1", "thumb"), ("A1", "focus")}
        texts, _ = viewer.drain()
        assert {"type": "link", "host": "rack-1", "live": True, "serials": ["A1"]} in texts

    asyncio.run(scenario())


def test_commands_get_their_answers_and_a_dropped_link_fails_them() -> None:
    async def scenario() -> None:
        hub = LiveHub(command_timeout=2)
        link = hub.connect_agent("rack-1", AgentHello(host="rack-1"))

        def take(command_id: str) -> ControlCommand:
            return ControlCommand(id=command_id, serial="A1", action="take", user="op")

        async def agent_answers() -> None:
            message = json.loads(await link.outbox.get() or "{}")
            state = ControlState(serial="A1", holder="op", expires_in=120)
            hub.agent_result(link, CommandResult(id=message["id"], ok=True, control=state))

        answer, _ = await asyncio.gather(hub.command("rack-1", take), agent_answers())
        assert answer.ok and answer.control is not None
        hub.host_of["A1"] = "rack-1"
        hub.set_control(answer.control)
        assert hub.control("A1").holder == "op"

        pending = asyncio.create_task(hub.command("rack-1", take))
        await asyncio.sleep(0.01)
        hub.disconnect_agent(link)
        with pytest.raises(AgentUnavailable):
            await pending
        assert hub.control("A1").holder is None  # the agent released it when the link dropped
        with pytest.raises(AgentUnavailable):
            await hub.command("rack-1", take)

    asyncio.run(scenario())


def test_a_hold_expires_on_the_controller_too() -> None:
    now = [10.0]
    hub = LiveHub(clock=lambda: now[0])
    hub.set_control(ControlState(serial="A1", holder="op", expires_in=30))
    assert hub.control("A1").expires_in == 30
    now[0] += 31
    assert hub.control("A1").holder is None
    assert hub.holds() == {}
