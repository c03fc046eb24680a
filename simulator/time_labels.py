"""How the app writes times: chat list, message separators and feed ages."""

from __future__ import annotations

from datetime import datetime, tzinfo

from simulator.strings import Strings


def _local(moment: datetime, zone: tzinfo) -> datetime:
    return moment.astimezone(zone)


def chat_time(moment: datetime, now: datetime, zone: tzinfo, strings: Strings) -> str:
    """The time shown on a chat-list row: "14:20", "Yesterday", a weekday or a date."""
    when, today = _local(moment, zone), _local(now, zone)
    days = (today.date() - when.date()).days
    if days <= 0:
        return when.strftime("%H:%M")
    if days == 1:
        return strings("yesterday")
    if days < 7:
        return strings.weekday(when)
    return strings.short_date(when)


def separator_time(moment: datetime, now: datetime, zone: tzinfo, strings: Strings) -> str:
    """The centred time between message groups: "14:20", "Yesterday 14:20", "6月12日 14:20"."""
    when, today = _local(moment, zone), _local(now, zone)
    days = (today.date() - when.date()).days
    clock = when.strftime("%H:%M")
    if days <= 0:
        return clock
    if days == 1:
        return f"{strings('yesterday')} {clock}"
    return f"{strings.short_date(when)} {clock}"


def feed_age(moment: datetime, now: datetime, strings: Strings) -> str:
    """How long ago a feed post was published: "Just now", "5 min ago", "Yesterday"…"""
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return strings("just_now")
    if seconds < 3600:
        return strings("minutes_ago", n=int(seconds // 60))
    if seconds < 86400:
        return strings("hours_ago", n=int(seconds // 3600))
    if seconds < 2 * 86400:
        return strings("yesterday")
    return strings("days_ago", n=int(seconds // 86400))
