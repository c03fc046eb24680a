"""What a running flow carries from step to step."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.devices.base import Device
from agent.flows.app import App
from agent.flows.observe import Observation, Observer
from agent.vision.evidence import Mark
from farm_protocol.flow import FlowData, Recovery


@dataclass
class FlowContext:
    """State shared by the steps of one flow run.

    Attributes:
        device: the phone.
        app: the compiled profile.
        observer: takes and interprets settled screenshots.
        params: the flow's parameters (already validated).
        recoveries: interruptions handled during the current step.
        marks: boxes found during the current step, for its evidence image.
        data: what the flow read (`FlowData`: e.g. `found` for a feed check, `sync`).
        last: the last observation.
        app_open: the app is expected to be in the foreground (a launcher means a crash).
    """

    device: Device
    app: App
    observer: Observer
    params: dict[str, object]
    recoveries: list[Recovery] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    data: FlowData = field(default_factory=FlowData)
    last: Observation | None = None
    app_open: bool = False

    def fill(self, template: str) -> str:
        """Replace `{param}` placeholders in a profile string with parameter values."""
        return template.format_map({k: _as_text(v) for k, v in self.params.items()})


def _as_text(value: object) -> str:
    if isinstance(value, list | tuple):
        return str(len(value))
    return str(value)
