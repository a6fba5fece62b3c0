"""Where "now" comes from. The domain never reads it: services pass it in.

``SandboxClock`` adds an offset kept in the database, so the API, the worker and the CLI of
one installation all see the same moved time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection, Engine, insert, select, update

from garant.store.db import make_engine
from garant.store.schema import sandbox_clock


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """For tests: time moves only when told."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


class SandboxClock:
    def __init__(self, engine: Engine) -> None:
        # A reader of its own: "now" is often asked inside another connection's transaction,
        # and on SQLite a second transaction would wait for the first one's write lock.
        self.engine = make_engine(str(engine.url.render_as_string(hide_password=False)),
                                  write_lock=False) if engine.dialect.name == "sqlite" else engine

    def offset(self) -> timedelta:
        with self.engine.connect() as conn:
            seconds = conn.execute(
                select(sandbox_clock.c.offset_seconds).where(sandbox_clock.c.id == 1)
            ).scalar()
        return timedelta(seconds=seconds or 0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset()


def add_offset(conn: Connection, delta: timedelta) -> timedelta:
    current = conn.execute(
        select(sandbox_clock.c.offset_seconds).where(sandbox_clock.c.id == 1)
    ).scalar()
    new = int(current or 0) + int(delta.total_seconds())
    if current is None:
        conn.execute(insert(sandbox_clock).values(id=1, offset_seconds=new))
    else:
        conn.execute(
            update(sandbox_clock).where(sandbox_clock.c.id == 1).values(offset_seconds=new)
        )
    return timedelta(seconds=new)


def parse_duration(text: str) -> timedelta:
    """'73h', '3d', '90m', '45s', '1d12h' → timedelta."""
    units = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
    total = timedelta()
    number = ""
    for ch in text.strip().lower():
        if ch.isdigit():
            number += ch
        elif ch in units and number:
            total += timedelta(**{units[ch]: int(number)})
            number = ""
        else:
            raise ValueError(f"'{text}' is not a duration; write it like 73h, 3d, 1d12h or 90m")
    if number or total <= timedelta(0):
        raise ValueError(f"'{text}' is not a duration; write it like 73h, 3d, 1d12h or 90m")
    return total
