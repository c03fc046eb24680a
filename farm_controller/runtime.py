"""`Runtime`: everything one controller process holds, built once from its settings.

Routes reach it through `api.deps`; background jobs get it as an argument. Nothing here
exists at import time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from farm_queue import Clock, JobStore, SqlJobStore, utc_now
from sqlalchemy import Engine

from farm_controller.auth.passwords import Passwords
from farm_controller.chat.realtime import Hub
from farm_controller.db import SessionFactory, make_engine, session_factory
from farm_controller.images import FileStore
from farm_controller.limits import AppLimits
from farm_controller.settings import Settings


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
    """

    settings: Settings
    engine: Engine
    sessions: SessionFactory
    jobs: JobStore
    clock: Clock
    media: FileStore
    evidence: FileStore
    limits: AppLimits = field(default_factory=AppLimits)
    dispatch_lock: threading.RLock = field(default_factory=threading.RLock)
    passwords: Passwords = field(default_factory=Passwords)
    hub: Hub = field(default_factory=Hub)

    @classmethod
    def build(
        cls, settings: Settings, *, clock: Clock = utc_now, jobs: JobStore | None = None
    ) -> Runtime:
        """Open the database and stores that `settings` name."""
        engine = make_engine(settings.database_url)
        return cls(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            jobs=jobs if jobs is not None else SqlJobStore(engine, clock=clock),
            clock=clock,
            media=FileStore(settings.media_dir),
            evidence=FileStore(settings.evidence_dir),
            passwords=Passwords(
                settings.password_hash_memory_kib, settings.password_hash_time_cost
            ),
        )

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()
