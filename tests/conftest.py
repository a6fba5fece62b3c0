"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, and a Garant with a
fixed clock.

PostgreSQL comes from GARANT_TEST_DATABASE_URL (a server URL; each xdist worker gets its own
database). Without it the PostgreSQL cases skip with one line, except in CI (CI=true), where
they fail: CI must run them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from garant.app import Garant
from garant.clock import FixedClock
from garant.settings import Settings
from garant.store.db import make_engine
from garant.store.migrate import upgrade
from garant.store.schema import metadata

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _pg_server_url() -> str | None:
    url = os.environ.get("GARANT_TEST_DATABASE_URL")
    if not url:
        return None
    if "+psycopg" in url:
        return url
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_url(worker_id: str) -> Iterator[str]:
    server = _pg_server_url()
    if server is None:
        _skip_or_fail("PostgreSQL tests skipped: set GARANT_TEST_DATABASE_URL")
    assert server is not None
    # The pid keeps concurrent test sessions on one server out of each other's database.
    name = f"garant_test_{worker_id}_{os.getpid()}".replace("-", "_")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # unreachable server
        reason = type(exc).__name__
        _skip_or_fail(f"PostgreSQL unreachable at GARANT_TEST_DATABASE_URL: {reason}")
    base, _, _ = server.rpartition("/")
    url = f"{base}/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables if t.name != "policies")
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names}, policies RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "garant.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_url")
        engine = make_engine(url)
        _truncate(engine)
        engine.dispose()
        yield url


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def app(db_url: str, clock: FixedClock, tmp_path: Path) -> Iterator[Garant]:
    # Evidence files go with the test, never into the working tree's var/.
    evidence_dir = str(tmp_path / "evidence")
    settings = Settings(database_url=db_url, sandbox=True, evidence_dir=evidence_dir)
    garant = Garant(settings=settings, engine=make_engine(db_url), clock=clock)
    yield garant
    garant.engine.dispose()


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared absent")
    return SHARED
