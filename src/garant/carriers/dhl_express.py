"""DHL Express — XML-PI ``TrackingResponse`` (one ``AWBInfo`` per air waybill).

Each ``AWBInfo`` has ``AWBNumber``, ``Status/ActionStatus`` ("success", or "No Shipments Found"
→ ``TrackingNotFound``) and ``ShipmentInfo/ShipmentEvent`` in chronological order: ``Date``,
``Time``, ``ServiceEvent/EventCode`` + ``Description``, ``Signatory``, and ``ServiceArea``
(``ServiceAreaCode``, ``Description`` such as "Leipzig - Germany", "KINGSTON-JAM",
"SPRINGFIELD GARDENS,NY-USA"). A root ``ErrorResponse`` → ``CarrierError``. When a response
mixes found and unknown waybills, the found ones are returned.

Time convention: ``Date``/``Time`` are the wall-clock time of the service area where the scan
happened, without offset (the header's ``MessageTime`` offset is DHL's server, not the scan).
The zone comes from the service area's country (and city or state for countries with several
zones); a scan whose place gives no zone is refused, never read as UTC.

Mapping of ``EventCode`` (unlisted codes → in_transit / in_transit_other, raw text kept):

==========================================  ===============================================
codes                                       status / sub-status
==========================================  ===============================================
PU picked up, SA shipment acceptance        in_transit / accepted
IC in clearance processing                  in_transit / customs_processing
CR clearance release, BR broker release     in_transit / customs_released
CD, UD clearance delay                      exception / held_by_customs
WC with delivery courier                    out_for_delivery
CC awaiting collection by consignee         available_for_pickup / pickup_point
OK delivered                                delivered / signed when a signatory is named,
                                            else delivered_other
DD delivered damaged, PD partial delivery   delivered / delivered_other
NH not home, CA closed on arrival           delivery_failed / recipient_absent
BA bad address, CM consignee moved          delivery_failed / address_problem
RD refused delivery                         delivery_failed / refused
ND not delivered                            delivery_failed
RT returned to consignor                    returning
MD, TD, WX, MS missed cycle, transport      exception / delayed
and weather delays, mis-sort
OH on hold, SS shipment stopped, HP held    exception / exception_other
for payment
PL, AF, DF, AR, PO, RW, TP, … movements     in_transit / in_transit_other
==========================================  ===============================================
"""

from __future__ import annotations

from datetime import datetime
from xml.etree.ElementTree import Element

from garant.carriers.base import (
    CarrierError,
    TrackingNotFound,
    chronological,
    guarded,
    in_zone,
    load_xml,
    local_name,
    make_location,
    register,
    split_place,
    xml_child,
    xml_children,
    xml_text,
    zone_for,
)
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus

S = SubStatus
T = TrackingStatus

EVENT_CODES: dict[str, tuple[TrackingStatus, SubStatus]] = {
    "PU": (T.IN_TRANSIT, S.ACCEPTED),
    "SA": (T.IN_TRANSIT, S.ACCEPTED),
    "IC": (T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
    "CR": (T.IN_TRANSIT, S.CUSTOMS_RELEASED),
    "BR": (T.IN_TRANSIT, S.CUSTOMS_RELEASED),
    "CD": (T.EXCEPTION, S.HELD_BY_CUSTOMS),
    "UD": (T.EXCEPTION, S.HELD_BY_CUSTOMS),
    "WC": (T.OUT_FOR_DELIVERY, S.NONE),
    "CC": (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    "OK": (T.DELIVERED, S.DELIVERED_OTHER),
    "DD": (T.DELIVERED, S.DELIVERED_OTHER),
    "PD": (T.DELIVERED, S.DELIVERED_OTHER),
    "NH": (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
    "CA": (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
    "BA": (T.DELIVERY_FAILED, S.ADDRESS_PROBLEM),
    "CM": (T.DELIVERY_FAILED, S.ADDRESS_PROBLEM),
    "RD": (T.DELIVERY_FAILED, S.REFUSED),
    "ND": (T.DELIVERY_FAILED, S.NONE),
    "RT": (T.RETURNING, S.NONE),
    "MD": (T.EXCEPTION, S.DELAYED),
    "TD": (T.EXCEPTION, S.DELAYED),
    "WX": (T.EXCEPTION, S.DELAYED),
    "MS": (T.EXCEPTION, S.DELAYED),
    "OH": (T.EXCEPTION, S.EXCEPTION_OTHER),
    "SS": (T.EXCEPTION, S.EXCEPTION_OTHER),
    "HP": (T.EXCEPTION, S.EXCEPTION_OTHER),
}


def classify(code: str | None, signatory: str | None = None) -> tuple[TrackingStatus, SubStatus]:
    key = (code or "").upper()
    if key == "OK" and signatory:
        return T.DELIVERED, S.SIGNED
    return EVENT_CODES.get(key, (T.IN_TRANSIT, S.IN_TRANSIT_OTHER))


class DhlExpressAdapter:
    slug = "dhl_express"
    name = "DHL Express"

    def parse(self, payload: bytes | str) -> list[TrackingEvent]:
        return guarded(self.slug, self._read, payload)

    def _read(self, payload: bytes | str) -> list[TrackingEvent]:
        root = load_xml(payload)
        kind = local_name(root)
        if kind.endswith("ErrorResponse"):
            status = xml_child(xml_child(root, "Response"), "Status")
            raise CarrierError(
                self.slug,
                xml_text(status, "Condition", "ConditionData") or "error response",
                code=xml_text(status, "Condition", "ConditionCode"),
            )
        if kind != "TrackingResponse":
            raise TrackingParseError(f"dhl_express: unexpected document <{kind}>")
        waybills = xml_children(root, "AWBInfo")
        if not waybills:
            raise TrackingParseError("dhl_express: response without AWBInfo")
        events: list[TrackingEvent] = []
        not_found: list[TrackingNotFound] = []
        for waybill in waybills:
            try:
                events.extend(self._waybill_events(waybill))
            except TrackingNotFound as missing:
                not_found.append(missing)
        if len(not_found) == len(waybills):
            raise not_found[0]
        return chronological(events)

    def _waybill_events(self, waybill: Element) -> list[TrackingEvent]:
        number = xml_text(waybill, "AWBNumber")
        if number is None:
            raise TrackingParseError("dhl_express: AWBInfo without AWBNumber")
        action = xml_text(waybill, "Status", "ActionStatus") or ""
        if action.lower() != "success":
            condition = xml_text(waybill, "Status", "Condition", "ConditionData")
            message = condition or action or "no status"
            if "no shipment" in action.lower() or "not found" in message.lower():
                code = xml_text(waybill, "Status", "Condition", "ConditionCode")
                raise TrackingNotFound(self.slug, message, tracking_number=number, code=code)
            raise CarrierError(self.slug, message)
        info = xml_child(waybill, "ShipmentInfo")
        if info is None:
            return []
        return [self._event(number, raw) for raw in xml_children(info, "ShipmentEvent")]

    def _event(self, number: str, raw: Element) -> TrackingEvent:
        code = xml_text(raw, "ServiceEvent", "EventCode")
        area = xml_text(raw, "ServiceArea", "Description")
        city, region, country = split_place(area)
        day, clock = xml_text(raw, "Date"), xml_text(raw, "Time")
        if day is None or clock is None:
            raise TrackingParseError(f"dhl_express: event {code} of {number} without date/time")
        try:
            naive = datetime.fromisoformat(f"{day}T{clock}")
        except ValueError:
            raise TrackingParseError(f"dhl_express: unreadable date {day} {clock}") from None
        if naive.tzinfo is not None:
            occurred_at = naive
        else:
            zone = zone_for(country, region, city)
            if zone is None:
                raise TrackingParseError(f"dhl_express: no time zone for service area {area!r}")
            occurred_at = in_zone(naive, zone)
        status, sub_status = classify(code, xml_text(raw, "Signatory"))
        return TrackingEvent(
            carrier=self.slug,
            tracking_number=number,
            occurred_at=occurred_at,
            status=status,
            sub_status=sub_status,
            raw_code=code,
            raw_text=xml_text(raw, "ServiceEvent", "Description") or "",
            location=make_location(country=country, city=city, description=area),
        )


ADAPTER = register(DhlExpressAdapter())
