"""`garant bench protection --steps 40`: it runs the state machine on a temporary SQLite
database, prints its method before the results, and exits 0 when every check held; it refuses
a database that already holds data (the check empties its database)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from garant.app import Garant
from garant.cli import app
from garant.services.users import create_user
from garant.settings import Settings
from garant.store.db import make_engine
from garant.store.migrate import upgrade


def test_bench_protection_cli_smoke() -> None:
    result = CliRunner().invoke(app, ["bench", "protection", "--steps", "40", "--seed", "7"])
    out = result.output
    assert result.exit_code == 0, out
    assert out.index("Buyer-protection state machine") < out.index("steps/s")  # method first
    assert "Database: SQLite (a temporary file" in out
    assert "seed 7 (given)" in out
    assert "paid = held + released + refunded" in out
    assert "create_order" in out
    assert "Result: OK" in out


def test_bench_protection_refuses_a_database_in_use(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'in-use.db'}"
    engine = make_engine(url)
    upgrade(engine)
    garant = Garant(settings=Settings(database_url=url), engine=engine)
    create_user(garant, name="Ana", email="ana@example.test", role="buyer")
    engine.dispose()

    result = CliRunner().invoke(app, ["bench", "protection", "--steps", "5", "--database-url", url])

    assert result.exit_code == 2
    assert "give it an empty scratch database" in result.output
