"""Scratch databases for the benchmarks: a temporary SQLite file, or a PostgreSQL database of
its own on the given server, migrated, and removed afterwards whatever happens."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from garant.store.db import make_engine
from garant.store.migrate import upgrade

SQLITE, POSTGRES = "SQLite", "PostgreSQL"


def postgres_server_url(explicit: str | None = None) -> str | None:
    """--pg-url, else GARANT_BENCH_DATABASE_URL, GARANT_BENCH_PG_URL, GARANT_TEST_DATABASE_URL."""
    for url in (explicit, *(os.environ.get(k) for k in (
        "GARANT_BENCH_DATABASE_URL", "GARANT_BENCH_PG_URL", "GARANT_TEST_DATABASE_URL"))):
        if url:
            return url
    return None


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def safe(url: str) -> str:
    return make_url(_psycopg(url)).render_as_string(hide_password=True)


def unreachable(server_url: str) -> str | None:
    """Why the PostgreSQL server cannot be used, or None."""
    admin = create_engine(_psycopg(server_url))
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any reason is worth one line, not a traceback
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
    finally:
        admin.dispose()
    return None


@contextmanager
def scratch_sqlite() -> Iterator[str]:
    directory = Path(tempfile.mkdtemp(prefix="garant-bench-"))
    url = f"sqlite:///{directory / 'bench.db'}"
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def scratch_postgres(server_url: str, prefix: str) -> Iterator[str]:
    """A database named ``<prefix>_<pid>`` on the server, dropped afterwards (FORCE: the
    benchmark's own servers may still hold connections when interrupted)."""
    server = make_url(_psycopg(server_url))
    name = f"{prefix}_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)
        try:
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            yield url
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def describe(name: str, url: str) -> str:
    if name == SQLITE:
        return f"SQLite {sqlite3.sqlite_version} (temp file, WAL, synchronous=NORMAL)"
    engine = create_engine(_psycopg(url))
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar()
    finally:
        engine.dispose()
    u = make_url(_psycopg(url))
    where = f"{u.host or 'localhost'}:{u.port or 5432}"
    return f"PostgreSQL {version} at {where} (database {u.database})"
