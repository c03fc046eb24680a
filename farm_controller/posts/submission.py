"""Submitting, cancelling and deciding posts.

`create_post` checks every rule before it stores anything, inside one write transaction
(the accounts' rows are locked on PostgreSQL, the database on SQLite), so two concurrent
submissions cannot both squeeze under a daily cap, and a refused request leaves no row
and no file behind.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from farm_queue import InvalidTransitionError, JobNotFoundError
from sqlalchemy import select
from sqlalchemy.orm import Session

from farm_controller.db import write_session
from farm_controller.errors import Conflict, FieldProblem, Invalid, conflict, not_found
from farm_controller.media.images import ImageError, ImageFacts, inspect_image
from farm_controller.models import Account, Media, Post, PostAccount, PostMedia, PostTarget
from farm_controller.posts.outcomes import sync_targets
from farm_controller.posts.recurrence import MAX_SPAN, Schedule, cron_trigger
from farm_controller.posts.rules import duplicate_of, in_quiet_hours, posts_on_day, quiet_hours_text
from farm_controller.runtime import Runtime
from farm_controller.schemas.accounts import check_timezone
from farm_controller.schemas.posts import PostCreate
from farm_protocol.jobs import Job
from farm_protocol.posts import FINAL_TARGET_STATES, Decision, TargetState


@dataclass(frozen=True)
class Upload:
    """An image sent with a multipart post."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class NewPost:
    """What `create_post` stored."""

    post_id: int
    first_occurrence: datetime


class _Check:
    """Collects problems: 422 for a wrong request, 409 for a conflict with stored posts."""

    def __init__(self) -> None:
        self.invalid: list[FieldProblem] = []
        self.conflicts: list[FieldProblem] = []

    def bad(self, field: str | None, message: str, kind: str = "value_error") -> None:
        self.invalid.append(FieldProblem(field, message, kind))

    def clash(self, field: str | None, message: str, kind: str) -> None:
        self.conflicts.append(FieldProblem(field, message, kind))

    def raise_invalid(self) -> None:
        if self.invalid:
            raise Invalid(self.invalid)

    def raise_conflicts(self) -> None:
        if self.conflicts:
            raise Conflict(self.conflicts)


def _inspect_uploads(rt: Runtime, uploads: Sequence[Upload], check: _Check) -> list[ImageFacts]:
    facts = []
    for index, upload in enumerate(uploads):
        try:
            facts.append(
                inspect_image(
                    upload.data,
                    max_bytes=rt.settings.max_image_bytes,
                    max_side=rt.settings.max_image_side,
                )
            )
        except ImageError as exc:
            check.bad(f"files[{index}]", f"{upload.filename or 'file'}: {exc}", exc.kind)
    return facts


def _load_accounts(
    session: Session, ids: Sequence[int], check: _Check, *, lock: bool = True
) -> list[Account]:
    if not ids:
        check.bad("account_ids", "a post needs at least one target account", "missing")
        return []
    # Locked on PostgreSQL so concurrent submissions count each other's posts (SQLite
    # already serialises writers).
    query = select(Account).where(Account.id.in_(set(ids)))
    found = {
        account.id: account
        for account in session.scalars(query.with_for_update() if lock else query)
    }
    accounts: list[Account] = []
    seen: set[int] = set()
    for index, account_id in enumerate(ids):
        if account_id in seen:
            check.bad(f"account_ids[{index}]", f"account {account_id} is listed twice")
        elif account_id not in found:
            check.bad(f"account_ids[{index}]", f"no account with id {account_id}", "not_found")
        else:
            accounts.append(found[account_id])
        seen.add(account_id)
    return accounts


def _load_media(rt: Runtime, session: Session, ids: Sequence[str], check: _Check) -> list[Media]:
    found = {m.id: m for m in session.scalars(select(Media).where(Media.id.in_(set(ids))))}
    media = []
    for index, media_id in enumerate(ids):
        item = found.get(media_id)
        if item is None:
            check.bad(f"media_ids[{index}]", f"no uploaded image with id {media_id!r}", "not_found")
        elif item.size > rt.settings.max_image_bytes:
            check.bad(
                f"media_ids[{index}]",
                f"image {media_id} is {item.size} bytes; the limit is "
                f"{rt.settings.max_image_bytes}",
                "too_large",
            )
        else:
            media.append(item)
    return media


def _schedule(body: PostCreate, timezone: str, now: datetime, check: _Check) -> Schedule | None:
    run_at = body.run_at if body.run_at is not None else now
    recurrence = body.recurrence
    if recurrence is not None and recurrence.cron is not None:
        try:
            cron_trigger(recurrence.cron, timezone)
        except ValueError as exc:
            check.bad("recurrence.cron", str(exc))
            return None
    schedule = Schedule(
        run_at=run_at,
        timezone=timezone,
        interval_seconds=recurrence.interval_seconds if recurrence else None,
        cron=recurrence.cron if recurrence else None,
        until=recurrence.until if recurrence else None,
    )
    first = schedule.first()
    if recurrence is not None:
        if first is None or recurrence.until < first:
            check.bad("recurrence.until", "the recurrence has no occurrence before until")
            return None
        if recurrence.until > first + MAX_SPAN:
            check.bad("recurrence.until", "a recurrence may last at most 366 days")
    return schedule


@dataclass
class _Plan:
    """What `_evaluate` found: the checked parts of a new post."""

    text: str
    accounts: list[Account]
    media: list[Media]
    upload_facts: list[ImageFacts]
    timezone: str
    schedule: Schedule | None
    first: datetime | None
    timing_ok: bool


def _evaluate(
    rt: Runtime,
    session: Session,
    body: PostCreate,
    uploads: Sequence[Upload],
    check: _Check,
    now: datetime,
    *,
    lock: bool = True,
) -> _Plan:
    """Check `body` against every rule, collecting problems in `check` (stores nothing).

    Conflicts with stored posts (daily cap, duplicates) are looked for whenever the first
    occurrence is known, even if the request has other problems.
    """
    settings = rt.settings
    upload_facts = _inspect_uploads(rt, uploads, check)
    text = body.text.strip()
    grace = timedelta(seconds=settings.run_at_grace)
    horizon = timedelta(days=settings.schedule_horizon_days)
    if body.run_at is not None and body.run_at < now - grace:
        check.bad(
            "run_at",
            f"run_at {body.run_at.isoformat()} is in the past (now is {now.isoformat()})",
            "past",
        )
    elif body.run_at is not None and body.run_at > now + horizon:
        check.bad(
            "run_at",
            f"run_at is more than {settings.schedule_horizon_days} days ahead",
            "too_far",
        )
    if body.timezone is not None:
        try:
            check_timezone(body.timezone)
        except ValueError as exc:
            check.bad("timezone", str(exc))

    accounts = _load_accounts(session, body.account_ids, check, lock=lock)
    media = _load_media(rt, session, body.media_ids, check)
    image_count = len(body.media_ids) + len(uploads)
    if not text and image_count == 0:
        check.bad("text", "a post needs text or at least one image", "missing")
    for app in sorted({account.app for account in accounts}):
        limits = rt.limits.for_app(app)
        if len(text) > limits.text_limit:
            check.bad(
                "text",
                f"text is {len(text)} characters; {app} allows at most {limits.text_limit}",
                "too_long",
            )
        if image_count > limits.max_images:
            field = "files" if uploads else "media_ids"
            check.bad(
                field,
                f"{image_count} images; {app} allows at most {limits.max_images}",
                "too_many",
            )
    timezone = body.timezone or (accounts[0].timezone if accounts else "UTC")
    timezone_ok = all(problem.field != "timezone" for problem in check.invalid)
    schedule = _schedule(body, timezone, now, check) if timezone_ok else None
    first = schedule.first() if schedule is not None else None
    if first is not None:
        for account in accounts:
            if in_quiet_hours(account, first):
                check.bad(
                    "run_at",
                    f"{first.isoformat()} is in the quiet hours of account "
                    f"{account.name!r} ({quiet_hours_text(account)})",
                    "quiet_hours",
                )
    # A run time out of range would overflow the day arithmetic below.
    timing_ok = not any(problem.type in ("past", "too_far") for problem in check.invalid)
    if first is not None and timing_ok:
        window = timedelta(hours=settings.duplicate_window_hours)
        for index, account in enumerate(accounts):
            booked = posts_on_day(session, account, first)
            if booked + 1 > account.daily_post_cap:
                day = first.astimezone(ZoneInfo(account.timezone)).date()
                check.clash(
                    f"account_ids[{index}]",
                    f"account {account.name!r} already has {booked} post(s) on {day} "
                    f"({account.timezone}); its daily cap is {account.daily_post_cap}",
                    "cap_reached",
                )
            if not body.allow_duplicate:
                twin = duplicate_of(session, account, text, first, window)
                if twin is not None:
                    check.clash(
                        "text",
                        f"the same text goes to account {account.name!r} at "
                        f"{twin.occurrence_at.isoformat()} (post {twin.post_id}); send "
                        '"allow_duplicate": true to post it anyway',
                        "duplicate",
                    )
    return _Plan(text, accounts, media, upload_facts, timezone, schedule, first, timing_ok)


@dataclass(frozen=True)
class PostCheck:
    """What submitting a post would meet, found without storing anything.

    Attributes:
        errors: Problems the API would refuse with 422 (the request is wrong, or the first
            run time is in an account's quiet hours).
        conflicts: Problems it would refuse with 409 (daily cap; a duplicate text, which
            `allow_duplicate` lets through).
        warnings: Later occurrences of a recurrence that will be skipped when due (quiet
            hours, daily cap).
        occurrences: The first occurrences (at most `OCCURRENCES_SHOWN`).
        occurrence_count: How many occurrences there are (at most `MAX_OCCURRENCES_CHECKED`).
    """

    errors: list[FieldProblem]
    conflicts: list[FieldProblem]
    warnings: list[FieldProblem]
    occurrences: list[datetime]
    occurrence_count: int


OCCURRENCES_SHOWN = 20
MAX_OCCURRENCES_CHECKED = 400


def check_post(rt: Runtime, body: PostCreate) -> PostCheck:
    """Everything `create_post` would say about `body`, and what later occurrences will
    meet, without storing anything (the composer's warnings before submitting)."""
    now = rt.clock()
    check = _Check()
    warnings: list[FieldProblem] = []
    occurrences: list[datetime] = []
    with rt.sessions() as session:
        plan = _evaluate(rt, session, body, (), check, now, lock=False)
        if plan.schedule is not None and plan.first is not None and plan.timing_ok:
            occurrences = plan.schedule.occurrences(limit=MAX_OCCURRENCES_CHECKED)
            warnings = _later_occurrences(session, plan, occurrences)
        session.rollback()
    return PostCheck(
        errors=list(check.invalid),
        conflicts=list(check.conflicts),
        warnings=warnings,
        occurrences=occurrences[:OCCURRENCES_SHOWN],
        occurrence_count=len(occurrences),
    )


def _later_occurrences(
    session: Session, plan: _Plan, occurrences: Sequence[datetime]
) -> list[FieldProblem]:
    """Warnings for the occurrences after the first: quiet hours and full days."""
    warnings: list[FieldProblem] = []
    for account in plan.accounts:
        zone = ZoneInfo(account.timezone)
        own: dict[object, int] = {}
        quiet = capped = 0
        first_quiet = first_capped = None
        for moment in occurrences:
            day = moment.astimezone(zone).date()
            own[day] = own.get(day, 0) + 1
            if moment == plan.first:
                continue
            if in_quiet_hours(account, moment):
                quiet += 1
                first_quiet = first_quiet or moment
            elif posts_on_day(session, account, moment) + own[day] > account.daily_post_cap:
                capped += 1
                first_capped = first_capped or moment
        if quiet and first_quiet is not None:
            warnings.append(
                FieldProblem(
                    "recurrence",
                    f"{quiet} occurrence(s) for {account.name!r} fall in its quiet hours "
                    f"({quiet_hours_text(account)}), the first at {first_quiet.isoformat()}; "
                    "they will be skipped",
                    "quiet_hours",
                )
            )
        if capped and first_capped is not None:
            warnings.append(
                FieldProblem(
                    "recurrence",
                    f"{capped} occurrence(s) for {account.name!r} would exceed its daily cap "
                    f"of {account.daily_post_cap}, the first at {first_capped.isoformat()}; "
                    "they will be skipped",
                    "cap_reached",
                )
            )
    return warnings


def create_post(
    rt: Runtime, body: PostCreate, uploads: Sequence[Upload] = (), *, created_by: str = "api"
) -> NewPost:
    """Check a new post against every rule and store it, or store nothing.

    Raises:
        Invalid: when the request is wrong (each problem names its field), 409 when
            it conflicts with stored posts (daily cap; duplicate text unless
            `allow_duplicate`).
    """
    now = rt.clock()
    check = _Check()
    with write_session(rt.sessions) as session:
        plan = _evaluate(rt, session, body, uploads, check, now)
        check.raise_invalid()
        check.raise_conflicts()
        schedule, first = plan.schedule, plan.first
        assert schedule is not None and first is not None
        text, accounts, media, upload_facts = (
            plan.text,
            plan.accounts,
            plan.media,
            plan.upload_facts,
        )
        timezone = plan.timezone

        for upload, facts in zip(uploads, upload_facts, strict=True):
            media.append(_store_upload(rt, session, upload, facts, now))
        post = Post(
            text=text,
            timezone=timezone,
            run_at=first,
            interval_seconds=schedule.interval_seconds,
            cron=schedule.cron,
            until=schedule.until,
            created_by=body.created_by or created_by,
            state="scheduled",
            created_at=now,
        )
        post.media = [PostMedia(position=i, media_id=m.id) for i, m in enumerate(media)]
        post.accounts = [PostAccount(account_id=a.id, position=i) for i, a in enumerate(accounts)]
        session.add(post)
        session.flush()
        for account in accounts:
            session.add(
                PostTarget(
                    post_id=post.id,
                    account_id=account.id,
                    occurrence_at=first,
                    state=TargetState.SCHEDULED,
                    updated_at=now,
                )
            )
        post_id = post.id
    return NewPost(post_id, first)


def _store_upload(
    rt: Runtime, session: Session, upload: Upload, facts: ImageFacts, now: datetime
) -> Media:
    existing = session.scalars(select(Media).where(Media.sha256 == facts.sha256)).first()
    if existing is not None:
        return existing
    path = rt.media.put(upload.data, facts)
    item = Media(
        sha256=facts.sha256,
        content_type=facts.content_type,
        size=facts.size,
        width=facts.width,
        height=facts.height,
        path=path,
        created_at=now,
    )
    session.add(item)
    session.flush()
    return item


def cancel_post(rt: Runtime, post_id: int) -> None:
    """Cancel every target of the post that has not started; stop its recurrence.

    Targets being published right now finish (the phone may already have tapped
    Publish); parked ones are rejected.

    Raises:
        NotFound: for an unknown post.
    """
    now = rt.clock()
    job_ids: list[str] = []
    with rt.dispatch_lock:
        with write_session(rt.sessions) as session:
            post = session.get(Post, post_id, with_for_update=True)
            if post is None:
                raise not_found("post", post_id)
            if post.state == "cancelled":
                return
            post.state = "cancelled"
            post.cancelled_at = now
            for target in post.targets:
                if target.state in FINAL_TARGET_STATES:
                    continue
                if target.state is TargetState.AWAITING_CONFIRMATION:
                    if target.decision is None:
                        target.decision = Decision.REJECT
                        target.decided_by = "post cancelled"
                        target.decided_at = now
                elif target.job_id is None:
                    target.state = TargetState.CANCELLED
                    target.updated_at = now
                elif target.state in (TargetState.QUEUED, TargetState.UNCONFIRMED):
                    job_ids.append(target.job_id)
        changed: builtins.list[Job] = []
        for job_id in job_ids:
            try:
                changed.append(rt.jobs.cancel(job_id))
            except (InvalidTransitionError, JobNotFoundError):
                continue  # claimed meanwhile: it finishes, and its target with it
        sync_targets(rt, changed)


def decide(rt: Runtime, post_id: int, account_id: int, decision: Decision, by: str) -> int:
    """Record a person's answer for the post's parked target of this account.

    Returns:
        The target's id.

    Raises:
        NotFound: for an unknown post or account of the post; 409 when no occurrence
            awaits confirmation or another decision was already made.
    """
    now = rt.clock()
    with write_session(rt.sessions) as session:
        target = session.scalars(
            select(PostTarget)
            .where(
                PostTarget.post_id == post_id,
                PostTarget.account_id == account_id,
                PostTarget.state == TargetState.AWAITING_CONFIRMATION,
            )
            .order_by(PostTarget.occurrence_at.desc())
            .limit(1)
            .with_for_update()
        ).first()
        if target is None:
            if session.get(Post, post_id) is None:
                raise not_found("post", post_id)
            if session.get(PostAccount, (post_id, account_id)) is None:
                raise not_found(f"account of post {post_id}", account_id)
            raise conflict(
                f"no occurrence of post {post_id} for account {account_id} awaits confirmation",
                "not_awaiting_confirmation",
            )
        if target.decision is not None and target.decision is not decision:
            raise conflict(
                f"target {target.id} was already answered with {target.decision}",
                "already_decided",
            )
        target.decision = decision
        target.decided_by = by
        target.decided_at = now
        target.updated_at = now
        return target.id
