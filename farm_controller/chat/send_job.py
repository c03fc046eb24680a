"""`SendMessageJob`: the rules of a `send_message` job on the controller.

At claim the job's `SendMessageTask` carries `check_first` as it is now (set when an
earlier attempt's outcome was unknown). The reply mirrors the job (`replies`). What the
conversation showed after the send or the check (`FlowData.window`) is merged first, so
the reply takes its place on the screen among the messages around it (best effort: a
report without a window leaves the reply to be placed when its outcome is recorded). A
success reported after the lease ran out is believed: the reply is delivered
(`replies.believe_delivered`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from farm_controller.chat import replies
from farm_controller.chat.inbox import merge_window
from farm_controller.job_kinds import (
    JobKindRules,
    LateReport,
    MediaUrl,
    host_has_phone,
    task_from_payload,
)
from farm_controller.runtime import Runtime
from farm_protocol.agent_api import FinishReport, JobTask
from farm_protocol.chat import SendMessageTask
from farm_protocol.jobs import Job, JobKind, JobState


class SendMessageJob(JobKindRules):
    """`send_message`: one reply a person wrote, sent from the account's phone."""

    kind = JobKind.SEND_MESSAGE

    def claimed_task(self, rt: Runtime, session: Session, job: Job, media_url: MediaUrl) -> JobTask:
        """The stored reply with `check_first` as it is now."""
        return task_from_payload(SendMessageTask, job, check_first=job.needs_check)

    def read_report(self, rt: Runtime, host: str, job: Job, report: FinishReport) -> None:
        """Place a delivered reply where the screen shows it (`inbox.merge_window`)."""
        window = report.result.data.window
        account_id = job.payload.get("account_id")
        if window is None or not report.result.ok or not isinstance(account_id, int):
            return
        if not host_has_phone(rt, host, job):
            return
        merge_window(rt, account_id, window, job.id)

    def late_report(self, rt: Runtime, job: Job, report: FinishReport) -> LateReport | None:
        """A late success is believed: the reply is delivered, its check job cancelled."""
        if not report.result.ok or job.state not in (JobState.QUEUED, JobState.UNCONFIRMED):
            return None
        return LateReport(
            replies.believe_delivered(rt, job),
            "late report believed: the reply is delivered and the job's check cancelled",
        )

    def mirror(self, rt: Runtime, jobs: Sequence[Job]) -> None:
        """Each job's state onto its reply."""
        replies.sync_replies(rt, jobs)
