"""The flows of the in-process tests, run on 4 virtual phones through the real adb server.

Each backend (AdbDevice, U2Device) publishes a post and sends a message on all four phones
at once; the assertions read the phones' ground truth (their worlds), not the runner.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from adb_support import WirePhone
from PIL import Image

from agent.devices.adb import AdbDevice
from agent.devices.base import Device
from agent.devices.u2 import U2Device
from agent.flows.app import App
from agent.flows.runner import FlowRunner
from farm_protocol.flow import FlowResult
from tests.helpers.adb import PrivateAdbServer

Backend = Callable[[PrivateAdbServer, str], Device]
BACKENDS: dict[str, Backend] = {
    "adb": lambda server, serial: AdbDevice(serial, server=server.client),
    "u2": lambda server, serial: U2Device(serial, server=server.client),
}


def _same_picture(a: Image.Image, path: Path) -> bool:
    with Image.open(path) as b:
        return np.array_equal(np.asarray(a.convert("RGB")), np.asarray(b.convert("RGB")))


def _on_every_phone(farm: list[WirePhone], run: Callable[[WirePhone], FlowResult]) -> None:
    with ThreadPoolExecutor(len(farm)) as pool:
        results = list(pool.map(run, farm))
    for wire, result in zip(farm, results, strict=True):
        assert result.ok, (wire.serial, result.error, wire.phone.fault_log)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_publish_post_lands_once_on_every_phone(
    adb_server: PrivateAdbServer,
    farm: list[WirePhone],
    app: App,
    photos: list[Path],
    tmp_path: Path,
    backend: str,
) -> None:
    before = {w.serial: len(w.phone.world.published_posts()) for w in farm}
    text = {w.serial: f"新品上市 🎉 {backend} {w.phone.serial}" for w in farm}

    def run(wire: WirePhone) -> FlowResult:
        device = BACKENDS[backend](adb_server, wire.serial)
        runner = FlowRunner(device, app, evidence_dir=tmp_path / wire.phone.serial)
        return runner.run(
            "publish_post", {"text": text[wire.serial], "images": [str(p) for p in photos]}
        )

    _on_every_phone(farm, run)
    for wire in farm:
        posts = wire.phone.world.published_posts()
        assert len(posts) == before[wire.serial] + 1, wire.serial
        assert posts[-1].text == text[wire.serial]
        assert len(posts[-1].images) == len(photos)
        for picture, source in zip(posts[-1].images, photos, strict=True):
            assert _same_picture(picture, source)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_send_message_reaches_the_contact_once_on_every_phone(
    adb_server: PrivateAdbServer, farm: list[WirePhone], app: App, tmp_path: Path, backend: str
) -> None:
    contacts = {w.serial: w.phone.world.contacts()[i % 4] for i, w in enumerate(farm)}
    before = {w.serial: len(w.phone.world.delivered_to(contacts[w.serial])) for w in farm}
    text = {w.serial: f"您好，明天发货 📦 ({backend} {w.phone.serial})" for w in farm}

    def run(wire: WirePhone) -> FlowResult:
        device = BACKENDS[backend](adb_server, wire.serial)
        runner = FlowRunner(device, app, evidence_dir=tmp_path / wire.phone.serial)
        contact = contacts[wire.serial]
        return runner.run("send_message", {"contact": contact.name, "text": text[wire.serial]})

    _on_every_phone(farm, run)
    for wire in farm:
        delivered = wire.phone.world.delivered_to(contacts[wire.serial])
        assert len(delivered) == before[wire.serial] + 1, wire.serial
        assert delivered[-1].text == text[wire.serial]
