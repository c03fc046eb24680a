"""PostgreSQL for the tests (and `scripts/bench_queue`): the server named by
`PHONEFARM_TEST_PG_URL` (`scripts/test` sets it when PostgreSQL 15 is installed), one fresh
schema per user."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_URL_ENV = "PHONEFARM_TEST_PG_URL"
PG_SKIP_REASON = (
    f"PostgreSQL tests need {PG_URL_ENV}, e.g. "
    "postgresql+psycopg://root@/phonefarm_test?host=/var/run/postgresql"
)


def pg_url_or_skip() -> str:
    """The test server's URL; skips the test when none is configured."""
    import pytest  # here, so that the benches can use this module without pytest

    url = os.environ.get(PG_URL_ENV)
    if not url:
        pytest.skip(PG_SKIP_REASON)
    return url


@contextmanager
def fresh_schema(url: str, prefix: str) -> Iterator[str]:
    """A new, empty schema named `<prefix>_<random>` for the block; dropped after it."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield schema
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


def in_schema(url: str, schema: str) -> str:
    """`url` whose connections work in `schema` (a search_path option)."""
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return scoped.render_as_string(hide_password=False)
