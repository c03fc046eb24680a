"""Input: taps, long presses, swipes, keys and committed text, with the faults of a tap.

Input is dropped while the screen is busy (a transition or dialog fade runs, or the
screen is frozen). A tap goes to the topmost clickable node under the finger; a swipe
scrolls the scroll area it starts in, dismisses a banner, or unlocks the lock screen.
"""

from __future__ import annotations

from simulator.compositor import Compositor
from simulator.navigation import Navigator
from simulator.node import Node
from simulator.screens.notifications import BANNER_DP
from simulator.state import PhoneState

TOUCH_SLOP_DP = 8
UNLOCK_DP = 60
_NOISE_MESSAGES = ("在吗？", "Hi, are you there?", "价格可以再优惠点吗？", "OK 👍", "收到，谢谢")


def hit(nodes: tuple[Node, ...], x: int, y: int) -> Node | None:
    """The topmost clickable node under (x, y)."""
    for node in reversed(nodes):
        if node.clickable and node.contains(x, y):
            return node
    return None


class Gestures:
    """Turns input into state changes.

    Args:
        state: the phone state (the caller holds the phone's lock and has settled timers).
        nav: navigation and node actions.
        compositor: the frames being shown (for hit-testing and scroll limits).
        scale: pixels per dp.
    """

    def __init__(
        self, state: PhoneState, nav: Navigator, compositor: Compositor, scale: float
    ) -> None:
        self.state = state
        self.nav = nav
        self.compositor = compositor
        self.scale = scale

    def _accepting(self, now: float) -> bool:
        if self.state.busy(now):
            self.state.log("input_dropped")
            return False
        return True

    def touch(self, now: float, x: int, y: int, long: bool) -> None:
        """A tap (or long press) at (x, y)."""
        state = self.state
        if not self._accepting(now) or state.locked:
            return
        faults = state.faults.on_tap()
        if faults.freeze:
            state.log("freeze")
            self.compositor.freeze(now, state.faults.freeze_ms)
            return
        if faults.crash and state.in_app:
            self.nav.crash()
            state.touch()
            return
        node = hit(self.compositor.frame(now).nodes, x, y)
        if node is None:
            top = state.top_screen()
            if top.focused and state.modal is None:
                top.focused = None
        else:
            action = (node.long_action or node.action) if long else node.action
            if action is not None:
                self.nav.run(action)
        if faults.toast and state.in_app:
            state.log("toast")
            self.nav.show_toast("network")
        if faults.banner and not state.locked:
            contact = state.faults.pick(state.world.contacts())
            state.log(f"banner:{contact.id}")
            self.nav.show_banner(contact.id, state.faults.pick(_NOISE_MESSAGES))
        state.touch()

    def swipe(self, now: float, x1: int, y1: int, x2: int, y2: int, duration_ms: int) -> None:
        """A drag from (x1, y1) to (x2, y2); a tiny one is a tap (or a long press)."""
        state = self.state
        slop = round(TOUCH_SLOP_DP * self.scale)
        if abs(x2 - x1) < slop and abs(y2 - y1) < slop:
            self.touch(now, x1, y1, long=duration_ms >= 500)
            return
        if not self._accepting(now):
            return
        dy = y2 - y1
        if state.locked:
            if dy < -round(UNLOCK_DP * self.scale):
                state.locked = False
                state.touch()
            return
        banner_bottom = round((6 + BANNER_DP) * self.scale)
        if state.banner is not None and y1 <= banner_bottom and dy < -slop:
            state.banner = None
            state.touch()
            return
        if state.modal is not None or abs(dy) < abs(x2 - x1):
            return
        frame = self.compositor.frame(now)
        area = next(
            (n.scroll_area for n in reversed(frame.nodes) if n.scroll_area and n.contains(x1, y1)),
            None,
        )
        if area is None:
            return
        screen = state.top_screen()
        # the conversation is anchored at the bottom: dragging down reveals older messages
        delta = dy if area == "messages" else -dy
        limit = frame.scroll_limits.get(area, 0)
        screen.scroll[area] = max(0, min(limit, screen.scroll.get(area, 0) + delta))
        state.touch()

    def press_key(self, now: float, key: str) -> None:
        """Press "back", "home" or "enter".

        Raises:
            ValueError: unknown key.
        """
        if key not in ("back", "home", "enter"):
            raise ValueError(f"unknown key {key!r}")
        if not self._accepting(now):
            return
        if key == "back":
            self.nav.back()
        elif key == "home":
            if not self.state.locked:
                self.nav.go_home()
        else:
            self.nav.enter()
        self.state.touch()

    def commit_text(self, now: float, text: str) -> None:
        """The input method commits `text` to the focused field (nowhere if none is)."""
        if not self._accepting(now):
            return
        self.nav.commit_text(text)
        self.state.touch()
