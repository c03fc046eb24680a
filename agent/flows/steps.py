"""What each step verb does. Every verb ends by checking the screen it expects."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from agent.devices.base import Key
from agent.flows import recovery
from agent.flows.chat_read import keep_window
from agent.flows.chat_sync import (
    find_message_step,
    newest_outgoing_shows,
    open_chat_step,
    sync_chats,
)
from agent.flows.context import FlowContext
from agent.flows.errors import FlowError
from agent.flows.feed import find_post
from agent.flows.observe import Located, Observation
from agent.flows.wait import RETRY_AFTER, current, expected_marks, wait_for
from agent.vision.evidence import Mark
from agent.vision.match import Box
from agent.vision.stable import frame_delta
from device_profiles.model import Step, StepAction
from farm_protocol.chat import KnownMessage

MAX_NAVIGATION_MOVES = 12
CHANGED = 1.0
SCROLL_TRIES = 6


def _tap(ctx: FlowContext, loc: Located) -> None:
    target = ctx.app.profile.targets[loc.name]
    scale = ctx.observer.density / 160
    x, y = loc.center
    ctx.device.tap(round(x + target.offset[0] * scale), round(y + target.offset[1] * scale))
    ctx.marks.append(Mark(loc.box, f"tap {loc.name} ({loc.via})", loc.score))


def _need(ctx: FlowContext, obs: Observation, name: str) -> Located:
    loc = ctx.observer.find_target(obs, name)
    if loc is None:
        raise FlowError(f"cannot find {name} on {obs.screen or 'an unknown screen'}")
    return loc


def push_media(ctx: FlowContext, step: Step) -> Observation:
    """Copy the flow's images into the phone's media store, in order (the last is newest)."""
    _, images = _post_params(ctx)
    for path in images:
        ctx.device.push_media(path)
    return ctx.observer.settle()


def open_app(ctx: FlowContext, step: Step) -> Observation:
    """Bring the app to the front and go to its home screen, from wherever it was."""
    profile = ctx.app.profile
    ctx.app_open = False
    ctx.device.app_start(ctx.app.package)
    for _ in range(MAX_NAVIGATION_MOVES):
        obs = ctx.observer.settle(candidates=[profile.home, *profile.roots])
        ctx.last = obs
        name = obs.screen
        if name == profile.home:
            ctx.app_open = True
            ctx.marks.extend(Mark(m.box, m.name, m.score) for m in obs.seen.matches)
            return obs
        if name in profile.roots:
            _tap(ctx, _need(ctx, obs, profile.home_target))
        elif recovery.is_interruption(ctx, obs):
            recovery.handle(ctx, obs)  # the launcher relaunches, dialogs are dismissed
        elif name is None:
            ctx.observer.sleep(0.3)  # mid-animation or frozen: look again
        else:
            ctx.device.press_key(Key.BACK)
    marks = expected_marks(ctx, ctx.last, [profile.home]) if ctx.last else []
    raise FlowError(f"could not reach {profile.home} in {MAX_NAVIGATION_MOVES} moves", marks)


def tap(ctx: FlowContext, step: Step) -> Observation:
    """Tap a target, then wait for the expected screen (tapping again if it was dropped)."""
    assert step.target is not None
    obs = current(ctx)
    before = obs.screen
    loc = _need(ctx, obs, step.target)
    if step.action is StepAction.LONG_PRESS:
        ctx.device.long_press(*loc.center)
    else:
        _tap(ctx, loc)
    if not step.expected:
        return current(ctx)
    if before in step.expected:
        _until_changed(ctx, obs, step)

    def again(o: Observation) -> bool:
        if o.screen != before:
            return False
        retry_loc = ctx.observer.find_target(o, step.target or "")
        if retry_loc is None:
            return False
        _tap(ctx, retry_loc)
        return True

    return wait_for(ctx, step.expected, step.timeout_ms / 1000, retry=again)


def _until_changed(ctx: FlowContext, obs: Observation, step: Step) -> None:
    """After a tap that keeps the same screen (send), wait for the picture to change.

    Nothing changed after `RETRY_AFTER` means the phone dropped the tap (a frozen
    screen ignores input): tap again, but only while the target is still there — a
    send that went through clears the field and its button.
    """
    assert step.target is not None
    deadline = time.monotonic() + step.timeout_ms / 1000
    last_tap = time.monotonic()
    while time.monotonic() < deadline:
        ctx.observer.sleep(0.1)
        if frame_delta(obs.frame, ctx.device.screenshot()) > CHANGED:
            return
        if time.monotonic() - last_tap >= RETRY_AFTER:
            now = ctx.observer.settle()
            loc = ctx.observer.find_target(now, step.target)
            if loc is None or now.screen != obs.screen:
                return
            _tap(ctx, loc)
            last_tap = time.monotonic()
    raise FlowError(f"tapping {step.target} changed nothing on screen")


def _field_text(ctx: FlowContext, obs: Observation, target: str) -> str | None:
    """What a text field holds, from the hierarchy (None when the hierarchy can't tell)."""
    selector = ctx.app.profile.targets[target].selector
    if selector is None or not ctx.observer.use_hierarchy:
        return None
    found = ctx.observer.select(obs, selector)
    return found[0].text if found else None


def type_text(ctx: FlowContext, step: Step) -> Observation:
    """Focus a field, type through the input method, and check the field holds the text.

    A field that already holds the text (an earlier attempt got through) is left alone;
    a focus tap the phone dropped is retried before typing again.
    """
    assert step.text is not None
    text = ctx.fill(step.text)
    obs = current(ctx)
    if step.target is None:
        ctx.device.type_text(text)
        return current(ctx)
    if _field_text(ctx, obs, step.target) == text:
        return obs
    for _attempt in range(3):
        _tap(ctx, _need(ctx, obs, step.target))
        obs = ctx.observer.settle()
        have = _field_text(ctx, obs, step.target)
        if have == text:
            return obs
        if have:
            raise FlowError(f"{step.target} already holds other text; not typing over it")
        before = obs.frame
        ctx.device.type_text(text)
        obs = current(ctx)
        have = _field_text(ctx, obs, step.target)
        if have == text or (have is None and frame_delta(before, obs.frame) > 0.2):
            return obs
        if have:
            raise FlowError(f"{step.target} shows different text than what was typed")
    raise FlowError(f"the text did not arrive in {step.target}")


def press_key(ctx: FlowContext, step: Step) -> Observation:
    """Press back, home or enter."""
    assert step.key is not None
    ctx.device.press_key(Key(step.key))
    if step.expected:
        return wait_for(ctx, step.expected, step.timeout_ms / 1000)
    return current(ctx)


def pick_images(ctx: FlowContext, step: Step) -> Observation:
    """Select the newest N images in the picker, oldest first, so the post keeps their order.

    Images are selected one at a time and each selection is verified before the next,
    so a dropped tap never selects images out of order.
    """
    count = int(ctx.fill(step.count or "0"))
    if count == 0:
        return current(ctx)
    deadline = time.monotonic() + step.timeout_ms / 1000
    for index in reversed(range(count)):
        while True:
            obs = wait_for(ctx, ["image_picker"], step.timeout_ms / 1000)
            items = ctx.observer.find_all(obs, "picker_item")
            if len(items) < count:
                raise FlowError(f"the picker shows {len(items)} images, {count} needed")
            if _selected(ctx, obs, items[index]):
                break
            if time.monotonic() >= deadline:
                raise FlowError(f"image {index + 1} would not get selected")
            _tap(ctx, items[index])
            ctx.observer.sleep(0.15)
    obs = current(ctx, ["image_picker"])
    chosen = sum(
        1 for item in ctx.observer.find_all(obs, "picker_item") if _selected(ctx, obs, item)
    )
    if chosen != count:
        raise FlowError(f"{chosen} images selected, {count} wanted")
    return obs


def _selected(ctx: FlowContext, obs: Observation, item: Located) -> bool:
    """Is this picker item selected? The hierarchy's `checked` says so where it is
    available; otherwise the accent-filled check in the item's top-right corner does (a
    template can't: the check shows the selection's number)."""
    if item.via == "hierarchy":
        for mark in ctx.observer.find_all(obs, "picker_selected"):
            cx, cy = mark.center
            if item.box.x0 <= cx <= item.box.x1 and item.box.y0 <= cy <= item.box.y1:
                return True
        return False
    b = item.box
    corner = Box(b.x1 - b.width // 3, b.y0, b.x1, b.y0 + b.height // 3)
    return obs.scene.shows_accent(corner, min_fraction=0.15)


def tap_text(ctx: FlowContext, step: Step) -> Observation:
    """Tap the node of a target kind showing this text, scrolling to find it."""
    assert step.target is not None and step.text is not None
    want = ctx.fill(step.text)
    base = ctx.app.profile.targets[step.target].selector
    if base is None:
        raise FlowError(f"{step.target} has no selector to find text with")
    selector = base.model_copy(update={"text": want})
    for _ in range(SCROLL_TRIES):
        obs = current(ctx)
        found = ctx.observer.select(obs, selector)
        if found:
            _tap(ctx, Located(step.target, found[0].bounds, 1.0, "hierarchy"))
            if not step.expected:
                return current(ctx)
            before = obs.screen

            def again(o: Observation, before: str | None = before) -> bool:
                nodes = ctx.observer.select(o, selector) if o.screen == before else []
                if nodes:
                    _tap(ctx, Located(step.target or "", nodes[0].bounds, 1.0, "hierarchy"))
                return bool(nodes)

            return wait_for(ctx, step.expected, step.timeout_ms / 1000, retry=again)
        w, h = ctx.device.window_size()
        ctx.device.swipe(w // 2, int(h * 0.75), w // 2, int(h * 0.35), 300)
    raise FlowError(f"no {step.target} showing {want!r}")


def expect(ctx: FlowContext, step: Step) -> Observation:
    """Just wait for a screen."""
    return wait_for(ctx, step.expected, step.timeout_ms / 1000)


def _post_params(ctx: FlowContext) -> tuple[str, list[Path]]:
    images = ctx.params.get("images") or []
    assert isinstance(images, list)
    return str(ctx.params.get("text", "")), [Path(str(p)) for p in images]


def verify_post(ctx: FlowContext, step: Step) -> Observation:
    """The post is in the feed: text and every image."""
    text, images = _post_params(ctx)
    check = find_post(ctx, text, images, step.timeout_ms / 1000)
    ctx.data.feed_check = check.found
    if not check.found:
        raise FlowError(f"the post is not in the feed ({check.detail})")
    assert ctx.last is not None
    return ctx.last


def find_post_step(ctx: FlowContext, step: Step) -> Observation:
    """Record whether the post is in the feed (`data.found`), without failing."""
    text, images = _post_params(ctx)
    check = find_post(ctx, text, images, step.timeout_ms / 1000)
    ctx.data.found = check.found
    ctx.data.detail = check.detail
    assert ctx.last is not None
    return ctx.last


def verify_message(ctx: FlowContext, step: Step) -> Observation:
    """The newest outgoing bubble shows the text that was sent.

    Its text comes from the hierarchy, or from OCR when the app blanks chat text there
    (or shows no hierarchy at all). What the screen shows then goes to `data.window`: the
    controller places the reply among the messages around it, as the screen does.
    """
    text = ctx.fill(step.text or "{text}")
    selector = ctx.app.profile.targets["msg_out"].selector
    deadline = time.monotonic() + step.timeout_ms / 1000
    while True:
        obs = wait_for(ctx, ["conversation"], step.timeout_ms / 1000)
        nodes = ctx.observer.select(obs, selector) if selector else []
        if nodes and nodes[-1].text:
            if nodes[-1].text == text:
                ctx.marks.append(Mark(nodes[-1].bounds, "sent"))
                keep_window(ctx)
                return obs
        else:
            seen = newest_outgoing_shows(ctx, text)
            if seen is not None:
                ctx.marks.append(Mark(seen.box, f"sent ({seen.via})", seen.score))
                assert ctx.last is not None
                return ctx.last
        if time.monotonic() >= deadline:
            raise FlowError("the sent message is not the newest bubble in the conversation")
        ctx.observer.sleep(0.2)


def read_messages(ctx: FlowContext, step: Step) -> Observation:
    """Read the bubbles on screen into `data.messages` (direction and text)."""
    obs = wait_for(ctx, ["conversation"], step.timeout_ms / 1000)
    out = []
    for node in ctx.observer.nodes(obs):
        kind = node.resource_id.rsplit("/", 1)[-1]
        if kind in ("msg_in", "msg_out"):
            out.append(KnownMessage(direction="in" if kind == "msg_in" else "out", text=node.text))
    ctx.data.messages = out
    return obs


VERBS: dict[StepAction, Callable[[FlowContext, Step], Observation]] = {
    StepAction.PUSH_MEDIA: push_media,
    StepAction.OPEN_APP: open_app,
    StepAction.TAP: tap,
    StepAction.LONG_PRESS: tap,
    StepAction.TYPE: type_text,
    StepAction.PRESS_KEY: press_key,
    StepAction.PICK_IMAGES: pick_images,
    StepAction.TAP_TEXT: tap_text,
    StepAction.EXPECT: expect,
    StepAction.VERIFY_POST: verify_post,
    StepAction.FIND_POST: find_post_step,
    StepAction.VERIFY_MESSAGE: verify_message,
    StepAction.READ_MESSAGES: read_messages,
    StepAction.OPEN_CHAT: open_chat_step,
    StepAction.SYNC_CHATS: sync_chats,
    StepAction.FIND_MESSAGE: find_message_step,
}
