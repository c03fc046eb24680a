"""AdbDevice's verbs against one virtual phone, checked against what the phone really did."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from adb_support import WirePhone, connect, connected_phone, make_phone

from agent.devices.adb import AdbDevice
from agent.devices.base import Device, Key
from agent.devices.errors import (
    DeviceCommandError,
    DeviceOfflineError,
    InputMethodMissingError,
)
from simulator.adbd import ADB_KEYBOARD
from tests.helpers.adb import PrivateAdbServer


@pytest.fixture(scope="module")
def wire(adb_server: PrivateAdbServer) -> Iterator[WirePhone]:
    with connected_phone(adb_server, 30) as phone:
        yield phone


@pytest.fixture
def device(adb_server: PrivateAdbServer, wire: WirePhone) -> AdbDevice:
    wire.faults.delay_s = 0.0
    wire.phone.goto("chat_list")
    return AdbDevice(wire.serial, server=adb_server.client, timeout=5.0)


def test_it_is_a_device(device: AdbDevice) -> None:
    assert isinstance(device, Device)


def test_info_reads_what_the_phone_reports(device: AdbDevice, wire: WirePhone) -> None:
    wire.phone.battery = 64
    info = device.info()
    assert (info.width, info.height, info.density) == (720, 1600, 320)
    assert info.model == "SimPhone 720x1600"
    assert info.sdk == 33
    assert info.battery == 64
    assert info.screen_on and not info.locked
    assert info.app_versions == {"com.simchat.app": "8.0.1"}
    assert device.window_size() == (720, 1600)


def test_screenshots_are_the_exact_pixels(device: AdbDevice, wire: WirePhone) -> None:
    for capture in (device.screenshot, device.screenshot_png):  # both lossless
        before = wire.phone.screenshot_bgr()
        shot = capture()
        after = wire.phone.screenshot_bgr()  # the status bar clock may tick in between
        assert np.array_equal(shot, before) or np.array_equal(shot, after)


def test_hierarchy_is_the_phones_dump(device: AdbDevice, wire: WirePhone) -> None:
    assert device.dump_hierarchy() == wire.phone.hierarchy_xml()


def test_apps_start_stop_and_show_in_front(device: AdbDevice, wire: WirePhone) -> None:
    device.app_stop("com.simchat.app")
    assert device.current_app() == "com.android.launcher3"
    device.app_start("com.simchat.app")
    assert device.current_app() == "com.simchat.app"
    with pytest.raises(DeviceCommandError, match="not installed"):
        device.app_start("com.example.missing")


def test_keys_and_taps_reach_the_phone(device: AdbDevice, wire: WirePhone) -> None:
    device.press_key(Key.HOME)
    assert wire.phone.current_app() == "com.android.launcher3"


def test_unicode_text_goes_through_the_input_method(device: AdbDevice, wire: WirePhone) -> None:
    wire.phone.goto("composer", focus=True)
    device.type_text("你好 👋 world")
    assert "你好 👋 world" in wire.phone.hierarchy_xml()


def test_an_unselected_input_method_is_selected(device: AdbDevice, wire: WirePhone) -> None:
    wire.handset.set_setting(
        "secure", "default_input_method", "com.android.inputmethod.latin/.LatinIME"
    )
    wire.phone.goto("composer", focus=True)
    device.type_text("再来一次")
    assert wire.handset.setting("secure", "default_input_method") == ADB_KEYBOARD.ime_id
    assert "再来一次" in wire.phone.hierarchy_xml()


def test_without_the_input_method_unicode_fails_clearly_ascii_still_types(
    adb_server: PrivateAdbServer,
) -> None:
    bare = make_phone(31, handset_options={"input_methods": ()})
    try:
        connect(adb_server, bare)
        device = AdbDevice(bare.serial, server=adb_server.client, timeout=5.0)
        bare.phone.goto("composer", focus=True)
        with pytest.raises(InputMethodMissingError, match="ADBKeyboard"):
            device.type_text("你好")
        with pytest.raises(InputMethodMissingError):
            device.prepare_input_method()
        device.type_text("plain text ok")
        assert "plain text ok" in bare.phone.hierarchy_xml()
    finally:
        bare.adbd.stop()


def test_pushed_media_shows_in_the_picker(
    device: AdbDevice, wire: WirePhone, photos: list[Path]
) -> None:
    remote = device.push_media(photos[0])
    assert remote == f"/sdcard/Pictures/{photos[0].name}"
    assert wire.phone.media()[0].name == photos[0].name


def test_pushing_a_non_image_fails_before_touching_the_phone(
    device: AdbDevice, tmp_path: Path
) -> None:
    junk = tmp_path / "notes.jpg"
    junk.write_text("not a picture")
    with pytest.raises(DeviceCommandError, match="not an image"):
        device.push_media(junk)
    with pytest.raises(DeviceCommandError, match="no such file"):
        device.push_media(tmp_path / "missing.jpg")


def test_lock_screen_is_reported_and_swiped_away(device: AdbDevice, wire: WirePhone) -> None:
    wire.phone.lock_screen()
    assert device.info().locked
    device.keep_awake()
    assert wire.handset.setting("global", "stay_on_while_plugged_in") == "7"
    device.unlock()
    assert not wire.phone.locked


def test_a_failing_command_is_a_command_error(device: AdbDevice) -> None:
    with pytest.raises(DeviceCommandError, match="exited 1"):
        device.shell("cat /sdcard/nothing-here")


def test_a_link_dropped_mid_screenshot_is_offline_not_a_crash(
    device: AdbDevice, wire: WirePhone, adb_server: PrivateAdbServer
) -> None:
    wire.faults.drop_during("screencap")
    with pytest.raises(DeviceOfflineError):
        device.screenshot()
    connect(adb_server, wire)  # the adb server reconnects it (we help it along)
    assert device.screenshot().shape == (1600, 720, 3)


def test_a_slow_phone_past_the_timeout_is_offline(
    adb_server: PrivateAdbServer, wire: WirePhone
) -> None:
    wire.faults.delay_s = 1.5
    impatient = AdbDevice(wire.serial, server=adb_server.client, timeout=0.5)
    patient = AdbDevice(wire.serial, server=adb_server.client, timeout=5.0)
    try:
        with pytest.raises(DeviceOfflineError, match="in time"):
            impatient.tap(1, 1)
        patient.tap(1, 1)  # slow, but answers
    finally:
        wire.faults.delay_s = 0.0
