"""Workers against a fake controller and real virtual phones: what the phone really did.

Each test runs a `Supervisor` over one or two virtual phones, hands the fake controller a
job, and checks the phone's ground truth (its world) as well as what was reported.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
from agent_support import SettingsFactory, small_phone, supervising
from fake_controller import FakeController
from PIL import Image

from agent.host.events import JobEvent, JobPhase
from agent.host.spool import FinishSpool
from farm_protocol.agent_api import FinishReport
from farm_protocol.device import DeviceState
from farm_protocol.flow import FlowOutcome, FlowResult
from farm_protocol.jobs import JobKind
from farm_protocol.posts import Decision, PublishMode
from tests.helpers.images import photo_png
from tests.helpers.waiting import wait_for


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_an_auto_post_is_published_once_with_its_images_steps_and_evidence(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    fake.lease_seconds = 1.5  # renewals every 0.5 s during a ~6 s flow
    phone = small_phone("sim-a")
    images = [photo_png(1), photo_png(2)]
    events: list[JobEvent] = []
    with supervising(make_settings(), phone, listener=events.append):
        job_id = fake.add_publish_job("sim-a", "新品上市 🎉 auto", images)
        finish = fake.finished(job_id)

    [post] = phone.world.published_posts()
    assert post.text == "新品上市 🎉 auto"
    assert [np.asarray(i.convert("RGB")).tolist() for i in post.images] == [
        _pixels(data).tolist() for data in images
    ]
    report = finish.report
    assert report.result.outcome is FlowOutcome.SUCCEEDED
    assert report.retryable
    assert report.worker.startswith("sim-a@")
    assert finish.evidence, "evidence screenshots are uploaded"
    assert all(data.startswith(b"\x89PNG") for _, data in finish.evidence)
    assert report.result.evidence == [name for name, _ in finish.evidence]
    steps = fake.state.steps[job_id]
    assert [s.step.index for s in steps] == list(range(len(report.result.steps)))
    assert fake.state.renewals[job_id] >= 3
    assert fake.state.media_downloads == 2
    assert [e.phase for e in events] == [JobPhase.STARTED, JobPhase.FINISHED]
    assert events[-1].outcome is FlowOutcome.SUCCEEDED


def test_check_first_finds_the_post_and_does_not_publish_it_again(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    phone = small_phone("sim-b")
    image = photo_png(5)
    # An earlier attempt published it, then the agent died before reporting.
    phone.world.publish_post(
        "already out", [Image.open(io.BytesIO(image)).convert("RGB")], ["x.png"]
    )
    with supervising(make_settings(), phone):
        job_id = fake.add_publish_job("sim-b", "already out", [image], check_first=True)
        finish = fake.finished(job_id)
    assert finish.report.result.outcome is FlowOutcome.ALREADY_DONE
    assert [p.text for p in phone.world.published_posts()] == ["already out"]


def test_confirm_mode_parks_with_a_screenshot_and_publishes_once_confirmed(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    phone = small_phone("sim-c")
    events: list[JobEvent] = []
    with supervising(make_settings(), phone, listener=events.append):
        job_id = fake.add_publish_job(
            "sim-c", "needs a person", [photo_png(7)], mode=PublishMode.CONFIRM
        )
        wait_for(lambda: job_id in fake.state.parks, timeout=60)
        _, screenshot = fake.state.parks[job_id]
        assert _pixels(screenshot).shape == (1600, 720, 3)
        assert phone.screen_label() == "composer"
        time.sleep(0.5)
        assert phone.world.published_posts() == [], "nothing is published before a person says so"
        fake.decide(job_id, Decision.CONFIRM)
        finish = fake.finished(job_id)
    assert finish.report.result.outcome is FlowOutcome.SUCCEEDED
    assert [p.text for p in phone.world.published_posts()] == ["needs a person"]
    assert JobPhase.PARKED in [e.phase for e in events]
    flows = {step.name for step in finish.report.result.steps}
    assert {"type the text", "publish", "verify in the feed"} <= flows


def test_a_rejected_post_is_discarded_and_fails_for_good(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    phone = small_phone("sim-d")
    with supervising(make_settings(), phone):
        job_id = fake.add_publish_job("sim-d", "not this one", [], mode=PublishMode.CONFIRM)
        wait_for(lambda: job_id in fake.state.parks, timeout=60)
        fake.decide(job_id, Decision.REJECT)
        finish = fake.finished(job_id)
    assert finish.report.result.outcome is FlowOutcome.FAILED
    assert finish.report.retryable is False
    assert "rejected" in (finish.report.result.error or "")
    assert phone.world.published_posts() == []
    assert phone.screen_label() != "composer"


def test_an_outage_mid_job_delays_the_report_but_never_loses_it(
    fake: FakeController, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    phone = small_phone("sim-e")
    with supervising(make_settings(), phone):
        job_id = fake.add_publish_job("sim-e", "through the outage", [photo_png(9)])
        wait_for(lambda: len(fake.state.steps[job_id]) >= 2, timeout=30)
        fake.down = True
        wait_for(lambda: phone.world.published_posts(), timeout=60)
        spool = FinishSpool(tmp_path / "agent" / "outbox")
        wait_for(spool.pending, timeout=30)
        time.sleep(0.5)
        assert fake.finishes(job_id) == []
        fake.down = False
        finish = fake.finished(job_id)
        wait_for(lambda: not spool.pending(), timeout=10)
    assert finish.report.result.outcome is FlowOutcome.SUCCEEDED
    assert len(phone.world.published_posts()) == 1


def test_a_phone_that_drops_fails_its_job_with_evidence_and_is_reported_offline(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    phone = small_phone("sim-f")
    with supervising(make_settings(), phone):
        job_id = fake.add_publish_job("sim-f", "lost phone", [photo_png(11)])
        wait_for(lambda: len(fake.state.steps[job_id]) >= 3, timeout=30)
        phone.disconnect()
        finish = fake.finished(job_id)
        report = finish.report
        assert report.result.outcome is FlowOutcome.FAILED
        assert report.retryable is False
        assert "offline" in (report.result.error or "")
        assert finish.evidence, "the last frame seen is kept as evidence"

        def offline_beat() -> bool:
            beats = fake.state.heartbeats[-3:]
            return any(d.state is DeviceState.OFFLINE for b in beats for d in b.devices)

        wait_for(offline_beat, timeout=10)
        second = fake.add_publish_job("sim-f", "after the drop", [])
        time.sleep(1.0)
        assert fake.finishes(second) == [], "an offline phone claims nothing"
        with fake.lock:
            assert second in [job.id for job in fake.state.queued]
        phone.reconnect()
        finish = fake.finished(second)
    assert finish.report.result.outcome is FlowOutcome.SUCCEEDED
    assert [p.text for p in phone.world.published_posts()] == ["after the drop"]


def test_a_job_kind_the_agent_cannot_run_fails_for_good_without_touching_the_phone(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    phone = small_phone("sim-g")
    with supervising(make_settings(), phone):
        job_id = fake.add_publish_job("sim-g", "hi", kind=JobKind.RUN_FLOW)
        finish = fake.finished(job_id)
    assert finish.report.result.outcome is FlowOutcome.FAILED
    assert finish.report.retryable is False
    assert "run_flow" in (finish.report.result.error or "")
    assert phone.screen_label() == "launcher"


def test_a_report_left_in_the_spool_is_resent_at_start(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    settings = make_settings()
    job_id = fake.add_publish_job("sim-h", "x")
    with fake.lock:
        fake.state.leased[job_id] = fake.state.queued.pop()
    result = FlowResult(
        flow="publish_post", serial="sim-h", outcome=FlowOutcome.SUCCEEDED, steps=[], duration_ms=1
    )
    FinishSpool(settings.spool_dir).put(job_id, FinishReport(worker="sim-h@old", result=result), [])
    with supervising(make_settings(), small_phone("sim-h")):
        finish = fake.finished(job_id, timeout=10)
    assert finish.report.worker == "sim-h@old", "resent exactly as it was written"
    assert FinishSpool(settings.spool_dir).pending() == []


def test_stopping_while_parked_discards_the_draft_and_lets_the_job_be_retried(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    phone = small_phone("sim-i")
    with supervising(make_settings(), phone):
        job_id = fake.add_publish_job("sim-i", "parked at shutdown", [], mode=PublishMode.CONFIRM)
        wait_for(lambda: job_id in fake.state.parks, timeout=60)
    finish = fake.finished(job_id, timeout=5)
    assert finish.report.result.outcome is FlowOutcome.FAILED
    assert finish.report.retryable is True
    assert phone.world.published_posts() == []
