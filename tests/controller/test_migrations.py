"""The Alembic migrations build exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from controller_support import FakeAgent, SettingsFactory, api_headers, create_account, submit_post
from farm_queue import metadata as queue_metadata
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from farm_controller import create_app
from farm_controller.db import make_engine
from farm_controller.migrate import alembic_config, current_revision, upgrade
from farm_controller.models import Base, DeviceStateSpan
from farm_protocol.agent_api import PublishPostTask
from farm_protocol.flow import FlowOutcome
from tests.helpers.servers import serving
from tests.helpers.waiting import wait_for


def head() -> str:
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None
    return revision


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, [Base.metadata, queue_metadata]))


def test_sqlite_migrations_match_the_models_and_go_down_again(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head()
    assert schema_differences(engine) == []
    tables = set(inspect(engine).get_table_names())
    assert {"jobs", "posts", "post_targets", "accounts", "devices", "hosts", "media"} <= tables
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    upgrade(engine)
    assert schema_differences(engine) == []
    engine.dispose()


def test_the_state_history_starts_with_every_known_phone_in_its_state(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine, "0003")
    seen = "2030-01-01 09:00:00"
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO hosts VALUES ('rack-1', 'test', 1, :at, :at)"), {"at": seen}
        )
        for serial, state in [("A", "busy"), ("B", "offline")]:
            connection.execute(
                text(
                    "INSERT INTO devices (serial, host_name, model, manufacturer, sdk, width,"
                    " height, density, state, screen_on, locked, app_versions, registered_at,"
                    " last_seen) VALUES (:serial, 'rack-1', '', '', 0, 1, 1, 1, :state, 1, 0,"
                    " '{}', :at, :at)"
                ),
                {"serial": serial, "state": state, "at": seen},
            )
    before = datetime.now(UTC)
    upgrade(engine)
    with Session(engine) as session:
        rows = session.scalars(select(DeviceStateSpan).order_by(DeviceStateSpan.serial)).all()
        assert [(r.serial, r.host_name, r.state, r.ended_at) for r in rows] == [
            ("A", "rack-1", "online", None),
            ("B", "rack-1", "offline", None),
        ]
        assert all(before <= r.started_at <= datetime.now(UTC) for r in rows)
    engine.dispose()


@pytest.mark.postgres
def test_postgres_migrations_and_a_post_round_trip(
    pg_url: str, make_settings: SettingsFactory
) -> None:
    settings = make_settings(database_url=pg_url, scheduler_enabled=True, sweep_interval=0.5)
    app = create_app(settings)
    engine = app.state.runtime.engine
    assert engine.dialect.name == "postgresql"
    assert current_revision(engine) == head()
    assert schema_differences(engine) == []
    with serving(app) as url, httpx.Client(base_url=url) as http:
        http.headers.update(api_headers())
        agent = FakeAgent(http)
        agent.register("PG-1")
        account = create_account(http, "pg", "PG-1", timezone="Asia/Shanghai")
        post = submit_post(http, text="PostgreSQL 你好", account_ids=[account["id"]])
        assert post.status_code == 201, post.text
        duplicate = submit_post(http, text="PostgreSQL 你好", account_ids=[account["id"]])
        assert duplicate.status_code == 409
        [job] = wait_for(lambda: agent.claim("PG-1"), timeout=5.0, interval=0.02)
        assert isinstance(job.payload, PublishPostTask)
        assert job.payload.text == "PostgreSQL 你好"
        done = agent.finish(job.id, "PG-1", FlowOutcome.SUCCEEDED)
        assert done.target_state == "published"
        shown = http.get(f"/api/v1/posts/{post.json()['id']}").json()
        assert shown["targets"][0]["published_at"].endswith("Z")


def _users_before_0005(engine: Engine, names: list[str]) -> None:
    seen = "2030-01-01 09:00:00"
    with engine.begin() as connection:
        for user_id, name in enumerate(names, start=1):
            connection.execute(
                text(
                    "INSERT INTO users (id, username, display_name, role, password_hash, active,"
                    " created_at, updated_at) VALUES (:id, :name, '', 'scheduler', NULL, :on,"
                    " :at, :at)"
                ),
                {"id": user_id, "name": name, "on": True, "at": seen},
            )


COLLIDING = ["Émilie", "émilie", "E\u0301MILIE", "straße", "STRASSE", "mei", "ｍｅｉ"]
"""Names stored apart before 0005 (SQLite's lower() folds ASCII only) that are one name
each by NFKC + casefold: the earliest keeps it, the others become ``<name>-<id>``."""
AFTER_0005 = [
    (1, "Émilie", "émilie"),
    (2, "émilie-2", "émilie-2"),
    (3, "E\u0301MILIE-3", "émilie-3"),
    (4, "straße", "strasse"),
    (5, "STRASSE-5", "strasse-5"),
    (6, "mei", "mei"),
    (7, "ｍｅｉ-7", "mei-7"),
]


def _migrate_colliding_names(engine: Engine) -> None:
    upgrade(engine, "0004")
    _users_before_0005(engine, COLLIDING)
    seen = "2030-01-01 09:00:00"
    with engine.begin() as connection:  # one conversation assigned to each Émilie
        connection.execute(
            text(
                "INSERT INTO accounts (id, name, device_serial, app, timezone, daily_post_cap,"
                " publish_mode, tags, created_at, updated_at) VALUES (1, 'shop', 'S1',"
                " 'simchat', 'UTC', 3, 'auto', '[]', :at, :at)"
            ),
            {"at": seen},
        )
        for i, assignee in enumerate(["Émilie", "émilie"], start=1):
            connection.execute(
                text(
                    "INSERT INTO contacts (id, account_id, name, notes, attributes, created_at,"
                    " updated_at) VALUES (:id, 1, :name, '', '{}', :at, :at)"
                ),
                {"id": i, "name": f"c{i}", "at": seen},
            )
            connection.execute(
                text(
                    "INSERT INTO conversations (id, account_id, contact_id, status, assignee,"
                    " unread_count, last_activity_at, last_text, next_seq, next_position,"
                    " created_at, updated_at) VALUES (:id, 1, :id, 'open', :who, 0, :at, '',"
                    " 1, 1, :at, :at)"
                ),
                {"id": i, "who": assignee, "at": seen},
            )
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, username, username_key FROM users ORDER BY id")
        ).all()
        assigned = connection.execute(
            text("SELECT id, assignee FROM conversations ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == AFTER_0005
    assert [tuple(row) for row in assigned] == [(1, "Émilie"), (2, "émilie-2")]
    assert schema_differences(engine) == []


def test_0005_keys_user_names_and_renames_later_ones_that_collide(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    _migrate_colliding_names(engine)
    command.downgrade(alembic_config(engine), "0004")
    upgrade(engine)
    assert schema_differences(engine) == []
    engine.dispose()


@pytest.mark.postgres
def test_0005_keys_user_names_on_postgres(pg_url: str) -> None:
    engine = make_engine(pg_url)
    _migrate_colliding_names(engine)
    engine.dispose()
