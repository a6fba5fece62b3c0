"""`garant tracking`: the JSON contract scripts rely on (TRK-1, TRK-4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from garant.cli import app
from garant.store.db import make_engine
from garant.store.migrate import upgrade

FIXTURE = (Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "laposte"
           / "china_to_france_pickup.json")
runner = CliRunner()


def test_trk1_parse_prints_one_json_object_per_event() -> None:
    result = runner.invoke(app, ["tracking", "parse", "laposte", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) > 3
    for event in lines:
        assert {"status", "sub_status", "occurred_at", "raw_code", "raw_text",
                "location"} <= set(event)
        assert event["occurred_at"][-6] in "+-"  # ISO 8601 with its offset
    assert lines[0]["occurred_at"] == "2024-03-18T10:05:00+01:00"


def test_trk4_detect_prints_number_validity_warnings_candidates() -> None:
    result = runner.invoke(app, ["tracking", "detect", "rr 123456786 cn"])
    assert result.exit_code == 0
    body = json.loads(result.output)
    assert body["number"] == "RR123456786CN" and body["valid"] is False
    assert body["candidates"][0]["carrier"] == "china_post"
    assert any("should be 5, not 6" in w for w in body["warnings"])


def test_trk2_parse_refuses_unknown_carrier_and_unreadable_file(tmp_path: Path) -> None:
    unknown = runner.invoke(app, ["tracking", "parse", "nope", str(FIXTURE)])
    assert unknown.exit_code == 2 and "unknown carrier" in unknown.output
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = runner.invoke(app, ["tracking", "parse", "laposte", str(bad)])
    assert result.exit_code == 2 and "bad.json" in result.output


def test_trk4_show_unknown_number_gives_the_not_found_advice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    upgrade(make_engine(url))
    monkeypatch.setenv("GARANT_DATABASE_URL", url)
    result = runner.invoke(app, ["tracking", "show", "RR123456786CN"])
    assert result.exit_code == 0, result.output
    assert "Colis introuvable" in result.output
    english = runner.invoke(app, ["tracking", "show", "RR123456786CN", "--lang", "en"])
    assert "Parcel not found" in english.output
