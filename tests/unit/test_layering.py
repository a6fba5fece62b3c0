"""House rules the code's shape must keep (read from the sources, no database).

- Services build no SQL: every query lives in ``store/``. A service may name a ``Connection``
  (``garant.store.db`` re-exports it) but imports nothing from SQLAlchemy.
- The outbox has one writer, ``garant.store.outbox.append``: nothing else inserts its rows.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import garant

SRC = Path(garant.__file__).resolve().parent
SERVICES = SRC / "services"

# Services that still import SQLAlchemy (their queries belong in ``store/``). Each entry would
# be a debt, to be removed when its module stops importing it: the list is empty and stays so.
SQLALCHEMY_STILL_IMPORTED_BY: set[str] = set()

# Outbox rows still written by hand, outside ``store/outbox.py`` (same idea: empty it).
OUTBOX_STILL_WRITTEN_BY: set[str] = set()

# insert(outbox) / insert(t.outbox) / pg_insert(schema.outbox) … and outbox.insert()
_OUTBOX_INSERT = re.compile(r"insert\(\s*(?:\w+\.)?outbox\s*[,)]|\boutbox\.insert\(")


def _sqlalchemy_imports(path: Path) -> list[str]:
    """The SQLAlchemy imports of a module, wherever they are (also inside functions)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "sqlalchemy"]
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and (node.module or "").split(".")[0] == "sqlalchemy"
        ):
            found.append(str(node.module))
    return found


def _service_modules() -> list[Path]:
    return sorted(SERVICES.glob("*.py"))


def test_services_import_no_sqlalchemy() -> None:
    offenders = {
        p.name: imports
        for p in _service_modules()
        if p.name not in SQLALCHEMY_STILL_IMPORTED_BY and (imports := _sqlalchemy_imports(p))
    }
    assert offenders == {}, (
        "services build no SQL: move these queries into a store/ module (take the Connection "
        f"type from garant.store.db): {offenders}"
    )


def test_sqlalchemy_allow_list_names_only_services_that_still_import_it() -> None:
    """An entry whose module is converted is stale: removing it keeps the rule enforced."""
    modules = {p.name: p for p in _service_modules()}
    stale = sorted(
        name
        for name in SQLALCHEMY_STILL_IMPORTED_BY
        if name not in modules or not _sqlalchemy_imports(modules[name])
    )
    assert stale == [], f"remove from SQLALCHEMY_STILL_IMPORTED_BY: {stale}"


def _outbox_writers() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        hits = _OUTBOX_INSERT.findall(path.read_text(encoding="utf-8"))
        if hits:
            found[name] = hits
    return found


def test_outbox_rows_are_written_only_by_store_outbox() -> None:
    writers = {
        name: hits
        for name, hits in _outbox_writers().items()
        if name != "store/outbox.py" and name not in OUTBOX_STILL_WRITTEN_BY
    }
    assert writers == {}, (
        "the outbox has one writer: hand the messages to "
        f"garant.store.outbox.append(conn, [Message(...)]) instead: {writers}"
    )


def test_outbox_allow_list_names_only_modules_that_still_write_it() -> None:
    stale = sorted(set(OUTBOX_STILL_WRITTEN_BY) - set(_outbox_writers()))
    assert stale == [], f"remove from OUTBOX_STILL_WRITTEN_BY: {stale}"


def test_the_outbox_rule_sees_each_way_of_writing_a_row() -> None:
    """The pattern itself: each spelling of an insert into the outbox is caught, and the
    one writer's call is not."""
    caught = [
        "conn.execute(insert(t.outbox).values(topic=TOPIC))",
        "conn.execute(insert(outbox), rows)",
        "conn.execute(pg_insert(schema.outbox).values())",
        "conn.execute(t.outbox.insert().values())",
    ]
    assert [bool(_OUTBOX_INSERT.search(c)) for c in caught] == [True] * 4
    assert _OUTBOX_INSERT.search("outbox.append(conn, [message])") is None
    assert _OUTBOX_INSERT.search("insert(t.outbox_deliveries)") is None
