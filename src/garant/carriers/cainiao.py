"""Cainiao — global tracking JSON (``global.cainiao.com/global/detail.json?mailNos=…``).

Payload: ``{"success": true, "module": [...]}``, one module item per number asked: ``mailNo``,
``mailNoSource``, ``originCountry`` / ``destCountry``, ``status`` (a summary word),
``destCpInfo.cpName`` (the last-mile carrier), ``copyRealMailNo`` / ``realMailNo`` (its number,
the second as "La Poste 6A…"), and ``detailList`` (newest first): ``time`` (epoch ms),
``timeStr``, ``timeZone``, ``desc`` (often "[City] …"), ``standerdDesc`` (Cainiao's standard
wording, their spelling), ``actionCode``. ``success: false`` or a ``ret`` of ``FAIL_…`` (the
rate limit / captcha answer) → ``CarrierError``. A module item with no detail and
``mailNoSource`` "EXTERNAL" or ``status`` "NOT_FOUND" → ``TrackingNotFound``; with no detail
otherwise → no event yet. Found numbers win over unknown ones in a mixed answer.

Time convention: ``timeStr`` is the wall clock of the scan's place and ``timeZone`` its offset
("GMT+8" in Shenzhen, "GMT+1"/"GMT+2" in Paris): the event keeps that offset. Without
``timeStr`` the epoch ``time`` gives the instant, shown at ``timeZone``; without ``timeZone``
the zone of the leg's country is used, and an event whose zone cannot be found is refused.

Legs: GWMS/CW/PU/SC/TD and export customs (CC_EX) → "origin"; LH and import customs (CC_IM,
CC_HO, AE_GROUP_CLEARING_CUSTOMS) → "international"; GTMS/GSTA → "last_mile"; a return's codes
→ none. Countries: origin codes and the LH hand-over and departure → ``originCountry``;
LH_ARRIVE, import customs and last mile → ``destCountry``; a return → none (it travels back).
A "[City]" or "[CC, City]" prefix of ``desc`` gives the city (and country).

Mapping of ``actionCode`` (the words of ``standerdDesc``/``desc`` then refine it, see
``_postal.refine``; an unlisted code is read from its words, else in_transit_other):

================================================  =========================================
actionCode                                        status / sub-status
================================================  =========================================
PRE_READY_TO_SHIP                                 info_received
GWMS_ACCEPT, CW_INBOUND, PU_PICKUP_SUCCESS        in_transit / accepted
GWMS_PACKAGE, GWMS_OUTBOUND, CW_OUTBOUND,         in_transit / in_transit_other
SC_INBOUND_SUCCESS, SC_OUTBOUND_SUCCESS,
TD_TRANSWH_OUTBOUND, LH_HO_IN_SUCCESS,
LH_HO_AIRLINE, COMMON_INTRANSIT, CC_EX_START,
CC_EX_SUCCESS (export customs is not the
buyer's clearance), LAST_MILE_ASN_NOTIFY (a
pre-advice, not a handover), GTMS_SC_ARRIVE,
GTMS_SC_DEPART, GTMS_DO_ARRIVE, GTMS_STATION_OUT
LH_DEPART                                         in_transit / departed_origin_country
LH_ARRIVE                                         in_transit / arrived_destination_country
CC_HO_IN_SUCCESS, CC_IM_START,                    in_transit / customs_processing (held or
AE_GROUP_CLEARING_CUSTOMS                         information required per words)
CC_IM_SUCCESS, CC_HO_OUT_SUCCESS                  in_transit / customs_released
any CC_* with FAIL / EXCEPTION / HOLD             exception / held_by_customs
GTMS_ACCEPT (received by local delivery company)  in_transit / handed_to_last_mile, leg
                                                  "last_mile:<carrier>:<local number>"
GTMS_DO_DEPART                                    out_for_delivery
GTMS_DEL_FAILURE                                  delivery_failed / reason per words
GSTA_INFORM_BUYER, GTMS_WAIT_SELF_PICK,           available_for_pickup / pickup_point
GTMS_STA_SIGNED (the station signs, the buyer     (locker per words)
has not collected yet)
GTMS_SIGNED, GTMS_STA_SIGNED_DELIVER, SIGN        delivered / kind per words
GTMS_STA_SIGN_FAILURE, EXCEPTION                  exception / per words (lost, damaged…)
codes with RETURN (… SIGN/DELIVER: back home)     returning (returned / reason)
================================================  =========================================

The handover's local number comes from the words ("tracking number: …"), else
``copyRealMailNo``, else the number inside ``realMailNo``; the carrier from the words, else
``destCpInfo.cpName``, else the name inside ``realMailNo``. TRK-5: a return without a reason
of its own takes it from the timeline (``_postal.with_return_reasons``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from garant.carriers import _postal
from garant.carriers.base import (
    CarrierError,
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

ACTION_CODES: dict[str, tuple[TrackingStatus, SubStatus]] = {
    "PRE_READY_TO_SHIP": (T.INFO_RECEIVED, S.NONE),
    "GWMS_ACCEPT": (T.IN_TRANSIT, S.ACCEPTED),
    "CW_INBOUND": (T.IN_TRANSIT, S.ACCEPTED),
    "PU_PICKUP_SUCCESS": (T.IN_TRANSIT, S.ACCEPTED),
    "LH_DEPART": (T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY),
    "LH_ARRIVE": (T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
    "CC_HO_IN_SUCCESS": (T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
    "CC_IM_START": (T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
    "AE_GROUP_CLEARING_CUSTOMS": (T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
    "CC_IM_SUCCESS": (T.IN_TRANSIT, S.CUSTOMS_RELEASED),
    "CC_HO_OUT_SUCCESS": (T.IN_TRANSIT, S.CUSTOMS_RELEASED),
    "GTMS_ACCEPT": (T.IN_TRANSIT, S.HANDED_TO_LAST_MILE),
    "GTMS_DO_DEPART": (T.OUT_FOR_DELIVERY, S.NONE),
    "GTMS_DEL_FAILURE": (T.DELIVERY_FAILED, S.NONE),
    "GSTA_INFORM_BUYER": (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    "GTMS_WAIT_SELF_PICK": (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    "GTMS_STA_SIGNED": (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    "GTMS_SIGNED": (T.DELIVERED, S.DELIVERED_OTHER),
    "GTMS_STA_SIGNED_DELIVER": (T.DELIVERED, S.DELIVERED_OTHER),
    "SIGN": (T.DELIVERED, S.DELIVERED_OTHER),
    "GTMS_STA_SIGN_FAILURE": (T.EXCEPTION, S.EXCEPTION_OTHER),
    "EXCEPTION": (T.EXCEPTION, S.EXCEPTION_OTHER),
}
_IN_TRANSIT_CODES = {
    "GWMS_PACKAGE", "GWMS_OUTBOUND", "CW_OUTBOUND", "CW_COMMON_PROCESSING1",
    "SC_INBOUND_SUCCESS", "SC_OUTBOUND_SUCCESS", "TD_TRANSWH_OUTBOUND", "LH_HO_IN_SUCCESS",
    "LH_HO_AIRLINE", "COMMON_INTRANSIT", "CC_EX_START", "CC_EX_SUCCESS", "LAST_MILE_ASN_NOTIFY",
    "GTMS_SC_ARRIVE", "GTMS_SC_DEPART", "GTMS_DO_ARRIVE", "GTMS_STATION_OUT",
}  # fmt: skip
ACTION_CODES.update(dict.fromkeys(_IN_TRANSIT_CODES, (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)))

_ORIGIN_PREFIXES = ("GWMS_", "CW_", "PU_", "SC_", "TD_", "CC_EX", "PRE_")
_LAST_MILE_PREFIXES = ("GTMS_", "GSTA_", "LAST_MILE", "SIGN")
_AT_ORIGIN = {"LH_HO_IN_SUCCESS", "LH_HO_AIRLINE", "LH_DEPART"}
_PLACE = re.compile(r"^\s*\[([^\[\]]{1,80})\]")


def classify(code: str | None, words: str) -> tuple[TrackingStatus, SubStatus]:
    key = (code or "").upper()
    if key.startswith("CC_") and any(mark in key for mark in ("FAIL", "EXCEPTION", "HOLD")):
        status, sub_status = T.EXCEPTION, S.HELD_BY_CUSTOMS
    elif key.startswith("CC_EX"):
        return _postal.export_customs(words)
    elif "RETURN" in key:
        done = "SIGN" in key or "DELIVER" in key
        status, sub_status = (T.RETURNED, S.RETURNED_OTHER) if done else (T.RETURNING, S.NONE)
    elif key in ACTION_CODES:
        status, sub_status = ACTION_CODES[key]
    else:
        return _postal.read_text(words) or (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)
    return _postal.refine(status, sub_status, words)


def leg_of(code: str | None) -> str | None:
    key = (code or "").upper()
    if "RETURN" in key:
        return None  # the way back is none of the three legs out
    if key.startswith(_ORIGIN_PREFIXES):
        return "origin"
    if key.startswith(("LH_", "CC_", "AE_GROUP_CLEARING")):
        return "international"
    if key.startswith(_LAST_MILE_PREFIXES):
        return "last_mile"
    return None


class CainiaoAdapter:
    slug = "cainiao"
    name = "Cainiao"

    def parse(self, payload: bytes | str) -> list[TrackingEvent]:
        return guarded(self.slug, self._read, payload)

    def _read(self, payload: bytes | str) -> list[TrackingEvent]:
        data = as_dict(load_json(payload), "response")
        ret = [str(item) for item in as_list(data.get("ret"), "ret")]
        failed_ret = next((item for item in ret if item.upper().startswith("FAIL")), None)
        if data.get("success") is False or failed_ret is not None:
            message = opt_str(data, "errorMsg") or failed_ret or "request failed"
            raise CarrierError(self.slug, message[:200], code=opt_str(data, "errorCode"))
        items = as_list(data.get("module"), "module")
        if not items:
            raise TrackingParseError("cainiao: response without module")
        events: list[TrackingEvent] = []
        missing: list[TrackingNotFound] = []
        for item in items:
            try:
                events.extend(self._parcel_events(as_dict(item, "module item")))
            except TrackingNotFound as unknown:
                missing.append(unknown)
        if len(missing) == len(items):
            raise missing[0]
        return _postal.with_return_reasons(chronological(events))

    def _parcel_events(self, item: dict[str, Any]) -> list[TrackingEvent]:
        number = req_str(item, "mailNo")
        details = [as_dict(raw, "detail") for raw in as_list(item.get("detailList"), "detailList")]
        if not details:
            source = (opt_str(item, "mailNoSource") or "").upper()
            status = (opt_str(item, "status") or "").upper()
            if source == "EXTERNAL" or status in ("NOT_FOUND", "NOTFOUND"):
                raise TrackingNotFound(self.slug, "no such parcel", tracking_number=number)
            return []
        parcel = _Parcel(self.slug, number, item)
        events = [parcel.event(raw) for raw in details]
        if len(events) > 1 and events[0].occurred_at > events[-1].occurred_at:
            events.reverse()  # Cainiao lists newest first; same-minute scans keep their order
        return events


class _Parcel:
    """One module item: what its events share (countries, last-mile carrier and number)."""

    def __init__(self, carrier: str, number: str, item: dict[str, Any]) -> None:
        self.carrier = carrier
        self.number = number
        self.origin = opt_str(item, "originCountry")
        self.destination = opt_str(item, "destCountry")
        display = opt_str(item, "realMailNo") or ""
        name_in_display, _, number_in_display = display.rpartition(" ")
        self.local_number = opt_str(item, "copyRealMailNo") or (
            number_in_display if any(c.isdigit() for c in number_in_display) else None
        )
        self.local_carrier = _postal.carrier_slug(
            opt_str(opt_dict(item, "destCpInfo"), "cpName") or name_in_display or None
        )

    def event(self, raw: dict[str, Any]) -> TrackingEvent:
        code = opt_str(raw, "actionCode")
        desc = opt_str(raw, "desc")
        standard = opt_str(raw, "standerdDesc")
        words = _postal.joined([standard, desc])
        status, sub_status = classify(code, words)
        leg = leg_of(code)
        if sub_status is S.HANDED_TO_LAST_MILE:
            leg = _postal.handover_leg(
                _postal.carrier_in_text(desc) or self.local_carrier,
                _postal.local_number(desc) or self.local_number,
            )
        location = self._location(code, desc)
        return TrackingEvent(
            carrier=self.carrier,
            tracking_number=self.number,
            occurred_at=self._instant(raw, location),
            status=status,
            sub_status=sub_status,
            raw_code=code,
            raw_text=_postal.first_text(desc, standard),
            location=location,
            leg=leg,
        )

    def _location(self, code: str | None, desc: str | None) -> Location:
        key = (code or "").upper()
        if "RETURN" in key:
            country = None  # a return travels back: the leg's country no longer says where
        elif key.startswith(_ORIGIN_PREFIXES) or key in _AT_ORIGIN:
            country = self.origin
        elif key.startswith(("CC_IM", "CC_HO", "AE_GROUP", "LH_ARRIVE", *_LAST_MILE_PREFIXES)):
            country = self.destination
        else:
            country = None
        city = description = None
        place = _PLACE.match(desc or "")
        if place:
            description = place.group(1)
            parts = [part.strip() for part in description.split(",") if part.strip()]
            if len(parts) > 1 and len(parts[0]) == 2 and parts[0].isalpha():
                country = parts.pop(0)  # "[FR, Paris]": the bracket names the country first
            city = parts[0] if parts else None
        return make_location(country=country, city=city, description=description)

    def _instant(self, raw: dict[str, Any], location: Location) -> datetime:
        zone_text = opt_str(raw, "timeZone")
        zone = _postal.zone_of(zone_text) if zone_text else zone_for(location.country)
        local = opt_str(raw, "timeStr")
        if local is not None:
            return parse_timestamp(local, zone)
        epoch = raw.get("time")
        if epoch is None:
            raise TrackingParseError(f"cainiao: event of {self.number} without time")
        if zone is None:
            raise TrackingParseError(f"cainiao: event of {self.number} without time zone")
        return _postal.from_epoch_ms(epoch, zone)


ADAPTER = register(CainiaoAdapter())
