"""The sandbox carrier's vocabulary and clock: scenarios, places, and a ``Trip`` that writes
events at plausible local times.

A ``Trip`` keeps a cursor (the instant of the last event). Every event is written some hours
after the previous one, then moved forward into the working hours of its place and, when asked,
onto a business day of that country (real holiday calendars, ``domain.business_days``). The
cursor only moves forward, so a journey's instants are strictly increasing by construction.
Instants are whole minutes: ``shipment.dedupe_key`` works by the minute, and a carrier that
publishes seconds is the exception.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from garant.domain.business_days import add_business_days, is_business_day
from garant.domain.tracking import Location, SubStatus, TrackingEvent, TrackingStatus

X = TypeVar("X")


class Scenario(StrEnum):
    """What happens to a sandbox parcel; the two-digit code goes into sandbox numbers."""

    LETTER_BOX = "letter_box"  # delivered in the letter box
    SIGNATURE = "signature"  # delivered against signature
    PICKUP_POINT = "pickup_point"  # delivered to a relay point, collected there
    LOCKER = "locker"  # delivered to a parcel locker, collected with a code
    CUSTOMS_HOLD = "customs_hold"  # held by customs, then released and delivered
    CUSTOMS_INFORMATION = "customs_information"  # customs ask the buyer, who answers
    CUSTOMS_RETURNED = "customs_returned"  # customs ask, nobody answers: back to the seller
    FAILED_ATTEMPT = "failed_attempt"  # nobody home, collected at the post office
    UNCLAIMED = "unclaimed"  # nobody home, never collected: back to the seller
    ADDRESS_INCORRECT = "address_incorrect"  # wrong address: back to the seller
    LOST = "lost"  # goes silent after departure, declared lost
    HANDOVER = "handover"  # La Poste takes over with a new local number (TRK-3)
    NEVER_COLLECTED = "never_collected"  # label made, never collected: "envoi annulé" (CAN-13)


SCENARIO_CODES: dict[Scenario, str] = {
    scenario: f"{index:02d}" for index, scenario in enumerate(Scenario, start=1)
}

# Methods that cross no customs border (SHP-3) and methods whose carrier delivers itself.
NO_CUSTOMS_METHODS = frozenset({"eu_warehouse"})
EXPRESS_METHODS = frozenset({"dhl", "fedex", "ups"})
CUSTOMS_SCENARIOS = frozenset(
    {Scenario.CUSTOMS_HOLD, Scenario.CUSTOMS_INFORMATION, Scenario.CUSTOMS_RETURNED}
)


def applies(scenario: Scenario, method: str) -> bool:
    """Whether a scenario can happen with a method: no customs story for an EU warehouse, no
    handover to La Poste for an express carrier that delivers its own parcels."""
    if scenario in CUSTOMS_SCENARIOS:
        return method not in NO_CUSTOMS_METHODS
    if scenario is Scenario.HANDOVER:
        return method not in EXPRESS_METHODS
    return True


# Where the sandbox's places are; China and Hong Kong keep +08:00 all year, Europe follows DST.
ZONES = {
    "CN": ZoneInfo("Asia/Shanghai"), "HK": ZoneInfo("Asia/Hong_Kong"),
    "QA": ZoneInfo("Asia/Qatar"), "FR": ZoneInfo("Europe/Paris"),
    "DE": ZoneInfo("Europe/Berlin"), "ES": ZoneInfo("Europe/Madrid"),
    "PL": ZoneInfo("Europe/Warsaw"),
}  # fmt: skip


@dataclass(frozen=True)
class Place:
    country: str
    city: str | None = None
    postcode: str | None = None
    description: str | None = None

    def location(self) -> Location:
        return Location(self.country, self.city, self.postcode, self.description)


@dataclass(frozen=True)
class Town:
    """A buyer's town in France and the La Poste sites that serve it."""

    city: str
    postcode: str
    platform: str  # the regional parcel platform

    @property
    def place(self) -> Place:
        return Place("FR", self.city, self.postcode)


# Hours of the day (local) when each kind of scan happens.
ANY_HOUR = (0, 24)
DAYTIME = (8, 20)
OFFICE = (9, 18)
ROUND = (7, 11)  # delivery rounds leave in the morning
DOORSTEP = (9, 19)
CHINA_DAY = (7, 23)


class Trip:
    """One journey being written: the random source, the numbers, the events so far."""

    def __init__(self, rng: random.Random, number: str, shipped_at: datetime) -> None:
        self.rng = rng
        self.origin_number = number
        self.number = number  # becomes the local number after a handover (TRK-3)
        self.cursor = shipped_at.astimezone(UTC).replace(second=0, microsecond=0)
        self.events: list[TrackingEvent] = []

    # --- choices -------------------------------------------------------------------------

    def pick(self, options: Sequence[X]) -> X:
        return options[self.rng.randrange(len(options))]

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def digits(self, count: int) -> str:
        return "".join(str(self.rng.randrange(10)) for _ in range(count))

    # --- time ----------------------------------------------------------------------------

    def wait_hours(self, low: float, high: float) -> None:
        self.cursor += timedelta(minutes=max(1, round(self.rng.uniform(low, high) * 60)))

    def wait_days(self, low: float, high: float) -> None:
        self.wait_hours(low * 24, high * 24)

    def wait_business_days(self, low: int, high: int, country: str, hours: tuple[int, int]) -> None:
        """To the n-th next business day of ``country`` (n drawn in [low, high]), in ``hours``."""
        zone = ZONES[country]
        start = self.cursor.astimezone(zone).date()
        day = add_business_days(start, self.rng.randint(low, high), [country])
        self.cursor = max(self.cursor, self._at(day, hours, zone))

    def _at(self, day: date, hours: tuple[int, int], zone: ZoneInfo) -> datetime:
        first, last = hours[0] * 60, hours[1] * 60 - 1
        minute = self.rng.randint(first, min(last, first + 150))
        wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
        return wall.astimezone(UTC)

    def _settle(self, country: str, hours: tuple[int, int], business: bool) -> datetime:
        """Move the cursor into the place's working hours (and business days); return it as the
        place's wall-clock time with its fixed offset."""
        zone = ZONES[country]
        for _ in range(60):  # a year-end run of holidays is at most a few days
            local = self.cursor.astimezone(zone)
            if local.hour < hours[0]:
                self.cursor = self._at(local.date(), hours, zone)
            elif local.hour >= hours[1] or (
                business and not is_business_day(local.date(), [country])
            ):
                self.cursor = self._at(local.date() + timedelta(days=1), hours, zone)
            else:
                break
        local = self.cursor.astimezone(zone)
        offset = local.utcoffset()
        assert offset is not None
        return local.replace(tzinfo=timezone(offset))

    # --- events --------------------------------------------------------------------------

    def emit(
        self,
        place: Place,
        status: TrackingStatus,
        sub_status: SubStatus,
        code: str | None,
        text: str,
        *,
        carrier: str,
        after: tuple[float, float] = (0.5, 3.0),
        hours: tuple[int, int] = DAYTIME,
        business: bool = False,
        leg: str | None = None,
        number: str | None = None,
    ) -> TrackingEvent:
        """An event ``after`` hours (drawn) past the previous one, settled into ``hours``."""
        self.wait_hours(*after)
        occurred_at = self._settle(place.country, hours, business)
        event = TrackingEvent(
            carrier=carrier,
            tracking_number=number or self.number,
            occurred_at=occurred_at,
            status=status,
            sub_status=sub_status,
            raw_code=code,
            raw_text=text,
            location=place.location(),
            leg=leg,
        )
        self.events.append(event)
        return event
