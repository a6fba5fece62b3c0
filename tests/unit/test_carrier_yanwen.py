"""TRK-1/2/3/4/5: the Yanwen tracking adapter on Garant's own fixtures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from garant.carriers import CarrierError, TrackingNotFound, get_adapter
from garant.carriers._postal import parse_handover_leg
from garant.carriers.yanwen import classify
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "yanwen"
BEIJING = timezone(timedelta(hours=8))
PARIS_SUMMER = timezone(timedelta(hours=2))
S, T = SubStatus, TrackingStatus


def _events(name: str) -> list[TrackingEvent]:
    return get_adapter("yanwen").parse((FIXTURES / name).read_bytes())


def _one(events: list[TrackingEvent], code: str) -> TrackingEvent:
    (event,) = [e for e in events if e.raw_code == code]
    return event


@pytest.fixture(scope="module")
def journey() -> list[TrackingEvent]:
    return _events("china_to_france_delivered.json")


def test_trk2_yanwen_full_journey_mapping(journey):
    assert [(e.raw_code, e.status, e.sub_status) for e in journey] == [
        ("OR10", T.INFO_RECEIVED, S.NONE),
        ("PU10", T.IN_TRANSIT, S.ACCEPTED),
        ("SC10", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("SC20", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("EC10", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("LH10", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("LH20", T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY),
        ("LH30", T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
        ("IC50", T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
        ("IC60", T.IN_TRANSIT, S.CUSTOMS_RELEASED),
        ("LM10", T.IN_TRANSIT, S.HANDED_TO_LAST_MILE),
        ("LM20", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("LM25", T.OUT_FOR_DELIVERY, S.NONE),
        ("LM40", T.DELIVERED, S.LETTER_BOX),
    ]
    assert {(e.carrier, e.tracking_number) for e in journey} == {("yanwen", "UG123456785YP")}


def test_trk1_yanwen_offsets_are_the_ones_yanwen_gives(journey):
    accepted = _one(journey, "PU10")
    assert accepted.occurred_at == datetime(2024, 6, 4, 9, 47, tzinfo=BEIJING)
    assert (accepted.location.country, accepted.location.city) == ("CN", "Guangzhou")
    arrived = _one(journey, "LH30")
    assert arrived.occurred_at.isoformat() == "2024-06-06T07:55:00+02:00"
    assert (arrived.location.country, arrived.location.city) == ("FR", "Paris")
    assert _one(journey, "LM40").occurred_at == datetime(2024, 6, 10, 12, 31, tzinfo=PARIS_SUMMER)


def test_trk3_yanwen_handover_to_la_poste_keeps_local_number(journey):
    handover = _one(journey, "LM10")
    assert handover.leg == "last_mile:laposte:6A24511122233"
    assert parse_handover_leg(handover.leg) == ("laposte", "6A24511122233")
    assert "6A24511122233" in handover.raw_text


def test_trk3_yanwen_handover_without_number_in_words_uses_exchange_number():
    handover = _one(_events("returned_unclaimed.json"), "LM10")
    assert handover.raw_text == "Handed over to last mile carrier"
    assert parse_handover_leg(handover.leg) == ("laposte", "6A24533344455")  # "Colissimo"


def test_trk2_yanwen_relayed_local_scans_are_the_last_mile_leg(journey):
    assert [e.leg for e in journey if e.raw_code in ("LM20", "LM25", "LM40")] == ["last_mile"] * 3
    assert _one(journey, "PU10").leg == "origin" and _one(journey, "IC50").leg == "international"


def test_trk2_yanwen_customs_hold_maps_to_held_by_customs():
    hold = _events("customs_hold.json")[-1]
    assert (hold.raw_code, hold.status, hold.sub_status) == ("IC51", T.EXCEPTION, S.HELD_BY_CUSTOMS)
    assert hold.occurred_at.isoformat() == "2024-06-08T11:40:00+02:00"


def test_trk10_yanwen_failed_attempt_then_post_office():
    events = _events("returned_unclaimed.json")
    failed = _one(events, "LM50")
    pickup = _one(events, "LM30")
    assert (failed.status, failed.sub_status) == (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT)
    assert (pickup.status, pickup.sub_status) == (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT)
    assert pickup.location.city == "Marseille"


def test_trk5_yanwen_returned_unclaimed_shows_the_reason():
    events = _events("returned_unclaimed.json")
    assert [(e.raw_code, e.status, e.sub_status) for e in events[-2:]] == [
        ("LM90", T.RETURNING, S.NONE),
        ("LM90", T.RETURNED, S.UNCLAIMED),
    ]
    assert events[-1].occurred_at == datetime(2024, 6, 28, 16, 45, tzinfo=PARIS_SUMMER)


def test_trk2_yanwen_lost_parcel_maps_to_exception_lost():
    lost = _events("lost.json")[-1]
    assert (lost.status, lost.sub_status) == (T.EXCEPTION, S.LOST)


def test_trk4_yanwen_unknown_number_raises_not_found():
    with pytest.raises(TrackingNotFound) as caught:
        _events("not_found.json")
    assert caught.value.tracking_number == "UG000000000YP"


def test_trk4_yanwen_refused_credentials_are_a_carrier_error():
    with pytest.raises(CarrierError) as caught:
        _events("unauthorized.json")
    assert caught.value.code == "401"


def test_trk4_yanwen_error_naming_the_number_format_is_a_typing_error():
    payload = '{"code": 1002, "message": "Invalid tracking number format", "result": []}'
    with pytest.raises(TrackingNotFound) as caught:
        get_adapter("yanwen").parse(payload)
    assert caught.value.invalid_number is True


def test_trk2_yanwen_known_number_without_checkpoint_gives_no_event():
    payload = '{"code": 0, "result": [{"tracking_number": "UG1", "tracking_status": "OR10"}]}'
    assert get_adapter("yanwen").parse(payload) == []


def test_trk1_yanwen_checkpoint_without_zone_is_placed_in_its_country_or_refused():
    template = """{"code": 0, "result": [{"tracking_number": "UG2", "checkpoints": [
        {"time_stamp": "2024-01-15T10:00:00", "tracking_status": "LM40", "message": "Delivered",
         "location": "%s"}]}]}"""
    (event,) = get_adapter("yanwen").parse(template % "Lyon,FR")
    assert event.occurred_at.isoformat() == "2024-01-15T10:00:00+01:00"
    with pytest.raises(TrackingParseError):
        get_adapter("yanwen").parse(template % "Somewhere")


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        ("PU30", "Parcel damaged at warehouse", (T.EXCEPTION, S.DAMAGED)),
        ("EC30", "Export customs exception", (T.EXCEPTION, S.HELD_BY_CUSTOMS)),
        (
            "IC50",
            "Customs: VAT and duties payment required",
            (T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED),
        ),
        ("LM50", "Delivery refused by the recipient", (T.DELIVERY_FAILED, S.REFUSED)),
        ("LM30", "Available in parcel locker", (T.AVAILABLE_FOR_PICKUP, S.LOCKER)),
        ("LM40", "Delivered to a neighbour", (T.DELIVERED, S.NEIGHBOUR)),
        ("LM40", "Picked up by the recipient at the pickup point", (T.DELIVERED, S.COLLECTED)),
        ("LM60", "Something the local carrier said", (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
        ("SC30", "Out for delivery", (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
    ],
)
def test_trk2_yanwen_codes_refined_by_messages(code, message, expected):
    assert classify(code, message) == expected
