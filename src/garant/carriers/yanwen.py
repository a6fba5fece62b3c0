"""Yanwen — tracking API JSON (``GET /api/tracking?nums=…``).

Payload: ``{"code": 0, "message", "result": [...]}``, one result per number asked:
``tracking_number``, ``waybill_number``, ``exchange_number`` (the last-mile carrier's own
number), ``last_mile_carrier`` (its name), ``tracking_status`` (latest code),
``origin_country`` / ``destination_country``, and ``checkpoints``: ``time_stamp``,
``time_zone``, ``tracking_status`` (the event's code), ``message``, ``location``,
``is_last_mile_checkpoint`` (the local carrier's own scan, relayed). A ``code`` other than 0 →
``TrackingNotFound`` when the message says the number is unknown or malformed, else
``CarrierError``. A result without checkpoints whose status is empty or "NOTFOUND" →
``TrackingNotFound``; with a status → no event yet. Found numbers win in a mixed answer.

Time convention: ``time_stamp`` is the wall clock of the scan's place and ``time_zone`` its
UTC offset ("+8", "+08", "+1", "+2"): the event keeps that offset. A checkpoint without
``time_zone`` is placed in the zone of its country (from ``location``, else the stage's
country), and refused when none can be found.

Mapping of the checkpoint's ``tracking_status`` (the letters give the stage, the table the
codes we know; the message refines it, see ``_postal.refine``):

============================================  ============================================
code                                          status / sub-status
============================================  ============================================
OR10 order information received               info_received
PU10 Yanwen acceptance                        in_transit / accepted
PU30 pickup / warehouse exception             exception / per message
SC… sorting centre                            in_transit / in_transit_other
EC… export customs                            in_transit / in_transit_other (not the
                                              buyer's clearance); EC30 exception → held
LH20 departure from the port of origin        in_transit / departed_origin_country
LH… other line-haul steps                     in_transit / in_transit_other, arrival in
                                              the destination country per message
IC50 import clearance in progress, IC…        in_transit / customs_processing
IC51, IC70 customs exceptions                 exception / held_by_customs
IC60 import clearance completed               in_transit / customs_released
LM10 handed over to the last-mile carrier     in_transit / handed_to_last_mile, leg
                                              "last_mile:<carrier>:<exchange_number>"
LM40 delivered                                delivered / kind per message
LM50 delivery failed                          delivery_failed / reason per message
LM90 last-mile exception                      exception / per message (returning,
                                              returned, lost…)
other LM… (the local carrier's scans)         read from the message (out for delivery,
                                              pickup point…), else in_transit_other
============================================  ============================================

Legs: OR/PU/SC/EC → "origin", LH/IC → "international", the local carrier's checkpoints →
"last_mile". TRK-5: a return without a reason of its own takes it from the timeline.
"""

from __future__ import annotations

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
    "OR10": (T.INFO_RECEIVED, S.NONE),
    "PU10": (T.IN_TRANSIT, S.ACCEPTED),
    "PU30": (T.EXCEPTION, S.EXCEPTION_OTHER),
    "EC30": (T.EXCEPTION, S.HELD_BY_CUSTOMS),
    "LH20": (T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY),
    "IC50": (T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
    "IC51": (T.EXCEPTION, S.HELD_BY_CUSTOMS),
    "IC60": (T.IN_TRANSIT, S.CUSTOMS_RELEASED),
    "IC70": (T.EXCEPTION, S.HELD_BY_CUSTOMS),
    "LM10": (T.IN_TRANSIT, S.HANDED_TO_LAST_MILE),
    "LM40": (T.DELIVERED, S.DELIVERED_OTHER),
    "LM50": (T.DELIVERY_FAILED, S.NONE),
    "LM90": (T.EXCEPTION, S.EXCEPTION_OTHER),
}
# What a code of a stage we have no row for says before its message is read.
_STAGES: dict[str, tuple[TrackingStatus, SubStatus]] = {
    "OR": (T.INFO_RECEIVED, S.NONE),
    "PU": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "SC": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "LH": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "IC": (T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
}
_ORIGIN_STAGES = ("OR", "PU", "SC", "EC")
_NOT_FOUND_STATUSES = {"", "NOTFOUND", "NOT_FOUND", "NF"}


def classify(code: str | None, message: str) -> tuple[TrackingStatus, SubStatus]:
    key = (code or "").upper()
    if key in CODES:
        return _postal.refine(*CODES[key], message)
    if key.startswith("EC"):
        return _postal.export_customs(message)
    if key[:2] in _STAGES:
        return _postal.refine(*_STAGES[key[:2]], message)
    # The local carrier's relayed scans (LM…) and unknown stages: the message is all we have.
    return _postal.read_text(message) or (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)


class YanwenAdapter:
    slug = "yanwen"
    name = "Yanwen"

    def parse(self, payload: bytes | str) -> list[TrackingEvent]:
        return guarded(self.slug, self._read, payload)

    def _read(self, payload: bytes | str) -> list[TrackingEvent]:
        data = as_dict(load_json(payload), "response")
        code = data.get("code")
        if isinstance(code, bool) or code not in (0, "0"):  # False == 0 is no success code
            message = opt_str(data, "message") or f"code {code}"
            _postal.refuse(self.slug, message[:200], code=str(code)[:20])
        results = as_list(data.get("result"), "result")
        events: list[TrackingEvent] = []
        missing: list[TrackingNotFound] = []
        for result in results:
            try:
                events.extend(self._result_events(as_dict(result, "result")))
            except TrackingNotFound as unknown:
                missing.append(unknown)
        if missing and len(missing) == len(results):
            raise missing[0]
        return _postal.with_return_reasons(chronological(events))

    def _result_events(self, result: dict[str, Any]) -> list[TrackingEvent]:
        number = req_str(result, "tracking_number")
        checkpoints = as_list(result.get("checkpoints"), "checkpoints")
        raw = [as_dict(item, "checkpoint") for item in checkpoints]
        if not raw:
            if (opt_str(result, "tracking_status") or "").upper() in _NOT_FOUND_STATUSES:
                raise TrackingNotFound(self.slug, "no such parcel", tracking_number=number)
            return []
        shipment = _Shipment(number, result)
        events = [shipment.event(item) for item in raw]
        if events[0].occurred_at > events[-1].occurred_at:
            events.reverse()  # keep same-minute scans in the carrier's own order
        return events


class _Shipment:
    def __init__(self, number: str, result: dict[str, Any]) -> None:
        self.number = number
        self.origin = opt_str(result, "origin_country")
        self.destination = opt_str(result, "destination_country")
        self.local_number = opt_str(result, "exchange_number")
        self.local_carrier = _postal.carrier_slug(opt_str(result, "last_mile_carrier"))

    def event(self, raw: dict[str, Any]) -> TrackingEvent:
        code = opt_str(raw, "tracking_status")
        message = opt_str(raw, "message") or ""
        key = (code or "").upper()
        relayed = raw.get("is_last_mile_checkpoint") in (True, 1, "1", "true")
        status, sub_status = classify(code, message)
        if sub_status is S.HANDED_TO_LAST_MILE:
            leg: str | None = _postal.handover_leg(
                _postal.carrier_in_text(message) or self.local_carrier,
                _postal.local_number(message) or self.local_number,
            )
        elif relayed or key.startswith("LM"):
            leg = "last_mile"
        elif key.startswith(_ORIGIN_STAGES):
            leg = "origin"
        elif key.startswith(("LH", "IC")):
            leg = "international"
        else:
            leg = None
        location = self._location(raw, key, relayed)
        return TrackingEvent(
            carrier=YanwenAdapter.slug,
            tracking_number=self.number,
            occurred_at=self._instant(raw, location),
            status=status,
            sub_status=sub_status,
            raw_code=code,
            raw_text=message,
            location=location,
            leg=leg,
        )

    def _location(self, raw: dict[str, Any], key: str, relayed: bool) -> Location:
        place = (opt_str(raw, "location") or "").replace(",", ", ")
        city, _, country = split_place(place)
        if country is None:
            if key.startswith(_ORIGIN_STAGES) or key in ("LH10", "LH20"):
                country = self.origin
            elif relayed or key.startswith(("IC", "LM")):
                country = self.destination
        return make_location(country=country, city=city, description=place or None)

    def _instant(self, raw: dict[str, Any], location: Location) -> datetime:
        offset = opt_str(raw, "time_zone")
        zone = _postal.zone_of(offset) if offset else zone_for(location.country)
        return parse_timestamp(req_str(raw, "time_stamp"), zone)


ADAPTER = register(YanwenAdapter())
