"""Engines for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection as Connection
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import IntegrityError as IntegrityError

# ``Connection`` and ``IntegrityError`` are re-exported so that services can name the
# connection they pass to the store, and the unique-key race they answer, without importing
# SQLAlchemy themselves (every query lives in ``store/``).


# The execution option that marks a connection as a reader (``reading``).
_READ_ONLY = "garant_read_only"


def make_engine(url: str, *, write_lock: bool = True, **kwargs: Any) -> Engine:
    """``write_lock=False`` gives a SQLite engine for plain reads outside any transaction
    (WAL readers never wait for the writer)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"isolation_level": None, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets the API read while the worker writes; busy_timeout waits for the
            # single writer instead of failing at once.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        if not write_lock:
            return engine

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # Take the write lock up front: a deferred transaction that reads then writes can
            # fail with "database is locked" when another process wrote in between. A read
            # (``reading``) takes no lock: a deferred BEGIN reads one snapshot of the WAL
            # while writers go on.
            read = conn.get_execution_options().get(_READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")

        return engine
    # No ping per checkout (a round trip before every request's first statement): connections
    # are renewed after half an hour instead, and a connection found dead (a server restart)
    # makes SQLAlchemy discard the whole pool, so only the request that met it fails.
    kwargs.setdefault("pool_recycle", 1800)
    # Our statements are few and always the same (built once, values as parameters), and
    # psycopg prepares each after its fifth use on a connection. With its custom plans
    # PostgreSQL would still plan every execution (an array of ids makes the generic plan
    # look dearer): 2 ms of planning for a 0.6 ms read of an order. Every query here finds
    # rows by key or by an index that matches, so the generic plan is the right one.
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("options", "-c plan_cache_mode=force_generic_plan")
    return create_engine(url, connect_args=connect_args, **kwargs)


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection for reads.

    On PostgreSQL it runs in autocommit: no BEGIN and no ROLLBACK, two round trips saved per
    read, and no rollback to make psycopg forget the statements it prepared on the
    connection (it forgets them all at each one). Nothing is lost: in READ COMMITTED every
    statement takes its own snapshot, inside a transaction or not. On SQLite it begins a
    plain (deferred) transaction, which takes no write lock: readers never queue behind
    each other or behind the writer."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        else:
            conn = conn.execution_options(**{_READ_ONLY: True})
        yield conn


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
