"""`SyncChatsJob`: the rules of a `sync_chats` job on the controller.

At claim the job's `SyncChatsTask` is made again (`planning.sync_task`), so its anchors are
what is stored now. What the phone read (`FlowData.sync`, a `SyncChatsResult`) is merged
into the chat store before anything else, whatever the outcome and the lease: what the
phone's screen showed is true, and the merge never stores a message twice (`inbox`). Only
a report from the host the phone is on is believed.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from farm_controller.chat import planning
from farm_controller.chat.inbox import merge_sync
from farm_controller.errors import FieldProblem, Invalid
from farm_controller.job_kinds import (
    JobKindRules,
    LateReport,
    MediaUrl,
    host_has_phone,
    lease_lost,
    owner_of,
    task_from_payload,
)
from farm_controller.runtime import Runtime
from farm_protocol.agent_api import FinishReport, JobTask
from farm_protocol.chat import SyncChatsTask
from farm_protocol.flow import FlowOutcome
from farm_protocol.jobs import Job, JobKind

log = logging.getLogger(__name__)


class SyncChatsJob(JobKindRules):
    """`sync_chats`: read what is new in one account's chats."""

    kind = JobKind.SYNC_CHATS

    def claimed_task(self, rt: Runtime, session: Session, job: Job, media_url: MediaUrl) -> JobTask:
        """The stored task with the account's anchors (and app) as they are now."""
        account_id = job.payload.get("account_id")
        if not isinstance(account_id, int):
            return task_from_payload(SyncChatsTask, job)
        now = planning.sync_task(rt, session, account_id)
        return task_from_payload(SyncChatsTask, job, **now.model_dump(exclude={"kind"}))

    def check_report(self, job: Job, report: FinishReport) -> None:
        """A succeeded sync also carries what it read (``data.sync``): the `sync_chats`
        step fills it in as it goes."""
        super().check_report(job, report)
        if report.result.outcome is FlowOutcome.SUCCEEDED and report.result.data.sync is None:
            raise Invalid(
                FieldProblem(
                    "report.result.data.sync",
                    "a succeeded sync_chats report must carry what was read (data.sync)",
                    "sync_missing",
                )
            )

    def read_report(self, rt: Runtime, host: str, job: Job, report: FinishReport) -> None:
        """Store what the sync read, if this host's phone read it."""
        result = report.result.data.sync
        if result is None:
            return
        if not host_has_phone(rt, host, job):
            raise lease_lost(job, owner_of(host, report.worker))
        account_id = planning.account_of_sync(rt, job)
        if account_id is None:
            log.warning("sync job %s: no account uses phone %s", job.id, job.device_serial)
            return
        merge_sync(rt, account_id, result, job.id)

    def late_report(self, rt: Runtime, job: Job, report: FinishReport) -> LateReport | None:
        """What was read is already stored (`read_report`); nothing else changes."""
        return LateReport(
            job, "what was read is stored; the job itself had already been decided", record=False
        )
