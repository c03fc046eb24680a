"""Everything a virtual phone holds in memory, in one place the other parts share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from simulator.animation import Animation
from simulator.app_process import AppProcess, Screen
from simulator.faults import FaultPlan
from simulator.media import MediaStore
from simulator.node import (
    ANDROID_PACKAGE,
    APP_PACKAGE,
    LAUNCHER_PACKAGE,
    PERMISSION_PACKAGE,
    SYSTEM_UI_PACKAGE,
    Frame,
)
from simulator.world import World

DIALOG_FADE_S = 0.15
TOAST_S = 1.5
BANNER_S = 3.0
UPLOAD_S = 0.8
MODAL_PACKAGES: Mapping[str, str] = MappingProxyType(
    {
        "update_dialog": APP_PACKAGE,
        "permission_dialog": PERMISSION_PACKAGE,
        "crash_dialog": ANDROID_PACKAGE,
    }
)


@dataclass
class Modal:
    """A dialog on screen: which one, and when it started to fade in."""

    kind: str
    shown_at: float


@dataclass
class Banner:
    """A heads-up notification for a message, until `until`."""

    contact_id: str
    text: str
    until: float


@dataclass
class Toast:
    """A toast (a `strings` key) until `until`."""

    text_key: str
    until: float


@dataclass
class PhoneState:
    """The mutable state of one virtual phone (guarded by the phone's lock).

    Attributes:
        foreground: "launcher" or "app" — what is in front when unlocked.
        app: the running SimChat, or None when it is not running.
        revision: bumped on every change, so cached frames know they are stale.
        frozen: the stale frame and label shown while the screen is frozen.
        inbound_cursor: how far the phone has read the world's stream of arrivals.
        fault_log: every fault that fired and every input dropped, in order.
    """

    world: World
    media: MediaStore
    faults: FaultPlan
    clock: Callable[[], float]
    transition_s: float
    launcher: Screen
    lock_screen: Screen
    foreground: str = "launcher"
    app: AppProcess | None = None
    modal: Modal | None = None
    banner: Banner | None = None
    toast: Toast | None = None
    locked: bool = False
    animation: Animation | None = None
    frozen_until: float = 0.0
    permission_granted: bool = False
    connected: bool = True
    frozen: tuple[Frame, str] | None = None
    inbound_cursor: int = 0
    revision: int = 0
    next_uid: int = 100
    fault_log: list[str] = field(default_factory=list)

    def new_screen(self, name: str, **fields: object) -> Screen:
        """A fresh screen state with a unique uid."""
        self.next_uid += 1
        return Screen(name, self.next_uid, **fields)  # type: ignore[arg-type]

    def touch(self) -> None:
        """Mark the state changed."""
        self.revision += 1

    @property
    def in_app(self) -> bool:
        """True when SimChat is running and in front."""
        return self.foreground == "app" and self.app is not None

    def top_screen(self) -> Screen:
        """The scene in front (ignoring the lock screen and overlays)."""
        if self.in_app and self.app is not None:
            return self.app.top
        return self.launcher

    def log(self, event: str) -> None:
        """Record a fault."""
        self.fault_log.append(event)

    def modal_alpha(self, now: float) -> float:
        """Opacity of the dialog on screen (0..1; 0 when there is none)."""
        if self.modal is None:
            return 0.0
        return max(0.0, min(1.0, (now - self.modal.shown_at) / DIALOG_FADE_S))

    def busy(self, now: float) -> bool:
        """True while input is dropped: frozen, or a transition or dialog fade runs."""
        if self.frozen is not None:
            return True
        if self.animation is not None and self.animation.running(now):
            return True
        return self.modal is not None and self.modal_alpha(now) < 1.0

    def label(self, now: float) -> str:
        """Ground truth: the name of what is on top ("transition" while animating)."""
        if self.frozen is not None:
            return self.frozen[1]
        if self.locked:
            return "lock_screen"
        if self.busy(now):
            return "transition"
        if self.banner is not None:
            return "banner"
        if self.modal is not None:
            return self.modal.kind
        return self.top_screen().name

    def package(self) -> str:
        """The package of the window in front."""
        if self.locked:
            return SYSTEM_UI_PACKAGE
        if self.modal is not None:
            return MODAL_PACKAGES[self.modal.kind]
        return APP_PACKAGE if self.in_app else LAUNCHER_PACKAGE
