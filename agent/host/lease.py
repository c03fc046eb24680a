"""`LeaseKeeper`: renews one job's lease every lease/3 seconds while the job is worked on.

It runs in its own thread, so a long flow step (or a parked post waiting for a person)
never lets the lease run out. A renewal that fails because the controller is away is
retried sooner; a 409 means the controller has taken the job back — the keeper stops and
`lost` says so (the worker still reports what the phone did: the controller believes a
late success, and answers anything else with 409).
"""

from __future__ import annotations

import logging
import threading

from agent.host.client import ControllerClient
from agent.host.decisions import DecisionBoard
from agent.host.errors import ControllerError, LeaseLostError
from farm_protocol.agent_api import RenewRequest

log = logging.getLogger(__name__)


class LeaseKeeper:
    """Keeps a job's lease alive until `stop`.

    Args:
        client: the controller.
        job_id: the leased job.
        worker: the worker name the job was claimed with.
        lease_seconds: the lease length to ask for (renewing every third of it).
        decisions: where a decision carried by a renewal is posted.
    """

    def __init__(
        self,
        client: ControllerClient,
        job_id: str,
        worker: str,
        lease_seconds: float,
        decisions: DecisionBoard,
    ) -> None:
        self.client = client
        self.job_id = job_id
        self.worker = worker
        self.lease_seconds = lease_seconds
        self.decisions = decisions
        self.renewals = 0
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._finishing = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{job_id[:8]}", daemon=True)

    @property
    def lost(self) -> bool:
        """True once the controller answered that the lease is no longer ours."""
        return self._lost.is_set()

    def start(self) -> LeaseKeeper:
        """Start renewing in the background."""
        self._thread.start()
        return self

    def finishing(self) -> None:
        """The finish report is on its way: a renewal that crosses it and finds the job
        decided is expected (logged at debug level, not as a warning). Renewing goes on
        until `stop`, so a finish report held up by an outage keeps the lease."""
        self._finishing.set()

    def stop(self) -> None:
        """Stop renewing (the job is finished, or the process is going away)."""
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    def renew_now(self) -> bool:
        """Renew once, now; False when the lease is lost or the controller did not answer."""
        request = RenewRequest(worker=self.worker, lease_seconds=self.lease_seconds)
        try:
            response = self.client.renew(self.job_id, request)
        except LeaseLostError as exc:
            if self._finishing.is_set():
                log.debug("job %s: renewal crossed the finish report (%s)", self.job_id, exc)
            else:
                log.warning("job %s: lease lost (%s)", self.job_id, exc)
            self._lost.set()
            self.decisions.wake()
            return False
        except ControllerError as exc:
            log.warning("job %s: lease not renewed (%s)", self.job_id, exc)
            return False
        self.renewals += 1
        if response.decision is not None:
            self.decisions.post(self.job_id, response.decision)
        return True

    def _run(self) -> None:
        interval = self.lease_seconds / 3.0
        # After a failed renewal try again sooner, but several times within the lease.
        retry = max(0.2, min(interval, self.lease_seconds / 10.0))
        delay = interval
        while not self._stop.wait(delay):
            if self.renew_now():
                delay = interval
            elif self.lost:
                return
            else:
                delay = retry
