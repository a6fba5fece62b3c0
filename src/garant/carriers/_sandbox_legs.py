"""How a sandbox parcel travels, leg by leg, for each shipping method of SHP-1.

One writer per family of methods: Cainiao (AliExpress Standard and Choice, and the EU
warehouses, which Cainiao also runs) and China Post (Air Mail and EMS) in ``_sandbox_postal``,
the express carriers (DHL, FedEx, UPS) in ``_sandbox_express``. Every writer follows the same
plan, ``Writer.write`` here: label, way out of
the origin country, flight to France, customs (never from an EU warehouse, SHP-3), handover to
the last-mile carrier, last mile; a scenario branches off where it happens in real life.
Durations are drawn per step: origin and flight in hours, scaled by the method's speed; customs
and the last mile in business days of France, as TRK-8 counts them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from garant.carriers._sandbox_texts import (
    LA_POSTE,
    LOCKERS,
    OFFICE_QUARTERS,
    PICKUP_POINTS,
    SIGNERS,
    TOWNS,
    Say,
)
from garant.carriers._sandbox_trip import (
    ANY_HOUR,
    DOORSTEP,
    NO_CUSTOMS_METHODS,
    OFFICE,
    ROUND,
    Place,
    Scenario,
    Trip,
)
from garant.domain.tracking import SubStatus, TrackingStatus

S = SubStatus
T = TrackingStatus
Hours = tuple[float, float]
Days = tuple[int, int]

# How much slower or faster than the reference (Standard, Air Mail) the origin and flight are.
SPEED = {
    "aliexpress_standard": 1.2,
    "aliexpress_choice": 0.45,
    "china_post_air_mail": 1.0,
    "ems": 0.35,
    "dhl": 1.0,
    "fedex": 1.0,
    "ups": 1.0,
    "eu_warehouse": 1.0,
}
_RETURN_REASONS = {
    Scenario.UNCLAIMED: (S.UNCLAIMED, "unclaimed"),
    Scenario.ADDRESS_INCORRECT: (S.ADDRESS_INCORRECT, "incorrect address"),
    Scenario.CUSTOMS_RETURNED: (S.CUSTOMS, "customs documents missing"),
}


class Writer:
    """The plan every journey follows; subclasses give the carriers' words and places."""

    carrier = ""  # the origin carrier's slug
    customs_carrier = ""
    customs_table: Mapping[str, Say] = MappingProxyType({})
    last_mile_carrier = "laposte"
    last_mile_table: Mapping[str, Say] = LA_POSTE
    locker_brand = "Pickup Station"
    customs_days: Days = (1, 4)  # from the start of clearance to its release
    hold_days: Days = (2, 5)
    answer_days: Days = (2, 5)  # the buyer sends what customs asked
    last_mile_days: Days = (1, 3)  # from the regional platform to the delivery site
    return_days: Hours = (15, 35)  # the way back to the seller, in days
    lost_days: Hours = (20, 35)  # silence before the carrier declares the parcel lost

    def __init__(self, trip: Trip, method: str, scenario: Scenario) -> None:
        self.trip, self.method, self.scenario = trip, method, scenario
        self.speed = SPEED[method]
        city, postcode, platform = trip.pick(TOWNS)
        self.town = Place("FR", city, postcode)
        self.platform = Place("FR", platform, None, f"Plateforme Colis {platform}")
        self.entry = Place("FR", "Roissy-en-France", "95700", "Paris-Charles de Gaulle")
        self.origin = Place("CN")
        self.names: dict[str, str] = {"town": city, "area": f"{city.upper()} - FRANCE"}

    # --- writing -------------------------------------------------------------------------

    def scaled(self, low: float, high: float) -> Hours:
        return low * self.speed, high * self.speed

    def say(
        self,
        place: Place,
        say: Say,
        *,
        after: Hours,
        hours: tuple[int, int] = ANY_HOUR,
        business: bool = False,
        carrier: str | None = None,
        leg: str | None = None,
        number: str | None = None,
        **names: str,
    ) -> None:
        said = say(**{**self.names, **names})
        self.trip.emit(place, said.status, said.sub_status, said.code, said.text,
                       carrier=carrier or self.carrier, after=after, hours=hours,
                       business=business, leg=leg, number=number)  # fmt: skip

    def write(self) -> None:
        self.label()
        if self.scenario is Scenario.NEVER_COLLECTED:
            self.trip.wait_days(4, 9)  # sellers' labels lapse after about a week
            self.say(self.origin, self.cancelled_say(), after=(0.5, 4), hours=OFFICE,
                     business=True)  # fmt: skip
            return
        self.way_out()
        if self.scenario is Scenario.LOST:
            self.trip.wait_days(*self.lost_days)
            self.say(self.lost_place(), self.lost_say(), after=(0.5, 4), hours=OFFICE)
            return
        self.to_france()
        if self.method not in NO_CUSTOMS_METHODS and not self.customs():
            return
        self.handover()
        self.last_mile()

    def customs(self) -> bool:
        """Import clearance in France; False when customs send the parcel back."""
        table, trip, scenario = self.customs_table, self.trip, self.scenario
        carrier = self.customs_carrier
        self.say(self.entry, table["start"], after=(1, 8), hours=(6, 22), carrier=carrier)
        if scenario is Scenario.CUSTOMS_HOLD:
            self.say(self.entry, table["held"], after=(4, 30), hours=OFFICE, business=True,
                     carrier=carrier)  # fmt: skip
            trip.wait_business_days(*self.hold_days, "FR", OFFICE)
        elif scenario in (Scenario.CUSTOMS_INFORMATION, Scenario.CUSTOMS_RETURNED):
            self.say(self.entry, table["info"], after=(4, 30), hours=OFFICE, business=True,
                     carrier=carrier)  # fmt: skip
            if scenario is Scenario.CUSTOMS_RETURNED:
                trip.wait_business_days(8, 12, "FR", OFFICE)  # nobody answered
                self.say(self.entry, table["return"], after=(0.1, 2), hours=OFFICE,
                         business=True, carrier=carrier)  # fmt: skip
                self.returned_home()
                return False
            trip.wait_business_days(*self.answer_days, "FR", OFFICE)
        else:
            trip.wait_business_days(*self.customs_days, "FR", OFFICE)
        self.say(self.entry, table["released"], after=(0.1, 3), hours=(7, 21), business=True,
                 carrier=carrier)  # fmt: skip
        return True

    def last_mile(self) -> None:
        trip, scenario = self.trip, self.scenario

        def step(
            key: str,
            place: Place | None = None,
            *,
            after: Hours,
            hours: tuple[int, int] = ANY_HOUR,
            business: bool = False,
            **names: str,
        ) -> None:
            self.say(place or self.town, self.last_mile_table[key], after=after, hours=hours,
                     business=business, carrier=self.last_mile_carrier, **names)  # fmt: skip

        step("hub", self.hub_place(), after=(3, 20))
        trip.wait_business_days(*self.last_mile_days, "FR", (4, 9))
        step("site", after=(0.1, 1), hours=(4, 10), business=True)
        point = Place("FR", self.town.city, self.town.postcode, trip.pick(PICKUP_POINTS))
        if scenario is Scenario.PICKUP_POINT:
            step(
                "pickup_ready",
                point,
                after=(1, 6),
                hours=OFFICE,
                business=True,
                point=point.description or "",
            )
            step("collected_pickup", point, after=(12, 130), hours=DOORSTEP, business=True)
            return
        if scenario is Scenario.LOCKER:
            name = trip.pick(LOCKERS)
            locker = Place("FR", self.town.city, self.town.postcode,
                           f"{self.locker_brand} {name}")  # fmt: skip
            step(
                "locker_ready",
                locker,
                after=(1, 5),
                hours=OFFICE,
                business=True,
                point=name,
                code=trip.digits(6),
            )
            step("collected_locker", locker, after=(3, 96), hours=(7, 22))  # open every day
            return
        step("out", after=(0.3, 3), hours=ROUND, business=True)
        if scenario in (Scenario.FAILED_ATTEMPT, Scenario.UNCLAIMED):
            step("absent", after=(1, 6), hours=DOORSTEP, business=True)
            office = Place("FR", self.town.city, self.town.postcode,
                           f"{self.town.city} {trip.pick(OFFICE_QUARTERS)}")  # fmt: skip
            # La Poste makes the parcel available from the next business day, afternoon.
            trip.wait_business_days(1, 1, "FR", (14, 18))
            step(
                "office_ready",
                office,
                after=(0.1, 1),
                hours=(14, 19),
                business=True,
                office=office.description or "",
            )
            if scenario is Scenario.UNCLAIMED:
                trip.wait_days(15, 15)  # the post office keeps it 15 days
                step("return_unclaimed", office, after=(0.5, 6), hours=OFFICE, business=True)
                self.returned_home()
            else:
                step("collected_office", office, after=(10, 120), hours=OFFICE, business=True)
            return
        if scenario is Scenario.ADDRESS_INCORRECT:
            step("bad_address", after=(1, 6), hours=DOORSTEP, business=True)
            trip.wait_business_days(1, 2, "FR", OFFICE)
            step("return_address", after=(0.1, 2), hours=OFFICE, business=True)
            self.returned_home()
            return
        kind = {Scenario.LETTER_BOX: "letter_box", Scenario.SIGNATURE: "signed"}.get(scenario)
        step(
            kind or self.home_kind(),
            after=(1, 7),
            hours=DOORSTEP,
            business=True,
            signer=trip.pick(SIGNERS),
        )

    def returned_home(self) -> None:
        """TRK-5: the parcel arrives back at the seller's, reported by the origin carrier."""
        reason, why = _RETURN_REASONS[self.scenario]
        self.trip.wait_days(*self.return_days)
        said = self.returned_say(why)
        self.trip.emit(self.origin, T.RETURNED, reason, said.code, said.text,
                       carrier=self.carrier, after=(0.5, 4), hours=OFFICE, business=True,
                       number=self.trip.origin_number)  # fmt: skip

    def home_kind(self) -> str:
        return "letter_box" if self.trip.chance(0.7) else "signed"

    def hub_place(self) -> Place:
        return self.platform

    def lost_place(self) -> Place:
        return self.origin

    # --- the carrier's words (subclasses) --------------------------------------------------

    def label(self) -> None:
        raise NotImplementedError

    def way_out(self) -> None:
        """From the first scan to the departure from the origin country."""
        raise NotImplementedError

    def to_france(self) -> None:
        """From the departure to the arrival in France."""
        raise NotImplementedError

    def handover(self) -> None:
        """To the last-mile carrier (TRK-3); nothing when the same carrier delivers."""

    def cancelled_say(self) -> Say:
        raise NotImplementedError

    def lost_say(self) -> Say:
        raise NotImplementedError

    def returned_say(self, why: str) -> Say:
        raise NotImplementedError
