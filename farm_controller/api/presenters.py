"""Stored rows as API responses (URLs are absolute, built from the request)."""

from __future__ import annotations

from collections import Counter

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from farm_controller.auth.principal import Role
from farm_controller.models import (
    Account,
    ApiTokenRecord,
    Device,
    Evidence,
    Host,
    JobStep,
    Media,
    Post,
    PostTarget,
    UserRecord,
)
from farm_controller.posts.dispatch import schedule_of
from farm_controller.schemas.accounts import AccountOut, QuietHours
from farm_controller.schemas.fleet import DeviceOut, HostOut
from farm_controller.schemas.jobs import EvidenceOut, JobOut, StepOut
from farm_controller.schemas.media import MediaOut
from farm_controller.schemas.posts import (
    PostOut,
    PostState,
    PostSummary,
    RecurrenceOut,
    TargetOut,
)
from farm_controller.schemas.users import TokenOut, UserOut
from farm_protocol.jobs import Job
from farm_protocol.posts import TargetState


def media_out(request: Request, item: Media) -> MediaOut:
    """An uploaded image."""
    return MediaOut(
        id=item.id,
        sha256=item.sha256,
        content_type=item.content_type,
        size=item.size,
        width=item.width,
        height=item.height,
        url=str(request.url_for("media_content", media_id=item.id)),
        created_at=item.created_at,
    )


def account_out(account: Account, device: Device | None) -> AccountOut:
    """An account and the state of its phone."""
    quiet = None
    if account.quiet_start is not None and account.quiet_end is not None:
        quiet = QuietHours(start=account.quiet_start, end=account.quiet_end)
    return AccountOut(
        id=account.id,
        name=account.name,
        device_serial=account.device_serial,
        device_state=device.state if device is not None else None,
        app=account.app,
        timezone=account.timezone,
        daily_post_cap=account.daily_post_cap,
        quiet_hours=quiet,
        publish_mode=account.publish_mode,
        tags=list(account.tags),
        messages_per_minute=account.messages_per_minute,
        posting_slots=list(account.posting_slots or []),
        created_at=account.created_at,
        updated_at=account.updated_at,
    )


def device_out(device: Device) -> DeviceOut:
    """A phone."""
    return DeviceOut(
        serial=device.serial,
        host=device.host_name,
        model=device.model,
        manufacturer=device.manufacturer,
        sdk=device.sdk,
        width=device.width,
        height=device.height,
        resolution=f"{device.width}x{device.height}",
        density=device.density,
        state=device.state,
        battery=device.battery,
        screen_on=device.screen_on,
        locked=device.locked,
        app_versions=dict(device.app_versions),
        current_job_id=device.current_job_id,
        registered_at=device.registered_at,
        last_seen=device.last_seen,
    )


def host_out(host: Host, device_count: int) -> HostOut:
    """A host."""
    return HostOut(
        name=host.name,
        agent_version=host.agent_version,
        online=host.online,
        registered_at=host.registered_at,
        last_seen=host.last_seen,
        device_count=device_count,
    )


def evidence_url(request: Request, evidence_id: str) -> str:
    """Where an evidence image is served."""
    return str(request.url_for("evidence_content", evidence_id=evidence_id))


def target_out(request: Request, target: PostTarget, account_name: str) -> TargetOut:
    """One occurrence of a post for one account."""
    screenshot = target.parked_evidence_id
    return TargetOut(
        id=target.id,
        post_id=target.post_id,
        account_id=target.account_id,
        account_name=account_name,
        occurrence_at=target.occurrence_at,
        state=target.state,
        job_id=target.job_id,
        decision=target.decision,
        decided_by=target.decided_by,
        decided_at=target.decided_at,
        screenshot_url=evidence_url(request, screenshot) if screenshot else None,
        published_at=target.published_at,
        error=target.error,
        updated_at=target.updated_at,
    )


def _post_state(post: Post) -> PostState:
    if post.state == "cancelled":
        return "cancelled"
    return "dispatched" if post.state == "dispatched" else "scheduled"


def post_summary(request: Request, post: Post, counts: dict[TargetState, int]) -> PostSummary:
    """A post with its target counts."""
    recurrence = None
    if post.recurring:
        recurrence = RecurrenceOut(
            interval_seconds=post.interval_seconds, cron=post.cron, until=post.until
        )
    return PostSummary(
        id=post.id,
        text=post.text,
        media=[media_out(request, link.item) for link in post.media],
        account_ids=[link.account_id for link in sorted(post.accounts, key=lambda a: a.position)],
        run_at=post.run_at,
        timezone=post.timezone,
        recurrence=recurrence,
        created_by=post.created_by,
        state=_post_state(post),
        created_at=post.created_at,
        cancelled_at=post.cancelled_at,
        target_counts=counts,
    )


def post_out(request: Request, session: Session, post: Post) -> PostOut:
    """A post with every target so far."""
    names = {
        account_id: name
        for account_id, name in session.execute(
            select(Account.id, Account.name).where(
                Account.id.in_([link.account_id for link in post.accounts])
            )
        )
    }
    targets = list(post.targets)
    counts = Counter(target.state for target in targets)
    scheduled = [t.occurrence_at for t in targets if t.state is TargetState.SCHEDULED]
    next_at = min(scheduled) if scheduled else None
    if next_at is None and post.state == "scheduled" and targets:
        next_at = schedule_of(post).next_after(max(t.occurrence_at for t in targets))
    summary = post_summary(request, post, dict(counts))
    return PostOut(
        **summary.model_dump(),
        targets=[target_out(request, t, names.get(t.account_id, "")) for t in targets],
        next_occurrence_at=next_at,
    )


def job_out(job: Job) -> JobOut:
    """A job of the queue with its post references."""
    post_id = job.payload.get("post_id")
    target_id = job.payload.get("target_id")
    return JobOut(
        **job.model_dump(),
        post_id=post_id if isinstance(post_id, int) else None,
        target_id=target_id if isinstance(target_id, int) else None,
    )


def step_out(step: JobStep) -> StepOut:
    """A reported flow step."""
    return StepOut(
        attempt=step.attempt,
        index=step.index,
        name=step.name,
        status=step.status,
        owner=step.owner,
        data=dict(step.data),
        created_at=step.created_at,
    )


def evidence_out(request: Request, item: Evidence) -> EvidenceOut:
    """An evidence image."""
    return EvidenceOut(
        id=item.id,
        kind=item.kind,
        filename=item.filename,
        content_type=item.content_type,
        size=item.size,
        url=evidence_url(request, item.id),
        created_at=item.created_at,
    )


def user_out(user: UserRecord, tokens: int) -> UserOut:
    """A user as the API shows it."""
    role: Role = user.role  # type: ignore[assignment]
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=role,
        active=user.active,
        account_ids=[link.account_id for link in user.accounts],
        created_at=user.created_at,
        updated_at=user.updated_at,
        last_login_at=user.last_login_at,
        has_password=user.password_hash is not None,
        tokens=tokens,
    )


def token_out(token: ApiTokenRecord) -> TokenOut:
    """A token as the API shows it (never the secret)."""
    return TokenOut(
        id=token.id,
        user_id=token.user_id,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )
