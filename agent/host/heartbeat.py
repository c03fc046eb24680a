"""`HeartbeatLoop`: registers the host, then heartbeats its phones' states.

Each heartbeat answer may carry people's decisions about parked posts (posted to the
`DecisionBoard`) and serials the controller does not know (the loop registers again, as
it does after any registration that failed). While the controller is away the loop
retries with exponential backoff; workers carry on with what they hold.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from agent.host.backoff import Backoff
from agent.host.client import ControllerClient
from agent.host.decisions import DecisionBoard
from agent.host.errors import ControllerError, ControllerRejectedError
from agent.host.registration import Registration
from farm_protocol.agent_api import AgentDevice, DeviceStatus, HeartbeatRequest, RegisterRequest

log = logging.getLogger(__name__)


class PhoneReport(Protocol):
    """What the heartbeat loop needs from each worker (a `DeviceWorker` is one)."""

    def registration_entry(self) -> AgentDevice | None:
        """The phone as it registers (None until its facts are known)."""
        ...

    def status(self) -> DeviceStatus:
        """The phone's state right now."""
        ...


class HeartbeatLoop:
    """Keeps the controller's picture of this host current.

    Args:
        client: the controller.
        host: this host's name.
        agent_version: reported at registration.
        phones: the workers to report on.
        registration: shared registration state.
        decisions: where decisions from heartbeat answers go.
        stop: set when the agent shuts down.
        backoff: makes the retry delays.
        interval: seconds between heartbeats (None: the controller's).
    """

    def __init__(
        self,
        client: ControllerClient,
        *,
        host: str,
        agent_version: str,
        phones: Sequence[PhoneReport],
        registration: Registration,
        decisions: DecisionBoard,
        stop: threading.Event,
        backoff: Callable[[], Backoff],
        interval: float | None = None,
    ) -> None:
        self.client = client
        self.host = host
        self.agent_version = agent_version
        self.phones = phones
        self.registration = registration
        self.decisions = decisions
        self.stop = stop
        self.interval = interval
        self.beats = 0
        self._backoff = backoff()

    def run(self) -> None:
        """Loop until `stop` is set."""
        while not self.stop.is_set():
            try:
                self.beat()
            except ControllerRejectedError as exc:
                log.error("the controller refused this host (%s); check --host and --token", exc)
                delay = self._backoff.next()
            except ControllerError as exc:
                delay = self._backoff.next()
                log.warning("controller unreachable (%s); retry in %.1f s", exc, delay)
            except Exception:
                delay = self._backoff.next()
                log.exception("heartbeat failed; retry in %.1f s", delay)
            else:
                self._backoff.reset()
                delay = self.interval or self.registration.heartbeat_interval()
            self.stop.wait(delay)

    def beat(self) -> None:
        """Register when needed, then send one heartbeat and act on its answer.

        Raises:
            ControllerError: the controller did not take it.
        """
        if self.registration.stale:
            self.register()
        statuses = [
            phone.status() for phone in self.phones if phone.registration_entry() is not None
        ]
        answer = self.client.heartbeat(HeartbeatRequest(devices=statuses))
        self.beats += 1
        for pending in answer.decisions:
            self.decisions.post(pending.job_id, pending.decision)
        foreign = self.registration.foreign
        unknown = set(answer.unknown_devices) - foreign
        # A phone that was another host's and is known now: an operator moved it here.
        moved_here = (foreign & {status.serial for status in statuses}) - set(
            answer.unknown_devices
        )
        if unknown or moved_here:
            log.info("the controller does not know %s: registering again", sorted(unknown))
            self.registration.invalidate()
            self.register()

    def register(self) -> None:
        """Register the host with every phone whose facts are known.

        Raises:
            ControllerError: the controller did not take it.
        """
        self.registration.invalidate()
        entries = [e for e in (p.registration_entry() for p in self.phones) if e is not None]
        request = RegisterRequest(host=self.host, agent_version=self.agent_version, devices=entries)
        response = self.client.register(request)
        self.registration.update(response, [entry.serial for entry in entries])
        if response.foreign_devices:
            log.warning(
                "phone(s) %s belong to another host on the controller: an operator must move "
                "them to %s (POST /api/v1/devices/{serial}/move); not working them",
                response.foreign_devices,
                self.host,
            )
        log.info(
            "registered host %s with %d phone(s); heartbeat every %.1f s, lease %.0f s",
            self.host,
            len(entries),
            response.heartbeat_interval,
            response.lease_seconds,
        )
