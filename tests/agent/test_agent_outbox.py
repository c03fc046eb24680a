"""The outbox: a finish report is never dropped — it waits out outages and restarts."""

from __future__ import annotations

import threading
from pathlib import Path

from fake_controller import FakeController

from agent.host.backoff import Backoff
from agent.host.client import ControllerClient
from agent.host.outbox import Outbox
from agent.host.spool import FinishSpool
from farm_protocol.agent_api import FinishReport
from farm_protocol.flow import FlowOutcome, FlowResult
from tests.helpers.waiting import wait_for


def _report(outcome: FlowOutcome = FlowOutcome.SUCCEEDED) -> FinishReport:
    result = FlowResult(
        flow="publish_post", serial="sim-1", outcome=outcome, steps=[], duration_ms=1.0
    )
    return FinishReport(worker="sim-1@abc", result=result)


def _outbox(spool: FinishSpool, client: ControllerClient) -> Outbox:
    return Outbox(spool, client, lambda: Backoff(initial=0.05, cap=0.2))


def _leased(fake: FakeController, serial: str = "sim-1") -> str:
    job_id = fake.add_publish_job(serial, "hello")
    with fake.lock:
        job = fake.state.queued.pop()
        fake.state.leased[job.id] = job
    return job_id


def test_a_report_waits_out_an_outage_then_leaves_the_spool(
    fake: FakeController, client: ControllerClient, tmp_path: Path
) -> None:
    spool = FinishSpool(tmp_path / "outbox")
    job_id = _leased(fake)
    shot = tmp_path / "shot.png"
    shot.write_bytes(b"\x89PNG evidence")
    entry = spool.put(job_id, _report(), [shot])
    fake.down = True
    result: list[object] = []
    sender = threading.Thread(
        target=lambda: result.append(_outbox(spool, client).deliver(entry, threading.Event()))
    )
    sender.start()
    threading.Event().wait(0.5)
    assert fake.finishes(job_id) == []
    assert spool.pending(), "still spooled while the controller is down"
    fake.down = False
    sender.join(timeout=10)
    assert result and result[0] is not None
    [finish] = fake.finishes(job_id)
    assert finish.evidence == [("shot.png", b"\x89PNG evidence")]
    assert spool.pending() == []


def test_stopping_during_an_outage_keeps_the_report_for_the_next_process(
    fake: FakeController, client: ControllerClient, tmp_path: Path
) -> None:
    spool = FinishSpool(tmp_path / "outbox")
    job_id = _leased(fake)
    entry = spool.put(job_id, _report(), [])
    fake.down = True
    stop = threading.Event()
    stop.set()
    assert _outbox(spool, client).deliver(entry, stop) is None
    assert [e.job_id for e in spool.pending()] == [job_id]

    fake.down = False  # a new agent process starts and resends what it finds
    assert _outbox(FinishSpool(tmp_path / "outbox"), client).resend_pending(threading.Event()) == 1
    assert len(fake.finishes(job_id)) == 1
    assert spool.pending() == []


def test_409_means_decided_and_the_entry_goes(
    fake: FakeController, client: ControllerClient, tmp_path: Path
) -> None:
    spool = FinishSpool(tmp_path / "outbox")
    entry = spool.put("never-leased", _report(FlowOutcome.FAILED), [])
    assert _outbox(spool, client).deliver(entry, threading.Event()) is None
    assert spool.pending() == []
    assert not (tmp_path / "outbox" / "rejected").exists()


def test_a_report_refused_for_good_is_kept_aside(
    fake: FakeController, client: ControllerClient, tmp_path: Path
) -> None:
    spool = FinishSpool(tmp_path / "outbox")
    entry = spool.put(_leased(fake), _report(), [])
    fake.finish_status = 422
    assert _outbox(spool, client).deliver(entry, threading.Event()) is None
    assert spool.pending() == []
    kept = wait_for(lambda: list((tmp_path / "outbox" / "rejected").iterdir()))
    assert "422" in (kept[0] / "reason.txt").read_text()
