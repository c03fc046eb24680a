"""The agent's side of live screens and remote control, without a controller.

`ControlGate` (a person's hold and the worker's jobs never overlap), `apply_input` (a
remote tap really changes the virtual phone's screen), `StreamPump` (frames at the asked
rate and width, unchanged screens not re-sent), and the frame encoding.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from itertools import pairwise

import cv2
import numpy as np
import pytest

from agent.host.remote_control import ControlGate, ControlRefused, apply_input
from agent.host.screen_stream import FrameOutbox, StreamPump, encode_jpeg, ws_url
from farm_protocol.live import (
    CONTROLLER_MESSAGE,
    CommandError,
    FrameError,
    FrameHeader,
    InputCommand,
    KeyInput,
    StreamSpec,
    StreamTier,
    SwipeInput,
    TapInput,
    TextInput,
    decode_header,
    encode_frame,
    frame_jpeg,
)
from simulator.device import SimulatedDevice
from simulator.phone import VirtualPhone


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def center(phone: VirtualPhone, node_id: str) -> tuple[float, float]:
    """The node's centre as fractions of the screen (what the browser sends)."""
    [node] = phone.find(node_id)
    x0, y0, x1, y1 = node.bounds
    return ((x0 + x1) / 2 / phone.width, (y0 + y1) / 2 / phone.height)


def settled(phone: VirtualPhone) -> str:
    deadline = time.monotonic() + 5
    while phone.screen_label() == "transition" and time.monotonic() < deadline:
        time.sleep(0.02)
    return phone.screen_label()


# -- the control gate -------------------------------------------------------------------------


def test_a_held_phone_claims_no_job_until_released() -> None:
    gate = ControlGate("PH-1")
    state = gate.take("li", 60, wait=0)
    assert state.holder == "li" and state.expires_in == 60
    assert gate.begin_work() is False  # the worker skips its claim
    gate.release()
    assert gate.begin_work() is True
    gate.end_work()


def test_a_phone_with_a_job_in_hand_cannot_be_taken() -> None:
    gate = ControlGate("PH-1")
    assert gate.begin_work()
    with pytest.raises(ControlRefused) as refused:
        gate.take("li", 60, wait=0.05)
    assert refused.value.code is CommandError.BUSY
    assert gate.state().holder is None


def test_take_waits_for_a_claim_in_flight_to_come_back_empty() -> None:
    gate = ControlGate("PH-1")
    assert gate.begin_work()
    threading.Timer(0.1, gate.end_work).start()
    assert gate.take("li", 60, wait=2).holder == "li"


def test_only_the_holder_drives_and_each_input_renews_the_hold() -> None:
    clock = FakeClock()
    gate = ControlGate("PH-1", clock)
    gate.take("li", 30, wait=0)
    with pytest.raises(ControlRefused) as other:
        gate.take("wang", 30, wait=0)
    assert other.value.code is CommandError.HELD
    with pytest.raises(ControlRefused) as stranger:
        gate.check_input("wang")
    assert stranger.value.code is CommandError.NOT_HELD
    clock.now += 25
    gate.check_input("li")  # renews: 30 s from now
    clock.now += 25
    assert gate.state().holder == "li"
    clock.now += 10  # 35 s without input: the hold is gone, jobs may run
    assert gate.state().holder is None
    assert gate.begin_work()
    with pytest.raises(ControlRefused):
        gate.check_input("li")


def test_release_by_another_person_names_the_holder_only_when_asked() -> None:
    gate = ControlGate("PH-1")
    gate.take("li", 30, wait=0)
    assert gate.release("wang").holder == "li"  # only li's own release, when named
    assert gate.release(None).holder is None  # an operator's release frees it


# -- remote input on a virtual phone -------------------------------------------------------


def test_remote_taps_navigate_the_virtual_phone_to_the_moments_feed() -> None:
    phone = VirtualPhone(width=720, height=1600, density=320)
    device = SimulatedDevice(phone)
    assert phone.screen_label() == "launcher"
    for node_id, screen in [
        ("app_simchat", "chat_list"),
        ("tab_discover", "discover"),
        ("entry_moments", "moments_feed"),
    ]:
        x, y = center(phone, node_id)
        apply_input(device, TapInput(x=x, y=y))
        assert settled(phone) == screen
    apply_input(device, KeyInput(key="back"))
    assert settled(phone) == "discover"
    apply_input(device, KeyInput(key="home"))
    assert settled(phone) == "launcher"


def test_swipe_and_text_reach_the_phone() -> None:
    phone = VirtualPhone(width=720, height=1600, density=320)
    device = SimulatedDevice(phone)
    phone.goto("moments_feed")
    apply_input(device, SwipeInput(x=0.5, y=0.8, x2=0.5, y2=0.3, duration_ms=200))
    assert settled(phone) == "moments_feed"
    phone.goto("composer")
    x, y = center(phone, "input_post")
    apply_input(device, TapInput(x=x, y=y))  # focus the field, as a person would
    settled(phone)
    apply_input(device, TextInput(text="你好 hello"))
    assert "你好 hello" in phone.hierarchy_xml()


def test_fractions_map_to_pixels_inside_the_screen() -> None:
    taps: list[tuple[int, int]] = []

    class Recorder(SimulatedDevice):
        def tap(self, x: int, y: int) -> None:
            taps.append((x, y))

    device = Recorder(VirtualPhone(width=720, height=1600, density=320))
    apply_input(device, TapInput(x=0.5, y=0.25))
    apply_input(device, TapInput(x=1.0, y=1.0))
    assert taps == [(360, 400), (719, 1599)]


# -- frames ---------------------------------------------------------------------------------


def test_a_frame_carries_its_header_and_jpeg() -> None:
    header = FrameHeader(
        serial="PH-1",
        tier=StreamTier.FOCUS,
        seq=7,
        width=540,
        height=1200,
        screen_width=720,
        screen_height=1600,
        captured_ms=1.0,
    )
    data = encode_frame(header, b"\xff\xd8jpeg")
    assert decode_header(data) == header
    assert frame_jpeg(data) == b"\xff\xd8jpeg"
    for bad in (b"", b"\x00", b"\x00\x00abc", b"\x00\x05{}", b"\x00\x02{}"):
        with pytest.raises(FrameError):
            decode_header(bad)


def test_screenshots_are_scaled_to_the_tier_width() -> None:
    image = np.zeros((1600, 720, 3), dtype=np.uint8)
    image[:800] = (40, 120, 200)
    jpeg, width, height, _digest = encode_jpeg(image, 180, 60)
    assert (width, height) == (180, 400)
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == (400, 180, 3)


def test_the_controller_messages_parse() -> None:
    raw = InputCommand(id="1", serial="PH-1", user="li", input=TapInput(x=0.1, y=0.2))
    parsed = CONTROLLER_MESSAGE.validate_json(raw.model_dump_json())
    assert parsed == raw


def test_a_pump_streams_each_tier_at_its_rate_and_skips_unchanged_screens() -> None:
    # A fixed wall clock: a minute rolling over mid-test would change the status bar.
    frozen = datetime(2026, 5, 4, 10, 0, 30, tzinfo=UTC)
    phone = VirtualPhone(width=720, height=1600, density=320, wall_clock=lambda: frozen)
    outbox = FrameOutbox()
    pump = StreamPump(SimulatedDevice(phone), outbox).start()
    sent: list[bytes] = []
    try:
        # Every frame (keyframe_s 0) at 10 fps, and thumbnails that skip unchanged screens.
        pump.set(StreamTier.FOCUS, StreamSpec(fps=10, max_width=360, keyframe_s=0))
        pump.set(StreamTier.THUMB, StreamSpec(fps=10, max_width=90, keyframe_s=30))
        # Until 8 focus frames came (a slow machine takes longer; the rate is read off the
        # frames' own capture times, so the load of the machine does not decide the test).
        deadline = time.monotonic() + 8.0
        focus: list[FrameHeader] = []
        while len(focus) < 8 and time.monotonic() < deadline:
            batch = outbox.take(0.05)
            assert batch is not None
            sent.extend(batch[1])
            focus = [h for h in map(decode_header, sent) if h.tier is StreamTier.FOCUS]
        time.sleep(0.3)  # a thumbnail of an unchanged screen would have come by now
        batch = outbox.take(0.05)
        sent.extend(batch[1] if batch is not None else [])
        headers = [decode_header(frame) for frame in sent]
        thumbs = [h for h in headers if h.tier is StreamTier.THUMB]
        assert len(focus) >= 8, f"{len(focus)} focus frames in 8 s"
        # The pacing, from the frames' own capture times: the typical gap is a tenth of a
        # second (setting a tier captures at once, and a stall is caught up at half a gap).
        gaps = sorted(b.captured_ms - a.captured_ms for a, b in pairwise(focus))
        assert 90 <= gaps[len(gaps) // 2] <= 500, f"capture gaps (ms): {gaps}"
        assert {(h.width, h.height) for h in focus} == {(360, 800)}
        assert len(thumbs) == 1  # the screen did not change: sent once
        assert thumbs[0].width == 90 and thumbs[0].screen_width == 720
        assert pump.set(StreamTier.FOCUS, None) is True
        assert pump.set(StreamTier.THUMB, None) is False  # nothing left: the pump ends
        pump.join(2)
    finally:
        pump.stop()


def test_ws_url_follows_the_controller_scheme() -> None:
    assert ws_url("http://127.0.0.1:8000") == "ws://127.0.0.1:8000/api/v1/agent/ws"
    assert ws_url("https://farm.example/") == "wss://farm.example/api/v1/agent/ws"
