"""TRK-1/2/3/4/5: the 4PX tracking adapter (slug "4px") on Garant's own fixtures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from garant.carriers import CarrierError, TrackingNotFound, get_adapter
from garant.carriers._postal import parse_handover_leg
from garant.carriers.fourpx import classify
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "4px"
BEIJING = timezone(timedelta(hours=8))
PARIS_WINTER = timezone(timedelta(hours=1))
S, T = SubStatus, TrackingStatus


def _events(name: str) -> list[TrackingEvent]:
    return get_adapter("4px").parse((FIXTURES / name).read_bytes())


def _one(events: list[TrackingEvent], code: str) -> TrackingEvent:
    (event,) = [e for e in events if e.raw_code == code]
    return event


@pytest.fixture(scope="module")
def journey() -> list[TrackingEvent]:
    return _events("china_to_france_delivered.json")


def test_trk2_4px_is_registered_under_its_slug():
    assert get_adapter("4px").name == "4PX"


def test_trk2_4px_full_journey_mapping(journey):
    assert [(e.raw_code, e.status, e.sub_status) for e in journey] == [
        ("FPX_L_RPIF", T.INFO_RECEIVED, S.NONE),
        ("FPX_C_SPLS", T.IN_TRANSIT, S.ACCEPTED),
        ("FPX_C_AAF", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("FPX_C_ADFF", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("FPX_Q_ECC", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("FPX_M_HA", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("FPX_M_DFA", T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY),
        ("FPX_M_AAA", T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
        ("FPX_M_CRSD", T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
        ("FPX_I_RCUK", T.IN_TRANSIT, S.CUSTOMS_RELEASED),
        ("FPX_D_HOLM", T.IN_TRANSIT, S.HANDED_TO_LAST_MILE),
        ("FPX_D_AAD", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("FPX_D_SD", T.OUT_FOR_DELIVERY, S.NONE),
        ("FPX_S_OK", T.DELIVERED, S.SIGNED),
    ]
    assert {(e.carrier, e.tracking_number) for e in journey} == {("4px", "4PX3001234567890CN")}
    assert [e.leg for e in journey[:2]] == ["origin", "origin"]
    assert journey[-1].leg == "last_mile"


def test_trk1_4px_offsets_as_given_including_a_named_zone(journey):
    picked_up = _one(journey, "FPX_C_SPLS")
    assert picked_up.occurred_at == datetime(2025, 1, 6, 11, 2, tzinfo=BEIJING)
    assert (picked_up.location.country, picked_up.location.city) == ("CN", "Shenzhen")
    # "UTCEurope/Paris": the zone's rule in January is +01:00.
    depot = _one(journey, "FPX_D_AAD")
    assert depot.occurred_at.isoformat() == "2025-01-13T06:40:00+01:00"
    assert _one(journey, "FPX_S_OK").occurred_at == datetime(
        2025, 1, 13, 13, 20, tzinfo=PARIS_WINTER
    )


def test_trk2_4px_flight_departure_and_arrival_read_from_where_they_are_scanned(journey):
    assert _one(journey, "FPX_M_DFA").location.country == "CN"
    assert _one(journey, "FPX_M_AAA").location.country == "FR"
    payload = (FIXTURES / "china_to_france_delivered.json").read_text()
    swapped = payload.replace('"ctStartCode": "CN"', '"ctStartCode": "HK"')
    departure = _one(get_adapter("4px").parse(swapped), "FPX_M_DFA")
    assert departure.sub_status is S.IN_TRANSIT_OTHER  # scanned outside the origin country


def test_trk3_4px_handover_to_la_poste_keeps_local_number(journey):
    handover = _one(journey, "FPX_D_HOLM")
    assert handover.leg == "last_mile:laposte:6A25500011122"
    assert "6A25500011122" in handover.raw_text


def test_trk3_4px_handover_number_falls_back_to_channel_track_code():
    handover = _one(_events("returned_unclaimed.json"), "FPX_D_HOLM")
    assert parse_handover_leg(handover.leg) == ("laposte", "6A25511122233")


def test_trk2_4px_customs_hold_maps_to_held_by_customs():
    events = _events("customs_hold.json")
    first, hold = [e for e in events if e.raw_code == "FPX_M_CRSD"]
    assert first.sub_status is S.CUSTOMS_PROCESSING
    assert (hold.status, hold.sub_status) == (T.EXCEPTION, S.HELD_BY_CUSTOMS)
    assert hold.occurred_at.isoformat() == "2025-01-10T11:45:00+01:00"


def test_trk5_4px_returned_unclaimed_shows_the_reason():
    events = _events("returned_unclaimed.json")
    failed, pickup = _one(events, "FPX_D_FDCA"), _one(events, "FPX_D_STPP")
    assert (failed.status, failed.sub_status) == (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT)
    assert (pickup.status, pickup.sub_status) == (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT)
    returning, returned = _one(events, "FPX_R_RTS"), _one(events, "FPX_R_RTSD")
    assert returning.status is T.RETURNING
    assert (returned.status, returned.sub_status) == (T.RETURNED, S.UNCLAIMED)
    assert returned.occurred_at == datetime(2025, 2, 21, 10, 5, tzinfo=BEIJING)


def test_trk2_4px_lost_parcel_maps_to_exception_lost():
    lost = _events("lost.json")[-1]
    assert (lost.raw_code, lost.status, lost.sub_status) == ("FPX_D_SHPD", T.EXCEPTION, S.LOST)


def test_trk4_4px_no_information_status_raises_not_found():
    with pytest.raises(TrackingNotFound) as caught:
        _events("not_found.json")
    assert caught.value.tracking_number == "4PX0000000000000000CN"


def test_trk4_4px_system_busy_is_a_carrier_error():
    with pytest.raises(CarrierError):
        _events("system_busy.json")


def test_trk1_4px_date_without_local_string_uses_the_iso_date():
    payload = """{"result": 1, "data": [{"queryCode": "4PX1", "tracks": [{"tkCode": "FPX_S_OK",
        "tkDesc": "Delivered", "tkDate": "2025-01-13T13:20:00+01:00"}]}]}"""
    (event,) = get_adapter("4px").parse(payload)
    assert event.occurred_at.isoformat() == "2025-01-13T13:20:00+01:00"


@pytest.mark.parametrize(
    ("code", "desc", "expected"),
    [
        ("FPX_M_TDFM", "Flight delayed", (T.EXCEPTION, S.DELAYED)),
        ("FPX_Q_ECI", "Export customs inspection", (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
        ("FPX_Q_UEPC", "Held by export customs", (T.EXCEPTION, S.HELD_BY_CUSTOMS)),
        (
            "FPX_I_X",
            "Import customs: duties payment required",
            (T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED),
        ),
        (
            "FPX_D_DDIA",
            "Delivery failed: incorrect address",
            (T.DELIVERY_FAILED, S.ADDRESS_PROBLEM),
        ),
        ("FPX_D_DDRR", "Recipient refused the parcel", (T.DELIVERY_FAILED, S.REFUSED)),
        ("FPX_S_OKPO", "Delivered: collected at the post office", (T.DELIVERED, S.COLLECTED)),
        (
            "FPX_D_XYZ",
            "Parcel delivered to a parcel locker, available for pickup",
            (T.AVAILABLE_FOR_PICKUP, S.LOCKER),
        ),
        ("FPX_R_RTS", "Return to sender: incorrect address", (T.RETURNING, S.NONE)),
        ("", "", (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
    ],
)
def test_trk2_4px_codes_and_descriptions(code, desc, expected):
    assert classify(code, desc) == expected
