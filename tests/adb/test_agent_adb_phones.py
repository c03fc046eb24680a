"""The pieces of `phonefarm agent --adb` that need no adb server: how a phone's app profile
is chosen from its app versions, and how an attached phone follows the plug."""

from __future__ import annotations

import logging

import pytest

from agent.devices.attached import AttachedPhone
from agent.devices.base import Device
from agent.devices.errors import DeviceOfflineError, DeviceUnauthorizedError
from agent.host.app_catalog import AppCatalog
from agent.host.phone_apps import PhoneApps
from device_profiles.selection import bundled_profiles
from farm_protocol.device import DeviceState
from simulator.device import SimulatedDevice
from simulator.phone import VirtualPhone

PROFILES = bundled_profiles()


def apps(serial: str = "R58N12") -> PhoneApps:
    return PhoneApps(AppCatalog(), serial, profiles=PROFILES)


@pytest.mark.parametrize(
    ("versions", "profile"),
    [
        ({"com.tencent.mm": "8.0.49"}, "wechat"),
        ({"com.tencent.wework": "4.1.22"}, "wecom"),
        ({"com.simchat.app": "8.0.1"}, "simchat"),
        ({"com.tencent.mm": "7.0.22"}, "simchat"),  # outside every range: the fallback
        ({}, "simchat"),
    ],
)
def test_each_phone_gets_the_profile_its_apps_call_for(
    versions: dict[str, str], profile: str, caplog: pytest.LogCaptureFixture
) -> None:
    phone_apps = apps()
    assert phone_apps.profile is None
    with caplog.at_level(logging.INFO, logger="agent.host.phone_apps"):
        assert phone_apps.observe(versions) == profile
    assert phone_apps.profile == profile
    assert f"R58N12: app profile {profile}" in caplog.text


def test_a_job_runs_the_profile_of_its_app(caplog: pytest.LogCaptureFixture) -> None:
    phone_apps = apps()
    assert phone_apps.get("simchat").profile.app == "simchat"  # before the phone answered
    phone_apps.observe({"com.simchat.app": "8.0.1"})
    assert phone_apps.get("simchat").profile.app == "simchat"
    with caplog.at_level(logging.WARNING, logger="agent.host.phone_apps"):
        assert phone_apps.get("wechat").profile.app == "wechat"  # not installed: as it is
    assert "no wechat profile fits this phone" in caplog.text


class Opener:
    """Opens virtual phones as backends and counts the openings."""

    def __init__(self) -> None:
        self.opened: list[str] = []

    def __call__(self, serial: str) -> Device:
        self.opened.append(serial)
        return SimulatedDevice(VirtualPhone(serial=serial))


def test_an_attached_phone_answers_only_while_adb_lists_it_online() -> None:
    opener = Opener()
    phone = AttachedPhone("R58N12", opener, apps(), DeviceState.UNAUTHORIZED)
    with pytest.raises(DeviceUnauthorizedError, match="Allow USB debugging"):
        phone.info()
    assert opener.opened == []

    assert phone.set_state(DeviceState.ONLINE) is DeviceState.UNAUTHORIZED
    assert phone.info().width > 0
    phone.tap(10, 10)
    assert opener.opened == ["R58N12"]  # opened once, on first use
    assert phone.apps.profile == "simchat"

    phone.set_state(DeviceState.OFFLINE)  # unplugged: no waiting for a timeout
    with pytest.raises(DeviceOfflineError, match="check the cable"):
        phone.screenshot()
    phone.set_state(DeviceState.ONLINE)  # plugged in again: a fresh backend
    phone.window_size()
    assert opener.opened == ["R58N12", "R58N12"]
