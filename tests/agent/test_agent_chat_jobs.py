"""Chat jobs through a worker: `sync_chats` reads the phone, `send_message` replies on it.

A `Supervisor` over virtual phones works jobs the fake controller hands out with the
payloads the real controller sends (a `SyncChatsTask` plus ``account_id``; a
`SendMessageTask` plus ``account_id``). What is checked is the phone's ground truth
(its world) and what reached the controller.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from agent_support import SettingsFactory, small_phone, supervising
from fake_controller import FakeController, Finish

from agent.devices.base import Key
from agent.devices.errors import DeviceCommandError
from agent.host.chatting import SendMessageHandler, SyncChatsHandler
from agent.host.shared_ocr import LazyOcrEngine, process_ocr
from agent.vision.ocr import OcrEngine, TextLine, create_engine
from agent.vision.template import Image
from device_profiles.loader import APPS_DIR
from farm_protocol.chat import ChatAnchor, KnownMessage, SyncChatsTask
from farm_protocol.chat_align import new_messages
from farm_protocol.flow import FlowOutcome
from farm_protocol.jobs import JobKind
from simulator.device import SimulatedDevice
from simulator.phone import VirtualPhone
from simulator.world import World


def _anchors(world: World) -> list[ChatAnchor]:
    """What a controller that stored everything so far sends: each contact's tail."""
    return [
        ChatAnchor(
            contact_name=c.name,
            tail=[KnownMessage(direction=m.direction, text=m.text) for m in world.messages_with(c)][
                -5:
            ],
        )
        for c in world.contacts()
        if world.messages_with(c)
    ]


def _sync_payload(world: World, **task: object) -> dict[str, object]:
    payload = SyncChatsTask(anchors=_anchors(world), **task).model_dump(mode="json")  # type: ignore[arg-type]
    return {**payload, "account_id": 7}


def _send_payload(contact: str, text: str, message_id: int = 41) -> dict[str, object]:
    return {
        "message_id": message_id,
        "conversation_id": 3,
        "contact_name": contact,
        "text": text,
        "check_first": False,
        "account_id": 7,
    }


def _new_texts(payload: dict[str, object], finish: Finish) -> dict[str, list[str]]:
    """What the controller's merge would append, per contact."""
    task = SyncChatsTask.model_validate(payload)
    tails = {a.contact_name: a.tail for a in task.anchors}
    sync = finish.report.result.data.sync
    assert sync is not None
    got: dict[str, list[str]] = {}
    for read in sync.conversations:
        aligned = new_messages(tails.get(read.contact_name, []), read)
        assert aligned.anchored, read.contact_name
        got[read.contact_name] = [b.text for b in aligned.new]
    return {name: texts for name, texts in got.items() if texts}


def _inject(world: World, plan: dict[str, Sequence[str]]) -> None:
    for name, texts in plan.items():
        for text in texts:
            world.inject_message(name, text)


def test_a_sync_job_reports_every_new_message_once_and_leaves_the_chat_list(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    phone = small_phone("sim-s1")
    payload = _sync_payload(phone.world)
    names = [c.name for c in phone.world.contacts()]
    burst = [f"第{i + 1}条：订单{2000 + i}发货了吗" for i in range(12)]
    plan = {names[0]: ["在吗？", "想问下这款还有货吗 🙏"], names[3]: burst}
    _inject(phone.world, plan)
    with supervising(make_settings(), phone):
        job_id = fake.add_job("sim-s1", JobKind.SYNC_CHATS, payload)
        finish = fake.finished(job_id)
    result = finish.report.result
    assert result.outcome is FlowOutcome.SUCCEEDED, result.error
    assert result.flow == "sync_chats"
    assert _new_texts(payload, finish) == plan
    assert phone.screen_label() == "chat_list", "the phone is left where a sync leaves it"
    assert all(phone.world.unread(name) == 0 for name in plan)
    assert [s.step.name for s in fake.state.steps[job_id]] == ["open the app", "read the chats"]


def test_messages_arriving_while_a_burst_is_read_are_neither_doubled_nor_skipped(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    """The list moves under the reader (new bubbles push it) and the burst's bubbles look
    alike, so pixels alone cannot tell how far it scrolled: the texts decide."""
    phone = small_phone("sim-s3")
    payload = _sync_payload(phone.world)
    name = phone.world.contacts()[2].name
    for i in range(14):
        phone.world.inject_message(name, f"第{i + 1}条：请帮我查一下订单{3000 + i}的物流")
    stop = threading.Event()

    def customer_keeps_writing() -> None:
        for k in range(12):
            if stop.wait(0.8 if k % 4 == 0 else 0.03):
                return
            phone.world.inject_message(name, f"第{101 + k}条：请帮我查一下订单{5000 + k}的物流")

    writer = threading.Thread(target=customer_keeps_writing, daemon=True)
    with supervising(make_settings(), phone):
        job_id = fake.add_job("sim-s3", JobKind.SYNC_CHATS, payload)
        writer.start()
        finish = fake.finished(job_id)
        stop.set()
        writer.join()
    assert finish.report.result.outcome is FlowOutcome.SUCCEEDED, finish.report.result.error
    got = _new_texts(payload, finish)[name]
    truth = [m.text for m in phone.world.messages_with(name)]
    first = truth.index(got[0])
    assert got == truth[first : first + len(got)], "in order, nothing doubled or skipped"
    assert got[:14] == [f"第{i + 1}条：请帮我查一下订单{3000 + i}的物流" for i in range(14)]


def test_a_sync_that_fails_part_way_still_reports_what_it_read(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    class StopsInsideAChat(SimulatedDevice):
        """The phone stops answering BACK once inside a conversation (after reading it)."""

        def press_key(self, key: Key) -> None:
            if key is Key.BACK and self.phone.screen_label() == "conversation":
                raise DeviceCommandError(self.serial, "input keyevent failed")
            super().press_key(key)

    phone = small_phone("sim-s2")
    payload = _sync_payload(phone.world)
    names = [c.name for c in phone.world.contacts()]
    _inject(phone.world, {names[1]: ["first one"], names[2]: ["second one"]})
    with supervising(make_settings(), StopsInsideAChat(phone)):
        job_id = fake.add_job("sim-s2", JobKind.SYNC_CHATS, payload)
        finish = fake.finished(job_id)
    result = finish.report.result
    assert result.outcome is FlowOutcome.FAILED
    assert finish.report.retryable, "reading again is harmless"
    assert "input keyevent failed" in (result.error or "")
    sync = result.data.sync
    assert sync is not None
    assert len(sync.conversations) == 1, "the conversation read before the failure is reported"
    [(name, texts)] = _new_texts(payload, finish).items()
    assert (name, texts) in [(names[1], ["first one"]), (names[2], ["second one"])]


def test_a_reply_is_sent_once_and_verified_on_the_screen(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    phone = small_phone("sim-m1", faults=True)
    contact = phone.world.contacts()[2].name
    text = "您好 👋 明天上午发货，单号稍后发您"
    with supervising(make_settings(), phone):
        job_id = fake.add_job("sim-m1", JobKind.SEND_MESSAGE, _send_payload(contact, text))
        finish = fake.finished(job_id)
    assert finish.report.result.outcome is FlowOutcome.SUCCEEDED, finish.report.result.error
    assert finish.report.result.flow == "send_message"
    assert [m.text for m in phone.world.delivered_to(contact)].count(text) == 1
    assert finish.evidence, "the verified bubble is evidence"


def test_check_first_finds_an_earlier_send_and_does_not_send_again(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    phone = small_phone("sim-m2")
    contact = phone.world.contacts()[0].name
    phone.world.record_outgoing(contact, "已经发出去的回复")  # the earlier attempt went out
    with supervising(make_settings(), phone):
        done = fake.add_job(
            "sim-m2",
            JobKind.SEND_MESSAGE,
            _send_payload(contact, "已经发出去的回复"),
            check_first=True,
            attempts=2,
        )
        first = fake.finished(done)
        # the task's own flag counts as well, and a text that is not there is sent
        payload = {**_send_payload(contact, "还没有发出的回复", 42), "check_first": True}
        fresh = fake.add_job("sim-m2", JobKind.SEND_MESSAGE, payload, attempts=2)
        second = fake.finished(fresh)
    assert first.report.result.outcome is FlowOutcome.ALREADY_DONE
    assert second.report.result.outcome is FlowOutcome.SUCCEEDED, second.report.result.error
    sent = [m.text for m in phone.world.delivered_to(contact)]
    assert sent.count("已经发出去的回复") == 1
    assert sent.count("还没有发出的回复") == 1
    assert any(s.step.name == "look for the message" for s in fake.state.steps[fresh])


def test_bad_chat_payloads_fail_for_good_without_touching_the_phone(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    phone = small_phone("sim-m3")
    contact = phone.world.contacts()[0].name
    with supervising(make_settings(), phone):
        jobs = [
            fake.add_job("sim-m3", JobKind.SEND_MESSAGE, {"contact_name": contact}),
            fake.add_job("sim-m3", JobKind.SYNC_CHATS, {"max_scrolls": -1}),
            fake.add_job("sim-m3", JobKind.SEND_MESSAGE, _send_payload(contact, "x" * 2001)),
            fake.add_job(
                "sim-m3", JobKind.SEND_MESSAGE, {**_send_payload(contact, "hi"), "app": "nope"}
            ),
            fake.add_job("sim-m3", JobKind.RUN_FLOW, {"flow": "publish_post"}),
        ]
        finishes = [fake.finished(job_id) for job_id in jobs]
    errors = []
    for finish in finishes:
        assert finish.report.result.outcome is FlowOutcome.FAILED
        assert finish.report.retryable is False
        errors.append(finish.report.result.error or "")
    assert "text" in errors[0] and "max_scrolls" in errors[1]
    assert "2001 characters" in errors[2] and "'nope'" in errors[3]
    assert "nope/profile.yaml" in errors[3] and str(APPS_DIR) not in errors[3]  # no server path
    assert "run_flow" in errors[4]
    assert phone.screen_label() == "launcher"
    assert [m.text for m in phone.world.delivered_to(contact)] == [
        m.text for m in phone.world.messages_with(contact) if m.direction == "out"
    ]
    assert "hi" not in [m.text for m in phone.world.delivered_to(contact)]


def test_one_lazy_ocr_engine_serves_every_phone_and_loads_only_when_a_screen_needs_it(
    fake: FakeController, make_settings: SettingsFactory
) -> None:
    made: list[OcrEngine] = []

    def factory(threads: int) -> OcrEngine:
        engine = create_engine(threads)
        made.append(engine)
        return engine

    ocr = LazyOcrEngine(factory=factory)
    shown = small_phone("sim-o1")
    hidden = [
        VirtualPhone(
            serial=f"sim-o{i}",
            width=720,
            height=1600,
            density=320,
            theme="dark",
            hierarchy_hides_chat_text=True,
        )
        for i in (2, 3)
    ]
    with supervising(make_settings(), shown, *hidden, ocr=ocr) as supervisor:
        handlers = [h for w in supervisor.workers for h in w.handlers.values()]
        chat = [h for h in handlers if isinstance(h, SyncChatsHandler | SendMessageHandler)]
        assert len(chat) == 6 and all(h.ocr is ocr for h in chat)
        assert not ocr.loaded, "starting the agent loads no OCR model"

        payload = _sync_payload(shown.world)
        name = shown.world.contacts()[1].name
        shown.world.inject_message(name, "hierarchy text")
        job_id = fake.add_job("sim-o1", JobKind.SYNC_CHATS, payload)
        assert _new_texts(payload, fake.finished(job_id)) == {name: ["hierarchy text"]}
        assert not ocr.loaded, "text the hierarchy shows needs no OCR"

        jobs = {}
        for phone in hidden:
            payload = _sync_payload(phone.world)
            name = phone.world.contacts()[3].name
            phone.world.inject_message(name, f"请问{phone.serial}今天能发货吗？")
            jobs[phone.serial] = (
                payload,
                name,
                fake.add_job(phone.serial, JobKind.SYNC_CHATS, payload),
            )
        for serial, (payload, name, job_id) in jobs.items():
            finish = fake.finished(job_id)
            assert _new_texts(payload, finish) == {name: [f"请问{serial}今天能发货吗？"]}
            sync = finish.report.result.data.sync
            assert sync is not None
            assert any(b.via == "ocr" for r in sync.conversations for b in r.bubbles)
    assert len(made) == 1, "one engine for the whole process, made once"


def test_the_process_engine_is_one_lazy_engine() -> None:
    assert process_ocr() is process_ocr()
    calls: list[int] = []

    def factory(threads: int) -> OcrEngine:
        calls.append(threads)
        return _Fake()

    lazy = LazyOcrEngine(factory=factory)
    barrier = threading.Barrier(8)

    def use() -> None:
        barrier.wait()
        lazy.recognize([])

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [-1]


class _Fake:
    def recognize(self, crops: Sequence[Image]) -> list[tuple[str, float]]:
        return []

    def detect(self, image: Image) -> list[TextLine]:
        return []
