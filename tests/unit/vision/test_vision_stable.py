"""frame_delta / is_stable: a settled screen is stable, a moving one is not."""

from __future__ import annotations

import numpy as np
import pytest
from vision_support import shot

from agent.vision.stable import frame_delta, is_stable

SCREENS = [
    "chat_list__1080x2400@420__light__zh-CN",
    "moments_feed__720x1600@320__light__en",
    "composer__1440x3200@560__light__en",
    "discover__720x1600@320__dark__en",
]


def _slid(image: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """`image` moved by (dx, dy) pixels, the uncovered edge filled with its first row/column
    (how a frame of a slide transition looks)."""
    out = np.roll(image, (dy, dx), axis=(0, 1))
    if dy > 0:
        out[:dy] = image[:1]
    if dx > 0:
        out[:, :dx] = image[:, :1]
    return out


@pytest.mark.parametrize("name", SCREENS)
def test_two_identical_frames_are_stable(name: str) -> None:
    frame = shot(name).image()

    assert frame_delta(frame, frame.copy()) == 0.0
    assert is_stable(frame, frame.copy())


@pytest.mark.parametrize("name", SCREENS)
def test_sensor_noise_and_the_status_bar_do_not_count(name: str) -> None:
    frame = shot(name).image()
    # ±2 levels of compression-like noise (not where it would clip, which would shift means)
    jitter = np.random.default_rng(1).integers(-2, 3, frame.shape)
    jitter[(frame < 2) | (frame > 253)] = 0
    noisy = (frame + jitter).astype(np.uint8)
    new_clock = frame.copy()
    new_clock[: int(frame.shape[0] * 0.03)] = 255 - new_clock[: int(frame.shape[0] * 0.03)]

    assert is_stable(frame, noisy)
    assert frame_delta(frame, new_clock) == 0.0


@pytest.mark.parametrize("name", SCREENS)
@pytest.mark.parametrize(("dx", "dy"), [(0.02, 0.0), (0.0, 0.01), (0.1, 0.0)])
def test_a_slightly_shifted_frame_is_not_stable(name: str, dx: float, dy: float) -> None:
    frame = shot(name).image()
    h, w = frame.shape[:2]
    moved = _slid(frame, round(w * dx), round(h * dy))

    assert frame_delta(frame, moved) > 0.6
    assert not is_stable(frame, moved)


def test_a_cross_fade_is_not_stable() -> None:
    a = shot("chat_list__1080x2400@420__light__zh-CN").image()
    b = shot("launcher__1080x2400@420__light__en").image()
    fading = (0.9 * a + 0.1 * b).astype(np.uint8)

    assert not is_stable(a, fading)
    assert not is_stable(fading, b)


def test_frames_of_different_sizes_are_not_the_same_picture() -> None:
    a = shot("moments_feed__720x1600@320__light__en").image()
    b = shot("moments_feed__1440x3200@560__light__zh-CN").image()

    assert frame_delta(a, b) == 255.0
    assert not is_stable(a, b)


def test_the_tolerance_is_the_callers_to_choose() -> None:
    frame = shot("chat_list__1080x2400@420__light__zh-CN").image()
    moved = _slid(frame, 0, 24)
    delta = frame_delta(frame, moved)

    assert is_stable(frame, moved, tolerance=delta)
    assert not is_stable(frame, moved, tolerance=delta * 0.99)
