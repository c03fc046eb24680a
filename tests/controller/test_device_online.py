"""Device online time: the state history the controller keeps (only real changes write a
span) and the per-day chart it adds up to, on a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from controller_support import OTHER_AGENT_TOKEN, OTHER_HOST, FakeAgent

from farm_controller import charts
from farm_controller.db import read_session, write_session
from farm_controller.fleet.registry import set_state
from farm_controller.models import Device, DeviceStateSpan
from farm_controller.runtime import Runtime
from farm_controller.scheduler import reap
from farm_protocol.device import DeviceState
from tests.helpers.clock import FakeClock

Span = tuple[str, str, datetime, datetime | None]


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2030, 1, day, hour, minute, tzinfo=UTC)


def spans(rt: Runtime, serial: str | None = None) -> list[Span]:
    """Every recorded span (of one phone), oldest first."""
    with read_session(rt.sessions) as session:
        rows = session.query(DeviceStateSpan).order_by(DeviceStateSpan.id)
        return [
            (row.serial, row.state.value, row.started_at, row.ended_at)
            for row in rows
            if serial is None or row.serial == serial
        ]


def online_chart(client: httpx.Client, **params: Any) -> list[tuple[str, float, int, float, Any]]:
    response = client.get("/api/v1/charts/device-online", params=params)
    assert response.status_code == 200, response.text
    return [
        (d["day"], d["online_hours"], d["phones"], d["hours"], d["availability"])
        for d in response.json()["days"]
    ]


def test_online_hours_per_local_day_across_midnight_in_shanghai(
    client: httpx.Client, rt: Runtime, clock: FakeClock, agent: FakeAgent
) -> None:
    other = FakeAgent(client, token=OTHER_AGENT_TOKEN, host=OTHER_HOST)
    # 12:00 UTC is 20:00 in Shanghai: four hours before the local midnight.
    clock.now = utc(1, 12)
    agent.register("P", "GONE")
    other.register("Q")
    registered = spans(rt)
    assert len(registered) == 3

    # Heartbeats that repeat a state write nothing, nor do flips between busy and online.
    for _ in range(3):
        clock.advance(5)
        agent.heartbeat("P", "GONE")
        other.heartbeat("Q")
    clock.now = utc(1, 12, 30)
    agent.heartbeat("P", state=DeviceState.BUSY)
    agent.heartbeat("P")
    assert spans(rt) == registered

    clock.now = utc(1, 13)
    agent.heartbeat("GONE", state=DeviceState.OFFLINE)  # unplugged, and stays away
    clock.now = utc(1, 18)  # P: online 6 h (4 h on 1 Jan, 2 h on 2 Jan, local)
    agent.heartbeat("P", state=DeviceState.OFFLINE)
    clock.now = utc(1, 20)  # offline 2 h
    agent.heartbeat("P", state=DeviceState.BUSY)
    clock.now = utc(1, 20, 40)
    agent.heartbeat("P")  # busy → online: the same span
    clock.now = utc(1, 21)  # busy (or online) 1 h
    agent.heartbeat("P", state=DeviceState.UNAUTHORIZED)
    clock.now = utc(1, 22)  # 06:00 on 2 Jan in Shanghai
    other.heartbeat("Q")

    assert spans(rt, "P") == [
        ("P", "online", utc(1, 12), utc(1, 18)),
        ("P", "offline", utc(1, 18), utc(1, 20)),
        ("P", "online", utc(1, 20), utc(1, 21)),
        ("P", "unauthorized", utc(1, 21), None),
    ]
    assert spans(rt, "GONE") == [
        ("GONE", "online", utc(1, 12), utc(1, 13)),
        ("GONE", "offline", utc(1, 13), None),
    ]
    # 1 Jan: P 4 h + Q 4 h + GONE 1 h over 3 phones × 4 h (the history began at 20:00).
    # 2 Jan: P 2 h + 1 h + Q 6 h over 2 phones × 6 h (GONE was offline all day: not seen).
    assert online_chart(client, days=2, timezone="Asia/Shanghai") == [
        ("2030-01-01", 9.0, 3, 4.0, 0.75),
        ("2030-01-02", 9.0, 2, 6.0, 0.75),
    ]
    assert online_chart(client, days=2, timezone="Asia/Shanghai", host="rack-1") == [
        ("2030-01-01", 5.0, 2, 4.0, 0.625),
        ("2030-01-02", 3.0, 1, 6.0, 0.5),
    ]
    # The same history by UTC days: 1 Jan from 12:00 to now (22:00).
    assert online_chart(client, days=2, timezone="UTC") == [
        ("2029-12-31", 0.0, 0, 0.0, None),
        ("2030-01-01", 18.0, 3, 10.0, 0.6),
    ]
    chart = client.get("/api/v1/charts/device-online", params={"host": "rack-9"}).json()
    assert chart["host"] == "rack-9" and chart["timezone"] == "UTC"
    assert chart["recorded_since"] == "2030-01-01T12:00:00Z"
    assert {d["phones"] for d in chart["days"]} == {0} and len(chart["days"]) == 14


def test_the_reaper_closes_the_spans_of_a_silent_hosts_phones_at_their_last_heartbeat(
    rt: Runtime, clock: FakeClock, agent: FakeAgent
) -> None:
    start = clock()
    agent.register("R1", "R2")
    clock.advance(10)
    agent.heartbeat("R1", "R2")
    clock.advance(60)  # the host fell silent; the heartbeat timeout is 20 s
    reap(rt)
    for serial in ("R1", "R2"):
        assert spans(rt, serial) == [
            (serial, "online", start, start + timedelta(seconds=10)),
            (serial, "offline", start + timedelta(seconds=10), None),
        ]
    clock.advance(30)
    reap(rt)  # already offline: nothing new
    assert len(spans(rt)) == 4
    agent.heartbeat("R1")  # back
    assert spans(rt, "R1")[-2:] == [
        ("R1", "offline", start + timedelta(seconds=10), start + timedelta(seconds=100)),
        ("R1", "online", start + timedelta(seconds=100), None),
    ]
    with read_session(rt.sessions) as session:
        chart = charts.device_online(session, clock(), 1, "UTC")
    assert chart.days[0].online_hours == round(20 / 3600, 4)  # 10 s each, before the silence
    assert chart.days[0].phones == 2


def test_register_records_unlisted_phones_offline_and_a_move_to_another_host(
    client: httpx.Client, rt: Runtime, clock: FakeClock, agent: FakeAgent
) -> None:
    start = clock()
    agent.register("M1", "M2")
    clock.advance(60)
    agent.register("M1")  # the agent restarted without M2
    clock.advance(60)
    # An operator moves M1 to the other host (plugged in there), which registers it.
    moved = client.post("/api/v1/devices/M1/move", json={"host": OTHER_HOST})
    assert moved.status_code == 200, moved.text
    clock.advance(30)
    FakeAgent(client, token=OTHER_AGENT_TOKEN, host=OTHER_HOST).register("M1")
    assert spans(rt, "M2") == [
        ("M2", "online", start, start + timedelta(seconds=60)),
        ("M2", "offline", start + timedelta(seconds=60), None),
    ]
    assert spans(rt, "M1") == [
        ("M1", "online", start, start + timedelta(seconds=120)),
        ("M1", "offline", start + timedelta(seconds=120), start + timedelta(seconds=150)),
        ("M1", "online", start + timedelta(seconds=150), None),
    ]
    with read_session(rt.sessions) as session:
        rows = session.query(DeviceStateSpan).filter_by(serial="M1").order_by(DeviceStateSpan.id)
        hosts = [row.host_name for row in rows]
    assert hosts == ["rack-1", "rack-2", "rack-2"]


def test_a_change_dated_before_the_open_span_never_overlaps_it(
    rt: Runtime, clock: FakeClock, agent: FakeAgent
) -> None:
    start = clock()
    agent.register("S")
    with write_session(rt.sessions) as session:
        device = session.get(Device, "S")
        assert device is not None
        set_state(session, device, DeviceState.OFFLINE, start - timedelta(minutes=5))
    assert spans(rt, "S") == [("S", "online", start, start), ("S", "offline", start, None)]


def test_a_daylight_saving_day_has_23_hours(
    client: httpx.Client, clock: FakeClock, agent: FakeAgent
) -> None:
    # New York springs forward on 10 March 2030.
    clock.now = datetime(2030, 3, 9, 12, tzinfo=UTC)  # 07:00 EST
    agent.register("NY")
    clock.now = datetime(2030, 3, 12, tzinfo=UTC)  # 20:00 EDT on 11 March
    assert online_chart(client, days=3, timezone="America/New_York") == [
        ("2030-03-09", 17.0, 1, 17.0, 1.0),
        ("2030-03-10", 23.0, 1, 23.0, 1.0),
        ("2030-03-11", 20.0, 1, 20.0, 1.0),
    ]
