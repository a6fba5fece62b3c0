"""17TRACK — inbound webhook, API v2 (``event`` "TRACKING_UPDATED" / "TRACKING_STOPPED").

Marketplaces register numbers with 17TRACK and receive its pushes; Garant reads them as one
more carrier feed. Payload: ``{"event", "data": {"number", "carrier", "tag",
"track_info": {"latest_status": {"status", "sub_status"}, "tracking": {"providers": [...]}}}}``;
each provider: ``provider`` (``key``, ``name``, ``country``) and ``events`` (newest first):
``time_iso``, ``time_utc``, ``time_raw`` (``date``, ``time``, ``timezone``), ``description``,
``location``, ``stage`` (milestone), ``sub_status``, ``address`` (``country``, ``state``,
``city``, ``postal_code``). Events carry the provider's carrier slug (ours when we know the
name: "La Poste" → laposte, "China Post" → china_post…). "TRACKING_STOPPED" carries no event.
A number 17TRACK could not find (latest status "NotFound", no event) → ``TrackingNotFound``
(a typing error for NotFound_InvalidCode).

Signature (``verify_signature``): header ``sign`` = SHA-256 hex of ``body + "/" + apikey``,
compared in constant time.

Time convention: ``time_iso`` is the carrier's local time with its offset and is kept. Without
an offset there, ``time_raw`` with its ``timezone`` is used, then the local time placed in
the zone of the event's country, then ``time_utc`` (an instant 17TRACK states as UTC); an
event with none of these is refused.

Mapping of ``sub_status`` (then ``stage`` when there is none; the description refines the
"_Other" ones, see ``_postal.refine``):

======================================  ===============================================
sub_status                              status / sub-status
======================================  ===============================================
InfoReceived                            info_received
InTransit_PickedUp                      in_transit / accepted
InTransit_Departure                     in_transit / departed_origin_country
InTransit_Arrival                       in_transit / arrived_destination_country
InTransit_CustomsProcessing             in_transit / customs_processing
InTransit_CustomsReleased               in_transit / customs_released
InTransit_CustomsRequiringInformation   in_transit / customs_information_required
InTransit_Other                         in_transit / in_transit_other (handover per words)
Expired_Other                           expired
AvailableForPickup_Other                available_for_pickup / pickup_point (locker)
OutForDelivery_Other                    out_for_delivery
DeliveryFailure_Other, _Security        delivery_failed / reason per words
DeliveryFailure_NoBody,                 delivery_failed / recipient_absent (nobody
Exception_NoBody                        home: a failed attempt, whatever 17TRACK files
                                        it under)
DeliveryFailure_Rejected,               delivery_failed / refused
Exception_Rejected
DeliveryFailure_InvalidAddress          delivery_failed / address_problem
Delivered_Other                         delivered / kind per words
Exception_Returning                     returning
Exception_Returned                      returned / reason per words or timeline (TRK-5)
Exception_Security                      exception / held_by_customs (17TRACK files
                                        customs and security holds here)
Exception_Damage                        exception / damaged
Exception_Delayed                       exception / delayed
Exception_Lost, Exception_Destroyed     exception / lost (it will never arrive)
Exception_Cancel, Exception_Other       exception / exception_other (per words)
NotFound_Other, NotFound_InvalidCode    pending
======================================  ===============================================

When several providers carry the parcel, 17TRACK lists the destination's first: its events
are the "last_mile" leg; the same event published by two providers is kept once.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from garant.carriers import _postal
from garant.carriers.base import (
    TrackingNotFound,
    as_dict,
    as_list,
    chronological,
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
from garant.domain.tracking import (
    Location,
    SubStatus,
    TrackingEvent,
    TrackingParseError,
    TrackingStatus,
)

S = SubStatus
T = TrackingStatus
SLUG = "17track"

SUB_STATUSES: dict[str, tuple[TrackingStatus, SubStatus]] = {
    "NotFound_Other": (T.PENDING, S.NONE),
    "NotFound_InvalidCode": (T.PENDING, S.NONE),
    "InfoReceived": (T.INFO_RECEIVED, S.NONE),
    "InTransit_PickedUp": (T.IN_TRANSIT, S.ACCEPTED),
    "InTransit_Departure": (T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY),
    "InTransit_Arrival": (T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
    "InTransit_CustomsProcessing": (T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
    "InTransit_CustomsReleased": (T.IN_TRANSIT, S.CUSTOMS_RELEASED),
    "InTransit_CustomsRequiringInformation": (T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED),
    "InTransit_Other": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "Expired_Other": (T.EXPIRED, S.NONE),
    "AvailableForPickup_Other": (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    "OutForDelivery_Other": (T.OUT_FOR_DELIVERY, S.NONE),
    "DeliveryFailure_Other": (T.DELIVERY_FAILED, S.NONE),
    "DeliveryFailure_Security": (T.DELIVERY_FAILED, S.NONE),
    "DeliveryFailure_NoBody": (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
    "DeliveryFailure_Rejected": (T.DELIVERY_FAILED, S.REFUSED),
    "DeliveryFailure_InvalidAddress": (T.DELIVERY_FAILED, S.ADDRESS_PROBLEM),
    "Delivered_Other": (T.DELIVERED, S.DELIVERED_OTHER),
    "Exception_Returning": (T.RETURNING, S.NONE),
    "Exception_Returned": (T.RETURNED, S.RETURNED_OTHER),
    "Exception_NoBody": (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
    "Exception_Security": (T.EXCEPTION, S.HELD_BY_CUSTOMS),
    "Exception_Damage": (T.EXCEPTION, S.DAMAGED),
    "Exception_Rejected": (T.DELIVERY_FAILED, S.REFUSED),
    "Exception_Delayed": (T.EXCEPTION, S.DELAYED),
    "Exception_Lost": (T.EXCEPTION, S.LOST),
    "Exception_Destroyed": (T.EXCEPTION, S.LOST),
    "Exception_Cancel": (T.EXCEPTION, S.EXCEPTION_OTHER),
    "Exception_Other": (T.EXCEPTION, S.EXCEPTION_OTHER),
}
STAGES: dict[str, tuple[TrackingStatus, SubStatus]] = {
    "InfoReceived": (T.INFO_RECEIVED, S.NONE),
    "PickedUp": (T.IN_TRANSIT, S.ACCEPTED),
    "Departure": (T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY),
    "Arrival": (T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
    "AvailableForPickup": (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    "OutForDelivery": (T.OUT_FOR_DELIVERY, S.NONE),
    "Delivered": (T.DELIVERED, S.DELIVERED_OTHER),
    "Returning": (T.RETURNING, S.NONE),
    "Returned": (T.RETURNED, S.RETURNED_OTHER),
}
_NO_EVENT = {"TRACKING_STOPPED"}


def verify_signature(headers: Mapping[str, str], body: bytes | str, secret: str | bytes) -> bool:
    """True when the ``sign`` header is SHA-256(body + "/" + apikey), compared in constant
    time; anything missing or malformed is simply not a valid signature."""
    given = _postal.header(headers, "sign")
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if given is None or not isinstance(key, bytes) or not key:
        return False
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not isinstance(body, bytes):
        return False
    expected = hashlib.sha256(body + b"/" + key).hexdigest().encode()
    return hmac.compare_digest(expected, given.strip().lower().encode("utf-8", "replace"))


def classify(
    sub_status: str | None, stage: str | None, words: str
) -> tuple[TrackingStatus, SubStatus]:
    reading = SUB_STATUSES.get(sub_status or "") or STAGES.get(stage or "")
    if reading is None:
        return _postal.read_text(words) or (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)
    return _postal.refine(*reading, words)


def parse_webhook(body: bytes | str) -> list[TrackingEvent]:
    return guarded(SLUG, _read, body)


class Track17Adapter:
    slug = SLUG
    name = "17TRACK (webhook)"

    def parse(self, payload: bytes | str) -> list[TrackingEvent]:
        return parse_webhook(payload)

    def verify_signature(
        self, headers: Mapping[str, str], body: bytes | str, secret: str | bytes
    ) -> bool:
        return verify_signature(headers, body, secret)


def _read(body: bytes | str) -> list[TrackingEvent]:
    document = as_dict(load_json(body), "webhook")
    kind = req_str(document, "event")
    data = as_dict(document.get("data"), "data")
    number = req_str(data, "number")
    if kind in _NO_EVENT:
        return []
    if kind != "TRACKING_UPDATED":
        raise TrackingParseError(f"17track: unknown webhook event {kind[:40]!r}")
    info = opt_dict(data, "track_info")
    providers = as_list(opt_dict(info, "tracking").get("providers"), "providers")
    events: list[TrackingEvent] = []
    seen: set[tuple[datetime, str]] = set()
    for index, raw_provider in enumerate(providers):
        provider = as_dict(raw_provider, "provider")
        carrier = _carrier(opt_dict(provider, "provider"))
        last_mile = index == 0 and len(providers) > 1
        raw_events = [as_dict(raw, "event") for raw in as_list(provider.get("events"), "events")]
        for raw in reversed(raw_events):  # newest first on the wire
            event = _event(carrier, number, raw, last_mile)
            key = (event.occurred_at, event.raw_text)
            if key not in seen:
                seen.add(key)
                events.append(event)
    if not events:
        latest = opt_dict(info, "latest_status")
        if opt_str(latest, "status") == "NotFound":
            sub_status = opt_str(latest, "sub_status")
            raise TrackingNotFound(
                SLUG, sub_status or "NotFound", tracking_number=number, code=sub_status,
                invalid_number=sub_status == "NotFound_InvalidCode",
            )  # fmt: skip
    return _postal.with_return_reasons(chronological(events))


def _carrier(provider: dict[str, Any]) -> str:
    slug = _postal.carrier_slug(opt_str(provider, "name") or opt_str(provider, "alias"))
    return slug or SLUG


def _event(carrier: str, number: str, raw: dict[str, Any], last_mile: bool) -> TrackingEvent:
    description = opt_str(raw, "description") or ""
    status, sub_status = classify(opt_str(raw, "sub_status"), opt_str(raw, "stage"), description)
    leg = "last_mile" if last_mile else None
    if sub_status is S.HANDED_TO_LAST_MILE:
        leg = _postal.handover_leg(
            _postal.carrier_in_text(description), _postal.local_number(description)
        )
    location = _location(raw)
    return TrackingEvent(
        carrier=carrier,
        tracking_number=number,
        occurred_at=_instant(raw, location),
        status=status,
        sub_status=sub_status,
        raw_code=opt_str(raw, "sub_status") or opt_str(raw, "stage"),
        raw_text=description,
        location=location,
        leg=leg,
    )


def _location(raw: dict[str, Any]) -> Location:
    address = opt_dict(raw, "address")
    return make_location(
        country=opt_str(address, "country"),
        city=opt_str(address, "city"),
        postcode=opt_str(address, "postal_code"),
        description=opt_str(raw, "location"),
    )


def _instant(raw: dict[str, Any], location: Location) -> datetime:
    local = opt_str(raw, "time_iso")
    if local is not None:
        try:
            return parse_timestamp(local)
        except TrackingParseError:
            pass  # no offset in time_iso: the other forms say more
    time_raw = opt_dict(raw, "time_raw")
    day, clock = opt_str(time_raw, "date"), opt_str(time_raw, "time")
    offset = opt_str(time_raw, "timezone")
    if day and clock and offset:
        return parse_timestamp(f"{day}T{clock}", _postal.zone_of(offset))
    zone = zone_for(location.country, city=location.city)
    if local is not None and zone is not None:
        return parse_timestamp(local, zone)
    utc = opt_str(raw, "time_utc")
    if utc is not None:
        return parse_timestamp(utc)
    raise TrackingParseError("17track: event without a time that carries its zone")


ADAPTER = register(Track17Adapter())
