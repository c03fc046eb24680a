"""The calendar: every post occurrence of every account in a time range.

Stored targets are shown in their state. A recurrence stores only its next occurrence,
so the later ones in the range are computed from the post's schedule and shown as
`planned` (what will be stored when the previous one is dispatched).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from farm_controller.models import Account, Post, PostTarget
from farm_controller.posts.dispatch import schedule_of
from farm_protocol.posts import COUNTED_TARGET_STATES

MAX_RANGE = timedelta(days=62)
MAX_ENTRIES = 5000


@dataclass(frozen=True)
class Occurrence:
    """One post for one account at one time (stored or planned)."""

    post: Post
    account: Account
    at: datetime
    target: PostTarget | None

    @property
    def state(self) -> str:
        """The target's state, or ``planned``."""
        return str(self.target.state) if self.target is not None else "planned"

    @property
    def counts(self) -> bool:
        """True when it uses up one of the account's posts that day."""
        return self.target is None or self.target.state in COUNTED_TARGET_STATES


def occurrences_between(
    session: Session,
    start: datetime,
    end: datetime,
    account_ids: set[int] | None = None,
    limit: int = MAX_ENTRIES,
) -> tuple[list[Occurrence], bool]:
    """Every occurrence in [start, end), earliest first, and whether `limit` cut it short."""
    found: list[Occurrence] = []
    stored = select(PostTarget).where(
        PostTarget.occurrence_at >= start, PostTarget.occurrence_at < end
    )
    if account_ids is not None:
        stored = stored.where(PostTarget.account_id.in_(sorted(account_ids)))
    for target in session.scalars(
        stored.order_by(PostTarget.occurrence_at, PostTarget.id)
        .limit(limit + 1)
        .options(
            selectinload(PostTarget.post).selectinload(Post.media),
            selectinload(PostTarget.account),
        )
    ):
        found.append(Occurrence(target.post, target.account, target.occurrence_at, target))
    found.extend(_planned(session, start, end, account_ids, limit + 1))
    found.sort(key=lambda o: (o.at, o.account.name, o.post.id))
    return found[:limit], len(found) > limit


def _planned(
    session: Session, start: datetime, end: datetime, account_ids: set[int] | None, limit: int
) -> list[Occurrence]:
    posts = session.scalars(
        select(Post)
        .where(
            Post.state == "scheduled",
            or_(Post.interval_seconds.is_not(None), Post.cron.is_not(None)),
            Post.run_at < end,
            or_(Post.until.is_(None), Post.until >= start),
        )
        .options(selectinload(Post.accounts), selectinload(Post.media))
    ).all()
    if not posts:
        return []
    latest = {
        post_id: moment
        for post_id, moment in session.execute(
            select(PostTarget.post_id, func.max(PostTarget.occurrence_at))
            .where(PostTarget.post_id.in_([p.id for p in posts]))
            .group_by(PostTarget.post_id)
        )
    }
    wanted = {link.account_id for post in posts for link in post.accounts}
    if account_ids is not None:
        wanted &= account_ids
    accounts = {
        account.id: account
        for account in session.scalars(select(Account).where(Account.id.in_(sorted(wanted))))
    }
    planned: list[Occurrence] = []
    for post in posts:
        links = [link for link in post.accounts if link.account_id in accounts]
        if not links:
            continue
        schedule = schedule_of(post)
        stored_until = latest.get(post.id)
        moment = schedule.next_after(max(start - timedelta(microseconds=1), stored_until or start))
        while moment is not None and moment < end and len(planned) < limit:
            for link in sorted(links, key=lambda item: item.position):
                planned.append(Occurrence(post, accounts[link.account_id], moment, None))
            moment = schedule.next_after(moment)
    return planned


def accounts_with_tag(session: Session, tag: str) -> set[int]:
    """The ids of the accounts carrying `tag`."""
    return {a.id for a in session.scalars(select(Account)) if tag in (a.tags or [])}
