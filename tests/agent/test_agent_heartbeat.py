"""Registration and heartbeats: what the controller is told about the host's phones."""

from __future__ import annotations

import time

from agent_support import SettingsFactory, small_phone, supervising
from fake_controller import HOST, FakeController

from farm_protocol.agent_api import ParkReport
from farm_protocol.device import DeviceState
from farm_protocol.posts import Decision
from tests.helpers.waiting import wait_for


def test_registers_every_phone_then_heartbeats_their_states(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    phones = [small_phone("sim-1"), small_phone("sim-2")]
    with supervising(make_settings(), *phones, stop_timeout=5) as supervisor:
        assert supervisor.wait_registered(5)
        [registration] = fake.state.registrations
        assert registration.host == HOST
        assert [(d.serial, d.width, d.height, d.density) for d in registration.devices] == [
            ("sim-1", 720, 1600, 320),
            ("sim-2", 720, 1600, 320),
        ]
        wait_for(lambda: len(fake.state.heartbeats) >= 3, timeout=5)
        beat = fake.state.heartbeats[-1]
        assert {(d.serial, d.state) for d in beat.devices} == {
            ("sim-1", DeviceState.ONLINE),
            ("sim-2", DeviceState.ONLINE),
        }
        assert all(d.battery is not None and d.job_id is None for d in beat.devices)


def test_registers_again_when_the_controller_forgot_the_host(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    with supervising(make_settings(), small_phone("sim-1"), stop_timeout=5) as supervisor:
        assert supervisor.wait_registered(5)
        fake.forget_host = True  # e.g. a controller on a fresh database
        wait_for(lambda: len(fake.state.registrations) >= 2, timeout=5)


def test_a_phone_offline_at_start_registers_once_it_answers(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    present, absent = small_phone("sim-1"), small_phone("sim-2")
    absent.disconnect()
    with supervising(make_settings(), present, absent, stop_timeout=5) as supervisor:
        assert supervisor.wait_registered(5)
        assert [d.serial for d in fake.state.registrations[-1].devices] == ["sim-1"]
        absent.reconnect()
        wait_for(
            lambda: [d.serial for d in fake.state.registrations[-1].devices] == ["sim-1", "sim-2"],
            timeout=10,
        )


def test_heartbeats_carry_on_through_an_outage(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    with supervising(make_settings(), small_phone("sim-1"), stop_timeout=5) as supervisor:
        assert supervisor.wait_registered(5)
        wait_for(lambda: supervisor.heartbeat.beats >= 1, timeout=5)  # one beat got through
        fake.down = True
        time.sleep(0.3)  # a beat already on its way may still land
        beats = supervisor.heartbeat.beats
        time.sleep(1.0)  # the outage: every beat fails (and is retried with backoff)
        assert supervisor.heartbeat.beats == beats
        count = len(fake.state.heartbeats)
        fake.down = False
        wait_for(lambda: len(fake.state.heartbeats) > count + 1, timeout=10)


def test_decisions_from_heartbeats_reach_the_board(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    fake.state.parks["job-7"] = (ParkReport(worker="w"), b"")
    fake.decide("job-7", Decision.REJECT)
    with supervising(make_settings(), small_phone("sim-1"), stop_timeout=5) as supervisor:
        assert supervisor.decisions.wait("job-7", 5) is Decision.REJECT


def test_another_hosts_phone_is_not_worked_until_an_operator_moves_it_here(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    fake.state.foreign_serials = {"sim-2"}
    phones = [small_phone("sim-1"), small_phone("sim-2")]
    with supervising(make_settings(), *phones, stop_timeout=5) as supervisor:
        assert supervisor.wait_registered(5)
        registration = supervisor.heartbeat.registration
        wait_for(lambda: len(fake.state.heartbeats) >= 4, timeout=5)
        # Heartbeats name it unknown, but it is another host's: no registering again.
        assert len(fake.state.registrations) == 1
        assert registration.owns("sim-1") and not registration.owns("sim-2")
        assert registration.foreign == {"sim-2"}
        with fake.lock:
            fake.state.foreign_serials.clear()  # an operator moved it here:
            fake.state.known_serials.add("sim-2")  # its heartbeats are this host's now
        wait_for(lambda: registration.owns("sim-2"), timeout=5)
        assert len(fake.state.registrations) >= 2
