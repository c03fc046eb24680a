"""`phonefarm agent --adb` end to end: a real controller on loopback, the agent's supervisor
over the private adb server, 4 virtual phones connected over TCP.

Posts scheduled through the public API must land exactly once on each phone (the phones'
own worlds are the ground truth), with the ADB backend and with uiautomator2. Hot-plug: a
phone unplugged mid-run is offline in `GET /api/v1/devices` and claims nothing; plugged in
again it is online and its queued post is published exactly once; a phone plugged in
while the agent runs gets a worker; an unauthorized phone waits (with the operator's hint)
and is registered once someone allows USB debugging.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from adb_support import WirePhone, make_phone
from typer.testing import CliRunner

from agent.devices.adb_server_client import AdbServerError
from agent.host.adb_agent import AdbAgent, AdbSpec
from farm_protocol.device import DeviceState
from phonefarm.cli import app
from simulator.adbd import WireFaults
from tests.helpers.adb import ADB, SKIP_REASON, PrivateAdbServer
from tests.helpers.farm import (
    AGENT_TOKEN,
    HOST,
    Api,
    Controller,
    agent_settings,
    controller_settings,
    now_utc,
)
from tests.helpers.images import photo_png
from tests.helpers.waiting import wait_for, wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(ADB is None, reason=SKIP_REASON),
]

PUBLISH_TIMEOUT = 60.0


def device_states(api: Api) -> dict[str, str]:
    """serial → state, as `GET /api/v1/devices` shows them."""
    response = api.http.get("/api/v1/devices")
    assert response.status_code == 200, response.text
    return {device["serial"]: device["state"] for device in response.json()}


@dataclass
class Farm:
    """The controller, its public API and the agent over the adb server."""

    controller: Controller
    api: Api
    agent: AdbAgent

    def states(self) -> dict[str, str]:
        return device_states(self.api)

    def wait_state(self, serial: str, state: str, timeout: float = 20.0) -> None:
        wait_for(lambda: self.states().get(serial) == state, timeout=timeout, interval=0.2)

    def schedule(self, wire: WirePhone, account_id: int, text: str, seed: int) -> int:
        """A post for one phone, due in a moment; its id."""
        media = self.api.upload(photo_png(seed), f"photo-{seed}.png")
        post = self.api.submit(text, [account_id], [media["id"]], now_utc(0.5))
        return int(post["id"])

    def target(self, post_id: int) -> dict[str, Any]:
        targets = self.api.post(post_id)["targets"]
        assert len(targets) == 1
        return dict(targets[0])

    def wait_published(self, post_id: int, timeout: float = PUBLISH_TIMEOUT) -> None:
        def published() -> bool:
            target = self.target(post_id)
            assert target["state"] not in ("failed", "cancelled"), target
            return bool(target["state"] == "published")

        wait_for(published, timeout=timeout, interval=0.3)


@pytest.fixture
def start_farm(
    adb_server: PrivateAdbServer, tmp_path: Path
) -> Iterator[Any]:  # a factory: (backend, connect) -> Farm
    made: list[Farm] = []

    def start(backend: str, connect: tuple[str, ...]) -> Farm:
        controller = Controller(controller_settings(tmp_path, chat_sync_enabled=False)).start()
        api = Api(controller.url)
        settings = agent_settings(controller.url, tmp_path / "agent")
        spec = AdbSpec(backend=backend, connect=connect, reconnect_interval=0.5, timeout=10.0)
        agent = AdbAgent(settings, spec, server=adb_server.client, server_env=adb_server.env)
        farm = Farm(controller, api, agent)
        made.append(farm)
        agent.start()
        return farm

    yield start
    for farm in made:
        farm.agent.stop(timeout=30)
        farm.api.close()
        farm.controller.stop()


def texts_on(wire: WirePhone) -> list[str]:
    return [post.text for post in wire.phone.world.published_posts()]


def assert_once(wire: WirePhone, text: str) -> None:
    assert texts_on(wire).count(text) == 1, (wire.serial, texts_on(wire))


@pytest.mark.parametrize("backend", ["adb", "u2"])
def test_scheduled_posts_are_published_once_on_every_phone(
    start_farm: Any, farm: list[WirePhone], backend: str
) -> None:
    run = start_farm(backend, tuple(w.serial for w in farm))
    for wire in farm:
        run.wait_state(wire.serial, "online")
        assert run.agent.phone(wire.serial).apps.profile == "simchat"
    accounts = {
        w.serial: run.api.create_account(f"shop-{i}", w.serial)["id"] for i, w in enumerate(farm)
    }
    texts = {w.serial: f"上新啦 {backend} #{i} ✨" for i, w in enumerate(farm)}
    posts = {
        w.serial: run.schedule(w, accounts[w.serial], texts[w.serial], seed=i)
        for i, w in enumerate(farm)
    }
    for wire in farm:
        run.wait_published(posts[wire.serial])
    for wire in farm:
        assert_once(wire, texts[wire.serial])
        others = set(texts.values()) - {texts[wire.serial]}
        assert not others & set(texts_on(wire)), f"another phone's post landed on {wire.serial}"
        post = next(p for p in wire.phone.world.published_posts() if p.text == texts[wire.serial])
        assert len(post.images) == 1


def test_phones_unplugged_plugged_in_and_authorized_while_the_agent_runs(
    adb_server: PrivateAdbServer, start_farm: Any, farm: list[WirePhone]
) -> None:
    locked = make_phone(40, faults=WireFaults(refuse_auth=True))
    late = make_phone(41)
    dropped = farm[0]
    try:
        adb_server.adb("connect", locked.serial)
        assert wait_until(lambda: adb_server.state(locked.serial) == "unauthorized", 10.0)
        run = start_farm("adb", (*(w.serial for w in farm), locked.serial))
        for wire in farm:
            run.wait_state(wire.serial, "online")

        # unauthorized at start: a worker waits, the operator is told what to do, and the
        # controller hears of the phone once it answers (registering needs its screen)
        view = next(p for p in run.agent.phones() if p.serial == locked.serial)
        assert view.state is DeviceState.UNAUTHORIZED
        assert view.hint is not None and "Allow USB debugging" in view.hint
        assert locked.serial not in run.states()

        accounts = {
            w.serial: run.api.create_account(f"shop-{i}", w.serial)["id"]
            for i, w in enumerate(farm)
        }
        texts = {w.serial: f"热插拔 hot-plug #{i}" for i, w in enumerate(farm)}
        posts = {
            w.serial: run.schedule(w, accounts[w.serial], texts[w.serial], seed=10 + i)
            for i, w in enumerate(farm)
        }
        # the cable is pulled in the middle of a job
        first = wait_for(
            lambda: run.target(posts[dropped.serial])["job_id"], timeout=10, interval=0.2
        )
        wait_for(
            lambda: len(run.api.job(first)["steps"]) >= 3, timeout=PUBLISH_TIMEOUT, interval=0.2
        )
        dropped.adbd.stop()
        run.wait_state(dropped.serial, "offline")
        for wire in farm[1:]:
            run.wait_published(posts[wire.serial])
        # that job ends visibly (failed with the evidence, or unconfirmed: checked first)
        ended = wait_for(
            lambda: (j := run.api.job(first))["state"] != "leased" and j,
            timeout=30,
            interval=0.2,
        )
        assert ended["state"] in ("failed", "unconfirmed", "queued"), ended
        # while unplugged the phone claims nothing: a new post for it waits in the queue
        queued = run.schedule(dropped, accounts[dropped.serial], "拔线时排队 queued", seed=30)
        wait_for(lambda: run.target(queued)["state"] == "queued", timeout=10, interval=0.2)
        assert run.states()[dropped.serial] == "offline"

        # plugged in again; a new phone plugged in; the unauthorized one is allowed
        dropped.adbd.start()
        adb_server.client.connect(late.serial)
        locked.faults.accept_key()
        run.wait_state(dropped.serial, "online")
        if run.api.job(first)["state"] == "failed":
            assert "offline" in (ended["error"] or ""), ended
            run.api.retry(first)  # a person retries it: the next attempt reads the feed first
        run.wait_state(late.serial, "online")
        late_account = run.api.create_account("shop-late", late.serial)["id"]
        late_post = run.schedule(late, late_account, "新来的手机 late phone", seed=20)
        run.wait_state(locked.serial, "online")
        for post_id in (posts[dropped.serial], queued, late_post):
            run.wait_published(post_id)

        for wire in farm:
            assert_once(wire, texts[wire.serial])
        assert_once(dropped, "拔线时排队 queued")
        assert texts_on(late) == ["新来的手机 late phone"]
        assert texts_on(locked) == []
        assert run.agent.phone(late.serial).apps.profile == "simchat"
    finally:
        dropped.adbd.start()
        with contextlib.suppress(AdbServerError):
            adb_server.client.connect(dropped.serial)
        for wire in (locked, late):
            wire.adbd.stop()
            with contextlib.suppress(AdbServerError):
                adb_server.client.disconnect(wire.serial)
        assert wait_until(lambda: adb_server.state(dropped.serial) == "device", 15.0)


def test_the_command_line_agent_drives_the_phones_adb_sees(
    adb_server: PrivateAdbServer, farm: list[WirePhone], tmp_path: Path
) -> None:
    controller = Controller(controller_settings(tmp_path, chat_sync_enabled=False)).start()
    api = Api(controller.url)
    command = [
        sys.executable, "-m", "phonefarm", "agent", "--adb", "--backend", "adb",
        "--controller", controller.url, "--host", HOST, "--workdir", str(tmp_path / "agent"),
    ]  # fmt: skip
    env = {**adb_server.env, "PHONEFARM_AGENT_TOKEN": AGENT_TOKEN, "COLUMNS": "200"}
    agent = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for wire in farm:
            wait_for(
                lambda w=wire: device_states(api).get(w.serial) == "online",
                timeout=30,
                interval=0.2,
            )
        agent.send_signal(signal.SIGTERM)
        output, _ = agent.communicate(timeout=30)
    finally:
        if agent.poll() is None:
            agent.kill()
        api.close()
        controller.stop()
    text = output.decode()
    assert agent.returncode == 0, text
    assert "through adb (backend adb)" in text
    for wire in farm:
        assert f"{wire.serial}: online, profile simchat" in text, text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--adb", "--sim", "2"], "pick one"),
        (["--adb", "--backend", "appium"], "--backend"),
        (["--adb"], "--token"),
    ],
)
def test_adb_invocations_that_make_no_sense_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["agent", *args], env={"PHONEFARM_AGENT_TOKEN": ""})
    assert result.exit_code == 2, result.output
    assert message in result.output
