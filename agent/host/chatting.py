"""The chat jobs on one phone: `SyncChatsHandler` reads, `SendMessageHandler` replies.

`sync_chats` runs the profile's `sync_chats` flow with the job's `SyncChatsTask` (the
anchors the controller computed when the job was claimed) and finishes with the flow's
result as it is: what was read is in ``data.sync`` (a `SyncChatsResult`), also when
the flow failed part-way — the flow updates it after every conversation, and the
controller stores whatever the screen showed before it looks at the outcome. A sync
changes nothing on the phone but the unread marks, so a failed one may always be tried
again.

`send_message` runs the profile's `send_message` flow with the reply's contact and text.
When an earlier attempt's outcome is unknown (``ClaimedJob.check_first``, or the task's
own flag) the flow reads the conversation first (its `check_message` flow) and finishes
`already_done` when the text is already on the screen; otherwise it sends. After the
irreversible tap on Send, a bubble that cannot be verified makes the runner read the
chat again: `succeeded`, `failed` (it did not go out: retrying is safe) or `unknown`
(the controller marks the reply unconfirmed and the next attempt checks first).

Both read chat text through the process's one OCR engine where the hierarchy hides it
(`shared_ocr`); the engine is loaded only when a screen really needs it. Jobs run on the profile
their task names (``app``, the account's app), else on `AgentSettings.chat_app`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from agent.devices.base import Device
from agent.flows.app import App
from agent.flows.runner import FlowRunner
from agent.host.app_catalog import AppCatalog
from agent.host.handler import JobOutcome, failed
from agent.host.lease import LeaseKeeper
from agent.host.reporting import StepReporter
from agent.vision.ocr import OcrEngine
from device_profiles import ProfileError
from farm_protocol.agent_api import ClaimedJob
from farm_protocol.chat import SendMessageTask, SyncChatsTask

ChatTask = SyncChatsTask | SendMessageTask

SYNC_FLOW = "sync_chats"
SEND_FLOW = "send_message"
PREVIEW = 24


class _ChatHandler:
    """What both chat handlers share: the phone, the profiles, OCR and evidence."""

    flow = ""
    task_type: type[ChatTask]

    def __init__(
        self,
        device: Device,
        *,
        apps: AppCatalog,
        ocr: OcrEngine,
        evidence_root: Path,
        default_app: str = "simchat",
    ) -> None:
        self.device = device
        self.apps = apps
        self.ocr = ocr
        self.evidence_root = evidence_root
        self.default_app = default_app

    def evidence_dir(self, job_id: str) -> Path:
        """Where the job's evidence screenshots are written."""
        return self.evidence_root / job_id

    def describe(self, job: ClaimedJob) -> str:
        """A short human description of the job's task, for logs."""
        task = job.payload
        return describe_chat(task) if isinstance(task, self.task_type) else job.kind.value

    def _failed(self, error: str, *, retryable: bool) -> JobOutcome:
        return failed(self.device.serial, error, retryable=retryable, flow=self.flow)

    def run(
        self,
        job: ClaimedJob,
        lease: LeaseKeeper,
        reporter: StepReporter,
        on_parked: Callable[[], None] | None = None,
    ) -> JobOutcome:
        """Carry out the job; never raises for anything the phone or controller does."""
        task = job.payload
        if not isinstance(task, self.task_type):
            return self._failed(f"a {self.flow} job carries a {task.kind} task", retryable=False)
        app = self._app(job, task.app)
        if isinstance(app, JobOutcome):
            return app
        params = self._params(job, task, app)
        if isinstance(params, str):  # the task cannot run on this app
            return self._failed(params, retryable=False)
        return self._run(job, app, reporter, params)

    def _params(self, job: ClaimedJob, task: ChatTask, app: App) -> dict[str, object] | str:
        """The flow's parameters for `task`, or why it cannot run on `app`."""
        raise NotImplementedError

    def _app(self, job: ClaimedJob, name: str | None) -> App | JobOutcome:
        name = name or self.default_app
        try:
            return self.apps.get(name)
        except ProfileError as exc:
            return self._failed(f"no usable profile for app {name!r}: {exc.brief}", retryable=False)

    def _run(
        self, job: ClaimedJob, app: App, reporter: StepReporter, params: dict[str, object]
    ) -> JobOutcome:
        runner = FlowRunner(
            self.device,
            app,
            evidence_dir=self.evidence_dir(job.id),
            on_step=reporter,
            ocr=self.ocr,
        )
        try:
            result = runner.run(self.flow, params)
        except (KeyError, ValueError) as exc:
            # The profile lacks the flow, or the task does not fit its parameters.
            return self._failed(
                f"the {app.profile.app} profile cannot run this job: {exc}", retryable=False
            )
        return JobOutcome(result)


class SyncChatsHandler(_ChatHandler):
    """Reads new chat messages on one phone (the `JobHandler` of `sync_chats` jobs).

    Args:
        device: the phone.
        apps: compiled app profiles.
        ocr: the process's OCR engine (a lazy one: see `shared_ocr`).
        evidence_root: evidence screenshots go to ``evidence_root/<job id>/``.
        default_app: the profile of jobs whose payload names no app.
    """

    flow = SYNC_FLOW
    task_type = SyncChatsTask

    def _params(self, job: ClaimedJob, task: ChatTask, app: App) -> dict[str, object] | str:
        return task.model_dump(mode="json", exclude={"kind", "account_id"})


class SendMessageHandler(_ChatHandler):
    """Sends staff replies on one phone (the `JobHandler` of `send_message` jobs).

    Args:
        device: the phone.
        apps: compiled app profiles.
        ocr: the process's OCR engine (a lazy one: see `shared_ocr`).
        evidence_root: evidence screenshots go to ``evidence_root/<job id>/``.
        default_app: the profile of jobs whose payload names no app.
    """

    flow = SEND_FLOW
    task_type = SendMessageTask

    def _params(self, job: ClaimedJob, task: ChatTask, app: App) -> dict[str, object] | str:
        assert isinstance(task, SendMessageTask)
        limit = app.profile.text_limit
        if len(task.text) > limit:
            return f"the reply is {len(task.text)} characters; {app.profile.app} allows {limit}"
        return {
            "contact": task.contact_name,
            "text": task.text,
            "check_first": job.check_first or task.check_first,
        }


def describe_chat(task: ChatTask) -> str:
    """A short human description of a chat task, for logs."""
    if isinstance(task, SyncChatsTask):
        return f"sync chats ({len(task.anchors)} known conversation(s))"
    text = task.text if len(task.text) <= PREVIEW else task.text[: PREVIEW - 1] + "…"
    return f"reply {task.message_id} to {task.contact_name} ({text!r})"
