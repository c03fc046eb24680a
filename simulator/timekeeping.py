"""Settling the phone's timers: everything that happens by itself as time passes.

The phone has no thread of its own; whenever it is touched (or ticked) it catches up:
transitions end, toasts and banners expire, uploads complete into the world, freezes
thaw, and messages that arrived meanwhile raise banners or are read at once.
"""

from __future__ import annotations

from simulator.navigation import Navigator
from simulator.state import PhoneState


def settle(state: PhoneState, nav: Navigator, now: float) -> None:
    """Apply everything due by `now` to `state`."""
    changed = False
    if state.animation is not None and not state.animation.running(now):
        state.animation = None
        changed = True
    if state.toast is not None and state.toast.until <= now:
        state.toast = None
        changed = True
    if state.banner is not None and state.banner.until <= now:
        state.banner = None
        changed = True
    if state.app is not None:
        for upload in [u for u in state.app.uploads if u.progress(now) >= 1.0]:
            state.app.uploads.remove(upload)
            state.world.publish_post(
                upload.text, [m.image for m in upload.images], [m.name for m in upload.images]
            )
            changed = True
    arrived, state.inbound_cursor = state.world.inbound_after(state.inbound_cursor)
    for message in arrived:
        top = state.top_screen()
        reading = (
            state.in_app
            and not state.locked
            and top.name == "conversation"
            and top.contact_id == message.contact_id
        )
        if reading:
            state.world.mark_read(message.contact_id)
        elif not state.locked:
            nav.show_banner(message.contact_id, message.text)
        changed = True
    if state.frozen is not None and now >= state.frozen_until:
        state.frozen = None
        changed = True
    if changed:
        state.touch()
