"""FedEx — Track API JSON (``POST /track/v1/trackingnumbers``).

Payload: ``output.completeTrackResults[]``, one per number asked (``trackingNumber``), each with
``trackResults[]``: ``scanEvents[]`` (newest first: ``date``, ``eventType``,
``eventDescription``, ``exceptionCode``, ``exceptionDescription``, ``derivedStatusCode``,
``scanLocation``), ``deliveryDetails`` and possibly ``error``. A result with an error and no
scan event is a failure: ``TRACKING.TRACKINGNUMBER.NOTFOUND`` (or any NOTFOUND) →
``TrackingNotFound``, INVALID → ``TrackingNotFound(invalid_number=True)``; a top-level
``errors[]`` → the same, or ``CarrierError`` for other codes. Found numbers win over unknown
ones in a mixed response. Events carry the number asked.

FedEx reuses numbers: one number can come back with several ``trackResults`` of different
``trackingNumberUniqueId``. They are different parcels, so they are never merged: the one
whose latest scan is the most recent is taken (the buyer's parcel is the current one).

A proof-of-delivery document response (``output.documents``) is not tracking:
``parse`` refuses it, ``read_proof_of_delivery`` returns the document (TRK-7 evidence).

Time convention: ``date`` normally carries the offset of the scan's place and is kept as
given. FedEx sometimes sends a bare date at midnight without offset (a pickup known only by
its day); it is placed in the zone of the scan location (country + state or city), and
refused when that place gives no zone.

Mapping of ``eventType`` (then ``derivedStatusCode`` for unlisted types, else in_transit):

=============================================  ==========================================
eventType                                      status / sub-status
=============================================  ==========================================
OC shipment information sent                   info_received
PU picked up                                   in_transit / accepted
AR, AF, DP, IT, AO, AE, FD, … movements        in_transit / in_transit_other
CP clearance in progress                       in_transit / customs_processing
CC cleared customs                             in_transit / customs_released
CD clearance delay                             exception / held_by_customs
OD on FedEx vehicle for delivery               out_for_delivery
HL, HP hold at location / ready for pickup     available_for_pickup / pickup_point
DL delivered                                   delivered / signed when deliveryDetails name
                                               who signed or received it, else by
                                               location type (mailbox, neighbour, FedEx
                                               location → collected), else delivered_other
DE delivery exception                          delivery_failed / recipient_absent, refused,
                                               address_problem per exception text/code
DY, DD delay                                   exception / delayed
SE shipment exception, CA cancelled            exception / exception_other (damaged per
                                               text)
RS return to shipper                           returning
=============================================  ==========================================
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from garant.carriers.base import (
    CarrierError,
    TrackingNotFound,
    as_dict,
    as_list,
    chronological,
    folded,
    guarded,
    load_json,
    make_location,
    opt_dict,
    opt_str,
    parse_timestamp,
    register,
    req_str,
    zone_for,
)
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus

S = SubStatus
T = TrackingStatus

EVENT_TYPES: dict[str, tuple[TrackingStatus, SubStatus]] = {
    "OC": (T.INFO_RECEIVED, S.NONE),
    "PU": (T.IN_TRANSIT, S.ACCEPTED),
    "CP": (T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
    "CC": (T.IN_TRANSIT, S.CUSTOMS_RELEASED),
    "CD": (T.EXCEPTION, S.HELD_BY_CUSTOMS),
    "OD": (T.OUT_FOR_DELIVERY, S.NONE),
    "HL": (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    "HP": (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    "DL": (T.DELIVERED, S.DELIVERED_OTHER),
    "DE": (T.DELIVERY_FAILED, S.NONE),
    "DY": (T.EXCEPTION, S.DELAYED),
    "DD": (T.EXCEPTION, S.DELAYED),
    "SE": (T.EXCEPTION, S.EXCEPTION_OTHER),
    "CA": (T.EXCEPTION, S.EXCEPTION_OTHER),
    "RS": (T.RETURNING, S.NONE),
}

DERIVED: dict[str, tuple[TrackingStatus, SubStatus]] = {
    "IN": (T.INFO_RECEIVED, S.NONE),
    "PU": (T.IN_TRANSIT, S.ACCEPTED),
    "IT": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "OD": (T.OUT_FOR_DELIVERY, S.NONE),
    "DL": (T.DELIVERED, S.DELIVERED_OTHER),
    "DE": (T.DELIVERY_FAILED, S.NONE),
    "DY": (T.EXCEPTION, S.DELAYED),
    "SE": (T.EXCEPTION, S.EXCEPTION_OTHER),
    "CA": (T.EXCEPTION, S.EXCEPTION_OTHER),
    "RS": (T.RETURNING, S.NONE),
    "HL": (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
}

# FedEx exception codes seen on DE scans, then words of the exception text.
_DE_CODES = {"03": S.ADDRESS_PROBLEM, "07": S.REFUSED, "08": S.RECIPIENT_ABSENT}
_DE_WORDS = [
    (("refused",), S.REFUSED),
    (("not available", "business closed", "no one", "not home"), S.RECIPIENT_ABSENT),
    (("incorrect address", "address incorrect", "incomplete address"), S.ADDRESS_PROBLEM),
]


def classify(
    event_type: str | None, derived: str | None, exception_code: str | None, text: str
) -> tuple[TrackingStatus, SubStatus]:
    key = (event_type or "").upper()
    status, sub_status = EVENT_TYPES.get(key) or DERIVED.get(
        (derived or "").upper(), (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)
    )
    words = folded(text)
    if status is T.DELIVERY_FAILED:
        if exception_code in _DE_CODES:
            return status, _DE_CODES[exception_code]
        for keys, refined in _DE_WORDS:
            if any(k in words for k in keys):
                return status, refined
    if status is T.EXCEPTION and sub_status is S.EXCEPTION_OTHER and "damage" in words:
        return status, S.DAMAGED
    return status, sub_status


def delivered_sub_status(details: dict[str, Any]) -> SubStatus:
    """What FedEx says about the final hand-over (applies to the DL scan)."""
    if opt_str(details, "signedByName") or opt_str(details, "receivedByName"):
        return S.SIGNED
    place = folded(
        f"{opt_str(details, 'locationType') or ''} {opt_str(details, 'locationDescription') or ''}"
    )
    if "mailbox" in place or "mail box" in place:
        return S.LETTER_BOX
    if "neighbor" in place or "neighbour" in place:
        return S.NEIGHBOUR
    if "fedex location" in place or "fedex_location" in place or "hold" in place:
        return S.COLLECTED
    return S.DELIVERED_OTHER


@dataclass(frozen=True)
class ProofOfDelivery:
    document_type: str
    document_format: str
    content: bytes


class FedexAdapter:
    slug = "fedex"
    name = "FedEx"

    def parse(self, payload: bytes | str) -> list[TrackingEvent]:
        return guarded(self.slug, self._read, payload)

    def _read(self, payload: bytes | str) -> list[TrackingEvent]:
        data = as_dict(load_json(payload), "response")
        if "output" not in data:
            errors = as_list(data.get("errors"), "errors")
            if not errors:
                raise TrackingParseError("fedex: neither output nor errors")
            raise self._failure(as_dict(errors[0], "error"), None)
        output = as_dict(data["output"], "output")
        if "completeTrackResults" not in output:
            if "documents" in output:
                raise TrackingParseError("fedex: a proof-of-delivery document, not tracking")
            raise TrackingParseError("fedex: output without completeTrackResults")
        results = as_list(output["completeTrackResults"], "completeTrackResults")
        events: list[TrackingEvent] = []
        failures: list[TrackingParseError] = []
        for raw in results:
            try:
                events.extend(self._number_events(as_dict(raw, "completeTrackResult")))
            except (TrackingNotFound, CarrierError) as failure:
                failures.append(failure)
        if not results:
            raise TrackingNotFound(self.slug, "no result in the response")
        if len(failures) == len(results):
            raise failures[0]
        return chronological(events)

    def _failure(self, error: dict[str, Any], number: str | None) -> TrackingParseError:
        code = opt_str(error, "code") or ""
        message = opt_str(error, "message") or code or "error"
        if "NOTFOUND" in code.upper():
            return TrackingNotFound(self.slug, message, tracking_number=number, code=code)
        if "INVALID" in code.upper():
            return TrackingNotFound(
                self.slug, message, tracking_number=number, code=code, invalid_number=True
            )
        return CarrierError(self.slug, message, code=code or None)

    def _number_events(self, complete: dict[str, Any]) -> list[TrackingEvent]:
        number = req_str(complete, "trackingNumber")
        candidates: list[list[TrackingEvent]] = []
        failure: TrackingParseError | None = None
        for raw in as_list(complete.get("trackResults"), "trackResults"):
            result = as_dict(raw, "trackResult")
            scans = as_list(result.get("scanEvents"), "scanEvents")
            if not scans and result.get("error") is not None:
                failure = failure or self._failure(as_dict(result["error"], "error"), number)
                continue
            details = opt_dict(result, "deliveryDetails")
            events = [self._event(number, as_dict(scan, "scanEvent"), details) for scan in scans]
            candidates.append(list(reversed(events)))  # FedEx lists newest first
        if not candidates:
            raise failure or TrackingNotFound(self.slug, "no track result", tracking_number=number)
        return max(candidates, key=_latest_instant)

    def _event(self, number: str, scan: dict[str, Any], details: dict[str, Any]) -> TrackingEvent:
        where = opt_dict(scan, "scanLocation")
        country = opt_str(where, "countryCode")
        city, region = opt_str(where, "city"), opt_str(where, "stateOrProvinceCode")
        description = opt_str(scan, "eventDescription") or ""
        exception = opt_str(scan, "exceptionDescription")
        raw_text = f"{description}: {exception}" if exception else description
        status, sub_status = classify(
            opt_str(scan, "eventType"),
            opt_str(scan, "derivedStatusCode"),
            opt_str(scan, "exceptionCode"),
            raw_text,
        )
        if status is T.DELIVERED:
            sub_status = delivered_sub_status(details)
        return TrackingEvent(
            carrier=self.slug,
            tracking_number=number,
            occurred_at=parse_timestamp(req_str(scan, "date"), zone_for(country, region, city)),
            status=status,
            sub_status=sub_status,
            raw_code=opt_str(scan, "eventType"),
            raw_text=raw_text,
            location=make_location(
                country=country, city=city, postcode=opt_str(where, "postalCode")
            ),
        )


def _latest_instant(events: list[TrackingEvent]) -> datetime:
    return max((e.occurred_at for e in events), default=datetime.min.replace(tzinfo=UTC))


def read_proof_of_delivery(payload: bytes | str) -> ProofOfDelivery:
    """The signature proof of delivery a FedEx document response carries (TRK-7)."""

    def read(raw: bytes | str) -> ProofOfDelivery:
        output = as_dict(as_dict(load_json(raw), "response").get("output"), "output")
        documents = as_list(output.get("documents"), "documents")
        if not documents or not isinstance(documents[0], str):
            raise TrackingParseError("fedex: no document in the response")
        try:
            content = base64.b64decode(documents[0], validate=True)
        except (binascii.Error, ValueError):
            raise TrackingParseError("fedex: document is not base64") from None
        return ProofOfDelivery(
            document_type=opt_str(output, "documentType") or "UNKNOWN",
            document_format=opt_str(output, "documentFormat") or "UNKNOWN",
            content=content,
        )

    return guarded("fedex", read, payload)


ADAPTER = register(FedexAdapter())
