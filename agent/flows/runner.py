"""Run a flow on a device, verifying each step before the next.

The runner restarts a flow from its first step when the app crashes before any
irreversible step has run. After an irreversible step (publish, send) it never
repeats the action: if verification fails, it runs the flow's `check` flow to read
the screen, and reports `succeeded`, `failed` (it did not happen) or `unknown`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import cv2

from agent.devices.base import Device
from agent.devices.errors import DeviceError
from agent.flows.app import App
from agent.flows.context import FlowContext
from agent.flows.errors import AppCrashedError, FlowError
from agent.flows.observe import Observer
from agent.flows.steps import VERBS
from agent.vision.evidence import Mark, annotate
from agent.vision.ocr import OcrEngine
from device_profiles.model import Flow, Step, StepAction
from farm_protocol.flow import FlowOutcome, FlowResult, StepResult, StepStatus

StepListener = Callable[[Step, StepResult | None], None]

_PARAM_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "list": (list, tuple),
    "int": (int,),
    "bool": (bool,),
}


class FlowRunner:
    """Runs the flows of one app profile on one device.

    Args:
        device: the phone.
        app: the compiled profile.
        evidence_dir: where annotated screenshots are written (None: not written).
        on_step: called with (step, None) when a step starts and (step, result) when it ends.
        use_hierarchy: read the accessibility hierarchy as well as the pixels.
        max_restarts: how often a crash before any irreversible step restarts the flow.
        ocr: the process's OCR engine, for chat text the hierarchy does not show (made on
            first use when None).
    """

    def __init__(
        self,
        device: Device,
        app: App,
        *,
        evidence_dir: Path | None = None,
        on_step: StepListener | None = None,
        use_hierarchy: bool = True,
        max_restarts: int = 2,
        ocr: OcrEngine | None = None,
    ) -> None:
        self.device = device
        self.app = app
        self.evidence_dir = evidence_dir
        self.on_step = on_step
        self.max_restarts = max_restarts
        self.observer = Observer(device, app, use_hierarchy=use_hierarchy, ocr=ocr)

    def run(self, flow_name: str, params: dict[str, object]) -> FlowResult:
        """Run a flow to its end and report every step.

        Raises:
            KeyError: the profile has no such flow.
            ValueError: a parameter is missing or of the wrong type (nothing was done).
        """
        flow = self.app.profile.flows[flow_name]
        _check_params(flow_name, flow, params)
        started = time.monotonic()
        ctx = FlowContext(self.device, self.app, self.observer, dict(params))
        results: list[StepResult] = []
        if flow.check and params.get("check_first"):
            check = self._run_check(flow, params, results, ctx)
            if check is True:
                return self._result(flow_name, FlowOutcome.ALREADY_DONE, results, started, ctx)
        outcome, error = self._run_steps(flow_name, flow, ctx, results)
        if outcome is FlowOutcome.UNKNOWN and flow.check:
            found = self._run_check(flow, params, results, ctx)
            if found is True:
                outcome = FlowOutcome.SUCCEEDED
            elif found is False:
                outcome = FlowOutcome.FAILED
                error = f"{error}; the screen shows it did not happen"
        return self._result(flow_name, outcome, results, started, ctx, error)

    def _run_check(
        self,
        flow: Flow,
        params: dict[str, object],
        results: list[StepResult],
        merge_into: FlowContext,
    ) -> bool | None:
        """Run the flow's check flow; True/False when it could tell, None when it could not.

        What the check read is merged into `merge_into`'s data.
        """
        assert flow.check is not None
        check_flow = self.app.profile.flows[flow.check]
        ctx = FlowContext(self.device, self.app, self.observer, dict(params))
        outcome, _ = self._run_steps(flow.check, check_flow, ctx, results)
        merge_into.data = merge_into.data.merged(ctx.data)
        if outcome is not FlowOutcome.SUCCEEDED:
            return None
        return ctx.data.found

    def _run_steps(
        self, flow_name: str, flow: Flow, ctx: FlowContext, results: list[StepResult]
    ) -> tuple[FlowOutcome, str | None]:
        restarts = 0
        irreversible_done = False
        while True:
            try:
                for step in flow.steps:
                    if step.when is not None and not ctx.params.get(step.when):
                        continue
                    # from the moment an irreversible step starts, its action may happen
                    irreversible_done = irreversible_done or step.irreversible
                    self._run_step(flow_name, step, ctx, results)
                return FlowOutcome.SUCCEEDED, None
            except AppCrashedError as exc:
                if irreversible_done or restarts >= self.max_restarts:
                    return _after_failure(irreversible_done), str(exc)
                restarts += 1
            except (FlowError, DeviceError) as exc:
                return _after_failure(irreversible_done), str(exc)

    def _run_step(
        self, flow_name: str, step: Step, ctx: FlowContext, results: list[StepResult]
    ) -> None:
        ctx.recoveries = []
        ctx.marks = []
        if self.on_step:
            self.on_step(step, None)
        t0 = time.monotonic()
        result = StepResult(
            index=len(results),
            name=step.name,
            action=step.action.value,
            expected=" | ".join(_expected(self.app, step)) or None,
            status=StepStatus.OK,
            duration_ms=0.0,
        )
        try:
            obs = VERBS[step.action](ctx, step)
            result.seen = obs.screen
            result.confidence = round(max(0.0, obs.seen.confidence), 3)
            if step.action.value.startswith(("verify", "find")):
                result.evidence.append(self._save(ctx, flow_name, step, obs.frame, "ok"))
        except (FlowError, DeviceError) as exc:
            result.status = StepStatus.FAILED
            result.error = str(exc)
            if ctx.last is not None:
                result.seen = ctx.last.screen
                result.confidence = round(max(0.0, ctx.last.seen.confidence), 3)
                marks = [*ctx.marks, *getattr(exc, "marks", [])]
                ctx.marks = marks
                result.evidence.append(self._save(ctx, flow_name, step, ctx.last.frame, "failed"))
            raise
        finally:
            result.duration_ms = round((time.monotonic() - t0) * 1000, 1)
            result.recoveries = list(ctx.recoveries)
            results.append(result)
            if self.on_step:
                self.on_step(step, result)

    def _save(self, ctx: FlowContext, flow: str, step: Step, frame: object, tag: str) -> str:
        if self.evidence_dir is None:
            return ""
        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", step.name.lower()).strip("-")
        path = self.evidence_dir / f"{flow}-{int(time.time() * 1000)}-{slug}-{tag}.png"
        title = f"{flow} / {step.name}: {tag}"
        if ctx.last is not None and ctx.last.screen:
            title += f" (seen {ctx.last.screen})"
        marks: list[Mark] = ctx.marks
        image = annotate(frame, marks, title)  # type: ignore[arg-type]
        cv2.imwrite(str(path), image)
        return str(path)

    def _result(
        self,
        flow_name: str,
        outcome: FlowOutcome,
        steps: list[StepResult],
        started: float,
        ctx: FlowContext,
        error: str | None = None,
    ) -> FlowResult:
        evidence = [e for s in steps for e in s.evidence if e]
        return FlowResult(
            flow=flow_name,
            serial=self.device.serial,
            outcome=outcome,
            steps=steps,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
            error=error,
            evidence=evidence,
            data=ctx.data.model_copy(),
        )


def _expected(app: App, step: Step) -> list[str]:
    if step.action is StepAction.OPEN_APP:
        return [app.profile.home]
    return step.expected


def _after_failure(irreversible_done: bool) -> FlowOutcome:
    return FlowOutcome.UNKNOWN if irreversible_done else FlowOutcome.FAILED


def _check_params(flow_name: str, flow: Flow, params: dict[str, object]) -> None:
    for name, kind in flow.params.items():
        if name not in params:
            raise ValueError(f"flow {flow_name!r} needs parameter {name!r}")
        if not isinstance(params[name], _PARAM_TYPES[kind]):
            raise ValueError(f"parameter {name!r} of flow {flow_name!r} must be a {kind}")
