"""The sweep never writes a job's old state back over what a claim has since mirrored.

`reconcile` (the periodic sweep) mirrors every unfinished job's state on its post target.
Were it to read a job and write the target later, a claim landing in between would be
undone: the target would go back from `publishing` to `queued`. The test forces that
interleaving: the first time the sweep reads the job, a claim starts and is given every
chance to finish before the sweep goes on.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
from controller_support import FakeAgent, create_account, submit_post

from farm_controller.posts.dispatch import dispatch_due
from farm_controller.posts.outcomes import reconcile
from farm_controller.runtime import Runtime
from farm_protocol.jobs import Job
from tests.helpers.clock import FakeClock

CLAIM_GRACE_S = 2.0
"""How long the sweep waits for the claim it let in (a sweep that locks first never sees
it finish: the claim waits for the sweep's transaction)."""


class ClaimOnFirstRead:
    """A job store that lets a claim in the first time a job is read, then goes on."""

    def __init__(self, store: Any, claim: Any) -> None:
        self._store = store
        self._claim = claim
        self.claimed = threading.Event()
        self.thread: threading.Thread | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def get(self, job_id: str) -> Job:
        job: Job = self._store.get(job_id)
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, daemon=True)
            self.thread.start()
            self.claimed.wait(CLAIM_GRACE_S)
        return job

    def _run(self) -> None:
        self._claim()
        self.claimed.set()


def test_a_claim_between_the_sweeps_read_and_write_is_not_undone(
    client: httpx.Client, agent: FakeAgent, rt: Runtime, clock: FakeClock
) -> None:
    agent.register("S1")
    account = create_account(client, "shop", "S1")
    response = submit_post(client, text="不被覆盖", account_ids=[account["id"]])
    assert response.status_code == 201, response.text
    post_id = response.json()["id"]
    dispatch_due(rt)
    target = client.get(f"/api/v1/posts/{post_id}").json()["targets"][0]
    assert target["state"] == "queued"

    claimed: list[Any] = []
    hooked = ClaimOnFirstRead(rt.jobs, lambda: claimed.extend(agent.claim("S1")))
    rt.jobs = hooked  # type: ignore[assignment]
    try:
        reconcile(rt)
        assert hooked.thread is not None
        hooked.thread.join(10)
    finally:
        rt.jobs = hooked._store
    assert len(claimed) == 1, "the claim went through"

    target = client.get(f"/api/v1/posts/{post_id}").json()["targets"][0]
    assert target["state"] == "publishing"
    reconcile(rt)  # and a later sweep agrees
    assert client.get(f"/api/v1/posts/{post_id}").json()["targets"][0]["state"] == "publishing"
