"""Posts as both sides name them: publish modes and the states of one post target.

A post goes to one or more accounts; each (account, occurrence) is a *target* with its
own state::

    scheduled ──run time──▶ queued ──claim──▶ publishing ──▶ published | failed
        │                     ▲                  │   └─confirm mode─▶ awaiting_confirmation
        │                     │                  │          confirm: the agent publishes ─┤
        │                     │                  ▼          reject ──▶ cancelled          │
        │                     └──check first── unconfirmed ◀── agent silent / unknown ────┘
        ├─ daily cap hit at run time ──▶ cap_reached
        ├─ quiet hours at run time ────▶ quiet_hours
        └─ cancel (also from queued and unconfirmed) ──▶ cancelled

`published`, `failed`, `cancelled`, `cap_reached` and `quiet_hours` are final.
"""

from __future__ import annotations

from enum import StrEnum


class PublishMode(StrEnum):
    """Who taps Publish on the phone."""

    AUTO = "auto"
    """The agent publishes on its own."""
    CONFIRM = "confirm"
    """The agent fills in the post, parks on the final screen and waits for a person."""


class Decision(StrEnum):
    """A person's answer to a post parked in confirm mode."""

    CONFIRM = "confirm"
    REJECT = "reject"


class TargetState(StrEnum):
    """Where one (post, account, occurrence) is (see the module docstring)."""

    SCHEDULED = "scheduled"
    QUEUED = "queued"
    PUBLISHING = "publishing"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    PUBLISHED = "published"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"
    CANCELLED = "cancelled"
    CAP_REACHED = "cap_reached"
    QUIET_HOURS = "quiet_hours"


FINAL_TARGET_STATES: frozenset[TargetState] = frozenset(
    {
        TargetState.PUBLISHED,
        TargetState.FAILED,
        TargetState.CANCELLED,
        TargetState.CAP_REACHED,
        TargetState.QUIET_HOURS,
    }
)
"""Target states that never change again."""

COUNTED_TARGET_STATES: frozenset[TargetState] = frozenset(
    {
        TargetState.SCHEDULED,
        TargetState.QUEUED,
        TargetState.PUBLISHING,
        TargetState.AWAITING_CONFIRMATION,
        TargetState.UNCONFIRMED,
        TargetState.PUBLISHED,
    }
)
"""Target states that use up one of the account's daily posts (done, or still going to be)."""
