"""The sandbox carrier: realistic China → France journeys, made up deterministically.

``journey(number, method=, scenario=, shipped_at=, seed=)`` writes the events a parcel would
show for a shipping method of SHP-1 and a ``Scenario`` (delivered in the letter box, against
signature, at a pickup point or a locker; held by customs; customs asking for documents;
failed attempt; unclaimed or wrong address and back to the seller; lost; handed over to La
Poste under a new number; "envoi annulé"). Same arguments, same journey. The events use the
real carriers' codes and words (``_sandbox_texts``), places in China at +08:00 and in France at
the offset of Europe/Paris on that date (DST included), customs only from outside the EU, and
durations drawn until the first delivery attempt falls inside the method's window
(``window_dates``; what follows a missed attempt is the buyer's time, not the carrier's).

Sandbox numbers carry their scenario, so nothing about a sandbox parcel needs storing:
``SB`` + scenario (2 digits) + method (1 digit, 0 = the order's method) + serial (5 digits) +
UPU S10 check digit + ``FR``. They are valid S10 numbers, so ``check_tracking_number`` accepts
them as they are (as a La Poste number, unless the seller names the carrier "sandbox").

Raw format, read back by ``get_adapter("sandbox").parse`` exactly as written by ``render``::

    {"format": "garant-sandbox/1", "tracking_number": "SB…FR", "found": true,
     "events": [{"time": "2026-11-02T17:04:00+08:00", "carrier": "cainiao", "number": "SB…",
                 "code": "GWMS_ACCEPT", "text": "[Yiwu] Accepted by carrier",
                 "status": "in_transit", "sub_status": "accepted", "leg": "origin",
                 "place": {"country": "CN", "city": "Yiwu", "postcode": "322000",
                           "description": null}}]}

``"found": false`` (with a ``message``) is an unknown number (TRK-4); an ``"error"`` object is
the carrier's own failure.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from garant.carriers._sandbox_express import Express
from garant.carriers._sandbox_legs import Writer
from garant.carriers._sandbox_postal import Cainiao, ChinaPost, Warehouse
from garant.carriers._sandbox_trip import (
    EXPRESS_METHODS,
    SCENARIO_CODES,
    ZONES,
    Scenario,
    Trip,
    applies,
)
from garant.carriers.base import (
    CarrierError,
    TrackingNotFound,
    as_dict,
    as_list,
    chronological,
    guarded,
    load_json,
    opt_dict,
    opt_str,
    parse_timestamp,
    register,
    req_str,
)
from garant.carriers.checksums import s10_check_digit
from garant.domain.business_days import add_business_days
from garant.domain.delivery import DEFAULT_DELIVERY_WINDOWS, DayCount
from garant.domain.errors import InvalidInput
from garant.domain.tracking import (
    Location,
    SubStatus,
    TrackingEvent,
    TrackingParseError,
    TrackingStatus,
)

__all__ = [
    "FORMAT",
    "METHODS",
    "SLUG",
    "SandboxAdapter",
    "SandboxNumber",
    "Scenario",
    "applies",
    "first_attempt",
    "journey",
    "plan",
    "read_number",
    "render",
    "render_not_found",
    "sandbox_number",
    "seed_for",
    "window_dates",
]

SLUG = "sandbox"
FORMAT = "garant-sandbox/1"
# Method digit of a sandbox number (0: the method of the order that shipped it).
METHODS = ("eu_warehouse", "aliexpress_choice", "aliexpress_standard", "china_post_air_mail",
           "ems", "dhl", "fedex", "ups")  # fmt: skip
_ATTEMPTS = 300  # draws of a journey until its first attempt falls inside the window


# --- journeys ------------------------------------------------------------------------------


def _writer(method: str) -> type[Writer]:
    if method in EXPRESS_METHODS:
        return Express
    if method == "eu_warehouse":
        return Warehouse
    if method in ("china_post_air_mail", "ems"):
        return ChinaPost
    return Cainiao


def window_dates(
    method: str, shipped_at: datetime, origin_country: str = "CN"
) -> tuple[date, date]:
    """SHP-1: the first and last day a parcel shipped at ``shipped_at`` may be delivered,
    counted from the shipping day at the origin.

    Business-day windows are read generously at both ends: the last day skips the holidays of
    the origin and of France (TRK-8), the first day only France's, because a parcel that left
    before Chinese New Year or the Golden Week does not wait for them.
    """
    window = DEFAULT_DELIVERY_WINDOWS.method(method).window
    start = shipped_at.astimezone(ZONES[origin_country]).date()
    if window.unit is DayCount.CALENDAR:
        return start + timedelta(window.min_days), start + timedelta(window.max_days)
    return (add_business_days(start, window.min_days, ["FR"]),
            add_business_days(start, window.max_days, [origin_country, "FR"]))  # fmt: skip


_AT_THE_DOOR = frozenset({
    TrackingStatus.OUT_FOR_DELIVERY, TrackingStatus.AVAILABLE_FOR_PICKUP,
    TrackingStatus.DELIVERY_FAILED, TrackingStatus.DELIVERED,
})  # fmt: skip


def first_attempt(events: Sequence[TrackingEvent]) -> TrackingEvent | None:
    """The first time the parcel was at the buyer's door (or pickup point): what the method's
    window promises. What follows (a missed collection, a return) is the buyer's story."""
    return next((e for e in events if e.status in _AT_THE_DOOR), None)


def journey(
    number: str,
    *,
    method: str,
    scenario: Scenario | str,
    shipped_at: datetime,
    seed: int,
) -> list[TrackingEvent]:
    """The events of one parcel, oldest first; the same arguments give the same events.

    Raises ValueError for an unknown method or scenario, a naive ``shipped_at``, or a scenario
    that cannot happen with the method (``applies``: no customs from an EU warehouse, no La Poste
    handover for an express carrier).
    """
    try:
        DEFAULT_DELIVERY_WINDOWS.method(method)
    except InvalidInput as exc:
        raise ValueError(exc.message) from None
    chosen = Scenario(scenario)
    if not applies(chosen, method):
        raise ValueError(f"scenario {chosen.value!r} cannot happen with method {method!r}")
    if shipped_at.utcoffset() is None:
        raise ValueError("shipped_at must carry its UTC offset")
    number = "".join(number.split()).upper()
    rng = random.Random(seed)
    best: tuple[int, list[TrackingEvent]] | None = None
    for _ in range(_ATTEMPTS):
        trip = Trip(rng, number, shipped_at)
        _writer(method)(trip, method, chosen).write()
        attempt = first_attempt(trip.events)
        if attempt is None:
            return trip.events
        due = attempt.occurred_at.date()
        first, last = window_dates(method, shipped_at, trip.events[0].location.country or "CN")
        miss = max((first - due).days, (due - last).days, 0)
        if miss == 0:
            return trip.events
        if best is None or miss < best[0]:
            best = (miss, trip.events)
    assert best is not None
    return best[1]  # a window the scenario's own delays cannot fit: the closest draw


# --- numbers -------------------------------------------------------------------------------

_NUMBER = re.compile(r"SB(?P<scenario>\d{2})(?P<method>\d)(?P<serial>\d{5})(?P<check>\d)FR")
_BY_CODE = {code: scenario for scenario, code in SCENARIO_CODES.items()}
# Scenarios of parcels whose number says none (demo orders): mostly deliveries, as in life.
_WEIGHTS = {
    Scenario.LETTER_BOX: 28, Scenario.SIGNATURE: 8, Scenario.PICKUP_POINT: 12,
    Scenario.LOCKER: 6, Scenario.HANDOVER: 14, Scenario.CUSTOMS_HOLD: 5,
    Scenario.CUSTOMS_INFORMATION: 4, Scenario.CUSTOMS_RETURNED: 2, Scenario.FAILED_ATTEMPT: 6,
    Scenario.UNCLAIMED: 3, Scenario.ADDRESS_INCORRECT: 3, Scenario.LOST: 3,
    Scenario.NEVER_COLLECTED: 3,
}  # fmt: skip


@dataclass(frozen=True)
class SandboxNumber:
    number: str
    scenario: Scenario
    method: str | None  # None: the method of the order that shipped it
    serial: int


def sandbox_number(scenario: Scenario | str, *, method: str | None = None, serial: int = 0) -> str:
    """A sandbox number telling its scenario (and method); a valid UPU S10 number."""
    chosen = Scenario(scenario)
    if method is not None and not applies(chosen, method):
        raise ValueError(f"scenario {chosen.value!r} cannot happen with method {method!r}")
    if not 0 <= serial <= 99_999:
        raise ValueError("serial must be between 0 and 99999")
    digit = 0 if method is None else METHODS.index(method) + 1
    body = f"{SCENARIO_CODES[chosen]}{digit}{serial:05d}"
    return f"SB{body}{s10_check_digit(body)}FR"


def read_number(number: str) -> SandboxNumber | None:
    """The scenario and method a sandbox number carries; None for any other number."""
    normalised = "".join(number.split()).upper()
    match = _NUMBER.fullmatch(normalised)
    if match is None or match["scenario"] not in _BY_CODE:
        return None
    digits = match["scenario"] + match["method"] + match["serial"]
    if int(match["check"]) != s10_check_digit(digits) or int(match["method"]) > len(METHODS):
        return None
    digit = int(match["method"])
    method = METHODS[digit - 1] if digit else None
    return SandboxNumber(normalised, _BY_CODE[match["scenario"]], method, int(match["serial"]))


def seed_for(number: str) -> int:
    """A journey's seed from its number (stable across processes, unlike ``hash``)."""
    digest = hashlib.sha256("".join(number.split()).upper().encode()).digest()
    return int.from_bytes(digest[:8], "big")


def plan(number: str, method: str | None) -> tuple[Scenario, str]:
    """(scenario, method) of a parcel: what its sandbox number says, else drawn from the
    number; ``method`` (the order's) when the number names none. A scenario that cannot happen
    with the method becomes a letter-box delivery rather than no journey at all."""
    known = read_number(number)
    chosen_method = (known.method if known else None) or method or "aliexpress_standard"
    if chosen_method not in METHODS:
        chosen_method = "aliexpress_standard"
    if known is not None:
        scenario = known.scenario
    else:
        pick = random.Random(seed_for(number) ^ 0x5A5A).choices(
            list(_WEIGHTS), weights=list(_WEIGHTS.values())
        )
        scenario = pick[0]
    if not applies(scenario, chosen_method):
        scenario = Scenario.LETTER_BOX
    return scenario, chosen_method


# --- raw format ----------------------------------------------------------------------------


def _event_json(event: TrackingEvent) -> dict[str, Any]:
    place = event.location
    return {
        "time": event.occurred_at.isoformat(),
        "carrier": event.carrier,
        "number": event.tracking_number,
        "code": event.raw_code,
        "text": event.raw_text,
        "status": event.status.value,
        "sub_status": event.sub_status.value,
        "leg": event.leg,
        "place": {"country": place.country, "city": place.city, "postcode": place.postcode,
                  "description": place.description},
    }  # fmt: skip


def render(events: Sequence[TrackingEvent], *, number: str | None = None) -> str:
    """The sandbox carrier's answer for a parcel, as JSON text."""
    if number is None:
        if not events:
            raise ValueError("give the number of a parcel without events")
        number = events[0].tracking_number
    body = {"format": FORMAT, "tracking_number": number, "found": True,
            "events": [_event_json(e) for e in events]}  # fmt: skip
    return json.dumps(body, ensure_ascii=False)


def render_not_found(number: str, message: str = "tracking number not found") -> str:
    return json.dumps({"format": FORMAT, "tracking_number": number, "found": False,
                       "message": message})  # fmt: skip


class SandboxAdapter:
    slug = SLUG
    name = "Garant sandbox carrier"

    def parse(self, payload: bytes | str) -> list[TrackingEvent]:
        return guarded(self.slug, self._read, payload)

    def _read(self, payload: bytes | str) -> list[TrackingEvent]:
        data = as_dict(load_json(payload), "sandbox answer")
        if data.get("format") != FORMAT:
            raise TrackingParseError(f"sandbox: not a {FORMAT} document")
        error = opt_dict(data, "error")
        if error:
            raise CarrierError(self.slug, req_str(error, "message"), code=opt_str(error, "code"))
        if data.get("found") is False:
            raise TrackingNotFound(
                self.slug,
                opt_str(data, "message") or "not found",
                tracking_number=opt_str(data, "tracking_number"),
            )
        return chronological(self._event(as_dict(item, "event"))
                             for item in as_list(data.get("events"), "events"))  # fmt: skip

    def _event(self, item: dict[str, Any]) -> TrackingEvent:
        place = opt_dict(item, "place")
        country = opt_str(place, "country")
        if country is not None and not re.fullmatch(r"[A-Z]{2}", country):
            raise TrackingParseError(f"sandbox: country {country!r} is no ISO 3166 code")
        return TrackingEvent(
            carrier=req_str(item, "carrier"),
            tracking_number=req_str(item, "number"),
            occurred_at=parse_timestamp(req_str(item, "time")),
            status=TrackingStatus(req_str(item, "status")),
            sub_status=SubStatus(opt_str(item, "sub_status") or SubStatus.NONE.value),
            raw_code=opt_str(item, "code"),
            raw_text=req_str(item, "text"),
            location=Location(
                country,
                opt_str(place, "city"),
                opt_str(place, "postcode"),
                opt_str(place, "description"),
            ),
            leg=opt_str(item, "leg"),
        )


ADAPTER = register(SandboxAdapter())
