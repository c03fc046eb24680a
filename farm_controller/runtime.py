"""`Runtime`: everything one controller process holds, built once from its settings.

Built by `wiring.build_runtime(settings)`. Routes reach it through `api.deps`; background
jobs get it as an argument. The live-screen hub and the clockwork's wake-up live here too,
so no route reaches into the ASGI application's state. Nothing here exists at import
time, and this module imports no domain package at run time (their types only), so every
domain may depend on it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the concrete parts are the domains'; `wiring.build_runtime` makes them
    from farm_queue import Clock, JobStore
    from sqlalchemy import Engine

    from farm_controller.auth.access_watch import AccessWatch
    from farm_controller.auth.passwords import Passwords
    from farm_controller.chat.realtime import Hub
    from farm_controller.db import SessionFactory
    from farm_controller.fleet.live_hub import LiveHub
    from farm_controller.media.images import FileStore
    from farm_controller.posts.limits import AppLimits
    from farm_controller.settings import Settings


class Clockwork(Protocol):
    """The process's timed work (`scheduler.Scheduler`), as the rest of the controller sees it."""

    @property
    def running(self) -> bool:
        """True while the timers run."""

    def dispatch_at(self, moment: datetime) -> None:
        """Turn the occurrences due at `moment` into jobs then (now when it is past)."""


@dataclass
class Runtime:
    """The controller's shared objects.

    Attributes:
        settings: The process's settings.
        engine: The database.
        sessions: Opens ORM sessions on `engine`.
        jobs: The durable job queue (on the same database by default).
        clock: The time every decision is made with (tests pass a fake one).
        media: Uploaded images, by content.
        evidence: Agents' screenshots, by content.
        limits: Each app's post limits.
        dispatch_lock: Serialises turning due occurrences into jobs within this process
            (the database's locks do it across processes).
        passwords: Hashes and checks users' passwords (argon2id, the settings' cost).
        hub: Fans chat events out to the connected panes of this process.
        live: Agents' screen links and the browsers watching phones (live screens).
        access_watch: Checks open WebSockets' credentials again while they stream.
        clockwork: The timed work, once the application has built it (None in tools
            and tests that run without it).
    """

    settings: Settings
    engine: Engine
    sessions: SessionFactory
    jobs: JobStore
    clock: Clock
    media: FileStore
    evidence: FileStore
    passwords: Passwords
    hub: Hub
    live: LiveHub
    limits: AppLimits
    access_watch: AccessWatch
    dispatch_lock: threading.RLock = field(default_factory=threading.RLock)
    clockwork: Clockwork | None = None

    def wake_at(self, moment: datetime) -> None:
        """Have the clockwork dispatch what falls due at `moment` (a new or moved post)."""
        if self.clockwork is not None:
            self.clockwork.dispatch_at(moment)

    @property
    def clockwork_running(self) -> bool:
        """True when the clockwork exists and its timers run."""
        return self.clockwork is not None and self.clockwork.running

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()
