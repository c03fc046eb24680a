"""Scheduling: the calendar, the composer's check, posting time slots, CSV import/export."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.concurrency import run_in_threadpool

from farm_controller.api.audit_middleware import note
from farm_controller.api.deps import CurrentUser, RuntimeDep, SessionDep
from farm_controller.api.params import IdPath, IdQuery, TextQuery
from farm_controller.api.presenters import account_out
from farm_controller.db import write_session
from farm_controller.errors import FieldProblem, Invalid, not_found
from farm_controller.models import Account, Device, Post
from farm_controller.posts.calendar import MAX_RANGE, accounts_with_tag, occurrences_between
from farm_controller.posts.schedule_csv import MAX_BYTES, export_posts, import_rows, read_rows
from farm_controller.posts.slots import next_free_slot
from farm_controller.posts.submission import check_post
from farm_controller.schemas.accounts import AccountOut
from farm_controller.schemas.errors import ErrorItem
from farm_controller.schemas.posts import PostCreate
from farm_controller.schemas.schedule import (
    AccountSlot,
    CalendarEntry,
    CalendarOut,
    CheckOut,
    ImportOut,
    ImportRow,
    NextSlotIn,
    NextSlotOut,
    SlotsIn,
)
from farm_controller.schemas.types import UtcAware

router = APIRouter(tags=["schedule"])

TEXT_SHOWN = 200


def _items(problems: Sequence[FieldProblem]) -> list[ErrorItem]:
    return [ErrorItem.model_validate(p.as_json()) for p in problems]


def _range(start: datetime, end: datetime) -> None:
    if end <= start:
        raise Invalid(FieldProblem("end", "end must be after start", "value_error"))
    if end - start > MAX_RANGE:
        raise Invalid(FieldProblem("end", f"at most {MAX_RANGE.days} days at a time", "too_long"))


def _account_filter(
    session: SessionDep, account_id: int | None, tag: str | None
) -> set[int] | None:
    wanted: set[int] | None = None
    if account_id is not None:
        wanted = {account_id}
    if tag:
        tagged = accounts_with_tag(session, tag)
        wanted = tagged if wanted is None else wanted & tagged
    return wanted


@router.get("/calendar")
def calendar(
    session: SessionDep,
    request: Request,
    start: Annotated[UtcAware, Query()],
    end: Annotated[UtcAware, Query()],
    account_id: IdQuery = None,
    tag: TextQuery = None,
) -> CalendarOut:
    """Every post occurrence in [start, end) by account (at most 62 days), stored or planned."""
    _range(start, end)
    found, truncated = occurrences_between(
        session, start, end, _account_filter(session, account_id, tag)
    )
    entries = []
    for item in found:
        first_image = item.post.media[0] if item.post.media else None
        thumbnail = (
            str(request.url_for("media_content", media_id=first_image.media_id))
            if first_image is not None
            else None
        )
        target = item.target
        entries.append(
            CalendarEntry(
                post_id=item.post.id,
                account_id=item.account.id,
                account_name=item.account.name,
                at=item.at,
                state=item.state,  # type: ignore[arg-type]  # a TargetState value or planned
                target_id=target.id if target else None,
                job_id=target.job_id if target else None,
                text=item.post.text[:TEXT_SHOWN],
                image_count=len(item.post.media),
                thumbnail_url=thumbnail,
                recurring=item.post.recurring,
                timezone=item.post.timezone,
                published_at=target.published_at if target else None,
                error=target.error if target else None,
            )
        )
    return CalendarOut(start=start, end=end, entries=entries, truncated=truncated)


@router.post("/schedule/check")
def check(rt: RuntimeDep, body: PostCreate) -> CheckOut:
    """Check a post as POST /posts would (JSON, media_ids), storing nothing: errors, conflicts
    (caps, duplicates), warnings for later occurrences, and the first occurrences."""
    report = check_post(rt, body)
    return CheckOut(
        ok=not report.errors and not report.conflicts,
        errors=_items(report.errors),
        conflicts=_items(report.conflicts),
        warnings=_items(report.warnings),
        occurrences=report.occurrences,
        occurrence_count=report.occurrence_count,
    )


@router.post("/schedule/next-slot")
def next_slot(rt: RuntimeDep, session: SessionDep, body: NextSlotIn) -> NextSlotOut:
    """The earliest time within 14 days that is a free posting slot for every account."""
    found = {
        a.id: a
        for a in session.scalars(select(Account).where(Account.id.in_(set(body.account_ids))))
    }
    missing = [
        FieldProblem(f"account_ids[{i}]", f"no account with id {account_id}", "not_found")
        for i, account_id in enumerate(body.account_ids)
        if account_id not in found
    ]
    if missing:
        raise Invalid(missing)
    accounts = [found[i] for i in dict.fromkeys(body.account_ids)]
    after = max(body.after or rt.clock(), rt.clock())
    at, own = next_free_slot(session, accounts, after)
    return NextSlotOut(
        at=at,
        accounts=[
            AccountSlot(
                account_id=a.id,
                account_name=a.name,
                timezone=a.timezone,
                slots=list(a.posting_slots or []),
                next_free=own.get(a.id),
            )
            for a in accounts
        ],
    )


@router.put("/accounts/{account_id}/slots", tags=["accounts"])
def set_slots(rt: RuntimeDep, account_id: IdPath, body: SlotsIn) -> AccountOut:
    """Set the account's posting time slots (local HH:MM times, sorted, no repeats)."""
    with write_session(rt.sessions) as session:
        account = session.get(Account, account_id)
        if account is None:
            raise not_found("account", account_id)
        account.posting_slots = sorted(set(body.slots))
        account.updated_at = rt.clock()
        return account_out(account, session.get(Device, account.device_serial))


@router.get("/schedule/export", response_class=Response)
def export(
    session: SessionDep,
    start: Annotated[UtcAware, Query()],
    end: Annotated[UtcAware, Query()],
    account_id: IdQuery = None,
    tag: TextQuery = None,
) -> Response:
    """The posts with an occurrence in [start, end) as CSV (the import's columns + post_id,
    state, created_by)."""
    _range(start, end)
    found, _ = occurrences_between(
        session, start, end, _account_filter(session, account_id, tag), limit=20_000
    )
    post_ids = list(dict.fromkeys(item.post.id for item in found))
    posts = {
        p.id: p
        for p in session.scalars(
            select(Post)
            .where(Post.id.in_(post_ids))
            .options(selectinload(Post.accounts), selectinload(Post.media))
        )
    }
    text = export_posts(session, [posts[i] for i in post_ids if i in posts])
    name = f"schedule-{start:%Y%m%d}-{(end - timedelta(seconds=1)):%Y%m%d}.csv"
    return Response(
        ("\ufeff" + text).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/schedule/import")
async def import_csv(
    rt: RuntimeDep,
    request: Request,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description="CSV, UTF-8")],
    dry_run: bool = False,
) -> ImportOut:
    """Import a CSV schedule: each row becomes a post on its own (or, with dry_run, is only
    checked); a row's problems name the column."""
    data = await file.read(MAX_BYTES + 1)
    rows = read_rows(data)
    results = await run_in_threadpool(import_rows, rt, rows, dry_run=dry_run, created_by=user.name)
    created = [post for _, post, _ in results if post is not None]
    for post in created:
        rt.wake_at(post.first_occurrence)
    note(request, created=[post.post_id for post in created], dry_run=dry_run)
    return ImportOut(
        dry_run=dry_run,
        created=len(created),
        failed=sum(1 for _, _, problems in results if problems),
        rows=[
            ImportRow(
                row=row,
                post_id=post.post_id if post is not None else None,
                problems=_items(problems),
            )
            for row, post, problems in results
        ],
    )
