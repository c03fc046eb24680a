"""Jumping straight to any screen, for tests, benches and the gallery (no animation)."""

from __future__ import annotations

from simulator.app_process import MAIN_TABS, MAX_IMAGES, AppProcess, Screen
from simulator.navigation import Navigator
from simulator.state import DIALOG_FADE_S, MODAL_PACKAGES, Modal, PhoneState


def jump(state: PhoneState, nav: Navigator, name: str, options: dict[str, object]) -> None:
    """Put the phone on screen `name` at once (see `VirtualPhone.goto`).

    Raises:
        ValueError: unknown screen name.
    """
    now = state.clock()
    state.animation = None
    state.frozen = None
    text = str(options.get("text", ""))
    if name == "lock_screen":
        state.locked = True
        return
    state.locked = False
    if name in MODAL_PACKAGES:
        if name == "crash_dialog":
            nav.kill_app()
        state.modal = Modal(name, now - 2 * DIALOG_FADE_S)  # already faded in
        return
    if name == "banner":
        who = state.world.contact(str(options.get("contact", state.world.contacts()[0].id)))
        nav.show_banner(who.id, text or "在吗？")
        return
    if name == "toast":
        nav.show_toast("network")
        return
    state.modal = None
    if name == "launcher":
        state.foreground = "launcher"
        return
    stack = _stack_for(state, name, options, text)
    if options.get("focus"):
        stack[-1].focused = {"composer": "input_post", "conversation": "input_message"}.get(name)
    if state.app is None:
        state.app = AppProcess(stack[0])
    state.app.stack = stack
    state.foreground = "app"


def _names(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple) else []


def _stack_for(state: PhoneState, name: str, options: dict[str, object], text: str) -> list[Screen]:
    new = state.new_screen
    world = state.world
    if name in MAIN_TABS:
        return [new(name)]
    if name == "conversation":
        contact = world.contact(str(options.get("contact", world.contacts()[0].id)))
        world.mark_read(contact)
        return [new("chat_list"), new("conversation", contact_id=contact.id, text=text)]
    chain = [new("discover"), new("moments_feed")]
    if name == "moments_feed":
        return chain
    by_name = {m.name: m for m in state.media.newest_first()}
    images = [by_name[n] for n in _names(options.get("images"))]
    chain.append(new("composer", text=text, images=images))
    if name == "composer":
        return chain
    if name == "image_picker":
        state.permission_granted = True
        keys = [by_name[n].key for n in _names(options.get("selected"))]
        chain.append(new("image_picker", selection=keys, limit=MAX_IMAGES - len(images)))
        return chain
    raise ValueError(f"unknown screen {name!r}")
