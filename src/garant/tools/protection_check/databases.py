"""A fresh, empty, migrated database for each example: copies of a SQLite template, or the
given PostgreSQL database emptied; and the refusal to run on a database that holds data."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from garant.store import schema as t
from garant.store.db import make_engine
from garant.store.migrate import upgrade


class Databases:
    """A fresh, empty, migrated database for each example."""

    name = ""

    def fresh(self) -> tuple[str, Engine]:
        raise NotImplementedError

    def done(self, url: str, engine: Engine) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SqliteCopies(Databases):
    """A migrated template file, copied for each example (cheap, and every example starts
    from the same bytes)."""

    def __init__(self, template_url: str | None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="garant-protection-"))
        self.serial = itertools.count(1)
        if template_url is None:
            self.template = self.dir / "template.db"
            self.name = "SQLite (a temporary file, copied fresh for each example)"
        else:
            database = make_url(template_url).database
            if not database:
                raise ValueError("give a SQLite file, not an in-memory database")
            self.template = Path(database)
            self.name = (
                f"SQLite {self.template} (migrated if needed, left empty; each example runs "
                "on a copy of it in a temporary directory)"
            )
        engine = make_engine(f"sqlite:///{self.template}")
        try:
            upgrade(engine)
            _require_empty(engine)
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        finally:
            engine.dispose()  # the last connection closed folds the WAL into the file

    def fresh(self) -> tuple[str, Engine]:
        path = self.dir / f"example-{next(self.serial)}.db"
        shutil.copyfile(self.template, path)
        wal = Path(f"{self.template}-wal")
        if wal.exists():
            shutil.copyfile(wal, f"{path}-wal")
        url = f"sqlite:///{path}"
        return url, make_engine(url)

    def done(self, url: str, engine: Engine) -> None:
        engine.dispose()
        path = make_url(url).database
        assert path is not None
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresEmptied(Databases):
    """The given (empty) PostgreSQL database, migrated once and emptied before each example
    and at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        try:
            upgrade(self.engine)
            _require_empty(self.engine)
            with self.engine.connect() as conn:
                version = str(conn.execute(text("SHOW server_version")).scalar())
        except BaseException:
            self.engine.dispose()
            raise
        safe = make_url(self.engine.url).render_as_string(hide_password=True)
        self.name = (
            f"PostgreSQL {version} at {safe} (must be empty; emptied before each example "
            "and at the end)"
        )

    def _empty(self) -> None:
        names = ", ".join(f'"{table.name}"' for table in t.metadata.sorted_tables)
        with self.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))

    def fresh(self) -> tuple[str, Engine]:
        self._empty()
        return self.url, self.engine

    def done(self, url: str, engine: Engine) -> None:
        pass

    def close(self) -> None:
        try:
            self._empty()
        finally:
            self.engine.dispose()


class NotEmpty(Exception):
    """The database given already holds data: the check empties it, so it refuses."""


def _require_empty(engine: Engine) -> None:
    with engine.connect() as conn:
        users = conn.execute(select(func.count()).select_from(t.users)).scalar_one()
        orders = conn.execute(select(func.count()).select_from(t.orders)).scalar_one()
    if users or orders:
        raise NotEmpty(
            f"the database holds {users} users and {orders} orders; the check empties its "
            "database between examples, so give it an empty scratch database"
        )


def databases_for(database_url: str | None) -> Databases:
    if database_url is None or database_url.startswith("sqlite"):
        return SqliteCopies(database_url)
    return PostgresEmptied(database_url)
