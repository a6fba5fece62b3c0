"""4PX — tracking JSON (``POST track/v2/front/listTrackV3`` with ``queryCodes``).

Payload: ``{"result": 1, "message", "data": [...]}``, one item per number asked:
``queryCode``, ``serverCode`` / ``shipperCode``, ``ctStartCode`` / ``ctEndCode`` (origin and
destination countries), ``status``, ``channelTrackCode`` (the last-mile carrier's number),
``channelContact.channelSimpleName`` (its name), and ``tracks`` (newest first): ``tkCode``,
``tkDesc``, ``tkLocation`` ("Shenzhen,China"), ``tkTimezone``, ``tkDateStr``, ``tkDate``. A
``result`` other than 1 → ``TrackingNotFound`` when the message says the number is unknown or
malformed, else ``CarrierError``. An item without tracks whose ``status`` is 7 (4PX's "no
information") → ``TrackingNotFound``; otherwise no tracks means no event yet.

Time convention: ``tkDateStr`` is the wall clock of the scan's place and ``tkTimezone`` its
offset ("UTC+08:00", "UTC+01:00", or a zone name as "UTCEurope/Paris"): the event keeps that
offset. Without ``tkDateStr``, ``tkDate`` (ISO 8601) is read with its own offset. A time
without any offset is placed in the zone of the scan's country and refused when none.

Mapping — 4PX publishes no list of its codes. ``FPX_<stage>_<event>``: the stage letter gives
the coarse reading, the few codes whose meaning is certain have a row, the description
decides the rest (``_postal.refine`` / ``read_text``):

===========================================  ===============================================
tkCode                                       status / sub-status
===========================================  ===============================================
FPX_L_… label / parcel information           info_received
FPX_C_…, FPX_F_… collection, first mile      in_transit / in_transit_other (accepted when
                                             the description says picked up / received)
FPX_Q_… export customs                       in_transit / in_transit_other; a hold → held
FPX_M_… main line-haul                       in_transit / in_transit_other; a departure
                                             scanned in the origin country → departed
                                             origin, an arrival in the destination country
                                             → arrived destination
FPX_M_TD… transport delays                   exception / delayed
FPX_M_CRSD, FPX_I_… import customs           in_transit / customs_processing (held,
                                             information required per description)
FPX_I_RCUK                                   in_transit / customs_released
FPX_D_SD                                     out_for_delivery
FPX_D_DD…, FPX_D_FD… delivery exceptions     delivery_failed / reason per description
FPX_D_SH… shipment held                      exception / per description (lost, damaged…)
other FPX_D_… (the local carrier's scans)    read from the description (handover, pickup
                                             point, out for delivery…), else in transit
FPX_S_OK… signed                             delivered / kind per description
FPX_R_… returns                              returning, or returned (reason) per text
===========================================  ===============================================

Legs: L/C/F/Q → "origin", M/I → "international", D/S → "last_mile", returns none.
TRK-3: a handover ("handed over to last mile carrier …") is in_transit / handed_to_last_mile
with leg "last_mile:<carrier>:<number>", the number from the words else ``channelTrackCode``.
TRK-5: a return without a reason of its own takes it from the timeline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from garant.carriers import _postal
from garant.carriers._postal_words import ARRIVAL, DEPARTURE, norm
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
    split_place,
    zone_for,
)
from garant.domain.tracking import Location, SubStatus, TrackingEvent, TrackingStatus

S = SubStatus
T = TrackingStatus

CODES: dict[str, tuple[TrackingStatus, SubStatus]] = {
    "FPX_M_CRSD": (T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
    "FPX_I_RCUK": (T.IN_TRANSIT, S.CUSTOMS_RELEASED),
    "FPX_D_SD": (T.OUT_FOR_DELIVERY, S.NONE),
}
# (code prefix, reading before the description is read); the first matching prefix wins.
PREFIXES: list[tuple[str, tuple[TrackingStatus, SubStatus]]] = [
    ("FPX_L_", (T.INFO_RECEIVED, S.NONE)),
    ("FPX_C_", (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
    ("FPX_F_", (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
    ("FPX_M_TD", (T.EXCEPTION, S.DELAYED)),
    ("FPX_M_", (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
    ("FPX_I_", (T.IN_TRANSIT, S.CUSTOMS_PROCESSING)),
    ("FPX_D_DD", (T.DELIVERY_FAILED, S.NONE)),
    ("FPX_D_FD", (T.DELIVERY_FAILED, S.NONE)),
    ("FPX_D_SH", (T.EXCEPTION, S.EXCEPTION_OTHER)),
    ("FPX_S_OK", (T.DELIVERED, S.DELIVERED_OTHER)),
]
_ORIGIN_STAGES = ("FPX_L_", "FPX_C_", "FPX_F_", "FPX_Q_")
_DESTINATION_STAGES = ("FPX_I_", "FPX_D_", "FPX_S_")
_NO_INFORMATION = 7
_LEGS = {
    "FPX_L_": "origin", "FPX_C_": "origin", "FPX_F_": "origin", "FPX_Q_": "origin",
    "FPX_M_": "international", "FPX_I_": "international",
    "FPX_D_": "last_mile", "FPX_S_": "last_mile",
}  # fmt: skip


def classify(
    code: str | None,
    words: str,
    *,
    country: str | None = None,
    origin: str | None = None,
    destination: str | None = None,
) -> tuple[TrackingStatus, SubStatus]:
    key = (code or "").upper()
    if key.startswith("FPX_Q_"):
        return _postal.export_customs(words)
    reading = CODES.get(key) or next((r for prefix, r in PREFIXES if key.startswith(prefix)), None)
    if reading is None:  # the local carrier's scans, returns, unknown stages: words only
        return _postal.read_text(words) or (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)
    status, sub_status = _postal.refine(*reading, words)
    if key.startswith("FPX_M_") and sub_status is S.IN_TRANSIT_OTHER and country:
        # A flight's departure or arrival says which border it crosses by where it is scanned.
        text = norm(words)
        if country == origin and DEPARTURE.within(text):
            return T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY
        if country == destination and ARRIVAL.within(text):
            return T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY
    return status, sub_status


class FourPxAdapter:
    slug = "4px"
    name = "4PX"

    def parse(self, payload: bytes | str) -> list[TrackingEvent]:
        return guarded(self.slug, self._read, payload)

    def _read(self, payload: bytes | str) -> list[TrackingEvent]:
        data = as_dict(load_json(payload), "response")
        result = data.get("result")
        if isinstance(result, bool) or result not in (1, "1"):  # True == 1 is no success code
            message = opt_str(data, "message") or f"result {result}"
            _postal.refuse(self.slug, message[:200], code=str(result)[:20])
        items = as_list(data.get("data"), "data")
        events: list[TrackingEvent] = []
        missing: list[TrackingNotFound] = []
        for item in items:
            try:
                events.extend(self._parcel_events(as_dict(item, "data item")))
            except TrackingNotFound as unknown:
                missing.append(unknown)
        if missing and len(missing) == len(items):
            raise missing[0]
        return _postal.with_return_reasons(chronological(events))

    def _parcel_events(self, item: dict[str, Any]) -> list[TrackingEvent]:
        number = req_str(item, "queryCode")
        tracks = [as_dict(raw, "track") for raw in as_list(item.get("tracks"), "tracks")]
        if not tracks:
            if item.get("status") in (_NO_INFORMATION, str(_NO_INFORMATION)):
                raise TrackingNotFound(self.slug, "no information", tracking_number=number)
            return []
        parcel = _Parcel(number, item)
        events = [parcel.event(raw) for raw in tracks]
        if events[0].occurred_at > events[-1].occurred_at:
            events.reverse()  # newest first on the wire; same-minute scans keep their order
        return events


class _Parcel:
    def __init__(self, number: str, item: dict[str, Any]) -> None:
        self.number = number
        self.origin = _country(opt_str(item, "ctStartCode"))
        self.destination = _country(opt_str(item, "ctEndCode"))
        self.local_number = opt_str(item, "channelTrackCode")
        contact = opt_dict(item, "channelContact")
        self.local_carrier = _postal.carrier_slug(opt_str(contact, "channelSimpleName"))

    def event(self, raw: dict[str, Any]) -> TrackingEvent:
        code = opt_str(raw, "tkCode")
        desc = opt_str(raw, "tkDesc") or opt_str(raw, "tkTranslatedDesc") or ""
        key = (code or "").upper()
        location = self._location(raw, key)
        status, sub_status = classify(
            code, desc, country=location.country, origin=self.origin,
            destination=self.destination,
        )  # fmt: skip
        leg = _LEGS.get(key[:6])
        if sub_status is S.HANDED_TO_LAST_MILE:
            leg = _postal.handover_leg(
                _postal.carrier_in_text(desc) or self.local_carrier,
                _postal.local_number(desc) or self.local_number,
            )
        return TrackingEvent(
            carrier=FourPxAdapter.slug,
            tracking_number=self.number,
            occurred_at=self._instant(raw, location),
            status=status,
            sub_status=sub_status,
            raw_code=code,
            raw_text=desc,
            location=location,
            leg=leg,
        )

    def _location(self, raw: dict[str, Any], key: str) -> Location:
        place = (opt_str(raw, "tkLocation") or "").replace(",", ", ")
        city, _, country = split_place(place)
        if country is None:
            if key.startswith(_ORIGIN_STAGES):
                country = self.origin
            elif key.startswith(_DESTINATION_STAGES):
                country = self.destination
        return make_location(country=country, city=city, description=place or None)

    def _instant(self, raw: dict[str, Any], location: Location) -> datetime:
        offset = opt_str(raw, "tkTimezone")
        zone = _postal.zone_of(offset) if offset else zone_for(location.country)
        local = opt_str(raw, "tkDateStr") or req_str(raw, "tkDate")
        return parse_timestamp(local, zone)


def _country(value: str | None) -> str | None:
    return make_location(country=value).country


ADAPTER = register(FourPxAdapter())
