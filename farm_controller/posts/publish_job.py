"""`PublishJob`: the rules of a `publish_post` job on the controller.

At claim the job gets a `PublishPostTask` built from its post target as it is now: the
account's publish mode (a person may have switched it to confirm since the job was
queued), its app, the images to download. Only this kind parks (confirm mode). Its post
target mirrors the job (`outcomes.sync_targets`). A success reported after the lease ran
out (the agent was cut off while it published) is believed — the phone did publish — so
the target becomes `published` and the job that was waiting for a check is cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from farm_controller.db import read_session, write_session
from farm_controller.job_kinds import (
    JobKindRules,
    LateReport,
    MediaUrl,
    TaskUnavailableError,
)
from farm_controller.models import Account, Media, PostTarget
from farm_controller.posts.outcomes import sync_targets
from farm_controller.runtime import Runtime
from farm_protocol.agent_api import FinishReport, JobTask, MediaRef, PublishPostTask
from farm_protocol.jobs import Job, JobKind, JobState
from farm_protocol.posts import TargetState


class PublishJob(JobKindRules):
    """`publish_post`: one post, for one account, at one run time."""

    kind = JobKind.PUBLISH_POST
    parks = True

    def claimed_task(self, rt: Runtime, session: Session, job: Job, media_url: MediaUrl) -> JobTask:
        """The post as the phone must publish it, read from its target now."""
        target = session.get(PostTarget, job.payload.get("target_id"))
        account = session.get(Account, target.account_id) if target is not None else None
        if target is None or account is None:
            raise TaskUnavailableError("the job's post target or its account no longer exists")
        ids = [str(media_id) for media_id in job.payload.get("media_ids", [])]
        found = {m.id: m for m in session.scalars(select(Media).where(Media.id.in_(ids)))}
        return PublishPostTask(
            post_id=target.post_id,
            target_id=target.id,
            account_id=account.id,
            account_name=account.name,
            app=account.app,
            occurrence_at=target.occurrence_at,
            text=str(job.payload.get("text", "")),
            media=[
                MediaRef(
                    id=item.id,
                    sha256=item.sha256,
                    content_type=item.content_type,
                    size=item.size,
                    width=item.width,
                    height=item.height,
                    url=media_url(item.id),
                )
                for item in (found[i] for i in ids if i in found)
            ],
            # Read now, not at enqueue: a person may have switched the account to confirm.
            publish_mode=account.publish_mode,
            check_first=job.needs_check,
        )

    def media_ids(self, job: Job) -> frozenset[str]:
        """The post's images."""
        return frozenset(str(media_id) for media_id in job.payload.get("media_ids", []))

    def late_report(self, rt: Runtime, job: Job, report: FinishReport) -> LateReport | None:
        """A late success is believed (see the module docstring)."""
        if not report.result.ok or job.state not in (JobState.QUEUED, JobState.UNCONFIRMED):
            return None
        return LateReport(
            believe_published(rt, job),
            "late report believed: the target is published and the job's check cancelled",
        )

    def mirror(self, rt: Runtime, jobs: Sequence[Job]) -> None:
        """Each job's state onto its post target."""
        sync_targets(rt, jobs)

    def target_state(self, rt: Runtime, job: Job) -> TargetState | None:
        """The state of the job's post target."""
        with read_session(rt.sessions) as session:
            return session.scalar(select(PostTarget.state).where(PostTarget.job_id == job.id))


def believe_published(rt: Runtime, job: Job) -> Job:
    """The phone published, but the lease was already taken back: believe the phone."""
    if job.state in (JobState.QUEUED, JobState.UNCONFIRMED):
        job = rt.jobs.cancel(job.id)
    now = rt.clock()
    with write_session(rt.sessions) as session:
        target = session.scalars(
            select(PostTarget).where(PostTarget.job_id == job.id).with_for_update()
        ).first()
        if target is not None and target.state is not TargetState.PUBLISHED:
            target.state = TargetState.PUBLISHED
            target.published_at = now
            target.error = "published (reported after the lease ran out)"
            target.updated_at = now
    return job
