"""The lease keeper renews every lease/3, carries decisions, and notices a lost lease."""

from __future__ import annotations

import logging
import time

import pytest
from fake_controller import FakeController

from agent.host.client import ControllerClient
from agent.host.decisions import DecisionBoard
from agent.host.lease import LeaseKeeper
from farm_protocol.agent_api import ParkReport
from farm_protocol.posts import Decision
from tests.helpers.waiting import wait_for


def _leased(fake: FakeController) -> str:
    job_id = fake.add_publish_job("sim-1", "hello")
    with fake.lock:
        job = fake.state.queued.pop()
        fake.state.leased[job.id] = job
    return job_id


def test_renews_about_three_times_per_lease(fake: FakeController, client: ControllerClient) -> None:
    job_id = _leased(fake)
    keeper = LeaseKeeper(client, job_id, "w", 0.6, DecisionBoard()).start()
    try:
        wait_for(lambda: fake.state.renewals[job_id] >= 4, timeout=5)
    finally:
        keeper.stop()
    assert not keeper.lost
    count = fake.state.renewals[job_id]
    time.sleep(0.5)
    assert fake.state.renewals[job_id] == count, "no renewals after stop"


def test_a_decision_arrives_with_a_renewal(fake: FakeController, client: ControllerClient) -> None:
    job_id = _leased(fake)
    fake.state.parks[job_id] = (ParkReport(worker="w"), b"")
    fake.decide(job_id, Decision.CONFIRM)
    board = DecisionBoard()
    keeper = LeaseKeeper(client, job_id, "w", 0.3, board).start()
    try:
        assert board.wait(job_id, 5) is Decision.CONFIRM
    finally:
        keeper.stop()


def test_a_lost_lease_stops_the_keeper(fake: FakeController, client: ControllerClient) -> None:
    job_id = _leased(fake)
    fake.state.lost.add(job_id)
    keeper = LeaseKeeper(client, job_id, "w", 0.3, DecisionBoard()).start()
    wait_for(lambda: keeper.lost, timeout=5)
    keeper.stop()


def test_a_renewal_crossing_the_finish_report_is_no_warning(
    fake: FakeController, client: ControllerClient, caplog: pytest.LogCaptureFixture
) -> None:
    job_id = _leased(fake)
    keeper = LeaseKeeper(client, job_id, "w", 30, DecisionBoard())
    keeper.finishing()
    fake.state.lost.add(job_id)  # the finish was recorded a moment before the renewal
    with caplog.at_level(logging.DEBUG, logger="agent.host.lease"):
        assert keeper.renew_now() is False
    assert keeper.lost
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]
    # Before the finish report, the same answer is a warning: the job was taken back.
    other = LeaseKeeper(client, job_id, "w", 30, DecisionBoard())
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="agent.host.lease"):
        other.renew_now()
    assert [r.levelno for r in caplog.records] == [logging.WARNING]


def test_renewals_carry_on_after_an_outage(fake: FakeController, client: ControllerClient) -> None:
    job_id = _leased(fake)
    fake.down = True
    keeper = LeaseKeeper(client, job_id, "w", 0.6, DecisionBoard()).start()
    try:
        time.sleep(0.5)
        assert fake.state.renewals[job_id] == 0
        fake.down = False
        wait_for(lambda: fake.state.renewals[job_id] >= 1, timeout=5)
    finally:
        keeper.stop()
    assert not keeper.lost
