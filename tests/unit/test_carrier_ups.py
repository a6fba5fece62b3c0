"""TRK-1/2/4: the UPS Track API adapter on Garant's own fixtures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from garant.carriers import TrackingNotFound, get_adapter
from garant.carriers.ups import classify
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "ups"
S, T = SubStatus, TrackingStatus
PDT = timezone(timedelta(hours=-7))


def _parse(name: str) -> list[TrackingEvent]:
    return get_adapter("ups").parse((FIXTURES / name).read_bytes())


@pytest.fixture(scope="module")
def events() -> list[TrackingEvent]:
    return _parse("delivered_china_to_us.json")


def test_trk2_ups_delivered_journey_statuses(events):
    assert [(e.raw_code, e.status, e.sub_status) for e in events] == [
        ("MP", T.INFO_RECEIVED, S.NONE),
        ("PU", T.IN_TRANSIT, S.ACCEPTED),
        ("DP", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("EP", T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY),
        ("IP", T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
        ("SR", T.IN_TRANSIT, S.CUSTOMS_RELEASED),
        ("AR", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("OT", T.OUT_FOR_DELIVERY, S.NONE),
        ("NA", T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
        ("OT", T.OUT_FOR_DELIVERY, S.NONE),
        ("KB", T.DELIVERED, S.DELIVERED_OTHER),
    ]
    assert {e.tracking_number for e in events} == {"1Z4A7E690398527119"}


def test_trk2_ups_exception_type_released_by_customs_is_not_an_exception(events):
    release = events[5]
    assert release.raw_text == "Your package was released by the customs agency."
    assert (release.status, release.sub_status) == (T.IN_TRANSIT, S.CUSTOMS_RELEASED)
    assert release.occurred_at.isoformat() == "2024-09-05T10:16:50-04:00"


def test_trk1_ups_gmt_offset_is_used_when_given(events):
    label, pickup = events[0], events[1]
    # gmtTime "14700" has lost its leading zero: 01:47:00 UTC, 09:47 in Shenzhen.
    assert label.occurred_at.isoformat() == "2024-09-02T09:47:00+08:00"
    assert pickup.occurred_at == datetime(
        2024, 9, 3, 20, 15, 30, tzinfo=timezone(timedelta(hours=8))
    )


def test_trk1_ups_local_time_without_offset_takes_the_state_zone(events):
    delivered = events[-1]
    assert delivered.occurred_at == datetime(2024, 9, 9, 13, 41, 7, tzinfo=PDT)
    assert delivered.occurred_at.utcoffset() == timedelta(hours=-7)
    assert (delivered.location.city, delivered.location.postcode) == ("IRVINE", "92618")


def test_trk1_ups_local_time_without_a_resolvable_place_is_refused():
    payload = (
        '{"trackResponse": {"shipment": [{"inquiryNumber": "1Z4A7E690398527119", "package": [{'
        '"activity": [{"date": "20240909", "time": "134107", "location": {"address": '
        '{"countryCode": "US"}}, "status": {"type": "D", "code": "KB", "description": "DELIVERED"}'
        "}]}]}]}}"
    )
    with pytest.raises(TrackingParseError, match="no time zone"):
        get_adapter("ups").parse(payload)


def test_trk4_ups_invalid_inquiry_number_points_at_a_typing_error():
    with pytest.raises(TrackingNotFound) as caught:
        _parse("invalid_number.json")
    assert caught.value.invalid_number is True
    assert caught.value.code == "TV1002"


def test_trk4_ups_tracking_information_not_found_warning():
    with pytest.raises(TrackingNotFound) as caught:
        _parse("not_found.json")
    assert caught.value.invalid_number is False
    assert caught.value.tracking_number == "1Z4A7E690398520000"


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("D", "Delivered to UPS Access Point™ — awaiting customer pickup",
         (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT)),
        ("D", "Picked up by the customer at the UPS Access Point", (T.DELIVERED, S.COLLECTED)),
        ("X", "The receiver refused the delivery.", (T.DELIVERY_FAILED, S.REFUSED)),
        ("X", "The address is incorrect. We're attempting to update it.",
         (T.DELIVERY_FAILED, S.ADDRESS_PROBLEM)),
        ("X", "Your package is held in customs. Clearance information is required.",
         (T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED)),
        ("X", "The package will be returned to the sender.", (T.RETURNING, S.NONE)),
        ("X", "Severe weather conditions have delayed delivery.", (T.EXCEPTION, S.DELAYED)),
        ("RS", "Returned to shipper", (T.RETURNING, S.NONE)),
        ("MV", "Shipment voided", (T.EXCEPTION, S.EXCEPTION_OTHER)),
        ("W", "Warehouse scan", (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
    ],
)  # fmt: skip
def test_trk2_ups_type_and_description_mapping(kind, text, expected):
    assert classify(kind, text) == expected
