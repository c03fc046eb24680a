"""Shared helpers for the chat-reading tests: phones, customers' messages, anchors."""

from __future__ import annotations

from farm_protocol.chat import ChatAnchor, KnownMessage
from simulator.device import SimulatedDevice
from simulator.phone import VirtualPhone
from simulator.world import World

RESOLUTIONS = {
    "720x1600": (720, 1600, 320),
    "1080x2400": (1080, 2400, 420),
}

CHINESE = "你好，请问这款面霜还有货吗？"
LATIN = "Do you ship to Hangzhou before Friday?"
EMOJI_ONLY = "👍"
EMOJI_MIXED = "好的👌谢谢"
_LONG_SENTENCE = (
    "我们公司想批量采购贵店的春季新品，请问有没有团购优惠，发货大概要多久，可以开发票吗？"
)
LONG = (_LONG_SENTENCE * 8)[:300]
BURST = [f"第{i + 1}条：请帮我查一下订单{1000 + i}的物流" for i in range(20)]


def make_phone(
    resolution: str = "1080x2400",
    theme: str = "light",
    locale: str = "zh-CN",
    *,
    hide_text: bool = False,
    serial: str = "sim-chat",
) -> tuple[VirtualPhone, SimulatedDevice]:
    """A virtual phone with the demo world, and its device."""
    width, height, density = RESOLUTIONS[resolution]
    phone = VirtualPhone(
        serial=serial,
        width=width,
        height=height,
        density=density,
        theme=theme,
        locale=locale,
        hierarchy_hides_chat_text=hide_text,
    )
    return phone, SimulatedDevice(phone)


def anchors_from(world: World, size: int = 10) -> list[ChatAnchor]:
    """What a controller that stored every message so far would send: each contact's tail."""
    anchors = []
    for contact in world.contacts():
        tail = [
            KnownMessage(direction=m.direction, text=m.text)
            for m in world.messages_with(contact)[-size:]
        ]
        anchors.append(ChatAnchor(contact_name=contact.name, tail=tail))
    return anchors


def inject_mix(world: World) -> dict[str, list[str]]:
    """Customers send Chinese, Latin, emoji, a 300-character text and a burst of 20."""
    contacts = world.contacts()
    plan = {
        contacts[0].name: [CHINESE, LATIN],
        contacts[1].name: [EMOJI_MIXED, EMOJI_ONLY],
        contacts[2].name: [LONG],
        contacts[4].name: list(BURST),
    }
    for name, texts in plan.items():
        for text in texts:
            world.inject_message(name, text)
    return plan
