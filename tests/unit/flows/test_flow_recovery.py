"""The runner's promises under faults: crashes restart safely, nothing is done twice.

Faults are injected at the device boundary (a wrapper around `SimulatedDevice`) at exact
moments; assertions read the virtual phone's ground truth.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import pytest
from flow_support import PhoneFactory

from agent.devices.base import Image
from agent.flows.app import App
from agent.flows.runner import FlowRunner
from farm_protocol.flow import FlowOutcome, StepStatus
from simulator.device import SimulatedDevice
from simulator.phone import VirtualPhone


class FaultyDevice(SimulatedDevice):
    """A simulated device that runs a hook before each tap, after each screenshot, and
    before each look at the phone (a screenshot or a hierarchy dump), once the phone's
    timers are settled: what the hook does then is what that look shows."""

    def __init__(self, phone: VirtualPhone) -> None:
        super().__init__(phone)
        self.taps = 0
        self.before_tap: Callable[[int, int, int], None] | None = None
        self.after_screenshot: Callable[[], None] | None = None
        self.before_look: Callable[[], None] | None = None

    def tap(self, x: int, y: int) -> None:
        self.taps += 1
        if self.before_tap is not None:
            self.before_tap(self.taps, x, y)
        super().tap(x, y)

    def _look(self) -> None:
        if self.before_look is not None:
            self.phone.tick()  # settle what is due (an upload that completes, ...) first
            self.before_look()

    def screenshot(self) -> Image:
        self._look()
        frame = super().screenshot()
        if self.after_screenshot is not None:
            self.after_screenshot()
        return frame

    def dump_hierarchy(self) -> str:
        self._look()
        return super().dump_hierarchy()


def _on_node(phone: VirtualPhone, id_name: str, x: int, y: int) -> bool:
    return any(n.contains(x, y) for n in phone.find(id_name))


@pytest.fixture
def faulty(make_phone: PhoneFactory) -> tuple[VirtualPhone, FaultyDevice]:
    phone, _ = make_phone(seed=5)
    return phone, FaultyDevice(phone)


def _params(photos: list[Path], text: str = "春季上新 🌸") -> dict[str, object]:
    return {"text": text, "images": [str(p) for p in photos[:2]]}


def test_crash_before_publish_restarts_the_flow(
    app: App, faulty: tuple[VirtualPhone, FaultyDevice], photos: list[Path], tmp_path: Path
) -> None:
    phone, device = faulty
    crashed: list[int] = []

    def crash_once(n: int, x: int, y: int) -> None:
        if not crashed and _on_node(phone, "btn_add_image", x, y):
            crashed.append(n)
            phone.crash_app()

    device.before_tap = crash_once
    result = FlowRunner(device, app, evidence_dir=tmp_path).run("publish_post", _params(photos))
    assert crashed, "the fault never fired"
    assert result.outcome is FlowOutcome.SUCCEEDED, result.error
    assert any(s.status is StepStatus.FAILED for s in result.steps)  # the crashed attempt
    assert [p.text for p in phone.world.published_posts()] == ["春季上新 🌸"]


def test_crash_during_upload_is_checked_and_reported_not_published(
    app: App, faulty: tuple[VirtualPhone, FaultyDevice], photos: list[Path], tmp_path: Path
) -> None:
    phone, device = faulty
    armed: list[bool] = []

    def arm(n: int, x: int, y: int) -> None:
        if _on_node(phone, "btn_publish", x, y):
            armed.append(True)

    def crash_while_uploading() -> None:
        if armed and armed[0] and phone.find("feed_progress"):
            armed[0] = False
            phone.crash_app()  # the upload dies with the app: not published

    device.before_tap = arm
    device.after_screenshot = crash_while_uploading
    result = FlowRunner(device, app, evidence_dir=tmp_path).run("publish_post", _params(photos))
    assert armed and armed[0] is False, "the fault never fired"
    assert result.outcome is FlowOutcome.FAILED
    assert "did not happen" in (result.error or "")
    assert phone.world.published_posts() == []
    # the caller may now retry; with check_first it reads the feed first, then publishes once
    device.before_tap = None
    device.after_screenshot = None
    again = FlowRunner(device, app).run("publish_post", {**_params(photos), "check_first": True})
    assert again.outcome is FlowOutcome.SUCCEEDED, again.error
    assert len(phone.world.published_posts()) == 1


def test_crash_after_the_post_went_out_is_recognised_as_done(
    app: App, faulty: tuple[VirtualPhone, FaultyDevice], photos: list[Path], tmp_path: Path
) -> None:
    phone, device = faulty
    fired: list[bool] = []

    def crash_after_commit() -> None:
        if not fired and phone.world.published_posts():
            fired.append(True)
            phone.crash_app()

    # The crash comes the moment the post has gone out, before the flow can see it there
    # (whichever look, however fast the machine, first finds the upload complete).
    device.before_look = crash_after_commit
    result = FlowRunner(device, app, evidence_dir=tmp_path).run("publish_post", _params(photos))
    assert fired, "the fault never fired"
    assert result.outcome is FlowOutcome.SUCCEEDED, result.error
    assert result.data.found is True
    assert len(phone.world.published_posts()) == 1


def test_check_first_does_not_publish_twice(
    app: App, make_phone: PhoneFactory, photos: list[Path]
) -> None:
    phone, device = make_phone(seed=9)
    first = FlowRunner(device, app).run("publish_post", _params(photos, "只发一次"))
    assert first.outcome is FlowOutcome.SUCCEEDED
    again = FlowRunner(device, app).run(
        "publish_post", {**_params(photos, "只发一次"), "check_first": True}
    )
    assert again.outcome is FlowOutcome.ALREADY_DONE
    assert len(phone.world.published_posts()) == 1


def test_dropped_send_tap_is_retried_and_sent_once(
    app: App, faulty: tuple[VirtualPhone, FaultyDevice], tmp_path: Path
) -> None:
    phone, device = faulty
    froze: list[bool] = []

    def freeze_at_send(n: int, x: int, y: int) -> None:
        if not froze and _on_node(phone, "btn_send", x, y):
            froze.append(True)
            phone.freeze(700)  # the tap lands on a frozen screen and is dropped

    device.before_tap = freeze_at_send
    contact = phone.world.contacts()[1]
    before = len(phone.world.delivered_to(contact))
    result = FlowRunner(device, app, evidence_dir=tmp_path).run(
        "send_message", {"contact": contact.name, "text": "收到，马上安排 ✅"}
    )
    assert froze, "the fault never fired"
    assert result.ok, result.error
    delivered = phone.world.delivered_to(contact)
    assert len(delivered) == before + 1
    assert delivered[-1].text == "收到，马上安排 ✅"


def test_a_frozen_phone_fails_with_an_annotated_screenshot(
    app: App, make_phone: PhoneFactory, photos: list[Path], tmp_path: Path
) -> None:
    phone, device = make_phone(seed=4)
    phone.goto("discover")
    phone.freeze(120_000)
    result = FlowRunner(device, app, evidence_dir=tmp_path).run("publish_post", _params(photos))
    assert result.outcome is FlowOutcome.FAILED
    failed = [s for s in result.steps if s.status is StepStatus.FAILED]
    assert failed and failed[-1].expected == "chat_list"
    assert failed[-1].seen == "discover"
    assert "could not reach chat_list" in (failed[-1].error or "")
    assert result.evidence, "no evidence saved"
    image = cv2.imread(result.evidence[-1])
    assert image is not None and image.shape[0] > 500
    red = (image[:, :, 2] > 200) & (image[:, :, 1] < 60) & (image[:, :, 0] < 60)
    assert red.sum() > 50, "the expected anchors are not drawn in red"
    assert phone.world.published_posts() == []


def test_bad_parameters_are_refused_before_touching_the_phone(
    app: App, faulty: tuple[VirtualPhone, FaultyDevice]
) -> None:
    _, device = faulty
    runner = FlowRunner(device, app)
    with pytest.raises(ValueError, match="needs parameter 'images'"):
        runner.run("publish_post", {"text": "x"})
    with pytest.raises(ValueError, match="must be a list"):
        runner.run("publish_post", {"text": "x", "images": "a.jpg"})
    assert device.taps == 0
