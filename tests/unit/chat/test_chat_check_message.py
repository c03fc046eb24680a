"""`check_message` tells whether a send happened, so an unconfirmed send is never repeated."""

from __future__ import annotations

import pytest
from chat_support import make_phone

from agent.flows.app import App
from agent.flows.runner import FlowRunner
from agent.vision.ocr import OcrEngine
from farm_protocol.chat import ConversationRead
from farm_protocol.chat_align import text_key
from farm_protocol.flow import FlowOutcome
from simulator.device import SimulatedDevice
from simulator.phone import VirtualPhone


@pytest.mark.parametrize("hide_text", [False, True], ids=["hierarchy", "ocr"])
def test_check_message_finds_a_sent_text_and_not_an_unsent_one(
    app: App, ocr: OcrEngine, hide_text: bool
) -> None:
    phone, device = make_phone("720x1600", "dark", hide_text=hide_text)
    contact = phone.world.contacts()[1].name
    runner = FlowRunner(device, app, ocr=ocr)
    sent = runner.run("send_message", {"contact": contact, "text": "好的，明天上午发货"})
    assert sent.ok, sent.error  # verified on screen, through OCR when the text is hidden
    # What the screen showed goes back with the result: the newest messages, in order.
    shown = ConversationRead.model_validate(sent.data.window)
    truth = phone.world.messages_with(contact)
    assert shown.contact_name == contact and len(shown.bubbles) >= 3
    assert [(b.direction, text_key(b.text)) for b in shown.bubbles] == [
        (m.direction, text_key(m.text)) for m in truth[-len(shown.bubbles) :]
    ]
    found = runner.run("check_message", {"contact": contact, "text": "好的，明天上午发货"})
    assert found.ok and found.data.found is True
    checked = ConversationRead.model_validate(found.data.window)
    assert checked.bubbles[-1].direction == "out"
    assert text_key(checked.bubbles[-1].text) == text_key("好的，明天上午发货")
    missing = runner.run("check_message", {"contact": contact, "text": "这条没有发出去"})
    assert missing.ok and missing.data.found is False
    assert phone.screen_label() == "chat_list"


def test_an_unconfirmed_send_is_checked_first_and_not_repeated(app: App, ocr: OcrEngine) -> None:
    phone, device = make_phone("1080x2400", "light", hide_text=True)
    contact = phone.world.contacts()[2].name
    text = "Your order ships tomorrow morning"
    phone.world.record_outgoing(contact, text)  # the earlier attempt went through
    result = FlowRunner(device, app, ocr=ocr).run(
        "send_message", {"contact": contact, "text": text, "check_first": True}
    )
    assert result.outcome is FlowOutcome.ALREADY_DONE
    assert [m.text for m in phone.world.delivered_to(contact)].count(text) == 1
    result = FlowRunner(device, app, ocr=ocr).run(
        "send_message", {"contact": contact, "text": "A new reply", "check_first": True}
    )
    assert result.ok, result.error
    assert [m.text for m in phone.world.delivered_to(contact)][-1] == "A new reply"


class _ReorderingDevice(SimulatedDevice):
    """Right before its first tap on the chat list, a customer further down writes: the
    rows move between the screenshot and the tap."""

    def __init__(self, phone: VirtualPhone, writer: str) -> None:
        super().__init__(phone)
        self.writer = writer
        self.moved = False

    def tap(self, x: int, y: int) -> None:
        if not self.moved and self.phone.screen_label() == "chat_list":
            self.moved = True
            self.phone.world.inject_message(self.writer, "刚刚又想起一件事")
            self.phone.screenshot()  # the list is redrawn with the new order
        super().tap(x, y)


def test_rows_moving_under_the_tap_open_the_wrong_chat_then_the_right_one(
    app: App, ocr: OcrEngine
) -> None:
    phone, _ = make_phone("720x1600", "light")
    names = [row.contact.name for row in phone.world.chats()]
    wanted, writer = names[2], names[4]  # the writer's row jumps above the wanted one
    phone.world.record_outgoing(wanted, "已发出的回复")
    device = _ReorderingDevice(phone, writer)
    found = FlowRunner(device, app, ocr=ocr).run(
        "check_message", {"contact": wanted, "text": "已发出的回复"}
    )
    assert device.moved
    assert found.ok and found.data.found is True, found.error
    shown = ConversationRead.model_validate(found.data.window)
    assert shown.bubbles[-1].text == "已发出的回复"
