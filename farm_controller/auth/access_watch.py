"""`AccessWatch`: an open WebSocket keeps only the access its credential still gives.

A socket authenticates once, at its handshake, then streams for hours. Access can end in
the meantime — the user deactivated, the token revoked, the session signed out or
expired — or narrow: an `agent_staff` member unassigned from an account, a role changed.
Every `interval` seconds (0.5) the watch looks every open socket's credential up again,
all of them on one worker thread, and tells each socket:

    the credential no longer gives access        → `on_end(Ended.REVOKED)`
    it does, but the role may not use the socket → `on_end(Ended.FORBIDDEN)`
    it does, as a changed user (accounts, role)  → `on_change(user)`: the socket narrows

The database is the truth, so a change made through any controller process reaches the
sockets of every process within one interval. Nothing here knows HTTP: the socket's
handler decides what ending means on the wire (`api.websocket`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from farm_controller.auth.credentials import Credential, authenticate
from farm_controller.auth.principal import User

if TYPE_CHECKING:
    from farm_controller.runtime import Runtime

log = logging.getLogger(__name__)

INTERVAL_S = 0.5
"""How often open sockets' access is checked again (a change reaches them within this)."""


class Ended(StrEnum):
    """Why a socket's access ended."""

    REVOKED = "revoked"
    FORBIDDEN = "forbidden"


@dataclass(eq=False)
class Watched:
    """One open socket under watch.

    Attributes:
        credential: What it authenticated with.
        user: Who it streams for, as last looked up.
        allowed: Whether a user's role may use this socket.
        on_change: Called (on the event loop) with the user when their access changed.
        on_end: Awaited once when access ended; the watch forgets the socket then.
        loop: The event loop serving the socket (its checks run there).
    """

    credential: Credential
    user: User
    allowed: Callable[[User], bool]
    on_change: Callable[[User], None]
    on_end: Callable[[Ended], Awaitable[None]]
    loop: asyncio.AbstractEventLoop
    ended: bool = field(default=False)


class AccessWatch:
    """Looks the credentials of open sockets up again, every `interval` seconds.

    Args:
        interval: Seconds between two looks.
    """

    def __init__(self, interval: float = INTERVAL_S) -> None:
        self.interval = interval
        self._watched: set[Watched] = set()
        self._tasks: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}
        self.checks = 0

    def watch(
        self,
        rt: Runtime,
        credential: Credential,
        user: User,
        *,
        allowed: Callable[[User], bool],
        on_change: Callable[[User], None],
        on_end: Callable[[Ended], Awaitable[None]],
    ) -> Watched:
        """Start watching one socket (call on the event loop that serves it)."""
        loop = asyncio.get_running_loop()
        watched = Watched(credential, user, allowed, on_change, on_end, loop)
        self._watched.add(watched)
        task = self._tasks.get(loop)
        if task is None or task.done():
            self._tasks[loop] = loop.create_task(self._run(rt, loop))
        return watched

    def forget(self, watched: Watched) -> None:
        """The socket closed: stop watching it."""
        self._watched.discard(watched)

    @property
    def watching(self) -> int:
        """How many sockets are under watch."""
        return len(self._watched)

    async def _run(self, rt: Runtime, loop: asyncio.AbstractEventLoop) -> None:
        # One task per event loop (a server has one; tests may serve from several): each
        # socket is told on the loop that serves it.
        while any(w.loop is loop for w in self._watched):
            await asyncio.sleep(self.interval)
            try:
                await self.check(rt)
            except Exception:  # a failed look (database away) must not end the watch
                log.warning("checking open sockets' access failed", exc_info=True)
        self._tasks.pop(loop, None)

    async def check(self, rt: Runtime) -> None:
        """Look the credentials of the sockets this loop serves up now; act on changes."""
        loop = asyncio.get_running_loop()
        watched = [w for w in self._watched if not w.ended and w.loop is loop]
        if not watched:
            return
        credentials = list({w.credential for w in watched})
        users = await asyncio.to_thread(_look_up, rt, credentials)
        self.checks += 1
        found = dict(zip(credentials, users, strict=True))
        for item in watched:
            user = found[item.credential]
            if user is None or not item.allowed(user):
                item.ended = True
                self._watched.discard(item)
                reason = Ended.REVOKED if user is None else Ended.FORBIDDEN
                log.info("a socket of %s lost its access (%s)", item.user.name, reason)
                with contextlib.suppress(Exception):
                    await item.on_end(reason)
            elif user != item.user:
                item.user = user
                item.on_change(user)


def _look_up(rt: Runtime, credentials: list[Credential]) -> list[User | None]:
    return [authenticate(rt, credential, touch=False) for credential in credentials]
