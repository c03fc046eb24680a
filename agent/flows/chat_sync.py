"""The chat verbs: open a chat by name, sync new messages, check whether a message was sent.

`sync_chats` reads the chat list (every page), picks the conversations to open — an
unread badge, a contact the controller has no tail for, or a snippet that is not the
tail's last message — opens each, reads it back to its anchor (`chat_read`), and goes
back, so the phone ends on the chat list. The result is a `SyncChatsResult` in
`data.sync`, updated after every conversation so a failed run still reports what
it read.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from agent.devices.base import Key
from agent.flows.chat_read import (
    keep_window,
    read_contact_screen,
    read_conversation,
    shows_text,
)
from agent.flows.chat_screen import (
    ChatRow,
    chat_rows,
    conversation_title,
    list_area,
    row_snippet,
    same_name,
)
from agent.flows.context import FlowContext
from agent.flows.errors import FlowError
from agent.flows.observe import Located, Observation
from agent.flows.wait import current, wait_for
from agent.vision.evidence import Mark
from agent.vision.stable import frame_delta
from device_profiles.model import Step
from farm_protocol.chat import ChatAnchor, KnownMessage, SyncChatsResult, SyncChatsTask
from farm_protocol.chat_align import OCR_SIMILARITY, text_key

MAX_LIST_PAGES = 12
LIST_SWIPE_MS = 400
UNCHANGED = 0.3  # frame delta below which a swipe moved nothing
OPEN_ATTEMPTS = 3  # taps on a chat row when rows moved and another conversation opened


def _swipe_list(ctx: FlowContext, obs: Observation, down: bool) -> Observation:
    """Swipe the chat list one page (`down`: towards older rows) and look again."""
    area = list_area(ctx, obs, "chat_list_view")
    x = (area.x0 + area.x1) // 2
    near, far = area.y0 + round(area.height * 0.2), area.y0 + round(area.height * 0.8)
    if down:
        ctx.device.swipe(x, far, x, near, LIST_SWIPE_MS)
    else:
        ctx.device.swipe(x, near, x, far, LIST_SWIPE_MS)
    return _on_list(ctx)


def _on_list(ctx: FlowContext) -> Observation:
    obs = current(ctx, ["chat_list"])
    if obs.screen != "chat_list":
        raise FlowError(f"expected chat_list, saw {obs.screen or 'an unknown screen'}")
    return obs


def _list_top(ctx: FlowContext) -> Observation:
    obs = _on_list(ctx)
    for _ in range(MAX_LIST_PAGES):
        after = _swipe_list(ctx, obs, down=False)
        if frame_delta(obs.frame, after.frame) <= UNCHANGED:
            return after
        obs = after
    return obs


def _pages(ctx: FlowContext) -> list[tuple[Observation, list[ChatRow]]]:
    """Every page of the chat list from the top, with its rows."""
    obs = _list_top(ctx)
    pages = [(obs, chat_rows(ctx, obs))]
    for _ in range(MAX_LIST_PAGES - 1):
        after = _swipe_list(ctx, obs, down=True)
        if frame_delta(obs.frame, after.frame) <= UNCHANGED:
            break
        obs = after
        pages.append((obs, chat_rows(ctx, obs)))
    return pages


def open_chat(ctx: FlowContext, name: str, timeout: float = 8.0) -> Observation:
    """From the chat list, open the conversation with `name` (scrolling to find its row).

    A new message can move rows between the screenshot and the tap, opening another
    conversation: then it goes back and looks again (`OPEN_ATTEMPTS` in all; opening a
    chat changes nothing but its unread mark).

    Raises:
        FlowError: no row shows that name, or the conversation that opened is another's
            every time.
    """
    for attempt in range(1, OPEN_ATTEMPTS + 1):
        obs = _open_row(ctx, name, timeout)
        title = conversation_title(ctx, obs)
        if title is None or same_name(title, name) or same_name(name, title):
            return obs
        ctx.device.press_key(Key.BACK)
        if attempt == OPEN_ATTEMPTS:
            raise FlowError(f"opened the chat of {title!r}, not {name!r}")
        wait_for(ctx, ["chat_list"], timeout)
    raise AssertionError("unreachable")  # pragma: no cover


def _open_row(ctx: FlowContext, name: str, timeout: float) -> Observation:
    obs = _on_list(ctx)
    row = next((r for r in chat_rows(ctx, obs) if same_name(r.name, name)), None)
    if row is None:
        for page, rows in _pages(ctx):
            obs = page
            row = next((r for r in rows if same_name(r.name, name)), None)
            if row is not None:
                break
    if row is None:
        raise FlowError(f"no chat_name showing {name!r}")
    target = row

    def again(o: Observation) -> bool:
        if o.screen != "chat_list":
            return False
        found = next((r for r in chat_rows(ctx, o) if same_name(r.name, name)), None)
        if found is not None:
            ctx.device.tap(*found.tap.center)
        return found is not None

    ctx.device.tap(*target.tap.center)
    ctx.marks.append(Mark(target.tap, f"tap chat ({target.via})"))
    return wait_for(ctx, ["conversation"], timeout, retry=again)


def open_chat_step(ctx: FlowContext, step: Step) -> Observation:
    """Open a contact's conversation from the chat list (hierarchy or OCR)."""
    assert step.text is not None
    return open_chat(ctx, ctx.fill(step.text), step.timeout_ms / 1000)


def _anchor_for(anchors: list[ChatAnchor], shown: str) -> ChatAnchor | None:
    return next((a for a in anchors if same_name(shown, a.contact_name)), None)


def snippet_matches(snippet: str, last: KnownMessage, via: str) -> bool:
    """Could the chat list's snippet (maybe cut short with …) be the known last message?

    A snippet read by OCR is compared as a start of the text, nearly (its ellipsis may
    read as anything).
    """
    t = text_key(last.text)
    if text_key(snippet) == t:
        return True
    cut = snippet.rstrip().rstrip("….-·")
    shortened = cut != snippet.rstrip()
    s = text_key(cut)
    if not s or not t:
        return s == t
    head = t[: len(s)]
    if s == head and (shortened or via == "ocr"):
        return True
    return via == "ocr" and SequenceMatcher(None, s, head, autojunk=False).ratio() >= OCR_SIMILARITY


def _choose(
    ctx: FlowContext, task: SyncChatsTask, result: SyncChatsResult
) -> list[tuple[str, int, ChatAnchor | None]]:
    """(name on the list, badge, anchor) of the conversations to open, unread first."""
    first: list[tuple[str, int, ChatAnchor | None]] = []
    then: list[tuple[str, int, ChatAnchor | None]] = []
    seen: set[str] = set()
    for obs, rows in _pages(ctx):
        for row in rows:
            if row.name in seen:
                continue
            seen.add(row.name)
            anchor = _anchor_for(task.anchors, row.name)
            if row.badge > 0:
                result.chat_list_unread[anchor.contact_name if anchor else row.name] = row.badge
                first.append((row.name, row.badge, anchor))
            elif (  # unknown to the controller, or the newest message is not the known last
                anchor is None
                or not anchor.tail
                or not snippet_matches(row_snippet(ctx, obs, row), anchor.tail[-1], row.via)
            ):
                then.append((row.name, 0, anchor))
    return [*first, *then][: task.max_conversations]


def sync_chats(ctx: FlowContext, step: Step) -> Observation:
    """Read what is new in every conversation that may have something new (see module)."""
    fields = ("anchors", "max_conversations", "max_scrolls")
    task = SyncChatsTask.model_validate({k: ctx.params[k] for k in fields if k in ctx.params})
    result = SyncChatsResult()
    ctx.data.sync = result.model_copy(deep=True)
    chosen = _choose(ctx, task, result)
    ctx.data.sync = result.model_copy(deep=True)
    for shown, badge, anchor in chosen:
        open_chat(ctx, shown)
        obs = ctx.last
        assert obs is not None
        title = conversation_title(ctx, obs)
        name = anchor.contact_name if anchor else (title or shown)
        tail = anchor.tail if anchor else []
        read = read_conversation(ctx, name, tail, badge, task.max_scrolls)
        result.conversations.append(read)
        ctx.data.sync = result.model_copy(deep=True)
        ctx.device.press_key(Key.BACK)
        wait_for(ctx, ["chat_list"], step.timeout_ms / 1000)
    obs = _on_list(ctx)
    ctx.data.sync = result.model_copy(deep=True)
    return obs


def find_message_step(ctx: FlowContext, step: Step) -> Observation:
    """Record whether the newest outgoing bubbles show the text (`data.found`), not failing;
    what the screen shows goes to `data.window` (see `keep_window`)."""
    text = ctx.fill(step.text or "{text}")
    screen = read_contact_screen(ctx)
    outgoing = screen.newest_outgoing()
    hit = next((i for i in reversed(outgoing) if shows_text(i, text)), None)
    ctx.data.found = hit is not None
    ctx.data.detail = (
        f"the message is among the newest {len(outgoing)} outgoing bubbles"
        if hit is not None
        else f"not among the newest {len(outgoing)} outgoing bubbles"
    )
    if hit is not None:
        ctx.marks.append(Mark(hit.box, "sent"))
    keep_window(ctx, screen)
    assert ctx.last is not None
    return ctx.last


def newest_outgoing_shows(ctx: FlowContext, text: str) -> Located | None:
    """Where the newest outgoing bubble shows `text` (None when it does not); when it does,
    the screen goes to `data.window`."""
    screen = read_contact_screen(ctx)
    outgoing = screen.newest_outgoing(1)
    if outgoing and shows_text(outgoing[-1], text):
        keep_window(ctx, screen)
        return Located("msg_out", outgoing[-1].box, outgoing[-1].confidence, outgoing[-1].via)
    return None
