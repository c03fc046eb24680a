"""Random faults are reproducible from a seed; freezes and crashes behave."""

from __future__ import annotations

import numpy as np

from simulator.faults import FaultPlan


def _script(d) -> list[str]:
    """A fixed sequence of inputs; returns what the phone logged."""
    d.device.app_start("com.simchat.app")
    d.settle()
    for _ in range(8):
        for tab in ("tab_discover", "tab_chats", "tab_contacts", "tab_me"):
            found = d.phone.find(tab)
            if found:
                d.device.tap(*found[0].center)
            else:
                d.device.press_key("back")
            d.settle(0.7)
    return d.phone.fault_log


def test_same_seed_same_faults(make_driver) -> None:
    runs = [
        _script(make_driver(720, 1600, 320, faults=FaultPlan.random_interruptions(seed)))
        for seed in (7, 7, 8)
    ]
    assert runs[0] == runs[1]
    assert runs[0], "moderate rates over ~50 taps produce some faults"
    assert runs[0] != runs[2]


def test_plan_draws_are_reproducible() -> None:
    a, b = FaultPlan.random_interruptions(3), FaultPlan.random_interruptions(3)
    assert [a.on_tap() for _ in range(50)] == [b.on_tap() for _ in range(50)]
    assert [a.on_screen_change() for _ in range(50)] == [b.on_screen_change() for _ in range(50)]


def test_default_plan_never_faults(driver) -> None:
    _script(driver)
    assert [e for e in driver.phone.fault_log if e != "input_dropped"] == []


def test_freeze_keeps_a_stale_frame_and_ignores_input(driver) -> None:
    driver.phone.goto("discover")
    frozen = driver.device.screenshot()
    driver.phone.freeze(600)
    driver.phone.world.inject_message("张伟", "new")  # would show a banner
    driver.tap("entry_moments", settle=0.2)
    assert np.array_equal(driver.device.screenshot(), frozen)
    assert driver.label == "discover"
    driver.settle(0.6)
    assert driver.label == "banner"  # the world moved on; the tap did not
    assert not np.array_equal(driver.device.screenshot(), frozen)


def test_tap_faults_fire_at_rate_one(make_driver) -> None:
    d = make_driver(faults=FaultPlan(seed=1, toast_rate=1.0))
    d.phone.goto("discover")
    d.tap("entry_scan", settle=0.1)
    assert d.nodes("message")
    assert "toast" in d.phone.fault_log
    crashy = make_driver(faults=FaultPlan(seed=1, crash_rate=1.0))
    crashy.phone.goto("composer", text="lost")
    crashy.tap("input_post")
    assert crashy.label == "crash_dialog"


def test_dialog_fault_appears_after_the_transition(make_driver) -> None:
    d = make_driver(faults=FaultPlan(seed=1, dialog_rate=1.0))
    d.phone.goto("discover")
    d.tap("entry_moments")
    assert d.label == "update_dialog"
