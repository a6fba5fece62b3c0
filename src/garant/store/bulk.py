"""Set-based writes: many rows changed by one statement on both databases.

On PostgreSQL an executemany is still one statement per row on the server (psycopg pipelines
them, but each is planned and run alone); an ``UPDATE … FROM unnest(arrays)`` changes a
thousand rows in one statement, and multi-row ``INSERT … VALUES`` does the same for inserts
(``tune_engine``). On SQLite, in-process, an executemany is already the cheap form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from psycopg.types.json import Json
from sqlalchemy import JSON, Connection, Table, TypeDecorator, and_, bindparam, func, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

# Row keys that say which row to change rather than what to set.
MATCH = {"_id": "id", "_read_version": "version"}


def update_many(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    const: Mapping[str, Any] | None = None,
    where: Sequence[ColumnElement[bool]] = (),
) -> int:
    """Change many rows of ``table`` in one statement; return how many matched.

    Each row has ``_id`` (and ``_read_version`` for a version check) and the same columns to
    set; ``const`` sets the same value everywhere; ``where`` adds conditions on the table.
    """
    if not rows:
        return 0
    keys = list(rows[0])
    columns = [k for k in keys if k not in MATCH]
    const = dict(const or {})
    if conn.dialect.name != "postgresql" or any(
        isinstance(table.c[name].type, JSON) for name in columns
    ):
        return _executemany(conn, table, rows, keys, columns, const, where)
    arrays = [
        bindparam(
            f"a_{key}",
            [row[key] for row in rows],
            type_=ARRAY(table.c[MATCH.get(key, key)].type),
        )
        for key in keys
    ]
    given = func.unnest(*arrays).table_valued(*keys).render_derived(name="given")
    matched = [table.c[column] == given.c[key] for key, column in MATCH.items() if key in keys]
    stmt = (
        update(table)
        .values({**{name: given.c[name] for name in columns}, **const})
        .where(and_(*matched, *where))
    )
    return int(conn.execute(stmt).rowcount)


def _executemany(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    columns: Sequence[str],
    const: Mapping[str, Any],
    where: Sequence[ColumnElement[bool]],
) -> int:
    """One executemany. On SQLite (positional parameters) it is compiled once and each value
    goes through its bind type's own processor, not through SQLAlchemy's per-row parameter
    machinery (most of the cost of a big batch)."""
    matched = [table.c[column] == bindparam(key) for key, column in MATCH.items() if key in keys]
    stmt = (
        update(table)
        .values({**{name: bindparam(name) for name in columns}, **const})
        .where(and_(*matched, *where))
    )
    compiled = stmt.compile(dialect=conn.dialect)
    if compiled.positiontup is None:  # a named paramstyle (PostgreSQL, JSON columns): as is
        return int(conn.execute(stmt, list(rows)).rowcount)
    names = compiled.positiontup
    fixed = {n: compiled.binds[n].value for n in names}  # the constants' own values
    processors = [compiled.binds[name].type.bind_processor(conn.dialect) for name in names]
    params = [
        tuple(
            p(row[n] if n in row else fixed[n]) if p else (row[n] if n in row else fixed[n])
            for n, p in zip(names, processors, strict=True)
        )
        for row in rows
    ]
    return int(conn.exec_driver_sql(compiled.string, params).rowcount)


def insert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows at once: COPY on PostgreSQL (no statement to parse or plan, rows
    streamed in the driver's C code), an executemany on SQLite. Every row has the same keys.
    The COPY runs on the connection's own transaction, so it commits or rolls back with it."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        _sqlite_insert(conn, table, rows)
        return
    keys = list(rows[0])
    dialect = conn.dialect
    adapt = [_copy_adapter(table.c[k].type, dialect) for k in keys]
    quote = conn.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(k) for k in keys)}) FROM STDIN"
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([a(row[k]) if a else row[k] for k, a in zip(keys, adapt, strict=True)])


def _copy_adapter(column_type: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """What a value goes through before COPY: JSON documents wrapped for the driver, and our
    own column types' checks (an aware UTC datetime, never a naive one)."""
    if isinstance(column_type, JSON):
        return lambda v: None if v is None else Json(v)
    if isinstance(column_type, TypeDecorator):
        return lambda v: column_type.process_bind_param(v, dialect)
    return None


def _sqlite_insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """One executemany of a plain INSERT, the values put through each column type's own bind
    processor once here rather than through SQLAlchemy's per-row parameter machinery (most
    of the cost of a thousand-row batch)."""
    keys = tuple(rows[0])
    processors = [table.c[k].type.bind_processor(conn.dialect) for k in keys]
    quote = conn.dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(k) for k in keys)}) "
        f"VALUES ({', '.join('?' for _ in keys)})"
    )
    conn.exec_driver_sql(
        sql,
        [
            tuple(p(row[k]) if p else row[k] for k, p in zip(keys, processors, strict=True))
            for row in rows
        ],
    )
