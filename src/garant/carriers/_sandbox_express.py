"""Express journeys (DHL, FedEx, UPS): door to door by the same carrier, through its hubs.

The express carriers pick up on Chinese business days, fly through their own hubs (DHL Hong
Kong and Leipzig, FedEx Guangzhou and Paris-CDG, UPS Shenzhen and Cologne), clear customs in
hours rather than days and deliver themselves, against signature by default: no handover to
La Poste, a 3-7 business-day window (SHP-1).
"""

from __future__ import annotations

from dataclasses import dataclass

from garant.carriers._sandbox_legs import Hours, Writer
from garant.carriers._sandbox_texts import (
    CN_CITIES,
    DHL,
    DHL_CUSTOMS,
    FEDEX,
    FEDEX_CUSTOMS,
    UPS,
    UPS_CUSTOMS,
    Say,
)
from garant.carriers._sandbox_trip import ANY_HOUR, OFFICE, Place, Scenario, Trip
from garant.domain.tracking import SubStatus, TrackingStatus

S = SubStatus
T = TrackingStatus


@dataclass(frozen=True)
class Hop:
    place: str  # "origin", or a key of the carrier's HUBS
    code: str | None
    text: str
    after: Hours
    sub_status: SubStatus = S.IN_TRANSIT_OTHER


@dataclass(frozen=True)
class Line:
    """One express carrier: its slug, hubs, words, and the way out and to France."""

    slug: str
    hubs: dict[str, Place]
    label: Say
    picked_up: Say
    way_out: tuple[Hop, ...]  # the last hop leaves the origin country
    to_france: tuple[Hop, ...]  # the last hop arrives in France
    last_mile: dict[str, Say]
    customs: dict[str, Say]
    cancelled: Say
    lost: Say
    returned: str  # with {why}
    area: str  # how the carrier writes a place: {city} {country}
    locker_brand: str


_CDG = Place("FR", "Roissy-en-France", "95700", "Paris-Charles de Gaulle")
LINES = {
    "dhl": Line(
        "dhl_express",
        {"hk": Place("HK", "Hong Kong"), "lej": Place("DE", "Leipzig", "04435"), "cdg": _CDG},
        Say(None, "Shipment information received", T.INFO_RECEIVED),
        Say("PU", "Shipment picked up", T.IN_TRANSIT, S.ACCEPTED),
        (Hop("origin", "PL", "Processed at {origin_area}", (2, 6)),
         Hop("origin", "DF", "Departed Facility in {origin_area}", (1, 5)),
         Hop("hk", "AF", "Arrived at Sort Facility HONG KONG - HONG KONG SAR, CHINA", (2, 6)),
         Hop("hk", "DF", "Departed Facility in HONG KONG - HONG KONG SAR, CHINA", (2, 10),
             S.DEPARTED_ORIGIN_COUNTRY)),
        (Hop("lej", "AF", "Arrived at Sort Facility LEIPZIG - GERMANY", (12, 18)),
         Hop("lej", "DF", "Departed Facility in LEIPZIG - GERMANY", (2, 8)),
         Hop("cdg", "AF", "Arrived at Sort Facility PARIS-CHARLES DE GAULLE - FRANCE", (2, 6),
             S.ARRIVED_DESTINATION_COUNTRY)),
        DHL,
        DHL_CUSTOMS,
        Say("SS", "Shipment cancelled - never tendered to DHL", T.EXCEPTION, S.EXCEPTION_OTHER),
        Say(None, "Shipment lost in transit - trace closed, a claim has been opened",
            T.EXCEPTION, S.LOST),
        "Returned shipment delivered to the shipper ({why})",
        "{city} - {country_name}",
        "DHL Locker",
    ),
    "fedex": Line(
        "fedex",
        {"can": Place("CN", "Guangzhou"), "cdg": _CDG},
        Say("OC", "Shipment information sent to FedEx", T.INFO_RECEIVED),
        Say("PU", "Picked up", T.IN_TRANSIT, S.ACCEPTED),
        (Hop("origin", "AR", "Arrived at FedEx location", (1, 5)),
         Hop("origin", "DP", "Departed FedEx location", (1, 6)),
         Hop("can", "AR", "Arrived at FedEx hub", (2, 8)),
         Hop("can", "DP", "Departed FedEx hub", (2, 10), S.DEPARTED_ORIGIN_COUNTRY)),
        (Hop("cdg", "IT", "In transit", (8, 12)),
         Hop("cdg", "AR", "Arrived at FedEx hub", (3, 8), S.ARRIVED_DESTINATION_COUNTRY)),
        FEDEX,
        FEDEX_CUSTOMS,
        Say("CA", "Shipment cancelled by sender - package never tendered to FedEx",
            T.EXCEPTION, S.EXCEPTION_OTHER),
        Say("SE", "Shipment exception - package lost in transit, claim opened", T.EXCEPTION,
            S.LOST),
        "Returned package delivered to the shipper ({why})",
        "{city} {country}",
        "FedEx Locker",
    ),
    "ups": Line(
        "ups",
        {"szx": Place("CN", "Shenzhen"), "cgn": Place("DE", "Köln", "51147"), "cdg": _CDG},
        Say("MP", "Shipper created a label, UPS has not received the package yet.",
            T.INFO_RECEIVED),
        Say("PU", "Pickup Scan", T.IN_TRANSIT, S.ACCEPTED),
        (Hop("origin", "OR", "Origin Scan", (1, 5)),
         Hop("origin", "DP", "Departed from Facility", (1, 5)),
         Hop("szx", "AR", "Arrived at Facility", (2, 8)),
         Hop("szx", "EP", "Export Scan", (1, 6), S.DEPARTED_ORIGIN_COUNTRY)),
        (Hop("cgn", "AR", "Arrived at Facility", (12, 18)),
         Hop("cgn", "DP", "Departed from Facility", (2, 8)),
         Hop("cdg", "IP", "Import Scan", (4, 10), S.ARRIVED_DESTINATION_COUNTRY)),
        UPS,
        UPS_CUSTOMS,
        Say("MV", "Shipment cancelled: the label was voided, UPS never received the package.",
            T.EXCEPTION, S.EXCEPTION_OTHER),
        Say(None, "The package was lost in transit. A claim has been opened.", T.EXCEPTION,
            S.LOST),
        "The returned package was delivered to the sender ({why}).",
        "{city}, {country}",
        "UPS Access Point locker",
    ),
}  # fmt: skip
_COUNTRY_NAMES = {"CN": "CHINA MAINLAND", "FR": "FRANCE", "DE": "GERMANY", "HK": "HONG KONG"}


class Express(Writer):
    customs_days = (0, 1)
    hold_days = answer_days = (1, 2)
    last_mile_days = (1, 1)  # delivered the business day after the arrival at the depot
    return_days = (4, 9)
    lost_days = (5, 10)

    def __init__(self, trip: Trip, method: str, scenario: Scenario) -> None:
        super().__init__(trip, method, scenario)
        self.line = LINES[method]
        self.carrier = self.customs_carrier = self.last_mile_carrier = self.line.slug
        self.customs_table, self.last_mile_table = self.line.customs, self.line.last_mile
        self.locker_brand = self.line.locker_brand
        city, _, postcode = trip.pick(CN_CITIES)
        self.origin = Place("CN", city, postcode)
        self.depot = Place("FR", self.town.city, None, self._area(self.town))
        self.names |= {"origin_area": self._area(self.origin), "area": self._area(_CDG)}

    def _area(self, place: Place) -> str:
        country = place.country
        return self.line.area.format(
            city=(place.city or "").upper(),
            country=country,
            country_name=_COUNTRY_NAMES.get(country, country),
        )

    def label(self) -> None:
        self.say(self.origin, self.line.label, after=(0.02, 0.5), hours=OFFICE)

    def _hops(self, hops: tuple[Hop, ...]) -> None:
        for hop in hops:
            place = self.origin if hop.place == "origin" else self.line.hubs[hop.place]
            self.say(
                place,
                Say(hop.code, hop.text, T.IN_TRANSIT, hop.sub_status),
                after=hop.after,
                hours=ANY_HOUR,
            )

    def way_out(self) -> None:
        self.say(self.origin, self.line.picked_up, after=(2, 20), hours=(9, 19), business=True)
        self._hops(self.line.way_out)

    def to_france(self) -> None:
        self._hops(self.line.to_france)

    def customs(self) -> bool:
        self.names["area"] = self._area(_CDG)
        return super().customs()

    def last_mile(self) -> None:
        self.names["area"] = self._area(self.town)
        super().last_mile()

    def home_kind(self) -> str:
        return "signed"  # express parcels are handed over against signature

    def hub_place(self) -> Place:
        return self.depot

    def lost_place(self) -> Place:
        return self.line.hubs[self.line.to_france[0].place]

    def cancelled_say(self) -> Say:
        return self.line.cancelled

    def lost_say(self) -> Say:
        return self.line.lost

    def returned_say(self, why: str) -> Say:
        return Say(None, self.line.returned, T.RETURNED)(why=why)
