"""The SimChat app while it runs: its screen stack, draft state and background upload.

Killing the app (crash, force-stop) throws this object away, and with it any draft and
any post still uploading — exactly what a real process death loses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.media import MediaItem

MAIN_TABS = ("chat_list", "contacts", "discover", "me")
APP_SCREENS = (*MAIN_TABS, "moments_feed", "composer", "image_picker", "conversation")
MAX_IMAGES = 9


@dataclass
class Screen:
    """One screen on the stack and its own state.

    Attributes:
        name: the screen name (one of `APP_SCREENS`, or "launcher"/"lock_screen").
        uid: unique per screen instance (render-cache key).
        contact_id: the contact of a conversation.
        scroll: scroll offset of each scroll area, in pixels.
        text: the text typed into this screen's input field.
        focused: id name of the focused input field, if any.
        images: photos attached to a composer draft, in order.
        selection: keys of photos selected in the picker, in selection order.
        limit: how many more photos the picker may select.
    """

    name: str
    uid: int
    contact_id: str | None = None
    scroll: dict[str, int] = field(default_factory=dict)
    text: str = ""
    focused: str | None = None
    images: list[MediaItem] = field(default_factory=list)
    selection: list[str] = field(default_factory=list)
    limit: int = MAX_IMAGES


@dataclass(frozen=True)
class Upload:
    """A post being published: it reaches the world only when the upload completes."""

    text: str
    images: tuple[MediaItem, ...]
    started: float
    duration: float

    def progress(self, now: float) -> float:
        """0..1, how far the upload has got."""
        if self.duration <= 0:
            return 1.0
        return max(0.0, min(1.0, (now - self.started) / self.duration))


class AppProcess:
    """A running SimChat: the back stack (root first) and the uploads in flight."""

    def __init__(self, root: Screen) -> None:
        self.stack: list[Screen] = [root]
        self.uploads: list[Upload] = []

    @property
    def top(self) -> Screen:
        """The screen in front."""
        return self.stack[-1]

    @property
    def at_root(self) -> bool:
        """True when only the main (tabbed) screen is on the stack."""
        return len(self.stack) == 1

    def push(self, screen: Screen) -> None:
        """Open `screen` on top."""
        self.stack.append(screen)

    def pop(self) -> Screen:
        """Close the top screen and return it (the root is never popped)."""
        if self.at_root:
            raise IndexError("the main screen cannot be popped")
        return self.stack.pop()

    def find(self, name: str) -> Screen | None:
        """The topmost screen called `name` on the stack."""
        return next((s for s in reversed(self.stack) if s.name == name), None)
