"""TRK-1/2/4/10: the DHL unified Shipment Tracking adapter on Garant's own fixtures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from garant.carriers import CarrierError, TrackingNotFound, get_adapter
from garant.carriers.dhl_universal import classify
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "dhl_universal"
S, T = SubStatus, TrackingStatus
CET = timezone(timedelta(hours=1))


def _parse(name: str) -> list[TrackingEvent]:
    return get_adapter("dhl_universal").parse((FIXTURES / name).read_bytes())


@pytest.fixture(scope="module")
def events() -> list[TrackingEvent]:
    return _parse("packstation_pickup.json")


def test_trk2_dhl_universal_status_code_family_refined_by_words(events):
    assert [(e.raw_code, e.status, e.sub_status) for e in events] == [
        ("pre-transit", T.INFO_RECEIVED, S.NONE),
        ("transit", T.IN_TRANSIT, S.ACCEPTED),
        ("transit", T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
        ("transit", T.IN_TRANSIT, S.CUSTOMS_RELEASED),
        ("transit", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("transit", T.OUT_FOR_DELIVERY, S.NONE),
        ("failure", T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
        ("transit", T.AVAILABLE_FOR_PICKUP, S.LOCKER),
        ("delivered", T.DELIVERED, S.COLLECTED),
    ]
    assert {e.tracking_number for e in events} == {"00340434612345678907"}


def test_trk10_dhl_universal_failed_attempt_then_packstation_then_collected(events):
    failed, locker, collected = events[6:9]
    assert failed.raw_text.startswith("The recipient was not at home")
    assert locker.occurred_at == datetime(2024, 3, 26, 14, 37, tzinfo=CET)
    assert collected.occurred_at.isoformat() == "2024-03-28T18:04:00+01:00"
    assert collected.location.postcode == "50667"


def test_trk1_dhl_universal_offsets_kept_and_bare_times_placed_in_their_zone(events):
    posted = events[1]
    assert posted.occurred_at.isoformat() == "2024-03-18T13:10:00+08:00"
    # "HUERTH - GERMANY" without offset: Berlin time on 25 March 2024 is +01:00.
    parcel_center = events[4]
    assert parcel_center.occurred_at == datetime(2024, 3, 25, 21, 40, tzinfo=CET)
    assert (parcel_center.location.country, parcel_center.location.city) == ("DE", "HUERTH")


def test_trk1_dhl_universal_pre_transit_without_place_uses_the_origin_zone(events):
    announced = events[0]
    assert announced.occurred_at.isoformat() == "2024-03-17T22:58:00+08:00"
    assert announced.location.country is None


def test_trk1_dhl_universal_bare_time_without_any_place_is_refused():
    payload = (
        '{"shipments": [{"id": "1", "events": [{"timestamp": "2024-03-25T21:40:00",'
        ' "statusCode": "transit", "description": "Processed"}]}]}'
    )
    with pytest.raises(TrackingParseError, match="without an offset"):
        get_adapter("dhl_universal").parse(payload)


def test_trk4_dhl_universal_problem_404_is_not_found():
    with pytest.raises(TrackingNotFound) as caught:
        _parse("not_found.json")
    assert caught.value.tracking_number == "00340434600000000000"


def test_trk4_dhl_universal_problem_401_is_a_carrier_error():
    with pytest.raises(CarrierError) as caught:
        _parse("unauthorized.json")
    assert caught.value.code == "401"


@pytest.mark.parametrize(
    ("status_code", "text", "expected"),
    [
        ("pre-transit", "Delivered to customs broker", (T.INFO_RECEIVED, S.NONE)),
        ("delivered", "Delivered - Signed by ANNE LARSEN", (T.DELIVERED, S.SIGNED)),
        ("delivered", "The shipment has been delivered to the neighbour",
         (T.DELIVERED, S.NEIGHBOUR)),
        ("delivered", "Delivered back to the sender", (T.RETURNED, S.RETURNED_OTHER)),
        ("transit", "Shipment is out with courier for delivery", (T.OUT_FOR_DELIVERY, S.NONE)),
        ("transit", "Shipment is on hold pending customs inspection",
         (T.IN_TRANSIT, S.CUSTOMS_PROCESSING)),
        ("failure", "The recipient refused the shipment", (T.DELIVERY_FAILED, S.REFUSED)),
        ("failure", "The shipment is being returned to the sender", (T.RETURNING, S.NONE)),
        ("failure", "Shipment damaged", (T.EXCEPTION, S.DAMAGED)),
        ("unknown", "Status not available", (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
    ],
)  # fmt: skip
def test_trk2_dhl_universal_words_refine_only_within_the_family(status_code, text, expected):
    assert classify(status_code, text) == expected
