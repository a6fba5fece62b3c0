"""TRK-1/2/4/7: the FedEx Track API adapter on Garant's own fixtures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from garant.carriers import CarrierError, TrackingNotFound, get_adapter
from garant.carriers.fedex import read_proof_of_delivery
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "fedex"
S, T = SubStatus, TrackingStatus


def _payload(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _parse(name: str) -> list[TrackingEvent]:
    return get_adapter("fedex").parse(_payload(name))


@pytest.fixture(scope="module")
def events() -> list[TrackingEvent]:
    return _parse("delivered_with_pod.json")


def test_trk2_fedex_international_journey_statuses(events):
    assert [(e.raw_code, e.status, e.sub_status) for e in events] == [
        ("OC", T.INFO_RECEIVED, S.NONE),
        ("PU", T.IN_TRANSIT, S.ACCEPTED),
        ("DP", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("AR", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("DP", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("AR", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("CD", T.EXCEPTION, S.HELD_BY_CUSTOMS),
        ("CC", T.IN_TRANSIT, S.CUSTOMS_RELEASED),
        ("AR", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("OD", T.OUT_FOR_DELIVERY, S.NONE),
        ("DL", T.DELIVERED, S.SIGNED),
    ]


def test_trk7_fedex_delivery_with_proof_shows_where_and_when(events):
    delivered = events[-1]
    assert delivered.occurred_at == datetime(
        2024, 6, 14, 10, 58, tzinfo=timezone(timedelta(hours=2))
    )
    assert (delivered.location.country, delivered.location.city) == ("FR", "LYON")
    assert delivered.location.postcode == "69007"


def test_trk7_fedex_proof_of_delivery_document_is_read_not_parsed_as_tracking():
    with pytest.raises(TrackingParseError, match="proof-of-delivery"):
        _parse("proof_of_delivery_document.json")
    proof = read_proof_of_delivery(_payload("proof_of_delivery_document.json"))
    assert proof.document_type == "SIGNATURE_PROOF_OF_DELIVERY"
    assert proof.document_format == "PDF"
    assert proof.content.startswith(b"%PDF-1.4")


def test_trk1_fedex_each_scan_keeps_its_own_offset(events):
    assert [e.occurred_at.utcoffset() for e in events[1:6]] == [
        timedelta(hours=8), timedelta(hours=8), timedelta(hours=9), timedelta(hours=9),
        timedelta(hours=2),
    ]  # fmt: skip
    # 22:05 in Osaka (+09:00) is before 05:47 at Roissy (+02:00) the next morning.
    assert events[4].occurred_at < events[5].occurred_at


def test_trk2_fedex_exception_text_is_kept_in_raw_text(events):
    delay = events[6]
    assert delay.raw_text == "Clearance delay - Import: Hold due to customs documentation"


def test_trk4_fedex_found_number_wins_over_an_unknown_one_in_the_same_answer(events):
    assert {e.tracking_number for e in events} == {"794613508276"}


def test_trk2_fedex_reused_number_takes_the_most_recent_parcel_only():
    events = _parse("reused_number.json")
    assert [(e.raw_code, e.status, e.sub_status) for e in events] == [
        ("PU", T.IN_TRANSIT, S.ACCEPTED),
        ("DE", T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
        ("HP", T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    ]


def test_trk1_fedex_bare_midnight_pickup_is_placed_in_the_scan_location_zone():
    pickup = _parse("reused_number.json")[0]
    # Newark, NJ on 12 June 2024: Eastern Daylight Time.
    assert pickup.occurred_at.isoformat() == "2024-06-12T00:00:00-04:00"


def test_trk4_fedex_unknown_number_alone_is_not_found():
    only_unknown = (
        b'{"output": {"completeTrackResults": [{"trackingNumber": "612908154330", '
        b'"trackResults": [{"error": {"code": "TRACKING.TRACKINGNUMBER.NOTFOUND", '
        b'"message": "Tracking number cannot be found."}}]}]}}'
    )
    with pytest.raises(TrackingNotFound) as caught:
        get_adapter("fedex").parse(only_unknown)
    assert caught.value.tracking_number == "612908154330"


def test_trk4_fedex_top_level_error_is_a_carrier_error():
    with pytest.raises(CarrierError) as caught:
        _parse("error_response.json")
    assert caught.value.code == "NOT.AUTHORIZED.ERROR"
