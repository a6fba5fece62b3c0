"""TRK-1/2/4/5/10: the DHL Paket (Germany) adapter on Garant's own fixtures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from garant.carriers import TrackingNotFound, get_adapter
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "dhl_parcel_de"
S, T = SubStatus, TrackingStatus
CET, CEST = timezone(timedelta(hours=1)), timezone(timedelta(hours=2))


def _parse(name: str) -> list[TrackingEvent]:
    return get_adapter("dhl_parcel_de").parse((FIXTURES / name).read_bytes())


@pytest.fixture(scope="module")
def events() -> list[TrackingEvent]:
    return _parse("packstation_from_china.xml")


def test_trk2_dhl_parcel_de_journey_from_china_to_a_packstation(events):
    assert [(e.raw_code, e.status, e.sub_status) for e in events] == [
        ("VA", T.INFO_RECEIVED, S.NONE),
        ("AA", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("EE", T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
        ("ZO", T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
        ("ZF", T.IN_TRANSIT, S.CUSTOMS_RELEASED),
        ("EE", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("PO", T.OUT_FOR_DELIVERY, S.NONE),
        ("NZ", T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
        ("AP", T.AVAILABLE_FOR_PICKUP, S.LOCKER),
        ("ZU", T.DELIVERED, S.COLLECTED),
    ]
    assert {e.tracking_number for e in events} == {"CH482917305DE"}


def test_trk1_dhl_parcel_de_wall_clock_times_get_the_zone_of_their_country(events):
    assert events[0].occurred_at.isoformat() == "2024-10-21T09:17:00+08:00"
    assert events[4].occurred_at == datetime(2024, 10, 26, 10, 3, tzinfo=CEST)
    # After the end of summer time on 27 October 2024, Köln is back to +01:00.
    assert events[-1].occurred_at == datetime(2024, 10, 30, 19, 26, tzinfo=CET)


def test_trk1_dhl_parcel_de_event_without_place_uses_the_destination_country(events):
    on_round = events[6]
    assert on_round.location.country is None
    assert on_round.occurred_at.isoformat() == "2024-10-28T08:12:00+01:00"


def test_trk5_dhl_parcel_de_refused_parcel_goes_back_to_the_sender():
    events = _parse("refused_returned.xml")
    assert [(e.status, e.sub_status) for e in events] == [
        (T.IN_TRANSIT, S.ACCEPTED),
        (T.RETURNING, S.NONE),
        (T.RETURNED, S.RETURNED_OTHER),
    ]
    assert events[1].raw_text.startswith("The recipient has refused")


def test_trk4_dhl_parcel_de_no_data_is_not_found():
    with pytest.raises(TrackingNotFound) as caught:
        _parse("no_data.xml")
    assert caught.value.code == "100"
