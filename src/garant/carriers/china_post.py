"""China Post / EMS — international mail tracking JSON (the "邮件全程跟踪" trace query).

Payload: ``{"receiveID", "responseState": true|false, "errorDesc", "responseItems": [...]}``,
oldest first; each item: ``traceNo``, ``opTime``, ``opCode``, ``opName`` (China Post's scan
name, in Chinese: 收寄, 离开处理中心, 交航, 到达寄达地处理中心, 海关放行, 安排投递, 妥投…),
``opDesc`` (the full wording, "【place】…", sometimes with the partner's English text),
``opOrgProvName`` / ``opOrgCity`` / ``opOrgCode`` / ``opOrgName`` (the scanning office),
``operatorNo`` / ``operatorName``. ``responseState: false`` → ``TrackingNotFound`` when
``errorDesc`` says the mail is unknown (a typing error when it blames the number's format),
else ``CarrierError``. An answer with no item means no event yet.

Time convention: ``opTime`` is Beijing wall-clock time for every event, the partner's scans
abroad included (China Post converts them), so every event is placed at +08:00: an instant
in Paris shows as its Beijing equivalent, never as a Paris time read as UTC. An ``opTime``
carrying its own offset keeps it.

Location: a Chinese office names its province (``opOrgProvName``) → CN, city ``opOrgCity``;
a partner's scan names its country in Chinese ("【法国】", 法国 in ``opOrgCity``) → that country.

Mapping — the international legs carry the UPU EMSEVT event codes in ``opCode``; China Post's
own numeric codes are not published and differ between its systems, so they are read through
the scan name and wording (``_postal.read_text``: 收寄 accepted, 离开中国 departed,
到达寄达国/地 arrived, 海关… customs, 移交/交由 <carrier> handover, 安排投递 out for delivery,
未妥投 failed, 妥投 delivered, 退回 returning, 退回妥投 returned, 丢失 lost):

=====================================================  =====================================
opCode (UPU EMSEVT)                                    status / sub-status
=====================================================  =====================================
EMA posting / collection                               in_transit / accepted
EMB arrival at outward office of exchange              in_transit / in_transit_other
EXA presented to export customs, EXC returned from     in_transit / in_transit_other (the
export customs, EXD held at outward office             buyer's clearance is the import one)
EXB held by export customs                             exception / held_by_customs
EXX export cancelled                                   exception / exception_other
EMC departure from outward office of exchange          in_transit / departed_origin_country
EMJ / EMK arrival at / departure from transit office   in_transit / in_transit_other
EMD arrival at inward office of exchange               in_transit / arrived_destination_country
EDA held at inward office of exchange                  in_transit / in_transit_other
EDB presented to import customs, EME handed over to    in_transit / customs_processing (held,
customs                                                information required per wording)
EDC returned from customs                              in_transit / customs_released
EMF departure from inward office of exchange, EDD,     in_transit / in_transit_other (a
EDE sorting, EMG arrival at delivery office, EDF       handover to <carrier> per wording)
held at delivery office
EDG out for delivery                                   out_for_delivery
EDH arrived at pickup point                            available_for_pickup / pickup_point
EMH unsuccessful delivery attempt                      delivery_failed / reason per wording
EMI final delivery                                     delivered / kind per wording
=====================================================  =====================================

TRK-3: a handover names the partner and often a new local number ("当地单号：6A…"): the event
is in_transit / handed_to_last_mile with leg "last_mile:<carrier>:<number>". TRK-5: a return
without a reason of its own takes it from the timeline.
"""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from typing import Any

from garant.carriers import _postal
from garant.carriers.base import (
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
BEIJING = timezone(timedelta(hours=8))

EVENT_CODES: dict[str, tuple[TrackingStatus, SubStatus]] = {
    "EMA": (T.IN_TRANSIT, S.ACCEPTED),
    "EMB": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "EXB": (T.EXCEPTION, S.HELD_BY_CUSTOMS),
    "EXX": (T.EXCEPTION, S.EXCEPTION_OTHER),
    "EMC": (T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY),
    "EMJ": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "EMK": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "EMD": (T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
    "EDA": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "EDB": (T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
    "EME": (T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
    "EDC": (T.IN_TRANSIT, S.CUSTOMS_RELEASED),
    "EMF": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "EDD": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "EDE": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "EMG": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "EDF": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "EDG": (T.OUT_FOR_DELIVERY, S.NONE),
    "EDH": (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    "EMH": (T.DELIVERY_FAILED, S.NONE),
    "EMI": (T.DELIVERED, S.DELIVERED_OTHER),
}
_EXPORT_CODES = {"EXA", "EXC", "EXD"}
_PLACE = re.compile(r"【([^【】]{1,40})】")


def classify(code: str | None, words: str) -> tuple[TrackingStatus, SubStatus]:
    key = (code or "").upper()
    if key in _EXPORT_CODES:
        return _postal.export_customs(words)
    if key in EVENT_CODES:
        return _postal.refine(*EVENT_CODES[key], words)
    return _postal.read_text(words) or (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)


class ChinaPostAdapter:
    slug = "china_post"
    name = "China Post / EMS"

    def parse(self, payload: bytes | str) -> list[TrackingEvent]:
        return guarded(self.slug, self._read, payload)

    def _read(self, payload: bytes | str) -> list[TrackingEvent]:
        data = as_dict(load_json(payload), "response")
        state = data.get("responseState")
        if state is False or state in ("false", "F"):
            message = opt_str(data, "errorDesc") or "request refused"
            _postal.refuse(self.slug, message[:200], code=opt_str(data, "errorCode"))
        if state not in (True, "true", "T"):
            raise TrackingParseError("china_post: response without responseState")
        items = as_list(data.get("responseItems"), "responseItems")
        events = [self._event(as_dict(item, "response item")) for item in items]
        return _postal.with_return_reasons(chronological(events))

    def _event(self, item: dict[str, Any]) -> TrackingEvent:
        code = opt_str(item, "opCode")
        name = opt_str(item, "opName")
        desc = opt_str(item, "opDesc")
        words = _postal.joined([name, desc])
        status, sub_status = classify(code, words)
        leg = None
        if sub_status is S.HANDED_TO_LAST_MILE:
            leg = _postal.handover_leg(_postal.carrier_in_text(desc), _postal.local_number(desc))
        return TrackingEvent(
            carrier=self.slug,
            tracking_number=req_str(item, "traceNo"),
            occurred_at=parse_timestamp(req_str(item, "opTime"), BEIJING),
            status=status,
            sub_status=sub_status,
            raw_code=code,
            raw_text=_postal.first_text(desc, name),
            location=_location(item, desc),
            leg=leg,
        )


def _location(item: dict[str, Any], desc: str | None) -> Location:
    province = opt_str(item, "opOrgProvName")
    city = opt_str(item, "opOrgCity")
    office = opt_str(item, "opOrgName")
    place = _PLACE.search(desc or "")
    bracket = place.group(1) if place else None
    if province:
        country: str | None = "CN"
    else:
        named = [_postal.country_named_in(text, "zh") for text in (city, bracket, office)]
        country = next((code for code in named if code), None)
        if city and named[0]:
            city = None  # "法国" in the city field is the country, not a city
    return make_location(country=country, city=city, description=office)


ADAPTER = register(ChinaPostAdapter())
