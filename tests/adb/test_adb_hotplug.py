"""Phones that come and go: unplugged and replugged, dropped mid-publish, unauthorized."""

from __future__ import annotations

from pathlib import Path

import pytest
from adb_support import connect, make_phone

from agent.devices.adb import AdbDevice
from agent.devices.adb_discovery import AdbDiscovery, DeviceChange, list_phones
from agent.devices.errors import DeviceOfflineError, DeviceUnauthorizedError
from agent.flows.app import App
from agent.flows.runner import FlowRunner
from device_profiles.model import Step
from farm_protocol.device import DeviceState
from farm_protocol.flow import FlowOutcome, StepResult
from simulator.adbd import WireFaults
from tests.helpers.adb import ADB, SKIP_REASON, PrivateAdbServer
from tests.helpers.waiting import wait_until


def test_unplugged_phone_goes_offline_and_comes_back(adb_server: PrivateAdbServer) -> None:
    wire = make_phone(10)
    changes: list[DeviceChange] = []
    discovery = AdbDiscovery(
        adb_server.client,
        keep_connected=[wire.serial],
        on_change=changes.append,
        reconnect_interval=0.5,
        start_server=False,
    )
    with discovery:
        assert discovery.wait_for(wire.serial, DeviceState.ONLINE, 10.0), "never connected"
        device = AdbDevice(wire.serial, server=adb_server.client, timeout=5.0)
        assert device.info().width == 720

        wire.adbd.stop()  # the cable is pulled
        assert wait_until(lambda: discovery.state(wire.serial) is DeviceState.OFFLINE, 10.0)
        with pytest.raises(DeviceOfflineError):
            device.tap(10, 10)
        assert not device.is_online()

        wire.adbd.start()  # plugged in again, same port
        assert discovery.wait_for(wire.serial, DeviceState.ONLINE, 15.0), "never came back"
        assert device.info().width == 720
    afters = [c.after for c in changes if c.serial == wire.serial]
    assert DeviceState.ONLINE in afters
    went = afters.index(DeviceState.ONLINE)
    assert any(a in (DeviceState.OFFLINE, None) for a in afters[went:])
    assert afters[-1] is DeviceState.ONLINE
    wire.adbd.stop()


def test_link_dropped_at_publish_neither_loses_nor_repeats_the_post(
    adb_server: PrivateAdbServer, app: App, photos: list[Path], tmp_path: Path
) -> None:
    wire = make_phone(11)
    connect(adb_server, wire)
    device = AdbDevice(wire.serial, server=adb_server.client, timeout=5.0)
    params: dict[str, object] = {"text": "只发一次 once ✅", "images": [str(photos[0])]}

    def cut_at_publish(step: Step, result: StepResult | None) -> None:
        if step.irreversible and result is None:
            wire.faults.drop_during("input tap")  # the publish tap lands, then the link dies

    first = FlowRunner(device, app, evidence_dir=tmp_path, on_step=cut_at_publish).run(
        "publish_post", params
    )
    assert first.outcome in (FlowOutcome.UNKNOWN, FlowOutcome.SUCCEEDED), first.error

    def published() -> int:
        wire.phone.tick()  # the upload that the tap started finishes in the phone's time
        return len(wire.phone.world.published_posts())

    assert wait_until(lambda: published() == 1, 15.0), "the publish tap did not land"

    # the agent retries only after reading the feed: the post is found, nothing is re-sent
    assert wait_until(device.is_online, 20.0, interval=0.5), "the phone never came back"
    retry = FlowRunner(device, app, evidence_dir=tmp_path).run(
        "publish_post", {**params, "check_first": True}
    )
    assert retry.outcome is FlowOutcome.ALREADY_DONE, retry.error
    assert len(wire.phone.world.published_posts()) == 1
    wire.adbd.stop()


def test_unauthorized_phone_is_listed_as_such_with_a_hint(adb_server: PrivateAdbServer) -> None:
    wire = make_phone(12, faults=WireFaults(refuse_auth=True))
    adb_server.adb("connect", wire.serial)
    assert wait_until(lambda: adb_server.state(wire.serial) == "unauthorized", 10.0), (
        adb_server.state(wire.serial)
    )
    listed = {p.serial: p for p in list_phones(adb_server.client)}
    phone = listed[wire.serial]
    assert phone.state is DeviceState.UNAUTHORIZED
    assert phone.hint is not None and "Allow USB debugging" in phone.hint

    device = AdbDevice(wire.serial, server=adb_server.client, timeout=5.0)
    with pytest.raises(DeviceUnauthorizedError, match="Allow USB debugging"):
        device.info()

    wire.faults.accept_key()  # someone taps "Allow" on the phone
    assert wait_until(lambda: adb_server.state(wire.serial) == "device", 10.0)
    assert device.info().model == "SimPhone 720x1600"
    wire.adbd.stop()


@pytest.mark.skipif(ADB is None, reason=SKIP_REASON)
def test_discovery_survives_adb_kill_server(tmp_path: Path) -> None:
    server = PrivateAdbServer(tmp_path / "home")  # its own server: this one gets killed
    (tmp_path / "home").mkdir()
    server.start()
    wire = make_phone(13)
    discovery = AdbDiscovery(
        server.client,
        keep_connected=[wire.serial],
        reconnect_interval=0.5,
        server_env=server.env,
    )
    try:
        with discovery:
            assert discovery.wait_for(wire.serial, DeviceState.ONLINE, 10.0)
            server.stop()  # `adb kill-server`: every `adb connect`ed phone is forgotten
            assert wait_until(lambda: discovery.state(wire.serial) is DeviceState.OFFLINE, 10.0)
            # the tracker restarts the server and the phone is connected again
            assert discovery.wait_for(wire.serial, DeviceState.ONLINE, 20.0)
            assert server.state(wire.serial) == "device"
    finally:
        wire.adbd.stop()
        server.stop()
