"""How the phone moves between screens, and what each tappable thing does.

`Navigator` owns every state change that follows from input: opening and closing the
app, pushing and popping screens (with their transitions and the faults a screen change
may bring), dialogs, and the actions named on nodes.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from simulator.animation import Animation
from simulator.app_process import MAIN_TABS, MAX_IMAGES, AppProcess, Screen, Upload
from simulator.node import Action
from simulator.screens.composer import can_publish
from simulator.state import BANNER_S, TOAST_S, UPLOAD_S, Modal, PhoneState, Toast
from simulator.state import Banner as BannerState

_DIALOG_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "update": "update_dialog",
        "permission": "permission_dialog",
        "crash": "crash_dialog",
    }
)


class Navigator:
    """Applies navigation and actions to a `PhoneState`.

    Args:
        state: the state to change (the caller holds the phone's lock).
    """

    def __init__(self, state: PhoneState) -> None:
        self.state = state

    # -- helpers ---------------------------------------------------------------------

    @property
    def now(self) -> float:
        """The phone's monotonic time."""
        return self.state.clock()

    def _animate(self, kind: str, source: Screen, target: Screen, slow: bool) -> float:
        """Start a transition; returns when it ends."""
        duration = self.state.transition_s * (self.state.faults.slow_factor if slow else 1.0)
        if slow:
            self.state.log("slow")
        start = self.now
        self.state.animation = Animation(kind, start, duration, source, target)
        return start + duration

    def _screen_changed(self, kind: str, source: Screen, target: Screen) -> None:
        """Animate a change between app screens and let the faults have their say."""
        faults = self.state.faults.on_screen_change()
        end = self._animate(kind, source, target, faults.slow) if kind else self.now
        if faults.dialog and self.state.modal is None and self.state.in_app:
            self.state.modal = Modal("update_dialog", end)
            self.state.log("dialog:update_dialog")

    def _app(self) -> AppProcess:
        if self.state.app is None:
            self.state.app = AppProcess(self.state.new_screen("chat_list"))
        return self.state.app

    # -- app lifecycle ---------------------------------------------------------------

    def open_app(self, animate: bool = True) -> None:
        """Bring SimChat to the front (cold-starting it on the chat list if needed)."""
        state = self.state
        if state.in_app:
            return
        app = self._app()
        state.foreground = "app"
        if animate and not state.locked:
            self._screen_changed("launch", state.launcher, app.top)
        else:
            state.animation = None

    def go_home(self, animate: bool = True) -> None:
        """Show the launcher; the app keeps running in the background."""
        state = self.state
        if state.modal is not None and state.modal.kind != "crash_dialog":
            state.modal = None
        if not state.in_app or state.app is None:
            return
        source = state.app.top
        state.foreground = "launcher"
        for screen in state.app.stack:
            screen.focused = None
        if animate and not state.locked:
            self._animate("close", source, state.launcher, slow=False)
        else:
            state.animation = None

    def kill_app(self) -> None:
        """The app process dies: its stack, drafts and uploads in flight are lost."""
        state = self.state
        state.app = None
        state.foreground = "launcher"
        state.animation = None
        if state.modal is not None and state.modal.kind != "crash_dialog":
            state.modal = None

    def crash(self) -> None:
        """The app crashes back to the launcher with the system's crash report."""
        self.kill_app()
        self.state.modal = Modal("crash_dialog", self.now)
        self.state.log("crash")

    # -- stack -----------------------------------------------------------------------

    def push(self, name: str, **fields: object) -> Screen:
        """Open a new app screen on top, sliding in."""
        app = self._app()
        source = app.top
        for screen in app.stack:
            screen.focused = None
        screen = self.state.new_screen(name, **fields)
        app.push(screen)
        self._screen_changed("push", source, screen)
        return screen

    def pop(self) -> None:
        """Close the top app screen, sliding out (at the root: go to the launcher)."""
        app = self.state.app
        if app is None:
            return
        if app.at_root:
            self.go_home()
            return
        source = app.pop()
        self._screen_changed("pop", source, app.top)

    def switch_tab(self, tab: str) -> None:
        """Show another main tab (instant, like the real app)."""
        app = self._app()
        root = app.stack[0]
        if root.name != tab:
            root.name = tab
            root.focused = None
            self._screen_changed("", root, root)

    # -- keys ------------------------------------------------------------------------

    def back(self) -> None:
        """The BACK key: dismiss a dialog, else close the top screen."""
        state = self.state
        if state.locked:
            return
        if state.modal is not None:
            state.modal = None
            return
        if state.in_app:
            self.pop()

    def enter(self) -> None:
        """The ENTER key: sends in a conversation, starts a new line in the composer."""
        if not self.state.in_app or self.state.modal is not None or self.state.app is None:
            return
        top = self.state.app.top
        if top.focused == "input_message":
            self.send()
        elif top.focused == "input_post":
            top.text += "\n"

    def commit_text(self, text: str) -> None:
        """The input method commits `text` into the focused field (if any)."""
        state = self.state
        if state.locked or state.modal is not None or not state.in_app or state.app is None:
            return
        top = state.app.top
        if top.focused:
            top.text += text

    # -- overlays --------------------------------------------------------------------

    def show_dialog(self, kind: str) -> None:
        """Show "update", "permission" or "crash" (or the full screen name of one)."""
        name = _DIALOG_NAMES.get(kind, kind)
        if name not in _DIALOG_NAMES.values():
            raise ValueError(f"unknown dialog {kind!r}")
        self.state.modal = Modal(name, self.now)

    def show_toast(self, kind: str = "network") -> None:
        """Show a toast; "network" is the network-error one."""
        key = {"network": "network_error"}.get(kind, kind)
        self.state.toast = Toast(key, self.now + TOAST_S)

    def show_banner(self, contact_id: str, text: str) -> None:
        """Show a message notification at the top."""
        self.state.banner = BannerState(contact_id, text, self.now + BANNER_S)

    # -- actions ---------------------------------------------------------------------

    def run(self, action: Action) -> None:
        """Do what a tapped node's action says."""
        handler = getattr(self, f"_do_{action.name}", None)
        if handler is None:
            raise ValueError(f"unknown action {action.name!r}")
        handler(action.arg)

    def _do_noop(self, arg: str | None) -> None:
        pass

    def _do_open_app(self, arg: str | None) -> None:
        self.open_app()

    def _do_key_back(self, arg: str | None) -> None:
        self.back()

    def _do_key_home(self, arg: str | None) -> None:
        self.go_home()

    def _do_back(self, arg: str | None) -> None:
        self.pop()

    def _do_switch_tab(self, arg: str | None) -> None:
        if arg in MAIN_TABS:
            self.switch_tab(arg)

    def open_conversation(self, contact_id: str) -> None:
        """Open the chat with a contact on top of the current screen."""
        self.state.world.mark_read(contact_id)
        self.push("conversation", contact_id=contact_id)

    def _do_open_conversation(self, arg: str | None) -> None:
        if arg:
            self.open_conversation(arg)

    def _do_open_moments(self, arg: str | None) -> None:
        self.push("moments_feed")

    def _do_compose(self, arg: str | None) -> None:
        self.push("composer")

    def _do_focus(self, arg: str | None) -> None:
        app = self.state.app
        if app is not None:
            app.top.focused = arg

    def _do_publish(self, arg: str | None) -> None:
        app = self.state.app
        if app is None or app.top.name != "composer":
            return
        draft = app.top
        if not can_publish(draft.text, len(draft.images)):
            return
        slow = self.state.faults.slow_down()
        if slow > 1.0:
            self.state.log("slow_upload")
        upload = Upload(draft.text, tuple(draft.images), self.now, UPLOAD_S * slow)
        app.uploads.append(upload)
        feed = app.find("moments_feed")
        if feed is not None:
            feed.scroll["feed"] = 0
        self.pop()

    def _do_add_image(self, arg: str | None) -> None:
        app = self.state.app
        if app is None:
            return
        if not self.state.permission_granted:
            self.show_dialog("permission")
            return
        self.push("image_picker", limit=MAX_IMAGES - len(app.top.images))

    def _do_toggle_media(self, arg: str | None) -> None:
        app = self.state.app
        if app is None or arg is None:
            return
        picker = app.top
        if arg in picker.selection:
            picker.selection.remove(arg)
        elif len(picker.selection) < picker.limit:
            picker.selection.append(arg)

    def _do_picker_done(self, arg: str | None) -> None:
        app = self.state.app
        if app is None or not app.top.selection or len(app.stack) < 2:
            return
        picker = app.top
        composer = app.stack[-2]
        for key in picker.selection:
            composer.images.append(self.state.media.get(key))
        self.pop()

    def send(self) -> None:
        """Send what is typed in the conversation's input field."""
        app = self.state.app
        if app is None or app.top.name != "conversation":
            return
        screen = app.top
        contact_id = screen.contact_id
        if contact_id is None or not screen.text.strip():
            return
        self.state.world.record_outgoing(contact_id, screen.text)
        screen.text = ""
        screen.scroll["messages"] = 0

    def _do_send(self, arg: str | None) -> None:
        self.send()

    def _do_dialog_later(self, arg: str | None) -> None:
        self.state.modal = None

    def _do_dialog_update(self, arg: str | None) -> None:
        self.state.modal = None
        self.go_home()

    def _do_permission_allow(self, arg: str | None) -> None:
        self.state.modal = None
        self.state.permission_granted = True
        self._do_add_image(None)

    def _do_permission_deny(self, arg: str | None) -> None:
        self.state.modal = None

    def _do_crash_close(self, arg: str | None) -> None:
        self.state.modal = None

    def _do_open_banner(self, arg: str | None) -> None:
        banner = self.state.banner
        self.state.banner = None
        if banner is None:
            return
        if self.state.modal is not None and self.state.modal.kind != "crash_dialog":
            self.state.modal = None
        if not self.state.in_app:
            app = self._app()
            # the notification opens the chat straight away, over the chat list
            self.state.world.mark_read(banner.contact_id)
            app.push(self.state.new_screen("conversation", contact_id=banner.contact_id))
            self.open_app()
            return
        self.open_conversation(banner.contact_id)
