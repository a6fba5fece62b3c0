"""USPS — Tracking API v3 JSON, used for the US leg of ePacket and other inbound mail.

Payload: one object with ``trackingNumber`` and ``trackingEvents[]`` (newest first):
``eventType`` (USPS's wording), ``eventCode``, ``eventTimestamp``, ``GMTTimestamp``,
``GMTOffset``, ``eventCity``, ``eventState``, ``eventZIP``, ``eventCountry``. USPS names the
country only for scans abroad (a name such as "CHINA"); a scan with a US city, state or ZIP
and no country is in the US. An ``error`` object is the failure answer: a 404 code or a "not
found" message → ``TrackingNotFound`` (invalid number → ``invalid_number``), anything else →
``CarrierError``.

Time convention: ``eventTimestamp`` is the wall-clock time of the scan's place without offset;
``GMTOffset`` is that place's offset and ``GMTTimestamp`` the UTC instant. The instant is the
local time with ``GMTOffset``; without it, the offset is the difference between the local and
the GMT timestamps (rounded to 15 minutes); without either, the zone of the place. Nothing
else is assumed: an event with none of these is refused.

Mapping: ``eventCode`` for the codes below, else USPS's ``eventType`` words (international
scans use their own codes, which are read by their words only):

============================================  ============================================
eventCode / words                             status / sub-status
============================================  ============================================
GX, MA label created, pre-shipment info       info_received
03, OA accepted, "USPS in possession"         in_transit / accepted
10, A1, T1, TL, SF, 07 facility movements     in_transit / in_transit_other
"Inbound Into Customs", "Customs Clearance"   in_transit / customs_processing
"Inbound Out of Customs", "Released from      in_transit / customs_released
Customs", "Clearance Processing Complete"
"Held in Customs"                             exception / held_by_customs
OF out for delivery                           out_for_delivery
"Available for Pickup"                        available_for_pickup / pickup_point (locker
                                              when a parcel locker is named)
01 delivered                                  delivered / letter_box (mailbox, parcel
                                              locker), collected (picked up at the post
                                              office), neighbour, else delivered_other;
                                              "to original sender" → returned
02 notice left, 51 business closed            delivery_failed / recipient_absent
04 refused                                    delivery_failed / refused
05, 21–26 undeliverable as addressed, …       delivery_failed / address_problem
09 return to sender                           returning
"Arriving Late", "Delayed"                    exception / delayed
============================================  ============================================
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
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
    parse_offset,
    parse_timestamp,
    register,
    req_str,
    zone_for,
)
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus

S = SubStatus
T = TrackingStatus

CODES: dict[str, tuple[TrackingStatus, SubStatus]] = {
    "GX": (T.INFO_RECEIVED, S.NONE),
    "MA": (T.INFO_RECEIVED, S.NONE),
    "03": (T.IN_TRANSIT, S.ACCEPTED),
    "OA": (T.IN_TRANSIT, S.ACCEPTED),
    "10": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "A1": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "T1": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "TL": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "SF": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "07": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "OF": (T.OUT_FOR_DELIVERY, S.NONE),
    "01": (T.DELIVERED, S.DELIVERED_OTHER),
    "02": (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
    "51": (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
    "04": (T.DELIVERY_FAILED, S.REFUSED),
    "05": (T.DELIVERY_FAILED, S.ADDRESS_PROBLEM),
    **{code: (T.DELIVERY_FAILED, S.ADDRESS_PROBLEM) for code in ("21", "22", "23", "25", "26")},
    "09": (T.RETURNING, S.NONE),
}

# Words of eventType for codes not in the table; first match wins.
_WORDS: list[tuple[tuple[str, ...], TrackingStatus, SubStatus]] = [
    (("to original sender", "delivered to sender"), T.RETURNED, S.RETURNED_OTHER),
    (("delivered",), T.DELIVERED, S.DELIVERED_OTHER),
    (("out for delivery",), T.OUT_FOR_DELIVERY, S.NONE),
    (("available for pickup",), T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    (("notice left",), T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
    (("refused",), T.DELIVERY_FAILED, S.REFUSED),
    (("undeliverable as addressed", "insufficient address", "no such number"),
     T.DELIVERY_FAILED, S.ADDRESS_PROBLEM),
    (("return to sender", "returned to sender"), T.RETURNING, S.NONE),
    (("held in customs", "customs delay"), T.EXCEPTION, S.HELD_BY_CUSTOMS),
    (("out of customs", "released from", "clearance processing complete"),
     T.IN_TRANSIT, S.CUSTOMS_RELEASED),
    (("customs",), T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
    (("arriving late", "delayed"), T.EXCEPTION, S.DELAYED),
    (("label created", "pre-shipment", "awaiting item"), T.INFO_RECEIVED, S.NONE),
    (("accepted", "in possession", "acceptance", "origin post is preparing"),
     T.IN_TRANSIT, S.ACCEPTED),
]  # fmt: skip

_DELIVERED_AT = [
    (("mailbox", "parcel locker", "mail receptacle"), S.LETTER_BOX),
    (("picked up at post office", "picked up at postal facility"), S.COLLECTED),
    (("neighbor",), S.NEIGHBOUR),
]


def classify(code: str | None, event_type: str) -> tuple[TrackingStatus, SubStatus]:
    text = folded(event_type)
    found = CODES.get((code or "").upper())
    if found is None:
        found = next(
            ((status, sub) for words, status, sub in _WORDS if any(w in text for w in words)),
            (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        )
    status, sub_status = found
    if status is T.DELIVERED:
        if "original sender" in text:
            return T.RETURNED, S.RETURNED_OTHER
        for words, place in _DELIVERED_AT:
            if any(w in text for w in words):
                return status, place
    if status is T.AVAILABLE_FOR_PICKUP and "locker" in text:
        return status, S.LOCKER
    return status, sub_status


class UspsAdapter:
    slug = "usps"
    name = "USPS"

    def parse(self, payload: bytes | str) -> list[TrackingEvent]:
        return guarded(self.slug, self._read, payload)

    def _read(self, payload: bytes | str) -> list[TrackingEvent]:
        data = as_dict(load_json(payload), "response")
        if "error" in data and "trackingEvents" not in data:
            raise self._failure(opt_dict(data, "error"))
        if "trackingEvents" not in data:
            raise TrackingParseError("usps: neither trackingEvents nor error")
        number = req_str(data, "trackingNumber")
        raw_events = as_list(data["trackingEvents"], "trackingEvents")
        events = [self._event(number, as_dict(raw, "event")) for raw in reversed(raw_events)]
        return chronological(events)

    def _failure(self, error: dict[str, Any]) -> TrackingParseError:
        details = [as_dict(d, "error detail") for d in as_list(error.get("errors"), "errors")]
        code = opt_str(error, "code")
        message = opt_str(error, "message") or "error"
        words = " ".join(
            [message.lower()] + [(opt_str(d, "detail") or "").lower() for d in details]
        )
        if code == "404" or "not found" in words or "could not locate" in words:
            return TrackingNotFound(self.slug, message, code=code)
        if "invalid" in words and "tracking" in words:
            return TrackingNotFound(self.slug, message, code=code, invalid_number=True)
        return CarrierError(self.slug, message, code=code)

    def _event(self, number: str, raw: dict[str, Any]) -> TrackingEvent:
        city, state, postcode = (opt_str(raw, k) for k in ("eventCity", "eventState", "eventZIP"))
        country = opt_str(raw, "eventCountry")
        if country is None and (city or state or postcode):
            country = "US"
        event_type = opt_str(raw, "eventType") or ""
        code = opt_str(raw, "eventCode")
        status, sub_status = classify(code, event_type)
        return TrackingEvent(
            carrier=self.slug,
            tracking_number=number,
            occurred_at=self._instant(raw, country, state, city),
            status=status,
            sub_status=sub_status,
            raw_code=code,
            raw_text=event_type,
            location=make_location(country=country, city=city, postcode=postcode),
        )

    def _instant(
        self, raw: dict[str, Any], country: str | None, state: str | None, city: str | None
    ) -> datetime:
        local_text = req_str(raw, "eventTimestamp")
        offset_text = opt_str(raw, "GMTOffset")
        if offset_text:
            return parse_timestamp(local_text, parse_offset(offset_text))
        gmt_text = opt_str(raw, "GMTTimestamp")
        if gmt_text:
            return _offset_from_gmt(local_text, gmt_text)
        return parse_timestamp(local_text, zone_for(country, state, city))


def _offset_from_gmt(local_text: str, gmt_text: str) -> datetime:
    try:
        local = datetime.fromisoformat(local_text)
    except ValueError:
        raise TrackingParseError(f"usps: unreadable eventTimestamp {local_text!r}") from None
    if local.tzinfo is not None:
        return local
    # The field is GMT by name, so a bare value there is UTC by the carrier's own word.
    utc = parse_timestamp(gmt_text, UTC).astimezone(UTC)
    minutes = round((local - utc.replace(tzinfo=None)).total_seconds() / 900) * 15
    if abs(minutes) > 14 * 60:
        raise TrackingParseError(f"usps: local and GMT times {minutes} minutes apart")
    return local.replace(tzinfo=timezone(timedelta(minutes=minutes)))


ADAPTER = register(UspsAdapter())
