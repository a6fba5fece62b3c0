"""TRK-1/2/4: the DHL Express XML-PI adapter on Garant's own fixtures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from garant.carriers import CarrierError, TrackingNotFound, get_adapter
from garant.carriers.dhl_express import classify
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "dhl_express"
S, T = SubStatus, TrackingStatus


def _parse(name: str) -> list[TrackingEvent]:
    return get_adapter("dhl_express").parse((FIXTURES / name).read_bytes())


@pytest.fixture(scope="module")
def events() -> list[TrackingEvent]:
    return _parse("in_transit_china_to_france.xml")


def _waybill(events: list[TrackingEvent], number: str) -> list[TrackingEvent]:
    return [e for e in events if e.tracking_number == number]


def test_trk2_dhl_express_in_transit_shipment_statuses(events):
    journey = _waybill(events, "5120948372")
    assert [(e.raw_code, e.status, e.sub_status) for e in journey] == [
        ("PU", T.IN_TRANSIT, S.ACCEPTED),
        ("PL", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("DF", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("AF", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("PL", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("DF", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("AF", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("PL", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("DF", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("AF", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("IC", T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
        ("CR", T.IN_TRANSIT, S.CUSTOMS_RELEASED),
        ("PL", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    ]
    assert journey[-1].raw_text == "Processed at PARIS - FRANCE"


def test_trk1_dhl_express_local_scan_times_get_the_offset_of_their_service_area(events):
    journey = _waybill(events, "5120948372")
    pickup, leipzig, release = journey[0], journey[6], journey[11]
    assert pickup.occurred_at == datetime(2024, 5, 6, 18, 20, tzinfo=timezone(timedelta(hours=8)))
    assert pickup.occurred_at.utcoffset() == timedelta(hours=8)
    assert leipzig.occurred_at.isoformat() == "2024-05-07T15:48:00+02:00"
    assert release.occurred_at.isoformat() == "2024-05-08T09:36:00+02:00"


def test_trk1_dhl_express_location_from_service_area_description(events):
    journey = _waybill(events, "5120948372")
    assert journey[0].location.country == "CN"
    assert journey[0].location.city == "SHENZHEN"
    assert journey[3].location.country == "HK"
    assert journey[-1].location.description == "PARIS - FRANCE"


def test_trk1_dhl_express_us_service_area_uses_its_state_zone(events):
    pickup, departure = _waybill(events, "7382019466")
    assert pickup.occurred_at.isoformat() == "2024-05-06T16:42:00-04:00"
    assert (pickup.location.country, pickup.location.city) == ("US", "CINCINNATI HUB")
    assert departure.occurred_at.utcoffset() == timedelta(hours=-4)


def test_trk2_dhl_express_events_of_all_waybills_are_ordered_by_instant(events):
    assert events == sorted(events, key=lambda e: e.occurred_at)
    # 16:42 in Cincinnati is 04:42 next day in Shenzhen: after the Hong Kong scans of 04:02.
    numbers = [e.tracking_number for e in events]
    assert numbers.index("7382019466") == 5


def test_trk4_dhl_express_unknown_waybill_alone_raises_not_found():
    with pytest.raises(TrackingNotFound) as caught:
        _parse("not_found.xml")
    assert caught.value.tracking_number == "1234567890"
    assert caught.value.code == "209"


def test_trk4_dhl_express_error_response_is_a_carrier_error():
    with pytest.raises(CarrierError) as caught:
        _parse("error_response.xml")
    assert "Login failed" in str(caught.value)


@pytest.mark.parametrize(
    ("code", "signatory", "expected"),
    [
        ("OK", "M. BERTRAND", (T.DELIVERED, S.SIGNED)),
        ("OK", None, (T.DELIVERED, S.DELIVERED_OTHER)),
        ("WC", None, (T.OUT_FOR_DELIVERY, S.NONE)),
        ("NH", None, (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT)),
        ("RD", None, (T.DELIVERY_FAILED, S.REFUSED)),
        ("BA", None, (T.DELIVERY_FAILED, S.ADDRESS_PROBLEM)),
        ("CC", None, (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT)),
        ("CD", None, (T.EXCEPTION, S.HELD_BY_CUSTOMS)),
        ("RT", None, (T.RETURNING, S.NONE)),
        ("TD", None, (T.EXCEPTION, S.DELAYED)),
        ("XX", None, (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
    ],
)
def test_trk2_dhl_express_event_code_table(code, signatory, expected):
    assert classify(code, signatory) == expected
