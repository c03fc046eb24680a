"""Text a user types must never be mistaken for a screen's landmark."""

from __future__ import annotations

from pathlib import Path

from flow_support import PhoneFactory

from agent.flows.app import App
from agent.flows.runner import FlowRunner


def test_a_lock_emoji_in_the_post_is_not_a_lock_screen(
    app: App, make_phone: PhoneFactory, photos: list[Path]
) -> None:
    phone, device = make_phone(seed=31)
    text = "🔒 会员专享 🔒 VIP only"
    result = FlowRunner(device, app).run("publish_post", {"text": text, "images": []})
    assert result.ok, result.error
    assert all(r.screen != "lock_screen" for s in result.steps for r in s.recoveries)
    assert [p.text for p in phone.world.published_posts()] == [text]
