"""`LiveHub`: agents' screen links on one side, browsers watching screens on the other.

Everything runs on the controller's event loop (no locks). The hub keeps:

- one `AgentLink` per connected host (its outgoing commands, the streams asked of it,
  the commands waiting for an answer);
- one `Viewer` per browser socket: the phones it shows as thumbnails, the one it focuses,
  and a mailbox holding the newest frame of each stream (a slow browser misses frames,
  it never makes the hub queue them);
- who watches which stream, so that a stream runs exactly while somebody watches it: the
  first viewer starts it on the agent (`WatchCommand` with the tier's spec), the last one
  to leave stops it (spec None);
- who remote-controls which phone (as the agents last reported it).

Frames are forwarded as the bytes the agent sent (`farm_protocol.live.encode_frame`).
An agent only gets frames through for the streams the hub asked of it, and the hub only
asks a host for its own phones (the database says which), so one host cannot show its
screens as another's.

One controller process is one hub. Several replicas would need a shared channel between
agents and browsers on different replicas (ARCHITECTURE.md: Redis or PostgreSQL), not built yet.

Exceptions::

    AgentUnavailable   the phone's host has no screen link now
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from farm_controller.auth.principal import User
from farm_protocol.live import (
    TIER_SPECS,
    AgentHello,
    CommandResult,
    ControlCommand,
    ControlState,
    FrameError,
    InputCommand,
    StreamSpec,
    StreamTier,
    WatchCommand,
    decode_header,
)

log = logging.getLogger(__name__)

StreamKey = tuple[str, StreamTier]
COMMAND_TIMEOUT = 15.0
"""Seconds to wait for an agent's answer (a take waits up to 3 s for a claim in flight)."""


class AgentUnavailable(Exception):
    """The phone's host has no screen link to this controller now."""


@dataclass(eq=False)
class AgentLink:
    """One host's connected screen link."""

    host: str
    outbox: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    streams: dict[StreamKey, StreamSpec] = field(default_factory=dict)
    pending: dict[str, asyncio.Future[CommandResult]] = field(default_factory=dict)
    serials: set[str] = field(default_factory=set)
    frames_in: int = 0
    bytes_in: int = 0
    dropped: int = 0

    def send(self, message: WatchCommand | ControlCommand | InputCommand) -> None:
        """Queue a command for the agent."""
        self.outbox.put_nowait(message.model_dump_json())


@dataclass(eq=False)
class Viewer:
    """One browser socket watching screens."""

    user: User
    thumbs: frozenset[str] = frozenset()
    focus: str | None = None
    frames: dict[StreamKey, bytes] = field(default_factory=dict)
    texts: deque[dict[str, Any]] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    frames_out: int = 0
    bytes_out: int = 0
    replaced: int = 0

    def keys(self) -> set[StreamKey]:
        """The streams this viewer watches."""
        keys = {(serial, StreamTier.THUMB) for serial in self.thumbs}
        if self.focus is not None:
            keys.add((self.focus, StreamTier.FOCUS))
        return keys

    def offer_frame(self, key: StreamKey, data: bytes) -> None:
        """Keep the newest frame of the stream for the sender."""
        if key in self.frames:
            self.replaced += 1
        self.frames[key] = data
        self.wake.set()

    def offer_text(self, message: dict[str, Any]) -> None:
        """Queue a JSON message (control changes, link state)."""
        self.texts.append(message)
        self.wake.set()

    def drain(self) -> tuple[list[dict[str, Any]], list[bytes]]:
        """Everything waiting, texts first."""
        texts = list(self.texts)
        self.texts.clear()
        frames = list(self.frames.values())
        self.frames.clear()
        self.wake.clear()
        return texts, frames


@dataclass
class _Hold:
    holder: str
    deadline: float


class LiveHub:
    """The live screens of one controller process (see the module docstring).

    Args:
        specs: the stream of each tier.
        command_timeout: seconds to wait for an agent's answer.
        clock: monotonic seconds.
    """

    def __init__(
        self,
        specs: Mapping[StreamTier, StreamSpec] | None = None,
        *,
        command_timeout: float = COMMAND_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.specs = dict(specs or TIER_SPECS)
        self.command_timeout = command_timeout
        self._clock = clock
        self.links: dict[str, AgentLink] = {}
        self.viewers: set[Viewer] = set()
        self.host_of: dict[str, str] = {}
        self._watchers: dict[StreamKey, set[Viewer]] = {}
        self._holds: dict[str, _Hold] = {}

    # -- agents ---------------------------------------------------------------------------

    def connect_agent(self, host: str, hello: AgentHello) -> AgentLink:
        """A host's screen link is up (a newer link replaces an older one of the host)."""
        old = self.links.get(host)
        if old is not None:
            log.info("host %s opened a new screen link; closing the old one", host)
            self._close_link(old)
        link = AgentLink(host=host, serials=set(hello.serials))
        self.links[host] = link
        for key in list(self._watchers):
            if self.host_of.get(key[0]) == host:
                self._sync_stream(key)
        self._tell_watchers({key[0] for key in self._watchers}, host, live=True)
        return link

    def disconnect_agent(self, link: AgentLink) -> None:
        """A host's screen link dropped: its pending commands fail, its holds are gone."""
        self._close_link(link)
        if self.links.get(link.host) is link:
            del self.links[link.host]
            for serial, host in self.host_of.items():
                if host == link.host and self._holds.pop(serial, None) is not None:
                    self._tell_control(serial)
            self._tell_watchers({key[0] for key in self._watchers}, link.host, live=False)

    def _close_link(self, link: AgentLink) -> None:
        for future in link.pending.values():
            if not future.done():
                future.set_exception(AgentUnavailable(f"host {link.host} disconnected"))
        link.pending.clear()
        link.outbox.put_nowait(None)

    def agent_frame(self, link: AgentLink, data: bytes) -> None:
        """A frame from an agent: hand it to the viewers of its stream."""
        try:
            header = decode_header(data)
        except FrameError as exc:
            log.warning("host %s sent a bad frame (%s)", link.host, exc)
            return
        key = (header.serial, header.tier)
        if key not in link.streams:
            link.dropped += 1  # not asked for (or no longer): never forwarded
            return
        link.frames_in += 1
        link.bytes_in += len(data)
        for viewer in self._watchers.get(key, ()):
            viewer.offer_frame(key, data)

    def agent_result(self, link: AgentLink, result: CommandResult) -> None:
        """An agent answered a command."""
        future = link.pending.pop(result.id, None)
        if future is not None and not future.done():
            future.set_result(result)

    def live_hosts(self) -> set[str]:
        """Hosts whose screen link is up."""
        return set(self.links)

    # -- viewers --------------------------------------------------------------------------

    def add_viewer(self, user: User) -> Viewer:
        """A browser socket starts (watching nothing yet)."""
        viewer = Viewer(user=user)
        self.viewers.add(viewer)
        return viewer

    def remove_viewer(self, viewer: Viewer) -> None:
        """A browser socket ended: the streams only it watched stop."""
        self.watch(viewer, (), None, {})
        self.viewers.discard(viewer)

    def watch(
        self,
        viewer: Viewer,
        thumbs: Iterable[str],
        focus: str | None,
        hosts: Mapping[str, str],
    ) -> None:
        """Set what `viewer` watches; `hosts` maps the phones (that exist) to their host.

        Phones missing from `hosts` are not watched (unknown phones).
        """
        self.host_of.update(hosts)
        before = viewer.keys()
        viewer.thumbs = frozenset(s for s in thumbs if s in self.host_of)
        viewer.focus = focus if focus is not None and focus in self.host_of else None
        after = viewer.keys()
        for key in before - after:
            watchers = self._watchers.get(key)
            if watchers is not None:
                watchers.discard(viewer)
                if not watchers:
                    del self._watchers[key]
            viewer.frames.pop(key, None)
            self._sync_stream(key)
        for key in after - before:
            self._watchers.setdefault(key, set()).add(viewer)
            self._sync_stream(key)
        if viewer.focus is not None:
            viewer.offer_text(self.control_message(viewer.focus))

    def _sync_stream(self, key: StreamKey) -> None:
        """Ask the phone's host for the stream exactly while somebody watches it."""
        serial, tier = key
        link = self.links.get(self.host_of.get(serial, ""))
        if link is None:
            return
        wanted = self.specs[tier] if self._watchers.get(key) else None
        if link.streams.get(key) == wanted:
            return
        if wanted is None:
            link.streams.pop(key, None)
        else:
            link.streams[key] = wanted
        link.send(WatchCommand(serial=serial, tier=tier, spec=wanted))

    def watched(self) -> dict[StreamKey, int]:
        """How many viewers watch each stream now."""
        return {key: len(viewers) for key, viewers in self._watchers.items()}

    def _tell_watchers(self, serials: set[str], host: str, *, live: bool) -> None:
        for viewer in self.viewers:
            mine = sorted(s for s in serials if self.host_of.get(s) == host and s in _all(viewer))
            if mine:
                viewer.offer_text({"type": "link", "host": host, "live": live, "serials": mine})

    # -- remote control -------------------------------------------------------------------

    async def command(
        self, host: str, build: Callable[[str], ControlCommand | InputCommand]
    ) -> CommandResult:
        """Send the command `build(id)` to `host`'s agent and wait for the answer.

        Raises:
            AgentUnavailable: the host has no screen link, or it dropped meanwhile.
            TimeoutError: no answer within `command_timeout`.
        """
        link = self.links.get(host)
        if link is None:
            raise AgentUnavailable(f"host {host} has no screen link")
        command_id = uuid.uuid4().hex
        future: asyncio.Future[CommandResult] = asyncio.get_running_loop().create_future()
        link.pending[command_id] = future
        link.send(build(command_id))
        try:
            return await asyncio.wait_for(future, self.command_timeout)
        finally:
            link.pending.pop(command_id, None)

    def set_control(self, state: ControlState) -> None:
        """Record who holds a phone (as its agent reported) and tell its watchers."""
        if state.holder is None or state.expires_in is None:
            self._holds.pop(state.serial, None)
        else:
            self._holds[state.serial] = _Hold(state.holder, self._clock() + state.expires_in)
        self._tell_control(state.serial)

    def control(self, serial: str) -> ControlState:
        """Who holds the phone now, as far as this controller knows."""
        hold = self._holds.get(serial)
        if hold is None:
            return ControlState(serial=serial)
        left = hold.deadline - self._clock()
        if left <= 0:
            del self._holds[serial]
            return ControlState(serial=serial)
        return ControlState(serial=serial, holder=hold.holder, expires_in=round(left, 1))

    def holds(self) -> dict[str, ControlState]:
        """Every phone somebody holds now."""
        states = {serial: self.control(serial) for serial in list(self._holds)}
        return {serial: state for serial, state in states.items() if state.holder is not None}

    def control_message(self, serial: str) -> dict[str, Any]:
        """The JSON a viewer gets about a phone's control."""
        return {"type": "control", **self.control(serial).model_dump(mode="json")}

    def _tell_control(self, serial: str) -> None:
        message = self.control_message(serial)
        for viewer in self.viewers:
            if serial in _all(viewer):
                viewer.offer_text(message)


def _all(viewer: Viewer) -> set[str]:
    serials = set(viewer.thumbs)
    if viewer.focus is not None:
        serials.add(viewer.focus)
    return serials
