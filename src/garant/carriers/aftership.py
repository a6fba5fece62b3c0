"""AfterShip — inbound tracking webhook (``event`` "tracking_update", tracking in ``msg``).

Marketplaces register numbers with AfterShip and receive its pushes; Garant reads them as one
more carrier feed. Payload: ``{"event", "event_id", "msg": {"tracking_number", "slug", "tag",
"subtag", "last_mile": {"tracking_number", "slug"}, "checkpoints": [...]}, "ts"}``; each
checkpoint: ``slug`` (the carrier that scanned it), ``checkpoint_time``, ``message``, ``tag``,
``subtag``, ``subtag_message``, ``location``, ``city``, ``state``, ``zip``, ``country_region``
(ISO 3166 alpha-3; ``country_iso3`` in older versions). Events carry the checkpoint's carrier
slug mapped to ours ("china-ems" → china_post, "la-poste-colissimo" → laposte…), else
AfterShip's own with "-" as "_". A tracking in Pending with no checkpoint means no event yet;
one Expired with no checkpoint was never found → ``TrackingNotFound``.

Signature (``verify_signature``): header ``aftership-hmac-sha256`` = base64 of HMAC-SHA256 of
the raw body with the webhook secret, compared in constant time.

Time convention: ``checkpoint_time`` is the carrier's local time, with its offset when the
carrier gives one (kept as given). AfterShip also passes "YYYY-MM-DDTHH:MM:SS" or a bare date
when the carrier does: those are placed in the zone of the checkpoint's country (city or state
for countries with several zones), and refused when no zone can be found.

Mapping of ``subtag`` (then ``tag`` for an unknown subtag; the message refines the generic
ones, see ``_postal.refine``):

=========================================  ==================================================
subtag                                     status / sub-status
=========================================  ==================================================
Pending_001 … Pending_006                  pending
InfoReceived_001                           info_received
InTransit_001 in transit, _003 arrival     in_transit / in_transit_other (the message may
scan, _007 departure scan, _008 problem    say more: handover, departure from the origin
resolved, _009 forwarded                   country…)
InTransit_002 acceptance scan              in_transit / accepted
InTransit_004 arrived at destination       in_transit / arrived_destination_country
InTransit_005 customs clearance completed  in_transit / customs_released
InTransit_006 customs clearance started    in_transit / customs_processing
OutForDelivery_001, _003, _004             out_for_delivery
AttemptFail_001                            delivery_failed / reason per message
AttemptFail_002 addressee not available,   delivery_failed / recipient_absent
AttemptFail_003 business closed
AvailableForPickup_001                     available_for_pickup / pickup_point (locker)
Delivered_001, _004 (cash on delivery)     delivered / kind per message
Delivered_002 picked up by the customer    delivered / collected
Delivered_003 signed by the customer       delivered / signed
Delivered_005 delivered to a neighbour     delivered / neighbour
Exception_001 exception, _009 rejected by  exception / exception_other (per message)
carrier, _020 cancelled
Exception_002 customer moved, _007         delivery_failed / address_problem
incorrect address
Exception_003 customer refused             delivery_failed / refused
Exception_004 delayed (customs clearance)  exception / held_by_customs
Exception_005, _016, _017, _019 delays     exception / delayed
Exception_006 held for payment, _018       in_transit / customs_information_required
incorrect / missing documents              (SHP-3: duties or papers the buyer must give)
Exception_008 pick up missed               exception / exception_other (a later return is
                                           "unclaimed", TRK-5)
Exception_010 returning to sender          returning
Exception_011 returned to sender           returned / reason per message or timeline
Exception_012 damaged                      exception / damaged
Exception_013 lost, _021 disposed          exception / lost (it will never arrive)
Expired_001                                expired
=========================================  ==================================================

TRK-3: a handover read from the message is in_transit / handed_to_last_mile with leg
"last_mile:<carrier>:<number>", the number from the message else ``msg.last_mile``; the
checkpoints of ``msg.last_mile``'s carrier are the "last_mile" leg.
"""

from __future__ import annotations

import base64
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
from garant.domain.tracking import Location, SubStatus, TrackingEvent, TrackingStatus

S = SubStatus
T = TrackingStatus
SLUG = "aftership"
HEADER = "aftership-hmac-sha256"

SUBTAGS: dict[str, tuple[TrackingStatus, SubStatus]] = {
    **{f"Pending_00{n}": (T.PENDING, S.NONE) for n in range(1, 7)},
    "InfoReceived_001": (T.INFO_RECEIVED, S.NONE),
    **{f"InTransit_00{n}": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER) for n in (1, 3, 7, 8, 9)},
    "InTransit_002": (T.IN_TRANSIT, S.ACCEPTED),
    "InTransit_004": (T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
    "InTransit_005": (T.IN_TRANSIT, S.CUSTOMS_RELEASED),
    "InTransit_006": (T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
    **{f"OutForDelivery_00{n}": (T.OUT_FOR_DELIVERY, S.NONE) for n in (1, 3, 4)},
    "AttemptFail_001": (T.DELIVERY_FAILED, S.NONE),
    "AttemptFail_002": (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
    "AttemptFail_003": (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
    "AvailableForPickup_001": (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    "Delivered_001": (T.DELIVERED, S.DELIVERED_OTHER),
    "Delivered_002": (T.DELIVERED, S.COLLECTED),
    "Delivered_003": (T.DELIVERED, S.SIGNED),
    "Delivered_004": (T.DELIVERED, S.DELIVERED_OTHER),
    "Delivered_005": (T.DELIVERED, S.NEIGHBOUR),
    "Exception_001": (T.EXCEPTION, S.EXCEPTION_OTHER),
    "Exception_002": (T.DELIVERY_FAILED, S.ADDRESS_PROBLEM),
    "Exception_003": (T.DELIVERY_FAILED, S.REFUSED),
    "Exception_004": (T.EXCEPTION, S.HELD_BY_CUSTOMS),
    "Exception_005": (T.EXCEPTION, S.DELAYED),
    "Exception_006": (T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED),
    "Exception_007": (T.DELIVERY_FAILED, S.ADDRESS_PROBLEM),
    "Exception_008": (T.EXCEPTION, S.EXCEPTION_OTHER),
    "Exception_009": (T.EXCEPTION, S.EXCEPTION_OTHER),
    "Exception_010": (T.RETURNING, S.NONE),
    "Exception_011": (T.RETURNED, S.RETURNED_OTHER),
    "Exception_012": (T.EXCEPTION, S.DAMAGED),
    "Exception_013": (T.EXCEPTION, S.LOST),
    "Exception_016": (T.EXCEPTION, S.DELAYED),
    "Exception_017": (T.EXCEPTION, S.DELAYED),
    "Exception_018": (T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED),
    "Exception_019": (T.EXCEPTION, S.DELAYED),
    "Exception_020": (T.EXCEPTION, S.EXCEPTION_OTHER),
    "Exception_021": (T.EXCEPTION, S.LOST),
    "Expired_001": (T.EXPIRED, S.NONE),
}
TAGS: dict[str, tuple[TrackingStatus, SubStatus]] = {
    "Pending": (T.PENDING, S.NONE),
    "InfoReceived": (T.INFO_RECEIVED, S.NONE),
    "InTransit": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "OutForDelivery": (T.OUT_FOR_DELIVERY, S.NONE),
    "AttemptFail": (T.DELIVERY_FAILED, S.NONE),
    "AvailableForPickup": (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    "Delivered": (T.DELIVERED, S.DELIVERED_OTHER),
    "Exception": (T.EXCEPTION, S.EXCEPTION_OTHER),
    "Expired": (T.EXPIRED, S.NONE),
}
# AfterShip's courier slugs for the carriers Garant has adapters for.
COURIERS = {
    "china-post": "china_post", "china-ems": "china_post", "cainiao": "cainiao",
    "yanwen": "yanwen", "4px": "4px", "la-poste-colissimo": "laposte", "colissimo": "laposte",
    "laposte": "laposte", "spain-correos-es": "correos", "correos-spain": "correos",
    "poczta-polska": "poczta_polska", "dhl": "dhl_express", "dhl-global-mail": "dhl_universal",
    "fedex": "fedex", "ups": "ups", "usps": "usps",
}  # fmt: skip


def verify_signature(headers: Mapping[str, str], body: bytes | str, secret: str | bytes) -> bool:
    """True when ``aftership-hmac-sha256`` is base64(HMAC-SHA256(secret, raw body)); compared
    in constant time; anything missing or malformed is simply not a valid signature."""
    given = _postal.header(headers, HEADER)
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if given is None or not isinstance(key, bytes) or not key:
        return False
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not isinstance(body, bytes):
        return False
    expected = base64.b64encode(hmac.new(key, body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, given.strip().encode("utf-8", "replace"))


def classify(subtag: str | None, tag: str | None, message: str) -> tuple[TrackingStatus, SubStatus]:
    reading = SUBTAGS.get(subtag or "") or TAGS.get(tag or "")
    if reading is None:
        return _postal.read_text(message) or (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)
    return _postal.refine(*reading, message)


def courier_slug(slug: str | None) -> str | None:
    if not slug:
        return None
    return COURIERS.get(slug.lower()) or _postal.carrier_slug(slug)


def parse_webhook(body: bytes | str) -> list[TrackingEvent]:
    return guarded(SLUG, _read, body)


class AfterShipAdapter:
    slug = SLUG
    name = "AfterShip (webhook)"

    def parse(self, payload: bytes | str) -> list[TrackingEvent]:
        return parse_webhook(payload)

    def verify_signature(
        self, headers: Mapping[str, str], body: bytes | str, secret: str | bytes
    ) -> bool:
        return verify_signature(headers, body, secret)


def _read(body: bytes | str) -> list[TrackingEvent]:
    document = as_dict(load_json(body), "webhook")
    msg = as_dict(document.get("msg"), "msg")
    number = req_str(msg, "tracking_number")
    carrier = courier_slug(opt_str(msg, "slug")) or SLUG
    last_mile = opt_dict(msg, "last_mile")
    local = (courier_slug(opt_str(last_mile, "slug")), opt_str(last_mile, "tracking_number"))
    checkpoints = [
        as_dict(raw, "checkpoint") for raw in as_list(msg.get("checkpoints"), "checkpoints")
    ]
    if not checkpoints and opt_str(msg, "tag") == "Expired":
        # Expired with nothing ever scanned: AfterShip never found the number (TRK-4).
        code = opt_str(msg, "subtag") or "Expired"
        raise TrackingNotFound(SLUG, "expired without information", tracking_number=number,
                               code=code)  # fmt: skip
    events = [_event(number, carrier, local, raw) for raw in checkpoints]
    return _postal.with_return_reasons(chronological(events))


def _event(
    number: str, carrier: str, local: tuple[str | None, str | None], raw: dict[str, Any]
) -> TrackingEvent:
    message = opt_str(raw, "message") or opt_str(raw, "subtag_message") or ""
    subtag = opt_str(raw, "subtag")
    status, sub_status = classify(subtag, opt_str(raw, "tag"), message)
    scanned_by = courier_slug(opt_str(raw, "slug")) or carrier
    # The last-mile carrier's own checkpoints are that leg; the handover names it as well.
    leg = "last_mile" if local[0] is not None and scanned_by == local[0] != carrier else None
    if sub_status is S.HANDED_TO_LAST_MILE:
        leg = _postal.handover_leg(
            _postal.carrier_in_text(message) or local[0], _postal.local_number(message) or local[1]
        )
    location = _location(raw)
    return TrackingEvent(
        carrier=scanned_by,
        tracking_number=number,
        occurred_at=_instant(req_str(raw, "checkpoint_time"), location, opt_str(raw, "state")),
        status=status,
        sub_status=sub_status,
        raw_code=subtag or opt_str(raw, "tag"),
        raw_text=message,
        location=location,
        leg=leg,
    )


def _location(raw: dict[str, Any]) -> Location:
    country = opt_str(raw, "country_region") or opt_str(raw, "country_iso3")
    name = opt_str(raw, "country_region_name") or opt_str(raw, "country_name")
    return make_location(
        country=country or name,
        city=opt_str(raw, "city"),
        postcode=opt_str(raw, "zip"),
        description=opt_str(raw, "location"),
    )


def _instant(text: str, location: Location, state: str | None) -> datetime:
    return parse_timestamp(text, zone_for(location.country, state, location.city))


ADAPTER = register(AfterShipAdapter())
