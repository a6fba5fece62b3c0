"""UPS — Track API v1 JSON (``GET /api/track/v1/details/{inquiryNumber}``).

Payload: ``trackResponse.shipment[]`` with ``inquiryNumber``, ``warnings`` and ``package[]``,
each package with ``activity[]`` (newest first): ``date`` ("YYYYMMDD"), ``time`` ("HHMMSS"),
optionally ``gmtDate``/``gmtTime``/``gmtOffset``, ``location.address`` (``city``,
``stateProvince``, ``postalCode``, ``countryCode``) and ``status`` (``type``, ``code``,
``description``). Errors: ``response.errors[]`` — TV1002 "Invalid inquiry number" →
``TrackingNotFound(invalid_number=True)``, other codes → ``CarrierError``; a shipment that only
carries a warning such as TW0001 "Tracking Information Not Found" → ``TrackingNotFound``.
Events carry the inquiry number (the number asked), whichever package they belong to.

Time convention: ``date``/``time`` are the wall-clock time of the scan's place. When UPS sends
``gmtOffset`` it is that offset; otherwise the zone comes from the activity's country and
state (US, CA, AU) or city. An activity whose place gives no zone is refused, not read as UTC.

Mapping: ``status.type`` gives the family, the description refines it (UPS types are coarse:
an "X" exception covers failed attempts and customs releases alike).

======  =================================  ==============================================
type    meaning                            status / sub-status
======  =================================  ==============================================
M       label created, manifest            info_received
MV      shipment voided                    exception / exception_other
P       picked up                          in_transit / accepted
I       in transit                         in_transit / in_transit_other; "export scan" →
                                           departed_origin_country, "import scan" →
                                           arrived_destination_country, customs words →
                                           customs_processing / customs_released /
                                           customs_information_required, "out for
                                           delivery" → out_for_delivery
O       out for delivery                   out_for_delivery
D       delivered                          delivered / delivered_other (letter_box,
                                           neighbour, collected per words)
X       exception                          exception / exception_other; words give
                                           delivery_failed (refused, absent, address),
                                           in_transit customs_released ("released by the
                                           customs agency"), held_by_customs, damaged,
                                           delayed, or returning
RS      returned to shipper                returning
other   warehouse, freight CFS, n/a        in_transit / in_transit_other
======  =================================  ==============================================

For every type, "UPS Access Point" + awaiting pickup → available_for_pickup / pickup_point.
"""

from __future__ import annotations

import re
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
    in_zone,
    load_json,
    make_location,
    opt_dict,
    opt_str,
    parse_offset,
    register,
    zone_for,
)
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus

S = SubStatus
T = TrackingStatus

TYPES: dict[str, tuple[TrackingStatus, SubStatus]] = {
    "M": (T.INFO_RECEIVED, S.NONE),
    "MV": (T.EXCEPTION, S.EXCEPTION_OTHER),
    "P": (T.IN_TRANSIT, S.ACCEPTED),
    "I": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "O": (T.OUT_FOR_DELIVERY, S.NONE),
    "D": (T.DELIVERED, S.DELIVERED_OTHER),
    "X": (T.EXCEPTION, S.EXCEPTION_OTHER),
    "RS": (T.RETURNING, S.NONE),
}

# (types the rule applies to, word groups that must all match, result); first match wins.
_RULES: list[tuple[str, tuple[tuple[str, ...], ...], TrackingStatus, SubStatus]] = [
    ("M I P O D X", (("access point",), ("awaiting", "ready for", "available for")),
     T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    ("D", (("picked up", "pickup"),), T.DELIVERED, S.COLLECTED),
    ("D", (("mailbox", "mail box", "letter box"),), T.DELIVERED, S.LETTER_BOX),
    ("D", (("neighbor", "neighbour"),), T.DELIVERED, S.NEIGHBOUR),
    ("I", (("out for delivery",),), T.OUT_FOR_DELIVERY, S.NONE),
    ("I X", (("customs", "clearance"), ("released", "cleared", "completed")),
     T.IN_TRANSIT, S.CUSTOMS_RELEASED),
    ("I X", (("customs", "clearance"), ("information", "document", "paperwork", "payment")),
     T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED),
    ("I", (("customs", "clearance"),), T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
    ("I", (("export scan",),), T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY),
    ("I", (("import scan",),), T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
    ("X", (("refused",),), T.DELIVERY_FAILED, S.REFUSED),
    ("X", (("not available", "not home", "business was closed", "no one was", "nobody"),),
     T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
    ("X", (("address",), ("incorrect", "incomplete", "invalid", "unable to locate")),
     T.DELIVERY_FAILED, S.ADDRESS_PROBLEM),
    ("X", (("customs", "clearance"),), T.EXCEPTION, S.HELD_BY_CUSTOMS),
    ("X", (("damaged",),), T.EXCEPTION, S.DAMAGED),
    ("X", (("returned to the sender", "return to the sender", "returning"),),
     T.RETURNING, S.NONE),
    ("X", (("delay", "weather", "rescheduled", "emergency"),), T.EXCEPTION, S.DELAYED),
]  # fmt: skip


def classify(kind: str | None, description: str | None) -> tuple[TrackingStatus, SubStatus]:
    key = (kind or "").upper()
    text = folded(description)
    for types, groups, status, sub_status in _RULES:
        if key in types.split() and all(any(w in text for w in group) for group in groups):
            return status, sub_status
    return TYPES.get(key, (T.IN_TRANSIT, S.IN_TRANSIT_OTHER))


def _wall_clock(day: str | None, clock: str | None, what: str) -> datetime:
    if not day or not re.fullmatch(r"\d{8}", day) or not clock or not clock.isdigit():
        raise TrackingParseError(f"ups: unreadable {what} {day!r} {clock!r}")
    clock = clock.zfill(6)  # UPS drops leading zeros ("74700" is 07:47:00)
    try:
        return datetime.strptime(day + clock[:6], "%Y%m%d%H%M%S")
    except ValueError:
        raise TrackingParseError(f"ups: unreadable {what} {day!r} {clock!r}") from None


class UpsAdapter:
    slug = "ups"
    name = "UPS"

    def parse(self, payload: bytes | str) -> list[TrackingEvent]:
        return guarded(self.slug, self._read, payload)

    def _read(self, payload: bytes | str) -> list[TrackingEvent]:
        data = as_dict(load_json(payload), "response")
        if "trackResponse" not in data:
            self._raise_errors(opt_dict(data, "response"))
        shipments = as_list(opt_dict(data, "trackResponse").get("shipment"), "shipment")
        events: list[TrackingEvent] = []
        missing: list[TrackingNotFound] = []
        for raw in shipments:
            try:
                events.extend(self._shipment_events(as_dict(raw, "shipment")))
            except TrackingNotFound as not_found:
                missing.append(not_found)
        if not shipments:
            raise TrackingNotFound(self.slug, "no shipment in the response")
        if len(missing) == len(shipments):
            raise missing[0]
        return chronological(events)

    def _raise_errors(self, response: dict[str, Any]) -> None:
        errors = as_list(response.get("errors"), "errors")
        if not errors:
            raise TrackingParseError("ups: neither trackResponse nor errors")
        first = as_dict(errors[0], "error")
        code, message = opt_str(first, "code"), opt_str(first, "message") or "error"
        if code == "TV1002" or "invalid inquiry" in message.lower():
            raise TrackingNotFound(self.slug, message, code=code, invalid_number=True)
        if "not found" in message.lower():
            raise TrackingNotFound(self.slug, message, code=code)
        raise CarrierError(self.slug, message, code=code)

    def _shipment_events(self, shipment: dict[str, Any]) -> list[TrackingEvent]:
        number = opt_str(shipment, "inquiryNumber")
        packages = as_list(shipment.get("package"), "package")
        if not packages:
            warnings = [as_dict(w, "warning") for w in as_list(shipment.get("warnings"), "w")]
            message = (opt_str(warnings[0], "message") if warnings else None) or "no package"
            code = opt_str(warnings[0], "code") if warnings else None
            raise TrackingNotFound(self.slug, message, tracking_number=number, code=code)
        events = []
        for raw_package in packages:
            package = as_dict(raw_package, "package")
            package_number = number or opt_str(package, "trackingNumber")
            if package_number is None:
                raise TrackingParseError("ups: package without a tracking number")
            for raw in reversed(as_list(package.get("activity"), "activity")):
                events.append(self._event(package_number, as_dict(raw, "activity")))
        return events

    def _event(self, number: str, activity: dict[str, Any]) -> TrackingEvent:
        address = opt_dict(opt_dict(activity, "location"), "address")
        country = opt_str(address, "countryCode") or opt_str(address, "country")
        city, region = opt_str(address, "city"), opt_str(address, "stateProvince")
        status = opt_dict(activity, "status")
        description = opt_str(status, "description")
        main_status, sub_status = classify(opt_str(status, "type"), description)
        return TrackingEvent(
            carrier=self.slug,
            tracking_number=number,
            occurred_at=self._instant(activity, country, region, city),
            status=main_status,
            sub_status=sub_status,
            raw_code=opt_str(status, "code"),
            raw_text=description or "",
            location=make_location(
                country=country, city=city, postcode=opt_str(address, "postalCode")
            ),
        )

    def _instant(
        self, activity: dict[str, Any], country: str | None, region: str | None, city: str | None
    ) -> datetime:
        offset_text = opt_str(activity, "gmtOffset")
        local_day, local_clock = opt_str(activity, "date"), opt_str(activity, "time")
        if offset_text:
            offset = parse_offset(offset_text)
            if local_day and local_clock:
                return _wall_clock(local_day, local_clock, "date").replace(tzinfo=offset)
            utc = _wall_clock(opt_str(activity, "gmtDate"), opt_str(activity, "gmtTime"), "gmt")
            return utc.replace(tzinfo=UTC).astimezone(offset)
        zone = zone_for(country, region, city)
        if zone is None:
            raise TrackingParseError(f"ups: no time zone for activity at {city}, {country}")
        return in_zone(_wall_clock(local_day, local_clock, "date"), zone)


ADAPTER = register(UpsAdapter())
