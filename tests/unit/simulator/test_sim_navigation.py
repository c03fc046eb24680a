"""Transitions, keys, dialogs and the lock screen."""

from __future__ import annotations

import numpy as np

from agent.devices.base import Key


def test_screenshot_during_a_transition_is_an_intermediate_frame(driver) -> None:
    driver.phone.goto("discover")
    before = driver.device.screenshot()
    driver.tap("entry_moments", settle=0.125)
    assert driver.label == "transition"
    middle = driver.device.screenshot()
    driver.settle(0.5)
    assert driver.label == "moments_feed"
    after = driver.device.screenshot()
    assert not np.array_equal(middle, before)
    assert not np.array_equal(middle, after)


def test_taps_during_a_transition_are_dropped(driver) -> None:
    driver.phone.goto("discover")
    x, y = driver.center("entry_moments")
    driver.device.tap(x, y)
    driver.clock.advance(0.05)
    driver.device.tap(x, y)  # lands mid-animation: ignored
    driver.device.press_key(Key.BACK)  # ignored as well
    driver.settle(1.0)
    assert driver.label == "moments_feed"
    assert "input_dropped" in driver.phone.fault_log


def test_slow_transition_takes_longer(make_driver) -> None:
    from simulator.faults import FaultPlan

    d = make_driver(faults=FaultPlan(seed=1, slow_rate=1.0, slow_factor=4.0))
    d.phone.goto("discover")
    d.tap("entry_moments", settle=0.5)
    assert d.label == "transition"
    d.settle(0.6)
    assert d.label == "moments_feed"


def test_back_pops_and_at_the_root_goes_home_keeping_state(driver) -> None:
    driver.phone.goto("conversation", contact="张伟")
    driver.tap("input_message")
    driver.device.type_text("draft")
    driver.device.press_key(Key.BACK)
    driver.settle()
    assert driver.label == "chat_list"
    driver.device.press_key(Key.BACK)
    driver.settle()
    assert driver.label == "launcher"
    assert driver.device.current_app() == "com.android.launcher3"
    driver.device.app_start("com.simchat.app")
    driver.settle()
    assert driver.label == "chat_list"


def test_home_keeps_the_app_where_it_was(driver) -> None:
    driver.phone.goto("composer", text="half written")
    driver.device.press_key(Key.HOME)
    driver.settle()
    assert driver.label == "launcher"
    driver.tap("app_simchat")
    assert driver.label == "composer"
    assert driver.nodes("input_post")[0].get("text") == "half written"


def test_nav_bar_buttons_act_as_keys(driver) -> None:
    driver.phone.goto("moments_feed")
    driver.tap("back")  # the system nav bar's back triangle
    assert driver.label == "discover"
    driver.tap("home")
    assert driver.label == "launcher"


def test_cold_start_opens_the_chat_list(driver) -> None:
    driver.device.app_start("com.simchat.app")
    assert driver.label == "transition"
    driver.settle()
    assert driver.label == "chat_list"
    assert driver.device.current_app() == "com.simchat.app"


def test_update_dialog_blocks_the_screen_below(driver) -> None:
    driver.phone.goto("chat_list")
    row = driver.center("chat_row")
    driver.phone.show_dialog("update")
    assert driver.label == "transition"  # fading in
    driver.settle(0.3)
    assert driver.label == "update_dialog"
    driver.device.tap(*row)
    driver.settle()
    assert driver.label == "update_dialog"
    driver.tap("btn_dialog_later")
    assert driver.label == "chat_list"


def test_update_button_leaves_to_the_launcher(driver) -> None:
    driver.phone.goto("chat_list")
    driver.phone.goto("update_dialog")
    driver.tap("btn_dialog_update")
    assert driver.label == "launcher"


def test_back_dismisses_a_dialog(driver) -> None:
    driver.phone.goto("chat_list")
    driver.phone.goto("update_dialog")
    driver.device.press_key(Key.BACK)
    driver.settle()
    assert driver.label == "chat_list"


def test_permission_deny_returns_to_the_composer_and_asks_again(driver) -> None:
    driver.phone.goto("composer")
    driver.tap("btn_add_image")
    assert driver.label == "permission_dialog"
    assert driver.device.current_app() == "com.android.permissioncontroller"
    driver.tap("btn_permission_deny")
    assert driver.label == "composer"
    driver.tap("btn_add_image")
    assert driver.label == "permission_dialog"
    driver.tap("btn_permission_allow")
    assert driver.label == "image_picker"
    driver.tap("btn_picker_close")
    driver.tap("btn_add_image")
    assert driver.label == "image_picker"  # remembered


def test_toast_is_transient_and_does_not_block(driver) -> None:
    driver.phone.goto("discover")
    driver.phone.show_toast("network")
    assert driver.label == "discover"
    assert driver.nodes("message")[0].get("text") == "网络连接不可用"
    driver.tap("entry_moments")
    assert driver.label == "moments_feed"
    driver.settle(2.0)
    assert not driver.nodes("message")


def test_lock_screen_unlocks_with_a_swipe_up(driver) -> None:
    driver.phone.goto("chat_list")
    driver.phone.lock_screen()
    assert driver.label == "lock_screen"
    assert driver.device.info().locked
    x = driver.phone.width // 2
    driver.device.tap(x, driver.phone.height // 2)
    assert driver.label == "lock_screen"
    driver.device.swipe(x, driver.phone.height - 300, x, driver.phone.height // 3, 250)
    assert driver.label == "chat_list"


def test_swipe_scrolls_the_feed(driver) -> None:
    driver.phone.goto("moments_feed")
    top = driver.nodes("feed_author")[0].get("bounds")
    x = driver.phone.width // 2
    driver.device.swipe(x, 1800, x, 900, 300)
    assert driver.nodes("feed_author")[0].get("bounds") != top


def test_crash_loses_the_draft_and_shows_the_crash_dialog(driver) -> None:
    driver.phone.goto("composer", text="gone")
    driver.phone.crash_app()
    driver.settle()
    assert driver.label == "crash_dialog"
    assert driver.device.current_app() == "android"
    driver.tap("btn_crash_close")
    assert driver.label == "launcher"
    driver.tap("app_simchat")
    assert driver.label == "chat_list"
