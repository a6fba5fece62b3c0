"""Count the SQL statements an engine sends: the guard of set-based hot paths.

An executemany is one statement (one round of the driver), as is a multi-row INSERT.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def count_statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # BEGIN/COMMIT are not statements of the work; SQLite's BEGIN IMMEDIATE is sent here.
        if statement.strip().upper().startswith(("BEGIN", "PRAGMA")):
            return
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
