"""DHL Parcel Germany (DHL Paket) — ``piece-shipment-list`` tracking XML.

Payload: nested ``<data name="…">`` elements whose fields are attributes. The root
``piece-shipment-list`` has ``code`` (0 = answered; 100 "No data found" →
``TrackingNotFound``; others → ``CarrierError``). Each ``piece-shipment`` names the number
(``searched-piece-code``, else ``piece-code``), ``dest-country`` and holds a
``piece-event-list`` of ``piece-event`` in chronological order: ``event-timestamp``
("dd.mm.yyyy HH:MM"), ``event-status`` (the text), ``event-location``, ``event-country`` (a
name such as "Germany"), ``standard-event-code``, ``ice``/``ric`` and ``ruecksendung`` (return
to sender).

Time convention: ``event-timestamp`` is the wall-clock time of the event's country, without
offset. An event that names no country (the delivery round often does not) happened in the
destination country of the piece; a place that still gives no zone is refused.

Mapping of ``standard-event-code`` (ICE code ``DLVRD`` as a fallback for delivery, then the
text's words):

========================================  ==============================================
code                                      status / sub-status
========================================  ==============================================
VA electronic announcement                info_received
ES posted, AE picked up                   in_transit / accepted
AA, EE, … parcel centres, transport       in_transit / in_transit_other
PO loaded onto the delivery vehicle       out_for_delivery
ZU delivered                              delivered / neighbour, collected, letter_box
                                          per text, else delivered_other
words: arrived in destination country,    in_transit / arrived_destination_country,
customs (clearance complete)              customs_processing (customs_released)
words: ready for pick-up / PACKSTATION    available_for_pickup / pickup_point or locker
words: not delivered + absent, refused,   delivery_failed / recipient_absent, refused,
address                                   address_problem
ruecksendung="true"                       returning (returned once delivered back)
========================================  ==============================================
"""

from __future__ import annotations

import re
from datetime import datetime
from xml.etree.ElementTree import Element

from garant.carriers.base import (
    CarrierError,
    TrackingNotFound,
    chronological,
    folded,
    guarded,
    in_zone,
    load_xml,
    make_location,
    register,
    zone_for,
)
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus

S = SubStatus
T = TrackingStatus

CODES: dict[str, tuple[TrackingStatus, SubStatus]] = {
    "VA": (T.INFO_RECEIVED, S.NONE),
    "ES": (T.IN_TRANSIT, S.ACCEPTED),
    "AE": (T.IN_TRANSIT, S.ACCEPTED),
    "AA": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "EE": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "PO": (T.OUT_FOR_DELIVERY, S.NONE),
    "ZU": (T.DELIVERED, S.DELIVERED_OTHER),
}

_WORDS: list[tuple[tuple[str, ...], TrackingStatus, SubStatus]] = [
    (("ready for pick-up at the packstation", "deposited in the packstation"),
     T.AVAILABLE_FOR_PICKUP, S.LOCKER),
    (("ready for pick-up", "available for pick-up", "can be picked up"),
     T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    (("refused",), T.DELIVERY_FAILED, S.REFUSED),
    (("could not be delivered", "not be delivered"), T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
    (("address",), T.DELIVERY_FAILED, S.ADDRESS_PROBLEM),
    (("arrived in the destination country", "arrival in the destination country"),
     T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
    (("customs clearance complete", "cleared by customs", "released by customs"),
     T.IN_TRANSIT, S.CUSTOMS_RELEASED),
    (("customs",), T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
]  # fmt: skip

_DELIVERED_AT = [
    (("neighbour", "neighbor"), S.NEIGHBOUR),
    (("picked up", "collected"), S.COLLECTED),
    (("mailbox", "letter box", "letterbox"), S.LETTER_BOX),
]


def classify(
    code: str | None, ice: str | None, text: str, returning: bool = False
) -> tuple[TrackingStatus, SubStatus]:
    words = folded(text)
    found = CODES.get((code or "").upper())
    if found is None and (ice or "").upper() == "DLVRD":
        found = CODES["ZU"]
    if found is None:
        found = next(
            ((status, sub) for keys, status, sub in _WORDS if any(k in words for k in keys)),
            (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        )
    status, sub_status = found
    if returning:
        return (T.RETURNED, S.RETURNED_OTHER) if status is T.DELIVERED else (T.RETURNING, S.NONE)
    if status is T.DELIVERED:
        for keys, place in _DELIVERED_AT:
            if any(k in words for k in keys):
                return status, place
    if (status, sub_status) == (T.IN_TRANSIT, S.IN_TRANSIT_OTHER):
        # a generic parcel-centre code whose text names a milestone of the journey
        for keys, refined_status, refined in _WORDS:
            if refined_status is T.IN_TRANSIT and any(k in words for k in keys):
                return status, refined
    if status is T.DELIVERY_FAILED and "refused" in words:
        return status, S.REFUSED
    return status, sub_status


def _named(element: Element, name: str) -> list[Element]:
    return [child for child in element if child.get("name") == name]


def _attr(element: Element, key: str) -> str | None:
    value = element.get(key)
    return (" ".join(value.split()) or None) if value else None


# "dd.mm.yyyy HH:MM", read as strptime("%d.%m.%Y %H:%M") would, at a fraction of its cost.
_STAMP = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(\d{1,2}):(\d{1,2})")


def _wall_clock(stamp: str) -> datetime:
    match = _STAMP.fullmatch(stamp)
    if match is None:
        raise ValueError(stamp)
    day, month, year, hour, minute = map(int, match.groups())
    return datetime(year, month, day, hour, minute)  # ValueError when out of range


class DhlParcelDeAdapter:
    slug = "dhl_parcel_de"
    name = "DHL Paket (Germany)"

    def parse(self, payload: bytes | str) -> list[TrackingEvent]:
        return guarded(self.slug, self._read, payload)

    def _read(self, payload: bytes | str) -> list[TrackingEvent]:
        root = load_xml(payload)
        if root.tag != "data" or root.get("name") != "piece-shipment-list":
            raise TrackingParseError("dhl_parcel_de: not a piece-shipment-list")
        code = _attr(root, "code") or "0"
        if code != "0":
            message = _attr(root, "error") or f"code {code}"
            if code == "100" or "no data" in message.lower():
                raise TrackingNotFound(self.slug, message, code=code)
            raise CarrierError(self.slug, message, code=code)
        events: list[TrackingEvent] = []
        for piece in _named(root, "piece-shipment"):
            number = _attr(piece, "searched-piece-code") or _attr(piece, "piece-code")
            if number is None:
                raise TrackingParseError("dhl_parcel_de: piece without piece-code")
            destination = _attr(piece, "dest-country")
            for listing in _named(piece, "piece-event-list"):
                events += [
                    self._event(number, raw, destination) for raw in _named(listing, "piece-event")
                ]
        return chronological(events)

    def _event(self, number: str, raw: Element, destination: str | None) -> TrackingEvent:
        country = _attr(raw, "event-country")
        city = _attr(raw, "event-location")
        zone = zone_for(country or destination, city=city)
        stamp = _attr(raw, "event-timestamp") or ""
        try:
            naive = _wall_clock(stamp)
        except ValueError:
            raise TrackingParseError(f"dhl_parcel_de: unreadable timestamp {stamp!r}") from None
        if zone is None:
            raise TrackingParseError(f"dhl_parcel_de: no time zone for {city!r}, {country!r}")
        text = _attr(raw, "event-status") or _attr(raw, "event-text") or ""
        code = _attr(raw, "standard-event-code")
        status, sub_status = classify(
            code, _attr(raw, "ice"), text, returning=_attr(raw, "ruecksendung") == "true"
        )
        return TrackingEvent(
            carrier=self.slug,
            tracking_number=number,
            occurred_at=in_zone(naive, zone),
            status=status,
            sub_status=sub_status,
            raw_code=code,
            raw_text=text,
            location=make_location(country=country, city=city),
        )


ADAPTER = register(DhlParcelDeAdapter())
