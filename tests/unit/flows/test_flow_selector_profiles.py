"""The WeChat and WeCom profiles' publish flows, run by the real flow runner on
`ScriptedPhone` (synthetic dumps): screens recognised by selectors alone, navigation from
another tab, a permission dialog on the way, the picker's check boxes, confirm mode.

This proves the profiles and the runner fit together; it does not prove the profiles
fit the real apps (they are marked not yet verified on a device).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from scripted_phone import REAL_APPS, Post, ScriptedPhone, wechat_phone, wecom_phone

from agent.flows.app import App, load_app
from agent.flows.observe import Observer
from agent.flows.runner import FlowRunner
from device_profiles.model import Screen, Selector
from farm_protocol.device import DeviceInfo
from farm_protocol.flow import FlowOutcome


def _runner(phone: ScriptedPhone, app: App) -> FlowRunner:
    runner = FlowRunner(phone, app)
    runner.observer.frame_interval = 0.0
    return runner


@pytest.fixture(scope="module")
def wechat() -> App:
    return load_app("wechat")


@pytest.fixture(scope="module")
def wecom() -> App:
    return load_app("wecom")


def test_wechat_publish_goes_discover_moments_camera_album_publish(
    wechat: App, photos: list[Path]
) -> None:
    phone = wechat_phone()

    result = _runner(phone, wechat).run("publish_post", {"text": "新品上架", "images": photos[:2]})

    assert result.outcome is FlowOutcome.SUCCEEDED, result.error
    assert phone.posts == [Post("新品上架", 2)]
    assert phone.pushed == photos[:2]
    assert phone.checked_order == [1, 0], "oldest first, so the post keeps the images' order"
    seen = [s.seen for s in result.steps]
    assert seen[2:6] == ["discover", "moments_feed", "post_menu", "image_picker"]
    assert seen[-1] == "moments_feed"
    recoveries = [r.screen for s in result.steps for r in s.recoveries]
    assert recoveries == ["permission_dialog"]


def test_wechat_confirm_mode_parks_on_the_composer_then_publishes(
    wechat: App, photos: list[Path]
) -> None:
    phone = wechat_phone()
    runner = _runner(phone, wechat)
    params: dict[str, object] = {"text": "周末活动", "images": photos[:1]}

    prepared = runner.run("prepare_post", params)

    assert prepared.outcome is FlowOutcome.SUCCEEDED, prepared.error
    assert phone.state == "composer" and phone.posts == []

    published = runner.run("publish_prepared", params)

    assert published.outcome is FlowOutcome.SUCCEEDED, published.error
    assert phone.posts == [Post("周末活动", 1)]


def test_wecom_publish_goes_workbench_customer_moments_compose_publish(
    wecom: App, photos: list[Path]
) -> None:
    phone = wecom_phone()

    result = _runner(phone, wecom).run("publish_post", {"text": "本周新品", "images": photos})

    assert result.outcome is FlowOutcome.SUCCEEDED, result.error
    assert phone.posts == [Post("本周新品", 3)]
    assert phone.checked_order == [2, 1, 0]


def test_a_failed_dump_is_looked_at_again_not_remembered(wechat: App) -> None:
    phone = wechat_phone()
    phone.app_start("com.tencent.mm")
    observer = Observer(phone, wechat, frame_interval=0.0)
    phone.dump_errors = 1

    first = observer.look(phone.screenshot())
    second = observer.look(phone.screenshot())

    assert first.screen is None and first.nodes is None
    assert second.screen == "me"


class _Frame:
    """A phone showing one fixed frame and hierarchy; counts the dumps asked for."""

    def __init__(self, frame: np.ndarray, xml: str, density: int) -> None:
        self.frame, self.xml, self.density, self.dumps = frame, xml, density, 0

    @property
    def serial(self) -> str:
        return "frame-1"

    def info(self) -> DeviceInfo:
        h, w = self.frame.shape[:2]
        return DeviceInfo(serial=self.serial, width=w, height=h, density=self.density)

    def screenshot(self) -> np.ndarray:
        return self.frame

    def dump_hierarchy(self) -> str:
        self.dumps += 1
        return self.xml


def _simchat_frame(app: App) -> tuple[np.ndarray, str]:
    """The committed simchat chat list (vision fixtures): its screenshot and dump."""
    stem = REAL_APPS.parent / "chat_list__1080x2400@420__light__zh-CN"
    frame = cv2.imread(str(stem.with_suffix(".png")))
    return frame, stem.with_suffix(".xml").read_text(encoding="utf-8")


def test_the_pixel_path_never_dumps_the_hierarchy(app: App) -> None:
    frame, xml = _simchat_frame(app)
    device = _Frame(frame, xml, 420)
    observer = Observer(device, app)  # type: ignore[arg-type]

    obs = observer.look(frame, ["chat_list"])

    assert obs.screen == "chat_list"
    assert device.dumps == 0


def test_a_selector_only_dialog_wins_over_the_pixels_under_it(app: App) -> None:
    """A profile may mix: templates for the app, selectors for a dialog we have no crop of."""
    frame, xml = _simchat_frame(app)
    promo = Screen(overlay=True, priority=60, selectors=[Selector(text="限时活动")])
    screens = {**app.profile.screens, "promo": promo}
    mixed = App(app.profile.model_copy(update={"screens": screens}), app.templates)
    dialog = xml.replace(
        "</hierarchy>",
        '<node text="限时活动" resource-id="" class="android.widget.TextView" package="x"'
        ' content-desc="" bounds="[100,900][980,1000]" /></hierarchy>',
    )

    plain = Observer(_Frame(frame, xml, 420), mixed).look(frame)  # type: ignore[arg-type]
    covered = Observer(_Frame(frame, dialog, 420), mixed).look(frame)  # type: ignore[arg-type]

    assert plain.screen == "chat_list"
    assert covered.screen == "promo"
    assert covered.seen.scores["chat_list"] > 0.8, "the pixels still saw the chat list"
