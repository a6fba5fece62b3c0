"""TRK-1/2/3/4: the USPS adapter on Garant's own ePacket fixture (the US leg)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from garant.carriers import CarrierError, TrackingNotFound, get_adapter
from garant.carriers.usps import classify
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "usps"
S, T = SubStatus, TrackingStatus
PDT, PST = timezone(timedelta(hours=-7)), timezone(timedelta(hours=-8))


def _parse(name: str) -> list[TrackingEvent]:
    return get_adapter("usps").parse((FIXTURES / name).read_bytes())


@pytest.fixture(scope="module")
def events() -> list[TrackingEvent]:
    return _parse("epacket_china_to_us.json")


def test_trk2_usps_epacket_leg_statuses(events):
    assert [(e.raw_text, e.status, e.sub_status) for e in events] == [
        ("Origin Post is Preparing Shipment", T.IN_TRANSIT, S.ACCEPTED),
        ("Processed Through Facility", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("Departed", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("Processed Through Facility", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("Inbound Into Customs", T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
        ("Inbound Out of Customs", T.IN_TRANSIT, S.CUSTOMS_RELEASED),
        ("Departed USPS Regional Facility", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("In Transit to Next Facility", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("Arrived at USPS Regional Facility", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("Arrived at Post Office", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("Out for Delivery", T.OUT_FOR_DELIVERY, S.NONE),
        ("Delivered, In/At Mailbox", T.DELIVERED, S.LETTER_BOX),
    ]


def test_trk3_usps_keeps_the_upu_number_of_the_epacket(events):
    assert {e.tracking_number for e in events} == {"LX523180940CN"}


def test_trk1_usps_instants_use_gmt_offset_across_the_us_dst_change(events):
    out_of_customs, delivered = events[5], events[-1]
    assert out_of_customs.occurred_at == datetime(2024, 11, 1, 13, 7, tzinfo=PDT)
    assert delivered.occurred_at == datetime(2024, 11, 6, 14, 22, tzinfo=PST)
    assert delivered.occurred_at.isoformat() == "2024-11-06T14:22:00-08:00"
    assert events[0].occurred_at.isoformat() == "2024-10-28T10:05:00+08:00"


def test_trk1_usps_offset_derived_from_gmt_timestamp_when_gmt_offset_is_missing(events):
    in_transit = events[7]
    assert in_transit.occurred_at.isoformat() == "2024-11-02T19:40:00-07:00"


def test_trk1_usps_zone_of_the_state_when_neither_offset_nor_gmt_is_given(events):
    seattle_hub = events[8]
    assert seattle_hub.occurred_at == datetime(2024, 11, 4, 23, 2, tzinfo=PST)


def test_trk1_usps_country_named_abroad_and_implied_at_home(events):
    assert events[1].location.country == "CN"
    assert (events[-1].location.country, events[-1].location.postcode) == ("US", "98105")
    assert events[7].location.country is None  # no place at all on that scan


def test_trk4_usps_not_found_error():
    with pytest.raises(TrackingNotFound) as caught:
        _parse("not_found.json")
    assert caught.value.code == "404"


def test_trk4_usps_other_error_is_a_carrier_error():
    with pytest.raises(CarrierError):
        _parse("service_unavailable.json")


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        ("02", "Notice Left (No Authorized Recipient Available)",
         (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT)),
        ("04", "Refused", (T.DELIVERY_FAILED, S.REFUSED)),
        ("21", "No Such Number", (T.DELIVERY_FAILED, S.ADDRESS_PROBLEM)),
        ("09", "Return to Sender", (T.RETURNING, S.NONE)),
        ("01", "Delivered, To Original Sender", (T.RETURNED, S.RETURNED_OTHER)),
        ("01", "Delivered, Individual Picked Up at Post Office", (T.DELIVERED, S.COLLECTED)),
        ("01", "Delivered, Left with Individual", (T.DELIVERED, S.DELIVERED_OTHER)),
        ("XQ", "Available for Pickup", (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT)),
        ("XQ", "Held in Customs", (T.EXCEPTION, S.HELD_BY_CUSTOMS)),
        ("XQ", "In Transit, Arriving Late", (T.EXCEPTION, S.DELAYED)),
        ("MA", "Pre-Shipment Info Sent to USPS, USPS Awaiting Item", (T.INFO_RECEIVED, S.NONE)),
    ],
)  # fmt: skip
def test_trk2_usps_code_and_words_mapping(code, text, expected):
    assert classify(code, text) == expected
