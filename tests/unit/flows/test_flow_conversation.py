"""Opening and reading a conversation through the screen."""

from __future__ import annotations

from flow_support import PhoneFactory

from agent.flows.app import App
from agent.flows.runner import FlowRunner


def test_read_conversation_returns_the_bubbles_and_goes_back(
    app: App, make_phone: PhoneFactory
) -> None:
    phone, device = make_phone(resolution="720x1600", theme="dark", locale="en", seed=21)
    contact = phone.world.contacts()[2]
    phone.world.inject_message(contact, "请问有现货吗？ 🙏")
    result = FlowRunner(device, app).run("read_conversation", {"contact": contact.name})
    assert result.ok, result.error
    messages = [m.model_dump() for m in result.data.messages or []]
    assert isinstance(messages, list) and messages
    assert messages[-1] == {"direction": "in", "text": "请问有现货吗？ 🙏"}
    truth = [(m.direction, m.text) for m in phone.world.messages_with(contact)]
    seen = [(m["direction"], m["text"]) for m in messages]
    assert seen == truth[-len(seen) :]  # what is on screen is the tail of the history
    assert phone.screen_label() == "chat_list"
    assert phone.world.unread(contact) == 0


def test_open_conversation_lands_on_that_contact(app: App, make_phone: PhoneFactory) -> None:
    phone, device = make_phone(seed=22)
    contact = phone.world.contacts()[-1]
    result = FlowRunner(device, app).run("open_conversation", {"contact": contact.name})
    assert result.ok, result.error
    assert phone.screen_label() == "conversation"
    assert [n.text for n in phone.find("conv_title")] == [contact.name]


def test_unknown_contact_fails_without_sending_anything(app: App, make_phone: PhoneFactory) -> None:
    phone, device = make_phone(seed=23)
    before = {c.id: len(phone.world.delivered_to(c)) for c in phone.world.contacts()}
    result = FlowRunner(device, app).run(
        "send_message", {"contact": "Nobody Here", "text": "hello"}
    )
    assert not result.ok
    assert "no chat_name showing 'Nobody Here'" in (result.error or "")
    assert {c.id: len(phone.world.delivered_to(c)) for c in phone.world.contacts()} == before
