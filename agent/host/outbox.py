"""`Outbox`: delivers spooled finish reports until the controller acknowledges them.

The protocol says: retry `finish` with backoff until it answers 200 or 409. Only then is
the spool entry deleted. A report the controller refuses for good (another 4xx: the job
is unknown to it, the report is invalid) is set aside in the spool, never deleted.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from agent.host.backoff import Backoff
from agent.host.client import ControllerClient
from agent.host.errors import ControllerRejectedError, ControllerUnavailableError, LeaseLostError
from agent.host.spool import FinishSpool, SpooledFinish
from farm_protocol.agent_api import FinishResponse

log = logging.getLogger(__name__)


class Outbox:
    """Sends finish reports from the spool.

    Args:
        spool: where the reports wait.
        client: the controller.
        backoff: makes a fresh `Backoff` for each delivery.
    """

    def __init__(
        self, spool: FinishSpool, client: ControllerClient, backoff: Callable[[], Backoff]
    ) -> None:
        self.spool = spool
        self.client = client
        self._backoff = backoff

    def deliver(self, entry: SpooledFinish, stop: threading.Event) -> FinishResponse | None:
        """Send one report until it is acknowledged or `stop` is set.

        Returns:
            The controller's answer; None when it answered 409 (it had already decided),
            refused the report for good, or `stop` was set first (the entry stays spooled
            and the next agent process resends it).
        """
        backoff = self._backoff()
        while True:
            try:
                response = self.client.finish(entry.job_id, entry.report, entry.evidence)
            except LeaseLostError as exc:
                log.info("job %s: the controller had already decided (%s)", entry.job_id, exc)
                self.spool.remove(entry)
                return None
            except ControllerRejectedError as exc:
                kept = self.spool.set_aside(entry, str(exc))
                log.error(
                    "job %s: finish refused for good (%s); kept in %s", entry.job_id, exc, kept
                )
                return None
            except ControllerUnavailableError as exc:
                delay = backoff.next()
                log.warning(
                    "job %s: finish not delivered (%s); retry in %.1f s", entry.job_id, exc, delay
                )
                if stop.wait(delay):
                    log.warning("job %s: stopping; the finish stays in the spool", entry.job_id)
                    return None
                continue
            self.spool.remove(entry)
            log.debug("job %s: finish delivered (%s)", entry.job_id, response.job_state)
            return response

    def resend_pending(self, stop: threading.Event) -> int:
        """Deliver every report an earlier process left in the spool.

        Returns:
            How many left the spool (acknowledged, or set aside as refused).
        """
        self.spool.clear_staging()
        done = 0
        for entry in self.spool.pending():
            if stop.is_set():
                break
            log.info("job %s: resending a finish left in the spool", entry.job_id)
            self.deliver(entry, stop)
            if not entry.path.exists():
                done += 1
        return done
