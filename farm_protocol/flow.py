"""The structured result of running a flow on a phone."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


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


class FlowResult(BaseModel):
    """What a flow did on one phone, step by step."""

    flow: str
    serial: str
    outcome: FlowOutcome
    steps: list[StepResult]
    duration_ms: float
    error: str | None = None
    evidence: list[str] = Field(default_factory=list)
    data: dict[str, object] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the flow reached its goal (now or earlier)."""
        return self.outcome in (FlowOutcome.SUCCEEDED, FlowOutcome.ALREADY_DONE)
