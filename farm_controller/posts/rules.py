"""The platform's limits, as data: daily caps, quiet hours and duplicate texts per account.

They are checked when a post is submitted (the API refuses it) and again for every
occurrence when it is about to be queued (the occurrence ends as `cap_reached` or
`quiet_hours`, never retried). Days and quiet hours are the account's local ones.
Duplicate texts are compared in Unicode NFKC form (`normalised_text`): a full-width
"ｓａｌｅ" or a decomposed "é" is the same text to a reader, and to the platform.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from farm_controller.models import Account, Post, PostTarget
from farm_protocol.posts import COUNTED_TARGET_STATES, TargetState


def in_quiet_hours(account: Account, moment: datetime) -> bool:
    """True when `moment` falls in the account's quiet hours (its local time)."""
    start, end = account.quiet_start, account.quiet_end
    if start is None or end is None:
        return False
    local = moment.astimezone(ZoneInfo(account.timezone)).time().replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window spans midnight


def quiet_hours_text(account: Account) -> str:
    """``22:00–08:00 Asia/Shanghai``."""
    start, end = account.quiet_start or time(), account.quiet_end or time()
    return f"{start:%H:%M}–{end:%H:%M} {account.timezone}"


def local_day(account: Account, moment: datetime) -> tuple[datetime, datetime]:
    """The account's local calendar day containing `moment`, as [start, end) instants."""
    zone = ZoneInfo(account.timezone)
    day = moment.astimezone(zone).date()
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=zone)
    return start, end


def posts_on_day(
    session: Session,
    account: Account,
    moment: datetime,
    *,
    exclude_target: int | None = None,
    include_scheduled: bool = True,
) -> int:
    """How many targets of the account use up a post on the local day of `moment`.

    Published ones count, and so do those still going to be published (queued,
    publishing, parked, unconfirmed and, with `include_scheduled`, scheduled).
    """
    start, end = local_day(account, moment)
    states = COUNTED_TARGET_STATES
    if not include_scheduled:
        states = states - {TargetState.SCHEDULED}
    query = select(func.count(PostTarget.id)).where(
        PostTarget.account_id == account.id,
        PostTarget.occurrence_at >= start,
        PostTarget.occurrence_at < end,
        PostTarget.state.in_(states),
    )
    if exclude_target is not None:
        query = query.where(PostTarget.id != exclude_target)
    return int(session.scalar(query) or 0)


def duplicate_of(
    session: Session, account: Account, text: str, moment: datetime, window: timedelta
) -> PostTarget | None:
    """A target of another post with the same text (in NFKC form) for the account within
    `window` of `moment`."""
    wanted = normalised_text(text)
    if not wanted:
        return None
    rows = session.execute(
        select(PostTarget, Post.text)
        .join(Post, Post.id == PostTarget.post_id)
        .where(
            PostTarget.account_id == account.id,
            PostTarget.occurrence_at >= moment - window,
            PostTarget.occurrence_at <= moment + window,
            PostTarget.state.in_(COUNTED_TARGET_STATES),
        )
        .order_by(PostTarget.occurrence_at)
    )
    for target, other in rows:
        if normalised_text(other) == wanted:
            return target
    return None


def normalised_text(text: str) -> str:
    """`text` as the duplicate rule compares it: Unicode NFKC."""
    return unicodedata.normalize("NFKC", text)
