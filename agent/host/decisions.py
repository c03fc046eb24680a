"""`DecisionBoard`: people's answers to parked posts, from heartbeats and lease renewals."""

from __future__ import annotations

import threading

from farm_protocol.posts import Decision


class DecisionBoard:
    """Where the heartbeat loop and lease keepers post decisions and workers wait for them."""

    def __init__(self) -> None:
        self._decisions: dict[str, Decision] = {}
        self._changed = threading.Condition()

    def post(self, job_id: str, decision: Decision) -> None:
        """A person decided about a parked job (posting the same answer twice is harmless)."""
        with self._changed:
            self._decisions[job_id] = decision
            self._changed.notify_all()

    def get(self, job_id: str) -> Decision | None:
        """The decision about a job, if one arrived."""
        with self._changed:
            return self._decisions.get(job_id)

    def wait(self, job_id: str, timeout: float) -> Decision | None:
        """Wait up to `timeout` seconds for a decision about `job_id`."""
        with self._changed:
            self._changed.wait_for(lambda: job_id in self._decisions, timeout)
            return self._decisions.get(job_id)

    def wake(self) -> None:
        """Wake every waiter (to notice a stop or a lost lease)."""
        with self._changed:
            self._changed.notify_all()

    def forget(self, job_id: str) -> None:
        """The job is over: drop its decision."""
        with self._changed:
            self._decisions.pop(job_id, None)
