"""Batch import of tracking events from a file (TRK-2): CSV or JSON Lines, streamed.

CSV: a header naming at least ``tracking_number, carrier, occurred_at, status, sub_status,
raw_code, raw_text, country, city, postcode`` (optional: ``leg``, ``description``; the
delimiter may be "," ";" or a tab, as spreadsheets export it). ``occurred_at`` is ISO 8601 with
its offset: an event without one is refused rather than guessed as UTC.

JSON Lines: one object per line, either a normalised event with the same fields, or
``{"carrier": "laposte", "payload": <the carrier's raw answer>}`` read by that carrier's
adapter (a payload given as a string is passed as is, for the XML carriers).

A line that cannot be read is recorded in ``tracking_errors`` (source "import", the file name
and line number in the error) and skipped; the other lines are unaffected. Events are ingested
in batches through ``services.tracking.ingest`` (source "import"), so an event already known,
from this file or an earlier import, a poll or a webhook, is stored once. The file is read line
by line and never held whole; a line longer than ``MAX_LINE_BYTES`` (or a CSV field over the
``csv`` module's limit) is refused on its own.

Each batch is ingested oldest first, so a handover reaches the store before the events filed
under the local number it announces (TRK-3). A file that puts those events in an earlier batch
than their handover (newest first, and longer than a batch) would file them under a shipment
of their own: sort such files oldest first, or raise ``batch_size``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, Any

import garant.carriers.sandbox  # noqa: F401  (registers the sandbox adapter)
from garant.app import Garant
from garant.carriers import get_adapter  # importing the package registers every adapter
from garant.carriers.base import MAX_PAYLOAD_BYTES, make_location, parse_timestamp
from garant.domain.errors import InvalidInput
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus
from garant.services.tracking import ingest
from garant.store import tracking as store

SOURCE = "import"
BATCH_SIZE = 500
MAX_LINE_BYTES = MAX_PAYLOAD_BYTES + 4096  # a raw payload plus its envelope
FIELDS = ("tracking_number", "carrier", "occurred_at", "status", "sub_status", "raw_code",
          "raw_text", "country", "city", "postcode")  # fmt: skip
_OPTIONAL = ("leg", "description")
_REQUIRED = ("tracking_number", "occurred_at", "status", "raw_text")
Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    lines: int = 0  # lines read (not counting the CSV header and blank lines)
    events: int = 0  # events read from the good lines
    added: int = 0  # events stored
    duplicates: int = 0  # events already known
    errors: int = 0  # lines recorded in tracking_errors and skipped


class _LineError(ValueError):
    """One line cannot be read; the message names what is wrong."""


@dataclass(frozen=True)
class _Line:
    number: int  # 1-based, physical
    text: str
    error: str | None = None  # not UTF-8, too long


def _count_lines(path: Path) -> int:
    count, last = 0, b"\n"
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def _read_lines(f: IO[bytes]) -> Iterator[_Line]:
    number = 0
    while True:
        raw = f.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while (rest := f.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass  # skip the rest of the line without holding it
            yield _Line(number, raw[:2000].decode("utf-8", "replace"),
                        f"line longer than {MAX_LINE_BYTES} bytes")  # fmt: skip
            continue
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # the BOM spreadsheets put in front
        try:
            yield _Line(number, raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            yield _Line(number, raw.decode("utf-8", "replace"), f"not UTF-8 text ({exc.reason})")


def import_file(
    app: Garant,
    path: str | Path,
    *,
    carrier: str | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import a CSV or JSON Lines file of tracking events. ``carrier`` is the carrier of lines
    that name none. ``progress(done_lines, total_lines)`` is called as the file is read."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no file at {path}", field="path")
    run = _Run(app, path.name, carrier, progress, _count_lines(path), batch_size)
    with path.open("rb") as f:
        lines = _read_lines(f)
        first = next(lines, None)
        if first is not None:
            if _is_jsonl(path, first.text):
                run.jsonl(first, lines)
            else:
                run.csv(first, lines)
    run.flush(final=True)
    return run.report


def _is_jsonl(path: Path, first: str) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return True
    return suffix != ".csv" and first.lstrip().startswith("{")


class _Run:
    def __init__(self, app: Garant, name: str, carrier: str | None, progress: Progress | None,
                 total: int, batch_size: int) -> None:  # fmt: skip
        self.app, self.name, self.carrier = app, name, carrier
        self.progress, self.total, self.batch_size = progress, total, max(1, batch_size)
        self.report = ImportReport()
        self.events: list[TrackingEvent] = []
        self.errors: list[tuple[str, str, str, str | None]] = []  # carrier, error, excerpt, no.
        self.done = 0

    # --- formats -------------------------------------------------------------------------

    def jsonl(self, first: _Line, rest: Iterator[_Line]) -> None:
        for item in chain([first], rest):
            self.done = item.number
            if not item.text.strip():
                continue
            self.report.lines += 1
            try:
                if item.error:
                    raise _LineError(item.error)
                self.take(self.json_line(item.text))
            except (TrackingParseError, ValueError) as exc:  # _LineError is a ValueError
                carrier, number = _named_in(item.text)
                self.fail(item.number, str(exc), item.text, carrier or self.carrier, number)
            self.tick()

    def json_line(self, text: str) -> list[TrackingEvent]:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise _LineError(f"not a JSON object ({exc})") from None
        if not isinstance(data, dict):
            raise _LineError("not a JSON object")
        if "payload" not in data:
            return [_event(data, self.carrier)]
        carrier = _text(data.get("carrier")) or self.carrier
        if carrier is None:
            raise _LineError("a raw payload needs its carrier")
        try:
            adapter = get_adapter(carrier)
        except LookupError as exc:
            raise _LineError(str(exc)) from None
        payload = data["payload"]
        raw = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        return adapter.parse(raw)

    def csv(self, header: _Line, rest: Iterator[_Line]) -> None:
        self.done = header.number
        delimiter = _delimiter(header.text)
        names = [n.strip().lower() for n in next(csv.reader([header.text], delimiter=delimiter))]
        missing = [n for n in _REQUIRED if n not in names]
        if "carrier" not in names and self.carrier is None:
            missing.append("carrier")
        if missing:
            raise InvalidInput(f"{self.name}: the CSV header lacks {', '.join(missing)} "
                               f"(expected: {', '.join(FIELDS)})", field="path")  # fmt: skip
        tap = _Tap(rest)
        reader = csv.reader(tap, delimiter=delimiter)
        while True:
            try:
                row: list[str] | None = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:  # a field over csv's size limit; the reader goes on
                row, broken = None, str(exc)
            start, text, problem = tap.record()
            self.done = tap.last
            if row is not None and not any(cell.strip() for cell in row):
                continue
            self.report.lines += 1
            fields = dict(zip(names, row or [], strict=False))
            try:
                if row is None:
                    raise _LineError(broken)
                if problem:
                    raise _LineError(problem)
                if len(row) > len(names):
                    raise _LineError(f"{len(row)} fields for {len(names)} columns")
                self.take([_event(fields, self.carrier)])
            except (TrackingParseError, ValueError) as exc:
                carrier = fields.get("carrier", "").strip() or self.carrier
                self.fail(start, str(exc), text, carrier, fields.get("tracking_number"))
            self.tick()

    # --- batches -------------------------------------------------------------------------

    def take(self, events: list[TrackingEvent]) -> None:
        self.events += events
        self.report.events += len(events)

    def fail(
        self, line: int, error: str, excerpt: str, carrier: str | None, number: str | None
    ) -> None:
        self.report.errors += 1
        number = "".join((number or "").split()).upper()[:64] or None
        self.errors.append(((carrier or "unknown")[:40], f"{self.name} line {line}: {error}",
                            excerpt, number))  # fmt: skip

    def tick(self) -> None:
        if len(self.events) >= self.batch_size or len(self.errors) >= self.batch_size:
            self.flush()

    def flush(self, *, final: bool = False) -> None:
        now = self.app.clock.now()  # before the transaction: the sandbox clock reads the db
        if self.errors:
            with self.app.engine.begin() as conn:
                for carrier, error, excerpt, number in self.errors:
                    store.record_error(conn, carrier=carrier, source=SOURCE, error=error,
                                       excerpt=excerpt, number=number, now=now)  # fmt: skip
            self.errors.clear()
        if self.events:
            # Oldest first: a handover is stored before the events filed under the local
            # number it announces, so they join its shipment (TRK-3).
            batch = sorted(self.events, key=lambda e: e.occurred_at)
            self.events = []
            result = ingest(self.app, batch, source=SOURCE)
            self.report.added += result.added
            self.report.duplicates += result.duplicates
        if self.progress is not None:
            self.progress(self.total if final else self.done, self.total)


class _Tap:
    """Feeds lines to ``csv.reader`` and remembers those of the current record (a quoted field
    may span lines), for the error's line number and excerpt."""

    def __init__(self, lines: Iterator[_Line]) -> None:
        self.lines = lines
        self.taken: list[_Line] = []
        self.last = 0

    def __iter__(self) -> _Tap:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.taken.append(line)
        self.last = line.number
        return line.text

    def record(self) -> tuple[int, str, str | None]:
        taken, self.taken = self.taken, []
        problem = next((line.error for line in taken if line.error), None)
        start = taken[0].number if taken else self.last
        return start, "".join(line.text for line in taken), problem


def _delimiter(header: str) -> str:
    known = set(FIELDS) | set(_OPTIONAL)
    return max((",", ";", "\t"), key=lambda d: sum(n.strip().lower() in known
                                                   for n in header.split(d)))  # fmt: skip


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        raise _LineError(f"expected text, got {type(value).__name__}")
    return value.strip() or None


def _event(fields: Mapping[str, Any], default_carrier: str | None) -> TrackingEvent:
    """A normalised event from a CSV row or a JSON object (the same field names)."""
    values = {name: _text(fields.get(name)) for name in (*FIELDS, *_OPTIONAL)}
    missing = [name for name in _REQUIRED if values[name] is None]
    carrier = values["carrier"] or default_carrier
    if carrier is None:
        missing.append("carrier")
    if missing:
        raise _LineError(f"missing {', '.join(missing)}")
    assert carrier is not None
    try:
        status = TrackingStatus(str(values["status"]))
    except ValueError:
        raise _LineError(f"unknown status {values['status']!r}") from None
    try:
        sub_status = SubStatus(values["sub_status"] or SubStatus.NONE.value)
    except ValueError:
        raise _LineError(f"unknown sub_status {values['sub_status']!r}") from None
    return TrackingEvent(
        carrier=carrier,
        tracking_number="".join(str(values["tracking_number"]).split()).upper(),
        occurred_at=parse_timestamp(str(values["occurred_at"])),
        status=status,
        sub_status=sub_status,
        raw_code=values["raw_code"],
        raw_text=str(values["raw_text"]),
        location=make_location(
            values["country"], values["city"], values["postcode"], values["description"]
        ),
        leg=values["leg"],
    )


def _named_in(text: str) -> tuple[str | None, str | None]:
    """(carrier, tracking number) a bad JSON line names, for its error row; best effort."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    found = (data.get("carrier"), data.get("tracking_number"))
    return tuple(v if isinstance(v, str) and v.strip() else None for v in found)  # type: ignore[return-value]
