"""The sandbox carrier's journeys (TRK-1, 2, 3, 5, 8; SHP-1, 3; CAN-13): coherent, realistic,
deterministic, and read back exactly through its adapter."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from garant.carriers import cainiao, china_post, dhl_express, fedex, get_adapter, laposte
from garant.carriers.base import CarrierError, TrackingNotFound, zone_for
from garant.carriers.numbers import detect
from garant.carriers.sandbox import (
    METHODS,
    Scenario,
    applies,
    first_attempt,
    journey,
    plan,
    read_number,
    render,
    render_not_found,
    sandbox_number,
    seed_for,
    window_dates,
)
from garant.domain.business_days import is_business_day
from garant.domain.shipment import (
    NEVER_COLLECTED,
    handover_numbers,
    order_effect,
    summarise,
)
from garant.domain.tracking import (
    SUB_STATUSES,
    SubStatus,
    TrackingEvent,
    TrackingParseError,
    TrackingStatus,
)
from garant.services.tracking_numbers import check_tracking_number

S = SubStatus
T = TrackingStatus
SC = Scenario
HOME = {S.LETTER_BOX, S.SIGNED}
# How each scenario ends: the last event's status and the sub-statuses it may have.
ENDS = {
    SC.LETTER_BOX: (T.DELIVERED, {S.LETTER_BOX}),
    SC.SIGNATURE: (T.DELIVERED, {S.SIGNED}),
    SC.PICKUP_POINT: (T.DELIVERED, {S.COLLECTED}),
    SC.LOCKER: (T.DELIVERED, {S.COLLECTED}),
    SC.CUSTOMS_HOLD: (T.DELIVERED, HOME),
    SC.CUSTOMS_INFORMATION: (T.DELIVERED, HOME),
    SC.HANDOVER: (T.DELIVERED, HOME),
    SC.FAILED_ATTEMPT: (T.DELIVERED, {S.COLLECTED}),
    SC.CUSTOMS_RETURNED: (T.RETURNED, {S.CUSTOMS}),
    SC.UNCLAIMED: (T.RETURNED, {S.UNCLAIMED}),
    SC.ADDRESS_INCORRECT: (T.RETURNED, {S.ADDRESS_INCORRECT}),
    SC.LOST: (T.EXCEPTION, {S.LOST}),
    SC.NEVER_COLLECTED: (T.EXCEPTION, {S.EXCEPTION_OTHER}),
}
# TRK-5: the reason the buyer is shown for each return.
RETURN_REASONS = {
    SC.CUSTOMS_RETURNED: "customs_documents",
    SC.UNCLAIMED: "unclaimed_at_pickup_point",
    SC.ADDRESS_INCORRECT: "address_incorrect",
}
CUSTOMS = {S.CUSTOMS_PROCESSING, S.CUSTOMS_RELEASED, S.CUSTOMS_INFORMATION_REQUIRED,
           S.HELD_BY_CUSTOMS}  # fmt: skip
COMBOS = [(m, s) for m in METHODS for s in Scenario if applies(s, m)]
# A Monday in winter, a ship date whose journeys cross the spring DST switch (29 March 2026),
# and one crossing the autumn switch and the Golden Week.
SHIP_DATES = (
    datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
    datetime(2026, 3, 17, 22, 30, tzinfo=UTC),
    datetime(2026, 9, 28, 3, 15, tzinfo=timezone(timedelta(hours=8))),
)
NUMBER = sandbox_number(SC.LETTER_BOX, serial=42)


def _iso(events: list[TrackingEvent]) -> list[str]:
    return [e.occurred_at.isoformat() for e in events]


@pytest.mark.parametrize(("method", "scenario"), COMBOS)
def test_trk2_every_scenario_and_method_gives_a_coherent_journey(
    method: str, scenario: Scenario
) -> None:
    for seed, shipped_at in enumerate(SHIP_DATES):
        events = journey(NUMBER, method=method, scenario=scenario, shipped_at=shipped_at,
                         seed=seed)  # fmt: skip
        instants = [e.occurred_at for e in events]
        assert instants == sorted(instants) and len(set(instants)) == len(instants)
        assert instants[0] >= shipped_at and events[0].status is T.INFO_RECEIVED
        assert all(e.occurred_at.second == 0 for e in events)
        for e in events:
            assert e.sub_status is S.NONE or e.sub_status in SUB_STATUSES[e.status], e
            assert e.raw_text and e.location.country, e
            # +08:00 in China, Paris (or Berlin, Madrid, Warsaw) offsets with DST in Europe.
            zone = zone_for(e.location.country)
            assert zone is not None
            assert e.occurred_at.utcoffset() == e.occurred_at.astimezone(zone).utcoffset(), e
        status, subs = ENDS[scenario]
        assert events[-1].status is status and events[-1].sub_status in subs, events[-1]
        _check_customs(method, scenario, events)
        _check_last_mile(method, shipped_at, events)


def _check_customs(method: str, scenario: Scenario, events: list[TrackingEvent]) -> None:
    """SHP-3: customs only for parcels from outside the EU, and then always."""
    cleared = [e for e in events if e.sub_status in CUSTOMS]
    if method == "eu_warehouse" or scenario in (SC.LOST, SC.NEVER_COLLECTED):
        assert cleared == []
    else:
        assert cleared and all(e.location.country == "FR" for e in cleared)
    if scenario is SC.CUSTOMS_HOLD:
        assert any(e.sub_status is S.HELD_BY_CUSTOMS for e in events)
    if scenario in (SC.CUSTOMS_INFORMATION, SC.CUSTOMS_RETURNED):
        assert any(e.sub_status is S.CUSTOMS_INFORMATION_REQUIRED for e in events)


def _check_last_mile(method: str, shipped_at: datetime, events: list[TrackingEvent]) -> None:
    """SHP-1 window for the first attempt; French deliveries on French business days."""
    attempt = first_attempt(events)
    if attempt is None:
        return
    first, last = window_dates(method, shipped_at, events[0].location.country or "CN")
    assert first <= attempt.occurred_at.date() <= last, (method, attempt)
    doorstep = (T.OUT_FOR_DELIVERY, T.DELIVERY_FAILED)
    for e in events:
        if e.status in doorstep or e.sub_status in HOME:
            assert is_business_day(e.occurred_at.date(), ["FR"]), e


@pytest.mark.parametrize(("method", "scenario"), COMBOS)
def test_trk1_the_timeline_reads_as_the_scenario_says(method: str, scenario: Scenario) -> None:
    events = journey(NUMBER, method=method, scenario=scenario, shipped_at=SHIP_DATES[0], seed=7)
    summary = summarise(events, events[-1].occurred_at)
    if ENDS[scenario][0] is T.DELIVERED:
        assert summary.buyer_status == "delivered" and summary.delivered_at is not None
    elif scenario in RETURN_REASONS:  # TRK-5
        assert summary.buyer_status == "returned_to_sender"
        assert summary.return_reason == RETURN_REASONS[scenario]
        assert summary.cancellation is None  # a return from France is no "envoi annulé"
    elif scenario is SC.NEVER_COLLECTED:  # CAN-13
        assert summary.cancellation == NEVER_COLLECTED
        effect = order_effect("shipped", summary)
        assert effect is not None and effect.action == "report_shipment_cancelled"
    else:
        assert summary.sub_status is S.LOST and summary.cancellation is None


@pytest.mark.parametrize("method", METHODS)
def test_trk2_journey_is_deterministic_per_seed(method: str) -> None:
    args = dict(method=method, scenario=SC.FAILED_ATTEMPT, shipped_at=SHIP_DATES[1])
    first, again = journey(NUMBER, seed=11, **args), journey(NUMBER, seed=11, **args)  # type: ignore[arg-type]
    other = journey(NUMBER, seed=12, **args)  # type: ignore[arg-type]
    assert first == again and _iso(first) == _iso(again)
    assert _iso(first) != _iso(other)


@pytest.mark.parametrize(("method", "scenario"), COMBOS)
def test_trk2_round_trip_through_the_sandbox_adapter(method: str, scenario: Scenario) -> None:
    events = journey(NUMBER, method=method, scenario=scenario, shipped_at=SHIP_DATES[2], seed=3)
    parsed = get_adapter("sandbox").parse(render(events).encode())
    assert parsed == events
    assert _iso(parsed) == _iso(events)  # the same instants *and* the same offsets


def test_trk2_sandbox_adapter_errors() -> None:
    adapter = get_adapter("sandbox")
    with pytest.raises(TrackingNotFound):
        adapter.parse(render_not_found(NUMBER))
    with pytest.raises(CarrierError):
        adapter.parse(b'{"format": "garant-sandbox/1", "error": {"message": "down"}}')
    for bad in (b"{", b"[]", b'{"format": "other"}', render(journey(
            NUMBER, method="ems", scenario="letter_box", shipped_at=SHIP_DATES[0], seed=1
    )).replace('"in_transit"', '"flying"')):  # fmt: skip
        with pytest.raises(TrackingParseError):
            adapter.parse(bad)
    assert adapter.parse(render([], number=NUMBER)) == []


# Adapters whose reading depends on the words, and those that read only their codes.
_READERS = {
    "laposte": lambda e: laposte.classify(e.raw_code, e.raw_text),
    "cainiao": lambda e: cainiao.classify(e.raw_code, e.raw_text),
    "china_post": lambda e: china_post.classify(e.raw_code, e.raw_text),
}
_CODE_ONLY = {
    "dhl_express": lambda e: dhl_express.classify(e.raw_code),
    "fedex": lambda e: fedex.classify(e.raw_code, None, None, e.raw_text),
}
_GENERIC = {S.NONE, S.IN_TRANSIT_OTHER, S.EXCEPTION_OTHER, S.DELIVERED_OTHER, S.RETURNED_OTHER}


@pytest.mark.parametrize("method", METHODS)
def test_trk2_codes_and_words_read_the_same_through_the_real_adapters(method: str) -> None:
    """Realism: what the sandbox says about an event is what the real carrier's adapter would
    read from the same code and words (a real adapter's generic reading leaves the detail to
    the timeline, as for a return's reason)."""
    checked = 0
    for scenario in Scenario:
        if not applies(scenario, method):
            continue
        for e in journey(NUMBER, method=method, scenario=scenario, shipped_at=SHIP_DATES[0],
                         seed=5):  # fmt: skip
            if e.raw_code is None:
                continue
            if e.carrier in _READERS:
                status, sub_status = _READERS[e.carrier](e)
                assert status is e.status and (sub_status is e.sub_status
                                               or sub_status in _GENERIC), e  # fmt: skip
                checked += 1
            elif e.carrier in _CODE_ONLY:
                assert _CODE_ONLY[e.carrier](e)[0] is e.status, e
                checked += 1
    assert checked > 0 or method == "ups"


@pytest.mark.parametrize("method", ["aliexpress_standard", "aliexpress_choice",
                                    "china_post_air_mail", "ems", "eu_warehouse"])  # fmt: skip
def test_trk3_handover_to_la_poste_with_a_new_valid_local_number(method: str) -> None:
    events = journey(NUMBER, method=method, scenario=SC.HANDOVER, shipped_at=SHIP_DATES[0],
                     seed=2)  # fmt: skip
    [(carrier, local)] = handover_numbers(events)
    assert carrier == "laposte" and local != NUMBER
    found = detect(local)
    assert found.valid and found.candidates[0].carrier in ("colissimo", "la_poste")
    handover = next(e for e in events if e.sub_status is S.HANDED_TO_LAST_MILE)
    after = events[events.index(handover) + 1 :]
    assert after and all(e.tracking_number == local and e.carrier == "laposte" for e in after)
    assert summarise(events, events[-1].occurred_at).tracking_numbers == (NUMBER, local)


def test_trk8_paris_offsets_follow_daylight_saving_time() -> None:
    events = journey(NUMBER, method="aliexpress_choice", scenario=SC.LETTER_BOX,
                     shipped_at=datetime(2026, 3, 20, 9, 0, tzinfo=UTC), seed=1)  # fmt: skip
    paris = ZoneInfo("Europe/Paris")
    french = [e for e in events if e.location.country == "FR"]
    offsets = {e.occurred_at.utcoffset() for e in french}
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}  # before and after 29 March
    for e in french:
        assert e.occurred_at.utcoffset() == paris.utcoffset(e.occurred_at.replace(tzinfo=None))
    chinese = [e for e in events if e.location.country == "CN"]
    assert chinese and {e.occurred_at.utcoffset() for e in chinese} == {timedelta(hours=8)}


def test_trk10_locker_gives_a_code_and_failed_attempt_leaves_a_notice() -> None:
    locker = journey(NUMBER, method="aliexpress_standard", scenario=SC.LOCKER,
                     shipped_at=SHIP_DATES[0], seed=4)  # fmt: skip
    ready = next(e for e in locker if e.status is T.AVAILABLE_FOR_PICKUP)
    assert ready.sub_status is S.LOCKER and re.search(r"Code de retrait : \d{6}", ready.raw_text)
    failed = journey(NUMBER, method="china_post_air_mail", scenario=SC.FAILED_ATTEMPT,
                     shipped_at=SHIP_DATES[0], seed=4)  # fmt: skip
    kinds = [(e.status, e.sub_status) for e in failed][-3:]
    assert kinds == [
        (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
        (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
        (T.DELIVERED, S.COLLECTED),
    ]
    assert "avis de passage" in failed[-3].raw_text


def test_can13_envoi_annule_never_leaves_the_origin_country() -> None:
    for method in METHODS:
        events = journey(NUMBER, method=method, scenario=SC.NEVER_COLLECTED,
                         shipped_at=SHIP_DATES[0], seed=9)  # fmt: skip
        assert [e.status for e in events] == [T.INFO_RECEIVED, T.EXCEPTION]
        assert re.search("annul|cancel", events[-1].raw_text, re.IGNORECASE)
        assert events[-1].location.country == events[0].location.country != "FR"


def test_shp3_scenarios_that_cannot_happen_are_refused() -> None:
    for method, scenario in [
        ("eu_warehouse", SC.CUSTOMS_HOLD),
        ("eu_warehouse", SC.CUSTOMS_RETURNED),
        ("dhl", SC.HANDOVER),
        ("ups", SC.HANDOVER),
    ]:
        assert not applies(scenario, method)
        with pytest.raises(ValueError, match="cannot happen"):
            journey(NUMBER, method=method, scenario=scenario, shipped_at=SHIP_DATES[0], seed=1)
        with pytest.raises(ValueError):
            sandbox_number(scenario, method=method)
    with pytest.raises(ValueError, match="unknown shipping method"):
        journey(NUMBER, method="pigeon", scenario=SC.LOST, shipped_at=SHIP_DATES[0], seed=1)
    with pytest.raises(ValueError, match="offset"):
        journey(NUMBER, method="ems", scenario=SC.LOST, shipped_at=datetime(2026, 1, 5), seed=1)


def test_trk4_sandbox_numbers_are_valid_s10_numbers_that_carry_their_scenario() -> None:
    for scenario in Scenario:
        for method in (None, "ems", "eu_warehouse"):
            if method is not None and not applies(scenario, method):
                continue
            number = sandbox_number(scenario, method=method, serial=123)
            assert re.fullmatch(r"SB\d{9}FR", number)
            known = read_number(number)
            assert known is not None
            assert (known.scenario, known.method, known.serial) == (scenario, method, 123)
            assert detect(number).valid
            assert check_tracking_number(number, "sandbox") == (number, "sandbox", [])
    typo = NUMBER[:-3] + str((int(NUMBER[-3]) + 1) % 10) + "FR"
    assert read_number(typo) is None and read_number("LX123456785CN") is None


def test_trk2_parcels_without_a_sandbox_number_get_a_scenario_from_their_number() -> None:
    seen = set()
    for serial in range(200):
        number = f"LX{serial:08d}0CN"
        scenario, method = plan(number, "eu_warehouse")
        assert plan(number, "eu_warehouse") == (scenario, method)  # deterministic
        assert method == "eu_warehouse" and applies(scenario, method)
        seen.add(scenario)
    assert SC.LETTER_BOX in seen and len(seen) >= 8
    assert seed_for("lx 00000001 0cn") == seed_for("LX000000010CN")
    # The number says the scenario; the order's method fills in when it says no method.
    assert plan(sandbox_number(SC.LOCKER), "dhl") == (SC.LOCKER, "dhl")
    assert plan(sandbox_number(SC.HANDOVER), "dhl") == (SC.LETTER_BOX, "dhl")
    assert plan(sandbox_number(SC.UNCLAIMED, method="ems"), "dhl") == (SC.UNCLAIMED, "ems")
