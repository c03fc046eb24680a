"""What only the SQL store has: the schema, the database-level guard, several processes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from farm_queue import SqlJobStore, create_tables, metadata
from farm_queue.tables import jobs
from sqlalchemy import create_engine, inspect, update
from sqlalchemy.exc import IntegrityError

from farm_protocol.jobs import JobKind, JobState


def test_metadata_holds_the_jobs_table_and_its_indexes() -> None:
    assert set(metadata.tables) == {"jobs"}
    indexes = {str(index.name): index for index in jobs.indexes}
    assert [c.name for c in indexes["ix_jobs_state_not_before"].columns] == ["state", "not_before"]
    assert [c.name for c in indexes["ix_jobs_device_serial_state"].columns] == [
        "device_serial",
        "state",
        "not_before",
        "seq",
    ]
    assert indexes["uq_jobs_one_lease_per_device"].unique
    assert jobs.c.idempotency_key.unique


def test_create_tables_is_idempotent_and_builds_the_indexes(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    create_tables(engine)
    create_tables(engine)
    names = {index["name"] for index in inspect(engine).get_indexes("jobs")}
    assert {
        "ix_jobs_state_not_before",
        "ix_jobs_device_serial_state",
        "uq_jobs_one_lease_per_device",
    } <= names
    engine.dispose()


def test_the_database_refuses_a_second_lease_on_a_device(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    create_tables(engine)
    store = SqlJobStore(engine)
    first = store.enqueue(JobKind.SYNC_CHATS, "dev-1", {})
    second = store.enqueue(JobKind.SYNC_CHATS, "dev-1", {})
    store.claim("a", ["dev-1"], lease_seconds=60)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(update(jobs).where(jobs.c.id == second.id).values(state=JobState.LEASED))
    assert store.get(first.id).state is JobState.LEASED
    assert store.get(second.id).state is JobState.QUEUED
    engine.dispose()


def test_states_and_kinds_are_stored_as_their_values(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    create_tables(engine)
    job = SqlJobStore(engine).enqueue(JobKind.PUBLISH_POST, "dev-1", {})
    with engine.connect() as conn:
        raw = conn.exec_driver_sql("SELECT kind, state FROM jobs WHERE id = ?", (job.id,)).one()
    assert tuple(raw) == ("publish_post", "queued")
    engine.dispose()


def test_the_database_refuses_an_unknown_state(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    create_tables(engine)
    SqlJobStore(engine).enqueue(JobKind.SYNC_CHATS, "dev-1", {})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.exec_driver_sql("UPDATE jobs SET state = 'running'")
    engine.dispose()


CLAIMER = textwrap.dedent(
    """
    import json, sys
    from sqlalchemy import create_engine
    from farm_queue import SqlJobStore

    store = SqlJobStore(create_engine(sys.argv[1]))
    devices = json.loads(sys.argv[2])
    owner = sys.argv[3]
    taken, idle = [], 0
    while idle < 30:
        jobs = store.claim(owner, devices, lease_seconds=60, limit=2)
        idle = 0 if jobs else idle + 1
        for job in jobs:
            taken.append(job.id)
            store.complete(job.id, owner, {})
    print(json.dumps(taken))
    """
)


def test_claimers_in_several_processes_share_one_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    engine = create_engine(url)
    create_tables(engine)
    store = SqlJobStore(engine)
    devices = [f"dev-{n}" for n in range(8)]
    expected = {store.enqueue(JobKind.RUN_FLOW, devices[n % 8], {}).id for n in range(200)}

    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIMER, url, json.dumps(devices), f"proc-{n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    taken: list[str] = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        taken.extend(json.loads(out))

    counts = Counter(taken)
    assert set(counts) == expected
    assert max(counts.values()) == 1
    assert store.count_by_state()[JobState.SUCCEEDED] == 200
    engine.dispose()
