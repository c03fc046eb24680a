"""Publish and send on every resolution x theme x locale, random interruptions on.

Assertions read the virtual phone's ground truth (its World), never the runner's report.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from flow_support import RESOLUTIONS, PhoneFactory
from PIL import Image

from agent.flows.app import App
from agent.flows.runner import FlowRunner

COMBOS = list(itertools.product(RESOLUTIONS, ("light", "dark"), ("zh-CN", "en")))


def _same_picture(a: Image.Image, path: Path) -> bool:
    with Image.open(path) as b:
        return np.array_equal(np.asarray(a.convert("RGB")), np.asarray(b.convert("RGB")))


@pytest.mark.parametrize(("resolution", "theme", "locale"), COMBOS)
def test_publish_post_lands_in_the_feed_exactly_once(
    app: App,
    make_phone: PhoneFactory,
    photos: list[Path],
    tmp_path: Path,
    resolution: str,
    theme: str,
    locale: str,
) -> None:
    seed = COMBOS.index((resolution, theme, locale)) + 11
    phone, device = make_phone(resolution, theme, locale, seed=seed, faults=True)
    text = f"新品上市 🎉 #{seed} limited offer"
    images = photos[:2]
    result = FlowRunner(device, app, evidence_dir=tmp_path).run(
        "publish_post", {"text": text, "images": [str(p) for p in images]}
    )
    assert result.ok, (result.error, phone.fault_log)
    posts = phone.world.published_posts()
    assert len(posts) == 1
    assert posts[0].text == text
    assert len(posts[0].images) == 2
    for picture, source in zip(posts[0].images, images, strict=True):
        assert _same_picture(picture, source)


@pytest.mark.parametrize(("resolution", "theme", "locale"), COMBOS)
def test_send_message_reaches_the_contact_exactly_once(
    app: App, make_phone: PhoneFactory, tmp_path: Path, resolution: str, theme: str, locale: str
) -> None:
    seed = COMBOS.index((resolution, theme, locale)) + 41
    phone, device = make_phone(resolution, theme, locale, seed=seed, faults=True)
    contact = phone.world.contacts()[seed % 4]
    before = len(phone.world.delivered_to(contact))
    text = f"您好 {contact.name}，明天发货 📦 (order {seed})"
    result = FlowRunner(device, app, evidence_dir=tmp_path).run(
        "send_message", {"contact": contact.name, "text": text}
    )
    assert result.ok, (result.error, phone.fault_log)
    delivered = phone.world.delivered_to(contact)
    assert len(delivered) == before + 1
    assert delivered[-1].text == text
