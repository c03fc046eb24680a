"""The controller's clockwork (APScheduler 3, in-memory: the database is the truth).

Three kinds of scheduler jobs:

- ``reaper`` every `reaper_interval` s: phones and hosts silent for `heartbeat_timeout`
  go offline; expired leases are taken back (`JobStore.reap_expired`), and the unconfirmed
  policy (`outcomes.settle_unconfirmed`) requeues publish jobs with `check_first`;
- ``sweep`` every `sweep_interval` s, and once at start-up before anything else: dispatch
  every due occurrence (`dispatch.dispatch_due`) — this is how occurrences that fell due
  while the controller was down are found — then heal targets (`outcomes.reconcile`);
- ``dispatch@<time>``: one date job per distinct upcoming run time, so posts go out on
  time rather than at the next sweep. They only call `dispatch_due`, so a lost or
  duplicated date job changes nothing but latency;
- ``chat-sync`` every `chat_sync_tick` s: queue `sync_chats` jobs for accounts whose
  chats are due to be read (`chat.planning.plan_syncs`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from farm_controller.chat.planning import plan_syncs
from farm_controller.fleet.registry import mark_silent_offline, release_device
from farm_controller.posts.dispatch import dispatch_due, upcoming_times
from farm_controller.posts.outcomes import reconcile, settle_unconfirmed
from farm_controller.runtime import Runtime

log = logging.getLogger(__name__)


def reap(rt: Runtime, now: datetime | None = None) -> None:
    """Mark silent phones offline and take back expired leases (see the module docstring)."""
    now = now or rt.clock()
    offline = mark_silent_offline(rt, now)
    if offline:
        log.info("phones offline (no heartbeat): %s", ", ".join(offline))
    expired = rt.jobs.reap_expired(now)
    if expired:
        log.info("took back %d expired lease(s)", len(expired))
        for job in expired:
            release_device(rt, job)
        settle_unconfirmed(rt, expired)


def sweep(rt: Runtime, now: datetime | None = None) -> list[datetime]:
    """Dispatch everything due and heal targets; returns newly scheduled run times."""
    report = dispatch_due(rt, now)
    reconcile(rt)
    return sorted(report.upcoming)


class Scheduler:
    """Runs `reap`, `sweep` and the run-time dispatches in a background thread pool."""

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    @property
    def running(self) -> bool:
        """True while the background thread runs."""
        return bool(self._scheduler.running)

    def start(self) -> None:
        """Sweep once (catch up on what fell due while down), then start the clockwork."""
        self._run_sweep()
        settings = self._rt.settings
        self._scheduler.add_job(
            self._run_reap, "interval", seconds=settings.reaper_interval, id="reaper"
        )
        self._scheduler.add_job(
            self._run_sweep, "interval", seconds=settings.sweep_interval, id="sweep"
        )
        if settings.chat_sync_enabled:
            self._scheduler.add_job(
                self._run_chat_plan, "interval", seconds=settings.chat_sync_tick, id="chat-sync"
            )
        self._scheduler.start()
        for moment in upcoming_times(self._rt, self._rt.clock()):
            self.dispatch_at(moment)

    def stop(self) -> None:
        """Stop the clockwork, letting running jobs finish."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def dispatch_at(self, moment: datetime) -> None:
        """Make sure `dispatch_due` runs at `moment` (now, when it has passed)."""
        if not self._scheduler.running:
            return
        run_date = max(moment, datetime.now(UTC))
        # The runtime's clock may differ from the wall clock in tests; a late date job
        # only costs latency, the sweep catches anything it misses.
        self._scheduler.add_job(
            self._run_dispatch,
            "date",
            run_date=run_date + timedelta(milliseconds=5),
            id=f"dispatch@{moment.isoformat()}",
            replace_existing=True,
        )

    def _run_reap(self) -> None:
        try:
            reap(self._rt)
        except Exception:
            log.exception("reaper failed; it runs again in %ss", self._rt.settings.reaper_interval)

    def _run_sweep(self) -> None:
        try:
            for moment in sweep(self._rt):
                self.dispatch_at(moment)
        except Exception:
            log.exception("sweep failed; it runs again in %ss", self._rt.settings.sweep_interval)

    def _run_chat_plan(self) -> None:
        try:
            plan_syncs(self._rt)
        except Exception:
            log.exception("planning chat syncs failed; it runs again soon")

    def _run_dispatch(self) -> None:
        try:
            for moment in sorted(dispatch_due(self._rt).upcoming):
                self.dispatch_at(moment)
        except Exception:
            log.exception("dispatch failed; the next sweep retries it")
