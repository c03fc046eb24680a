"""`SimulatedDevice` honours the `Device` protocol."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agent.devices.base import Device, Key
from agent.devices.errors import DeviceCommandError, DeviceOfflineError
from simulator.device import SimulatedDevice


def test_it_is_a_device(driver) -> None:
    assert isinstance(driver.device, Device)
    assert driver.device.serial == "sim-0001"


def test_info(driver) -> None:
    info = driver.device.info()
    assert info.model == "SimPhone 1080x2400"
    assert (info.width, info.height, info.density, info.sdk) == (1080, 2400, 420, 33)
    assert info.app_versions == {"com.simchat.app": "8.0.1"}
    assert info.scale == 420 / 160
    assert driver.device.window_size() == (1080, 2400)


def test_screenshot_is_bgr(driver) -> None:
    driver.phone.goto("composer", text="x")
    shot = driver.device.screenshot()
    assert shot.shape == (2400, 1080, 3) and shot.dtype == np.uint8
    x, y = driver.center("btn_publish")
    b, g, r = shot[y - 30, x - 60]  # the accent fill beside the label: #1E9E6A
    assert (int(r), int(g), int(b)) == (0x1E, 0x9E, 0x6A)


def test_push_media_rejects_non_images(driver, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    with pytest.raises(DeviceCommandError):
        driver.device.push_media(text)
    with pytest.raises(DeviceCommandError):
        driver.device.push_media(tmp_path / "missing.png")


def test_unknown_package_is_a_command_error(driver) -> None:
    with pytest.raises(DeviceCommandError):
        driver.device.app_start("com.example.nothing")


def test_disconnected_phone_is_offline(driver) -> None:
    driver.phone.disconnect()
    for call in (
        driver.device.screenshot,
        driver.device.info,
        driver.device.dump_hierarchy,
        lambda: driver.device.tap(1, 1),
        lambda: driver.device.press_key(Key.HOME),
    ):
        with pytest.raises(DeviceOfflineError):
            call()
    driver.phone.reconnect()
    assert driver.device.current_app() == "com.android.launcher3"


def test_current_app_follows_the_screen(driver) -> None:
    assert driver.device.current_app() == "com.android.launcher3"
    driver.device.app_start("com.simchat.app")
    assert driver.device.current_app() == "com.simchat.app"
    driver.device.app_stop("com.simchat.app")
    assert driver.device.current_app() == "com.android.launcher3"
    driver.phone.lock_screen()
    assert driver.device.current_app() == "com.android.systemui"


def test_two_devices_share_nothing(make_driver) -> None:
    a, b = make_driver(), make_driver()
    a.phone.goto("chat_list")
    assert SimulatedDevice(b.phone).current_app() == "com.android.launcher3"
