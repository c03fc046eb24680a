"""U2Device: the unmodified uiautomator2 client against the virtual phone's server."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from adb_support import WirePhone, connect, connected_phone, make_phone

from agent.devices.base import Device, Key
from agent.devices.errors import DeviceCommandError, DeviceOfflineError
from agent.devices.u2 import U2Device
from simulator.adbd import U2_KEYBOARD
from tests.helpers.adb import PrivateAdbServer


@pytest.fixture(scope="module")
def wire(adb_server: PrivateAdbServer) -> Iterator[WirePhone]:
    with connected_phone(adb_server, 40) as phone:
        yield phone


@pytest.fixture(scope="module")
def device(adb_server: PrivateAdbServer, wire: WirePhone) -> U2Device:
    return U2Device(wire.serial, server=adb_server.client, timeout=5.0)


def test_connect_pushes_and_starts_the_server(device: U2Device, wire: WirePhone) -> None:
    assert isinstance(device, Device)
    assert wire.handset.files.stat("/data/local/tmp/u2.jar") is not None
    assert wire.handset.port(9008) is not None
    assert device.u2.info["displayWidth"] == 720


def test_hot_verbs_reach_the_phone(device: U2Device, wire: WirePhone) -> None:
    wire.phone.goto("chat_list")
    assert device.dump_hierarchy() == wire.phone.hierarchy_xml()
    shot = device.screenshot()
    assert shot.shape == (1600, 720, 3)
    diff = np.abs(shot.astype(np.int16) - wire.phone.screenshot_bgr().astype(np.int16))
    assert diff.mean() < 3.0  # a JPEG, nearly lossless at quality 95
    device.press_key(Key.HOME)
    assert wire.phone.current_app() == "com.android.launcher3"


def test_selectors_find_and_click_nodes(device: U2Device, wire: WirePhone) -> None:
    wire.phone.goto("chat_list")
    assert device.exists(resourceId="com.simchat.app:id/tab_discover")
    assert not device.exists(text="no such node anywhere")
    device.click(resourceId="com.simchat.app:id/tab_discover")
    assert wire.phone.screen_label() in ("discover", "transition")
    with pytest.raises(DeviceCommandError):
        device.click(timeout=0.2, text="no such node anywhere")


def test_send_keys_types_unicode_by_clipboard_or_ime(device: U2Device, wire: WirePhone) -> None:
    wire.phone.goto("composer", focus=True)
    device.type_text("剪贴板 📋")  # no u2 IME: clipboard and paste
    assert "剪贴板 📋" in wire.phone.hierarchy_xml()
    wire.handset.install_input_method(U2_KEYBOARD)
    wire.phone.goto("composer", focus=True)
    device.type_text("输入法 ⌨")  # uiautomator2 selects its IME and broadcasts
    assert wire.handset.setting("secure", "default_input_method") == U2_KEYBOARD.ime_id
    assert "输入法 ⌨" in wire.phone.hierarchy_xml()


def test_an_unplugged_phone_is_offline(adb_server: PrivateAdbServer) -> None:
    gone = make_phone(41)
    connect(adb_server, gone)
    device = U2Device(gone.serial, server=adb_server.client, timeout=3.0)
    device.tap(5, 5)
    gone.adbd.stop()
    with pytest.raises(DeviceOfflineError):
        device.tap(5, 5)
