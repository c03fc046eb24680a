"""`build_runtime(settings)`: the controller's shared objects, made once per process.

The one module that knows which concrete part each `Runtime` field gets (the database,
the queue, the file stores, the hubs, the password hasher); `app.create_app` and tools
that work on a controller's database without serving it call it.
"""

from __future__ import annotations

from farm_queue import Clock, JobStore, SqlJobStore, utc_now

from farm_controller.auth.access_watch import AccessWatch
from farm_controller.auth.passwords import Passwords
from farm_controller.chat.realtime import Hub
from farm_controller.db import make_engine, session_factory
from farm_controller.fleet.live_hub import LiveHub
from farm_controller.media.images import FileStore
from farm_controller.posts.limits import AppLimits
from farm_controller.runtime import Runtime
from farm_controller.settings import Settings


def build_runtime(
    settings: Settings, *, clock: Clock = utc_now, jobs: JobStore | None = None
) -> Runtime:
    """Open the database and stores that `settings` name.

    Args:
        settings: Read once by the entry point.
        clock: The time every decision is made with (tests pass a fake clock).
        jobs: The job store; a `SqlJobStore` on the settings' database by default.
    """
    engine = make_engine(settings.database_url)
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        jobs=jobs if jobs is not None else SqlJobStore(engine, clock=clock),
        clock=clock,
        media=FileStore(settings.media_dir),
        evidence=FileStore(settings.evidence_dir),
        passwords=Passwords(settings.password_hash_memory_kib, settings.password_hash_time_cost),
        hub=Hub(),
        live=LiveHub(),
        limits=AppLimits(),
        access_watch=AccessWatch(),
    )
