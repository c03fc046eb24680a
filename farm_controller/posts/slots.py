"""Posting time slots: the local times an account prefers to post at, and the next free one.

An account's `posting_slots` are local ``HH:MM`` times (in its time zone). A slot is
*free* when the account has no post within `SLOT_GAP` of it, it is outside the account's
quiet hours, and the account's daily cap leaves room that day; stored and planned
(recurring) occurrences all count. `next_free_slot` answers for several accounts at once:
the earliest time that is a free slot for every one of them (an account without slots
accepts any free time).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from farm_controller.models import Account
from farm_controller.posts.calendar import occurrences_between
from farm_controller.posts.rules import in_quiet_hours

SLOT_GAP = timedelta(minutes=30)
HORIZON = timedelta(days=14)


def parse_slot(text: str) -> time:
    """``"09:30"`` → 09:30 (the API validates the format first)."""
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def _slot_instants(account: Account, start: datetime, end: datetime) -> Iterator[datetime]:
    zone = ZoneInfo(account.timezone)
    slots = sorted(parse_slot(s) for s in account.posting_slots or [])
    day: date = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    while day <= last:
        for slot in slots:
            moment = datetime.combine(day, slot, tzinfo=zone)
            # A local time skipped by a daylight-saving change has no instant: skip it.
            if moment.astimezone(ZoneInfo("UTC")).astimezone(zone).time() != slot:
                continue
            if start <= moment < end:
                yield moment.astimezone(ZoneInfo("UTC"))
        day += timedelta(days=1)


class _Busy:
    """What an account already has in the horizon: post times and posts per local day."""

    def __init__(self, account: Account, moments: Sequence[datetime]) -> None:
        self.account = account
        self.zone = ZoneInfo(account.timezone)
        self.moments = sorted(moments)
        self.per_day = Counter(m.astimezone(self.zone).date() for m in moments)

    def free_at(self, moment: datetime) -> bool:
        if in_quiet_hours(self.account, moment):
            return False
        if self.per_day[moment.astimezone(self.zone).date()] >= self.account.daily_post_cap:
            return False
        return all(abs(other - moment) >= SLOT_GAP for other in self.moments)


def next_free_slot(
    session: Session, accounts: Sequence[Account], after: datetime
) -> tuple[datetime | None, dict[int, datetime | None]]:
    """The earliest common free slot after `after`, and each account's own next free slot.

    Candidates are the accounts' slot times within `HORIZON`; with no slots at all, the
    next quarter hours are.
    """
    end = after + HORIZON
    found, _ = occurrences_between(
        session, after - SLOT_GAP - timedelta(days=1), end + SLOT_GAP, {a.id for a in accounts}
    )
    busy = {
        a.id: _Busy(a, [o.at for o in found if o.account.id == a.id and o.counts]) for a in accounts
    }
    own: dict[int, datetime | None] = {}
    slot_sets: dict[int, set[datetime]] = {}
    for account in accounts:
        instants = list(_slot_instants(account, after, end))
        slot_sets[account.id] = set(instants)
        own[account.id] = next((m for m in instants if busy[account.id].free_at(m)), None)
    candidates: set[datetime] = set().union(*slot_sets.values())
    if not candidates:
        first = after.replace(second=0, microsecond=0) + timedelta(minutes=15 - after.minute % 15)
        candidates = {
            first + timedelta(minutes=15 * i) for i in range(int(HORIZON / timedelta(minutes=15)))
        }
    for moment in sorted(candidates):
        if all(
            (not slot_sets[a.id] or moment in slot_sets[a.id]) and busy[a.id].free_at(moment)
            for a in accounts
        ):
            return moment, own
    return None, own
