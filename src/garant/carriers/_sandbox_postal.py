"""Postal journeys: Cainiao (AliExpress Standard, Choice, EU warehouses) and China Post (Air
Mail, EMS), with La Poste on the last mile.

Cainiao hands the parcel to La Poste (Colissimo) in France with an event of its own, under a
new Colissimo number in the handover scenario (TRK-3). China Post's S10 number is kept by La
Poste, which reports customs and delivery under it; the handover scenario gives a new S10 FR
number instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from garant.carriers._sandbox_legs import Writer
from garant.carriers._sandbox_texts import (
    CAINIAO_CUSTOMS,
    CN_AIRPORTS,
    CN_CITIES,
    CN_HUBS,
    EU_WAREHOUSES,
    LA_POSTE_CUSTOMS,
    POST_EXCHANGES,
    Say,
)
from garant.carriers._sandbox_trip import CHINA_DAY, DAYTIME, Place, Scenario, Trip
from garant.carriers.checksums import s10_check_digit
from garant.domain.tracking import SubStatus, TrackingStatus

S = SubStatus
T = TrackingStatus


class Cainiao(Writer):
    carrier = customs_carrier = "cainiao"
    customs_table: Mapping[str, Say] = CAINIAO_CUSTOMS

    def __init__(self, trip: Trip, method: str, scenario: Scenario) -> None:
        super().__init__(trip, method, scenario)
        city, _, postcode = trip.pick(CN_CITIES)
        airport, country = trip.pick(CN_AIRPORTS)
        self.origin = Place("CN", city, postcode)
        self.hub = Place("CN", trip.pick(CN_HUBS))
        self.airport = Place(country, airport)
        self.names |= {"city": city, "hub": self.hub.city or "", "airport": airport}

    def label(self) -> None:
        self.say(self.origin, Say("PRE_READY_TO_SHIP", "[{city}] Shipping label created, the "
                                  "package is waiting for pickup by the carrier",
                                  T.INFO_RECEIVED), after=(0.02, 0.5), hours=CHINA_DAY,
                 leg="origin")  # fmt: skip

    def way_out(self) -> None:
        say, origin, hub, air = self.say, self.origin, self.hub, self.airport
        say(
            origin,
            Say("GWMS_ACCEPT", "[{city}] Accepted by carrier", T.IN_TRANSIT, S.ACCEPTED),
            after=self.scaled(10, 60),
            hours=CHINA_DAY,
            leg="origin",
        )
        say(
            hub,
            Say(
                "SC_INBOUND_SUCCESS",
                "[{hub}] Arrived at sorting center",
                T.IN_TRANSIT,
                S.IN_TRANSIT_OTHER,
            ),
            after=(3, 14),
            leg="origin",
        )
        say(
            hub,
            Say(
                "SC_OUTBOUND_SUCCESS",
                "[{hub}] Departed from sorting center",
                T.IN_TRANSIT,
                S.IN_TRANSIT_OTHER,
            ),
            after=(2, 12),
            leg="origin",
        )
        say(
            air,
            Say(
                "CC_EX_START",
                "[{airport}] Export customs clearance started",
                T.IN_TRANSIT,
                S.IN_TRANSIT_OTHER,
            ),
            after=self.scaled(20, 110),
            hours=CHINA_DAY,
            leg="origin",
        )
        say(
            air,
            Say(
                "CC_EX_SUCCESS",
                "[{airport}] Export customs clearance complete",
                T.IN_TRANSIT,
                S.IN_TRANSIT_OTHER,
            ),
            after=(3, 20),
            hours=CHINA_DAY,
            leg="origin",
        )
        say(
            air,
            Say(
                "LH_HO_AIRLINE",
                "[{airport}] Handed over to airline",
                T.IN_TRANSIT,
                S.IN_TRANSIT_OTHER,
            ),
            after=(3, 24),
            leg="international",
        )
        say(
            air,
            Say(
                "LH_DEPART",
                "[{airport}] Departed from departure country/region",
                T.IN_TRANSIT,
                S.DEPARTED_ORIGIN_COUNTRY,
            ),
            after=(2, 30),
            leg="international",
        )

    def to_france(self) -> None:
        if self.method == "aliexpress_standard" and self.trip.chance(0.6):
            self.say(Place("QA", "Doha"), Say("COMMON_INTRANSIT", "[Doha] In transit at transit "
                                              "airport", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
                     after=(8, 30), leg="international")  # fmt: skip
        self.say(self.entry, Say("LH_ARRIVE", "[Paris] Arrived at destination country/region",
                                 T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
                 after=self.scaled(30, 140), leg="international")  # fmt: skip

    def handover(self) -> None:
        text = "[{hub_town}] Received by local delivery company {partner}"
        leg = "last_mile:laposte"
        local = None
        if self.scenario is Scenario.HANDOVER:
            local = "6A" + self.trip.digits(11)  # a Colissimo domestic number
            text += ", tracking number: {local}"
            leg += f":{local}"
        self.say(self.platform, Say("GTMS_ACCEPT", text, T.IN_TRANSIT, S.HANDED_TO_LAST_MILE),
                 after=(4, 30), hours=DAYTIME, leg=leg, hub_town=self.platform.city or "",
                 partner=self.partner(), local=local or "")  # fmt: skip
        if local is not None:
            self.trip.number = local

    def partner(self) -> str:
        return "La Poste"

    def cancelled_say(self) -> Say:
        return Say(
            "EXCEPTION",
            "[{city}] Shipment cancelled: the parcel was never collected by "
            "the carrier (envoi annulé)",
            T.EXCEPTION,
            S.EXCEPTION_OTHER,
        )

    def lost_say(self) -> Say:
        return Say(
            "EXCEPTION",
            "Parcel lost in transit: investigation closed, the seller has been informed",
            T.EXCEPTION,
            S.LOST,
        )

    def lost_place(self) -> Place:
        return self.airport

    def returned_say(self, why: str) -> Say:
        return Say(
            "RETURN_SIGNED", "[{city}] Return delivered to the sender (reason: {why})", T.RETURNED
        )(why=why, city=self.names["city"])


class Warehouse(Cainiao):
    """EU warehouses (Spain, Poland): a truck to France, no customs, Colissimo delivers."""

    customs_table: Mapping[str, Say] = MappingProxyType({})
    return_days = (4, 9)
    lost_days = (12, 20)

    def __init__(self, trip: Trip, method: str, scenario: Scenario) -> None:
        super().__init__(trip, method, scenario)
        country, city, postcode = trip.pick(EU_WAREHOUSES)
        self.origin = Place(country, city, postcode)
        self.names["city"] = city

    def label(self) -> None:
        self.say(self.origin, Say("PRE_READY_TO_SHIP", "[{city}] Order packed at the warehouse, "
                                  "waiting for pickup by the carrier", T.INFO_RECEIVED),
                 after=(0.02, 0.5), hours=DAYTIME, leg="origin")  # fmt: skip

    def way_out(self) -> None:
        country = self.origin.country
        self.say(self.origin, Say("PU_PICKUP_SUCCESS", "[{city}] Picked up by the carrier",
                                  T.IN_TRANSIT, S.ACCEPTED), after=(3, 20), hours=(9, 19),
                 business=True, leg="origin")  # fmt: skip
        self.say(
            Place(country, self.origin.city),
            Say(
                "LH_DEPART",
                "[{city}] Departed from departure country/region",
                T.IN_TRANSIT,
                S.DEPARTED_ORIGIN_COUNTRY,
            ),
            after=(3, 20),
            leg="international",
        )

    def to_france(self) -> None:
        self.say(
            Place("FR", "Chilly-Mazarin", "91380"),
            Say(
                "LH_ARRIVE",
                "[Paris] Arrived at destination country/region",
                T.IN_TRANSIT,
                S.ARRIVED_DESTINATION_COUNTRY,
            ),
            after=(15, 50),
            leg="international",
        )

    def partner(self) -> str:
        return "Colissimo"

    def lost_place(self) -> Place:
        return self.origin


class ChinaPost(Writer):
    """China Post keeps the S10 number through La Poste, which reports customs and delivery."""

    carrier = "china_post"
    customs_carrier = "laposte"
    customs_table: Mapping[str, Say] = LA_POSTE_CUSTOMS

    def __init__(self, trip: Trip, method: str, scenario: Scenario) -> None:
        super().__init__(trip, method, scenario)
        city, chinese, postcode = trip.pick(CN_CITIES)
        office, office_cn = trip.pick(POST_EXCHANGES)
        self.origin = Place("CN", city, postcode)
        self.office = Place("CN", office, None, f"{office_cn}国际")
        self.names |= {"cn": chinese, "xcn": office_cn}
        if method == "ems":
            self.customs_days, self.last_mile_days = (0, 2), (1, 2)

    def label(self) -> None:
        self.say(
            self.origin,
            Say(None, "【{cn}】电子信息已收到 Electronic information received", T.INFO_RECEIVED),
            after=(0.02, 0.5),
            hours=CHINA_DAY,
        )

    def way_out(self) -> None:
        say = self.say
        say(
            self.origin,
            Say("EMA", "【{cn}邮政】已收寄 Posting/collection", T.IN_TRANSIT, S.ACCEPTED),
            after=self.scaled(12, 72),
            hours=CHINA_DAY,
        )
        say(self.office, Say("EMB", "【{xcn}国际】到达处理中心 Arrival at outward office of "
                             "exchange", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
            after=self.scaled(10, 60))  # fmt: skip
        say(self.office, Say("EMC", "【{xcn}国际】离开处理中心，已交航 Departure from outward "
                             "office of exchange", T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY),
            after=self.scaled(40, 160))  # fmt: skip

    def to_france(self) -> None:
        self.say(self.entry, Say("EMD", "【法国】到达寄达地处理中心 Arrival at inward office of "
                                 "exchange", T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
                 after=self.scaled(60, 190))  # fmt: skip

    def handover(self) -> None:
        if self.scenario is not Scenario.HANDOVER:
            return  # La Poste delivers under the S10 number itself
        serial = self.trip.digits(8)
        local = f"CB{serial}{s10_check_digit(serial)}FR"  # a La Poste Colissimo S10 number
        self.say(self.platform, Say("EMF", "【法国】已交由法国邮政 La Poste 投递，当地单号："
                                    "{local} Handed over to La Poste, local number {local}",
                                    T.IN_TRANSIT, S.HANDED_TO_LAST_MILE),
                 after=(3, 20), hours=DAYTIME, leg=f"last_mile:laposte:{local}",
                 local=local)  # fmt: skip
        self.trip.number = local

    def cancelled_say(self) -> Say:
        return Say(
            "EXX",
            "【{cn}】邮件未交寄，已取消 Shipment cancelled: the item never reached the post office",
            T.EXCEPTION,
            S.EXCEPTION_OTHER,
        )

    def lost_say(self) -> Say:
        return Say(None, "邮件丢失 Item lost in transit, inquiry closed", T.EXCEPTION, S.LOST)

    def lost_place(self) -> Place:
        return self.office

    def returned_say(self, why: str) -> Say:
        return Say(
            None, "【{cn}】退回妥投 Returned item delivered to the sender ({why})", T.RETURNED
        )(cn=self.names["cn"], why=why)
