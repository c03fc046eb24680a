"""The structured result of running a flow on a phone."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

from farm_protocol.chat import ConversationRead, KnownMessage, SyncChatsResult


class StepStatus(StrEnum):
    """How one step of a flow ended."""

    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


class FlowOutcome(StrEnum):
    """How a whole flow ended.

    `succeeded` and `failed` are final. `cap_reached` is never retried.
    `unknown` means the irreversible action may or may not have happened: the
    caller must read the screen (the feed, the chat) before trying again.
    """

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"
    ALREADY_DONE = "already_done"


class Recovery(BaseModel):
    """An interruption the runner recognised and handled during a step."""

    screen: str
    action: str


class StepResult(BaseModel):
    """What happened in one verified step."""

    index: int
    name: str
    action: str
    expected: str | None = Field(default=None, description="the screen the step expects")
    seen: str | None = Field(default=None, description="the screen identified afterwards")
    confidence: float = 0.0
    status: StepStatus
    duration_ms: float
    recoveries: list[Recovery] = Field(default_factory=list)
    error: str | None = None
    evidence: list[str] = Field(default_factory=list, description="paths of evidence images")


def _unset(value: object) -> bool:
    return value is None


def _none_when_unreadable(value: object, handler: ValidatorFunctionWrapHandler) -> object:
    try:
        return handler(value)
    except ValidationError:
        return None


BestEffortWindow = Annotated[ConversationRead | None, WrapValidator(_none_when_unreadable)]
"""A conversation window that is dropped (None) when it cannot be read: it only places a
reply that was already verified on the screen, so it never holds up the report."""


class FlowData(BaseModel):
    """What a flow read off the screen, one field per kind of reading.

    Each step verb fills its own fields, so a flow that ran another first (its `check`
    flow, or a job's several flows) carries both flows' readings. Fields a flow did not
    fill are left out of the JSON.
    """

    found: bool | None = Field(
        default=None,
        exclude_if=_unset,
        description=(
            "`check_post` / `check_message` (the `find_post` / `find_message` steps): is the "
            "post in the feed, the message among the newest outgoing bubbles?"
        ),
    )
    detail: str | None = Field(
        default=None, exclude_if=_unset, description="how the check came to `found`"
    )
    feed_check: bool | None = Field(
        default=None,
        exclude_if=_unset,
        description="`publish_post` / `publish_prepared` (the `verify_post` step): the post seen",
    )
    window: BestEffortWindow = Field(
        default=None,
        exclude_if=_unset,
        description=(
            "`send_message` / `check_message`: what the conversation showed around the "
            "verified (or found) reply; dropped when unreadable"
        ),
    )
    sync: SyncChatsResult | None = Field(
        default=None,
        exclude_if=_unset,
        description="`sync_chats`: what was read, kept up to date after every conversation",
    )
    messages: list[KnownMessage] | None = Field(
        default=None,
        exclude_if=_unset,
        description="`read_conversation` (the `read_messages` step): the bubbles on screen",
    )

    def merged(self, later: FlowData) -> FlowData:
        """These readings with `later`'s filled fields over them."""
        filled = {name: getattr(later, name) for name in type(later).model_fields}
        return self.model_copy(update={k: v for k, v in filled.items() if v is not None})


class FlowResult(BaseModel):
    """What a flow did on one phone, step by step."""

    flow: str
    serial: str
    outcome: FlowOutcome
    steps: list[StepResult]
    duration_ms: float
    error: str | None = None
    evidence: list[str] = Field(default_factory=list)
    data: FlowData = Field(default_factory=FlowData)

    @property
    def ok(self) -> bool:
        """True when the flow reached its goal (now or earlier)."""
        return self.outcome in (FlowOutcome.SUCCEEDED, FlowOutcome.ALREADY_DONE)
