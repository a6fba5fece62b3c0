"""DHL — unified "Shipment Tracking" JSON API (``GET /track/shipments``), every DHL service.

Payload: ``shipments`` list; each has ``id`` (the tracking number, string or number),
``origin``/``destination`` addresses and ``events`` (newest first): ``timestamp``,
``statusCode`` (pre-transit, transit, delivered, failure, unknown), ``status``, ``description``,
``remark`` and ``location.address`` (``countryCode``, ``postalCode``, ``addressLocality``). An
RFC 7807 problem document (``status``, ``title``, ``detail``) is the error answer: 404 →
``TrackingNotFound``, anything else → ``CarrierError``.

Time convention: ``timestamp`` has an offset for some DHL services and not for others (Express
gives the wall-clock time of the facility). With an offset it is kept; without one it is placed
in the zone of the event's country (from ``countryCode`` or from an ``addressLocality`` such as
"BERGEN - NORWAY"); a pre-transit event without a place falls back on the origin address, since
that is where the shipper announced the parcel. Anything else without a zone is refused.

Mapping: ``statusCode`` gives the family and DHL's words (``status`` + ``description``) only
refine inside it, so an event coded pre-transit stays info_received whatever its text says.

================  =====================================================================
statusCode        status / sub-status
================  =====================================================================
pre-transit       info_received
transit           in_transit / in_transit_other; words can make it accepted ("picked up",
                  "posted", "handed over by the sender"), arrived_destination_country,
                  customs_processing / customs_released, out_for_delivery ("out for
                  delivery", "delivery vehicle", "with courier for delivery") or
                  available_for_pickup (pickup point, or locker for Packstation/locker)
delivered         delivered / signed, letter_box, neighbour, collected per words, else
                  delivered_other; "delivered back to the sender" → returned
failure           exception / exception_other; words can make it delivery_failed
                  (absent, address, refused), returning, or exception delayed, damaged,
                  lost, held_by_customs
unknown, other    in_transit / in_transit_other
================  =====================================================================
"""

from __future__ import annotations

import re
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
    split_place,
    zone_for,
)
from garant.domain.tracking import (
    Location,
    SubStatus,
    TrackingEvent,
    TrackingParseError,
    TrackingStatus,
)

S = SubStatus
T = TrackingStatus

Rule = tuple[tuple[str, ...], TrackingStatus, SubStatus]

_TRANSIT_RULES: list[Rule] = [
    (("out for delivery", "delivery vehicle", "courier for delivery", "with delivery courier"),
     T.OUT_FOR_DELIVERY, S.NONE),
    (("packstation", "parcel locker", "locker"), T.AVAILABLE_FOR_PICKUP, S.LOCKER),
    (("ready for pick", "available for pick", "awaiting collection", "can be picked up"),
     T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    (("customs clearance complete", "customs cleared", "released by customs",
      "cleared customs", "clearance release"), T.IN_TRANSIT, S.CUSTOMS_RELEASED),
    (("customs",), T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
    (("arrived in the destination country", "arrived in destination country"),
     T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
    (("picked up", "posted", "handed over by the sender", "accepted"), T.IN_TRANSIT, S.ACCEPTED),
]  # fmt: skip

_DELIVERED_RULES: list[Rule] = [
    (("back to the sender", "returned to the sender", "to the sender"),
     T.RETURNED, S.RETURNED_OTHER),
    (("neighbour", "neighbor"), T.DELIVERED, S.NEIGHBOUR),
    (("mailbox", "letterbox", "letter box", "mail box"), T.DELIVERED, S.LETTER_BOX),
    (("picked up by the recipient", "recipient has picked up", "picked up the shipment",
      "collected"), T.DELIVERED, S.COLLECTED),
    (("signed", "signature"), T.DELIVERED, S.SIGNED),
]  # fmt: skip

_FAILURE_RULES: list[Rule] = [
    (("returned to the sender", "return to sender", "being returned"), T.RETURNING, S.NONE),
    (("refused",), T.DELIVERY_FAILED, S.REFUSED),
    (("not at home", "not home", "recipient was absent", "could not be reached"),
     T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
    (("address",), T.DELIVERY_FAILED, S.ADDRESS_PROBLEM),
    (("customs",), T.EXCEPTION, S.HELD_BY_CUSTOMS),
    (("damaged",), T.EXCEPTION, S.DAMAGED),
    (("lost", "cannot be located"), T.EXCEPTION, S.LOST),
    (("delay",), T.EXCEPTION, S.DELAYED),
]  # fmt: skip

_FAMILIES: dict[str, tuple[TrackingStatus, SubStatus, list[Rule]]] = {
    "pre-transit": (T.INFO_RECEIVED, S.NONE, []),
    "transit": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER, _TRANSIT_RULES),
    "delivered": (T.DELIVERED, S.DELIVERED_OTHER, _DELIVERED_RULES),
    "failure": (T.EXCEPTION, S.EXCEPTION_OTHER, _FAILURE_RULES),
}


def classify(status_code: str | None, *texts: str | None) -> tuple[TrackingStatus, SubStatus]:
    status, sub_status, rules = _FAMILIES.get(
        (status_code or "").lower(), (T.IN_TRANSIT, S.IN_TRANSIT_OTHER, [])
    )
    words = " ".join(folded(text) for text in texts if text)
    for keys, refined_status, refined_sub in rules:
        if any(key in words for key in keys):
            return refined_status, refined_sub
    return status, sub_status


def _place(holder: dict[str, Any]) -> tuple[Location, str | None]:
    """The event's Location and the region (state) used to pick a zone."""
    address = opt_dict(opt_dict(holder, "location"), "address") or opt_dict(holder, "address")
    locality = opt_str(address, "addressLocality")
    city, region, named_country = split_place(locality)
    if city and "," in city:  # "Oderweg 2, AMSTERDAM": street first, town last
        city = city.rsplit(",", 1)[1].strip() or None
    country = opt_str(address, "countryCode") or named_country
    location = make_location(
        country=country, city=city, postcode=opt_str(address, "postalCode"), description=locality
    )
    return location, region


class DhlUniversalAdapter:
    slug = "dhl_universal"
    name = "DHL (Shipment Tracking - Unified)"

    def parse(self, payload: bytes | str) -> list[TrackingEvent]:
        return guarded(self.slug, self._read, payload)

    def _read(self, payload: bytes | str) -> list[TrackingEvent]:
        data = as_dict(load_json(payload), "response")
        if "shipments" not in data:
            self._raise_problem(data)
        shipments = as_list(data.get("shipments"), "shipments")
        if not shipments:
            raise TrackingNotFound(self.slug, "no shipment in the response")
        events: list[TrackingEvent] = []
        for raw in shipments:
            events.extend(self._shipment_events(as_dict(raw, "shipment")))
        return chronological(events)

    def _raise_problem(self, data: dict[str, Any]) -> None:
        status = opt_str(data, "status")
        message = opt_str(data, "detail") or opt_str(data, "title")
        if status is None and message is None:
            raise TrackingParseError("dhl_universal: neither shipments nor a problem document")
        text = message or f"status {status}"
        if status == "404":
            instance = opt_str(data, "instance") or ""
            asked = re.search(r"trackingNumber=([^&?]+)", instance)
            number = asked.group(1) if asked else instance.rsplit("/", 1)[-1] or None
            raise TrackingNotFound(self.slug, text, tracking_number=number, code=status)
        raise CarrierError(self.slug, text, code=status)

    def _shipment_events(self, shipment: dict[str, Any]) -> list[TrackingEvent]:
        number = req_str(shipment, "id")
        origin, origin_region = _place(opt_dict(shipment, "origin"))
        events = []
        for raw in reversed(as_list(shipment.get("events"), "events")):  # DHL: newest first
            event = as_dict(raw, "event")
            status_code = opt_str(event, "statusCode")
            location, region = _place(event)
            zone = zone_for(location.country, region, location.city)
            if zone is None and (status_code or "").lower() == "pre-transit":
                zone = zone_for(origin.country, origin_region, origin.city)
            description = opt_str(event, "description")
            short = opt_str(event, "status")
            status, sub_status = classify(status_code, short, description)
            events.append(
                TrackingEvent(
                    carrier=self.slug,
                    tracking_number=number,
                    occurred_at=parse_timestamp(req_str(event, "timestamp"), zone),
                    status=status,
                    sub_status=sub_status,
                    raw_code=status_code,
                    raw_text=description or short or "",
                    location=location,
                )
            )
        return events


ADAPTER = register(DhlUniversalAdapter())
