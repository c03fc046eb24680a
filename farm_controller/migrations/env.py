"""Alembic environment: runs the migrations on the engine the controller passes, or on the
URL in ``PHONEFARM_DATABASE_URL`` (default: the settings' default) when run by the
``alembic`` command.

The target metadata is the controller's and the queue's together, so autogenerate sees
every table.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from farm_queue.tables import metadata as queue_metadata
from sqlalchemy import Engine

from farm_controller.db import make_engine
from farm_controller.models import Base
from farm_controller.settings import DEFAULT_DATABASE_URL

config = context.config
if config.config_file_name is not None and not config.attributes.get("engine"):
    fileConfig(config.config_file_name)

target_metadata = [Base.metadata, queue_metadata]


def _engine() -> Engine:
    given = config.attributes.get("engine")
    if isinstance(given, Engine):
        return given
    url = os.environ.get("PHONEFARM_DATABASE_URL") or DEFAULT_DATABASE_URL
    return make_engine(url)


def run_migrations_online() -> None:
    """Run the migrations in one transaction on the database."""
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    if engine is not config.attributes.get("engine"):
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them on a database")
run_migrations_online()
