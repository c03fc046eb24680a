"""Jobs: the unit of work the controller queues and an agent carries out on one phone.

A job moves through these states (the queue's `farm_queue.lease` holds the rules)::

    queued      -> leased       claim
    leased      -> succeeded    complete
    leased      -> queued       fail (retryable, attempts left); lease expired (reversible kind)
    leased      -> failed       fail (final, or attempts spent); lease expired, attempts spent
    leased      -> unconfirmed  mark_unconfirmed; lease expired (irreversible kind)
    unconfirmed -> queued       requeue_unconfirmed (sets needs_check)
    queued | unconfirmed -> cancelled   cancel

`succeeded`, `failed` and `cancelled` are final.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import uuid4

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timezone-aware datetime, normalised to UTC. Naive datetimes are rejected."""

TASK_CONFIG = ConfigDict(json_schema_serialization_defaults_required=True)
"""The config of every job task model: sent with every field (`kind` too), so the agent
API's OpenAPI lists them all as required."""


class JobKind(StrEnum):
    """What a job asks the agent to do."""

    PUBLISH_POST = "publish_post"
    SEND_MESSAGE = "send_message"
    SYNC_CHATS = "sync_chats"
    RUN_FLOW = "run_flow"


class JobState(StrEnum):
    """Where a job is in its life (see the module docstring for the transitions)."""

    QUEUED = "queued"
    LEASED = "leased"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"
    CANCELLED = "cancelled"


IRREVERSIBLE_KINDS: frozenset[JobKind] = frozenset({JobKind.PUBLISH_POST, JobKind.SEND_MESSAGE})
"""Kinds whose action cannot be undone or safely repeated blindly.

When the outcome of such a job is unknown it goes to `unconfirmed`, never straight back to
`queued`: the agent must read the screen (feed, chat history) before trying again.
"""

FINAL_STATES: frozenset[JobState] = frozenset(
    {JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED}
)
"""States a job never leaves."""


def new_job_id() -> str:
    """A fresh job id: a uuid4 as 32 hex characters."""
    return uuid4().hex


class Job(BaseModel):
    """One queued unit of work for one phone, as the queue stores it.

    Instances are snapshots: changing a job goes through a `JobStore`, which returns the
    new snapshot.
    """

    model_config = ConfigDict(frozen=True)

    id: str = Field(default_factory=new_job_id, min_length=1)
    kind: JobKind
    device_serial: str = Field(min_length=1)
    payload: dict[str, Any] = Field(default_factory=dict)
    state: JobState = JobState.QUEUED
    attempts: int = Field(default=0, ge=0, description="claims so far, including the current")
    max_attempts: int = Field(default=3, ge=1)
    not_before: UtcDatetime = Field(description="the job may not be claimed earlier")
    idempotency_key: str | None = None
    lease_owner: str | None = None
    lease_expires_at: UtcDatetime | None = None
    created_at: UtcDatetime
    updated_at: UtcDatetime
    finished_at: UtcDatetime | None = Field(
        default=None, description="when the job reached a final state"
    )
    result: dict[str, Any] | None = None
    error: str | None = Field(default=None, description="the last error, kept across retries")
    evidence: list[str] = Field(
        default_factory=list, description="ids of evidence media, accumulated over attempts"
    )
    needs_check: bool = Field(
        default=False,
        description=(
            "the job came back from `unconfirmed`: read the screen to learn whether the "
            "action already happened before doing it again"
        ),
    )

    @property
    def irreversible(self) -> bool:
        """True when the job's action must never be repeated blindly."""
        return self.kind in IRREVERSIBLE_KINDS

    @property
    def final(self) -> bool:
        """True when the job is in a state it never leaves."""
        return self.state in FINAL_STATES
