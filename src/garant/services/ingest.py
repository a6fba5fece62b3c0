"""Raw carrier payloads in, normalised events ingested (TRK-2 ingest entrypoints).

A payload that cannot be read is recorded in ``tracking_errors`` whole, and nothing of it is
stored; the other payloads of a batch are unaffected.
"""

from __future__ import annotations

from dataclasses import dataclass

from garant.app import Garant
from garant.carriers import get_adapter
from garant.domain.errors import DomainError, InvalidInput
from garant.domain.tracking import TrackingParseError
from garant.services.tracking import IngestReport, ingest
from garant.store import tracking as store


class UnreadablePayload(DomainError):
    code = "unreadable_tracking_payload"
    http_status = 422


@dataclass(frozen=True)
class Outcome:
    report: IngestReport
    carrier: str


def ingest_payload(app: Garant, *, carrier: str, payload: bytes, source: str) -> Outcome:
    try:
        adapter = get_adapter(carrier)
    except (KeyError, LookupError):
        raise InvalidInput(f"unknown carrier '{carrier}'") from None
    try:
        events = adapter.parse(payload)
    except TrackingParseError as exc:
        record_error(app, carrier=carrier, source=source, error=str(exc), payload=payload)
        raise UnreadablePayload(
            f"the {carrier} payload could not be read ({exc}); it was recorded and nothing "
            "was stored",
            carrier=carrier,
        ) from None
    return Outcome(ingest(app, events, source=source), carrier)


def record_error(
    app: Garant,
    *,
    carrier: str,
    source: str,
    error: str,
    payload: bytes | str,
    number: str | None = None,
) -> None:
    excerpt = (
        payload[:2000].decode("utf-8", "replace") if isinstance(payload, bytes) else payload[:2000]
    )
    with app.engine.begin() as conn:
        store.record_error(
            conn,
            carrier=carrier,
            source=source,
            error=error,
            excerpt=excerpt,
            number=number,
            now=app.clock.now(),
        )
