"""Batch import of tracking events from CSV and JSON Lines, on both databases (TRK-1, 2, 3)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from garant.app import Garant
from garant.carriers.sandbox import Scenario, journey, render, sandbox_number
from garant.clock import FixedClock
from garant.domain.errors import InvalidInput
from garant.domain.tracking import TrackingEvent
from garant.services.tracking import public_view
from garant.services.tracking_import import FIELDS, import_file
from garant.store import schema as t

from .helpers import Parties, act, create_paid_order, make_parties, order_row

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers"
SHIPPED = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


def _journey(scenario: Scenario, serial: int, method: str = "aliexpress_choice") -> list[Any]:
    number = sandbox_number(scenario, method=method, serial=serial)
    return journey(number, method=method, scenario=scenario, shipped_at=SHIPPED, seed=serial)


def _row(e: TrackingEvent) -> dict[str, str]:
    return {
        "tracking_number": e.tracking_number, "carrier": e.carrier,
        "occurred_at": e.occurred_at.isoformat(), "status": e.status.value,
        "sub_status": e.sub_status.value, "raw_code": e.raw_code or "", "raw_text": e.raw_text,
        "country": e.location.country or "", "city": e.location.city or "",
        "postcode": e.location.postcode or "", "leg": e.leg or "",
    }  # fmt: skip


def _csv(rows: list[dict[str, str]], *, delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, [*FIELDS, "leg"], delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _count(app: Garant, table: Any) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _errors(app: Garant) -> list[dict[str, Any]]:
    with app.engine.connect() as conn:
        rows = conn.execute(select(t.tracking_errors).order_by(t.tracking_errors.c.id))
        return [dict(r) for r in rows.mappings()]


@pytest.fixture
def p(app: Garant, clock: FixedClock) -> Parties:
    clock.current = SHIPPED
    return make_parties(app)


def test_trk2_csv_import_skips_a_bad_line_and_moves_the_order(
    app: Garant, clock: FixedClock, p: Parties, tmp_path: Path
) -> None:
    events = _journey(Scenario.LETTER_BOX, 1)
    order_id = create_paid_order(app, p, shipping_method="aliexpress_choice")
    act(app, order_id, p.seller, "ship", tracking_number=events[0].tracking_number)
    rows = [_row(e) for e in events]
    bad = dict(rows[4], occurred_at="2026-10-05T10:00:00")  # no offset: refused, not guessed
    middle = len(rows) // 2
    path = tmp_path / "events.csv"
    path.write_text(_csv([*rows[:middle], bad, *rows[middle:]]), encoding="utf-8")
    clock.current = SHIPPED + timedelta(days=40)
    report = import_file(app, path)
    assert (report.lines, report.events, report.added, report.duplicates, report.errors) == (
        len(rows) + 1, len(rows), len(rows), 0, 1)  # fmt: skip
    [error] = _errors(app)
    assert error["source"] == "import" and error["carrier"] == events[4].carrier
    assert error["error"].startswith(f"events.csv line {middle + 2}: ")  # header is line 1
    assert "offset" in error["error"] and "2026-10-05T10:00:00" in error["excerpt"]
    assert error["tracking_number"] == events[0].tracking_number
    assert _count(app, t.tracking_events) == len(rows)
    assert order_row(app, order_id)["state"] == "delivered"  # through services.tracking


def test_trk2_jsonl_import_reads_normalised_events_and_raw_carrier_payloads(
    app: Garant, p: Parties, tmp_path: Path
) -> None:
    normalised = _journey(Scenario.PICKUP_POINT, 2)
    raw = _journey(Scenario.LOCKER, 3, method="ems")
    laposte = json.loads((FIXTURES / "laposte" / "china_to_france_pickup.json").read_text())
    lines = [json.dumps(_row(e)) for e in normalised]
    lines.insert(3, '{"tracking_number": "SB1", "status": "in_transit"')  # cut short
    lines.insert(6, json.dumps({"carrier": "nobody", "payload": {}}))  # no such adapter
    lines.append(json.dumps({"carrier": "sandbox", "payload": json.loads(render(raw))}))
    lines.append("")  # a blank line is no line
    lines.append(json.dumps({"carrier": "laposte", "payload": laposte}))
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_file(app, path)
    laposte_events = report.events - len(normalised) - len(raw)
    assert laposte_events > 0
    assert (report.lines, report.errors) == (len(normalised) + 4, 2)
    assert report.added == report.events and report.duplicates == 0
    errors = _errors(app)
    assert [e["error"].split(":")[0] for e in errors] == [
        "events.jsonl line 4",
        "events.jsonl line 7",
    ]
    assert errors[1]["carrier"] == "nobody" and "no carrier adapter" in errors[1]["error"]
    assert public_view(app, raw[0].tracking_number)["buyer_status"]["code"] == "delivered"
    assert len(public_view(app, normalised[0].tracking_number)["events"]) == len(normalised)


def test_trk1_duplicates_across_two_imports_are_stored_once(
    app: Garant, p: Parties, tmp_path: Path
) -> None:
    events = _journey(Scenario.FAILED_ATTEMPT, 4)
    first, second = tmp_path / "a.csv", tmp_path / "b.jsonl"
    first.write_text(_csv([_row(e) for e in events[:8]]), encoding="utf-8")
    second.write_text("".join(json.dumps(_row(e)) + "\n" for e in events), encoding="utf-8")
    one = import_file(app, first)
    two = import_file(app, second)
    again = import_file(app, second)
    assert (one.added, one.duplicates) == (8, 0)
    assert (two.added, two.duplicates) == (len(events) - 8, 8)
    assert (again.added, again.duplicates, again.errors) == (0, len(events), 0)
    assert _count(app, t.tracking_events) == len(events)


def test_trk3_imported_handover_joins_the_local_number_to_the_timeline(
    app: Garant, p: Parties, tmp_path: Path
) -> None:
    events = _journey(Scenario.HANDOVER, 5, method="aliexpress_standard")
    local = events[-1].tracking_number
    assert local != events[0].tracking_number
    path = tmp_path / "handover.csv"
    path.write_text(_csv([_row(e) for e in reversed(events)]), encoding="utf-8")  # newest first
    report = import_file(app, path, batch_size=1000)
    assert report.added == len(events) and _count(app, t.shipments) == 1
    assert public_view(app, local) == public_view(app, events[0].tracking_number)


def test_trk2_import_streams_in_batches_and_reports_progress(
    app: Garant, p: Parties, tmp_path: Path
) -> None:
    rows = [_row(e) for serial in range(10, 16) for e in _journey(Scenario.LETTER_BOX, serial)]
    path = tmp_path / "many.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    calls: list[tuple[int, int]] = []
    report = import_file(app, path, batch_size=7, progress=lambda d, n: calls.append((d, n)))
    assert report.added == len(rows) and report.errors == 0
    total = len(rows) + 1  # with the header
    assert calls[-1] == (total, total) and len(calls) >= len(rows) // 7
    assert all(n == total for _, n in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_trk2_spreadsheet_csv_semicolons_bom_multiline_text_and_bad_bytes(
    app: Garant, p: Parties, tmp_path: Path
) -> None:
    events = _journey(Scenario.SIGNATURE, 6)
    rows = [_row(e) for e in events]
    rows[1]["raw_text"] = "Pris en charge\\nsur deux lignes".replace("\\n", "\n")
    text = _csv(rows, delimiter=";").encode("utf-8")
    lines = text.split(b"\n")
    lines.insert(4, b"SB1;cainiao;2026-10-02T10:00:00+08:00;in_transit;;;caf\xe9;CN;;")
    path = tmp_path / "export.txt"
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines))
    report = import_file(app, path)
    assert (report.added, report.errors) == (len(events), 1)
    [error] = _errors(app)
    # Physical line 5: the header, two records (one on two lines), then the bad one.
    assert error["error"].startswith("export.txt line 5: not UTF-8")
    stored = public_view(app, events[0].tracking_number)["events"]
    assert "Pris en charge\nsur deux lignes" in [e["raw_text"] for e in stored]


def test_trk2_a_file_without_the_needed_columns_is_refused_whole(
    app: Garant, p: Parties, tmp_path: Path
) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("number,when,what\nLX1,2026-10-01T10:00:00+02:00,x\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="tracking_number, occurred_at, status, raw_text"):
        import_file(app, path)
    assert _count(app, t.tracking_events) == 0 and _count(app, t.tracking_errors) == 0
    # The default carrier stands in for a missing carrier column.
    events = _journey(Scenario.LOCKER, 7)
    rows = [{k: v for k, v in _row(e).items() if k != "carrier"} for e in events[:3]]
    out = io.StringIO()
    writer = csv.DictWriter(out, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    assert import_file(app, path, carrier="cainiao").added == 3
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert import_file(app, empty).lines == 0


def test_trk2_an_oversized_csv_field_is_refused_on_its_own(
    app: Garant, p: Parties, tmp_path: Path
) -> None:
    rows = [_row(e) for e in _journey(Scenario.LETTER_BOX, 8)]
    huge = dict(rows[2], raw_text="x" * 200_000)  # over the csv module's field limit
    path = tmp_path / "huge.csv"
    path.write_text(_csv([*rows[:3], huge, *rows[3:]]), encoding="utf-8")
    report = import_file(app, path)
    assert (report.lines, report.added, report.errors) == (len(rows) + 1, len(rows), 1)
    [error] = _errors(app)
    assert error["error"].startswith("huge.csv line 5: field larger than field limit")
    assert len(error["excerpt"]) == 2000  # the excerpt is cut, the rest never stored
