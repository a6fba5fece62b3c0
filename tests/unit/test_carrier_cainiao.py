"""TRK-1/2/3/4/5: the Cainiao global tracking adapter on Garant's own fixtures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from garant.carriers import CarrierError, TrackingNotFound, get_adapter
from garant.carriers._postal import parse_handover_leg
from garant.carriers.cainiao import classify
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "cainiao"
BEIJING = timezone(timedelta(hours=8))
PARIS_WINTER = timezone(timedelta(hours=1))
PARIS_SUMMER = timezone(timedelta(hours=2))
S, T = SubStatus, TrackingStatus


def _events(name: str) -> list[TrackingEvent]:
    return get_adapter("cainiao").parse((FIXTURES / name).read_bytes())


def _one(events: list[TrackingEvent], code: str) -> TrackingEvent:
    (event,) = [e for e in events if e.raw_code == code]
    return event


@pytest.fixture(scope="module")
def journey() -> list[TrackingEvent]:
    return _events("china_to_france_delivered.json")


def test_trk2_cainiao_is_registered_under_its_slug():
    adapter = get_adapter("cainiao")
    assert adapter.slug == "cainiao" and adapter.name == "Cainiao"


def test_trk2_cainiao_full_journey_oldest_first_with_every_mapping(journey):
    assert [(e.raw_code, e.status, e.sub_status) for e in journey] == [
        ("PRE_READY_TO_SHIP", T.INFO_RECEIVED, S.NONE),
        ("GWMS_ACCEPT", T.IN_TRANSIT, S.ACCEPTED),
        ("SC_INBOUND_SUCCESS", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("SC_OUTBOUND_SUCCESS", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("LH_HO_IN_SUCCESS", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("CC_EX_START", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("CC_EX_SUCCESS", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("LH_HO_AIRLINE", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("LH_DEPART", T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY),
        ("LH_ARRIVE", T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
        ("CC_HO_IN_SUCCESS", T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
        ("CC_IM_START", T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
        ("CC_IM_SUCCESS", T.IN_TRANSIT, S.CUSTOMS_RELEASED),
        ("CC_HO_OUT_SUCCESS", T.IN_TRANSIT, S.CUSTOMS_RELEASED),
        ("GTMS_ACCEPT", T.IN_TRANSIT, S.HANDED_TO_LAST_MILE),
        ("GTMS_SC_ARRIVE", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("GTMS_DO_DEPART", T.OUT_FOR_DELIVERY, S.NONE),
        ("GTMS_SIGNED", T.DELIVERED, S.LETTER_BOX),
    ]
    assert journey == sorted(journey, key=lambda e: e.occurred_at)
    assert {(e.carrier, e.tracking_number) for e in journey} == {("cainiao", "LP00612345678901")}


def test_trk1_cainiao_instants_keep_the_offset_cainiao_gives(journey):
    accepted = _one(journey, "GWMS_ACCEPT")
    assert accepted.occurred_at == datetime(2024, 3, 24, 10, 12, 8, tzinfo=BEIJING)
    assert accepted.occurred_at.isoformat() == "2024-03-24T10:12:08+08:00"
    assert accepted.location.city == "Guangzhou" and accepted.location.country == "CN"
    arrived = _one(journey, "LH_ARRIVE")
    assert arrived.occurred_at.isoformat() == "2024-03-28T05:20:00+01:00"
    assert arrived.location.country == "FR"
    # The DST change of 31 March 2024 happens between the handover and the delivery round.
    delivered = _one(journey, "GTMS_SIGNED")
    assert delivered.occurred_at == datetime(2024, 4, 2, 11, 48, tzinfo=PARIS_SUMMER)
    assert delivered.occurred_at.utcoffset() == timedelta(hours=2)


def test_trk2_cainiao_export_customs_is_not_the_buyers_clearance(journey):
    for code in ("CC_EX_START", "CC_EX_SUCCESS"):
        event = _one(journey, code)
        assert (event.status, event.sub_status, event.leg) == (
            T.IN_TRANSIT, S.IN_TRANSIT_OTHER, "origin",
        )  # fmt: skip


def test_trk2_cainiao_import_customs_processing_then_released(journey):
    start, done = _one(journey, "CC_IM_START"), _one(journey, "CC_IM_SUCCESS")
    assert start.sub_status is S.CUSTOMS_PROCESSING and done.sub_status is S.CUSTOMS_RELEASED
    assert start.occurred_at == datetime(2024, 3, 28, 7, 30, tzinfo=PARIS_WINTER)
    assert done.leg == "international"


def test_trk3_cainiao_handover_to_la_poste_keeps_local_number(journey):
    handover = _one(journey, "GTMS_ACCEPT")
    assert (handover.status, handover.sub_status) == (T.IN_TRANSIT, S.HANDED_TO_LAST_MILE)
    assert handover.leg == "last_mile:laposte:6A24512345678"
    assert parse_handover_leg(handover.leg) == ("laposte", "6A24512345678")
    assert "6A24512345678" in handover.raw_text
    assert handover.tracking_number == "LP00612345678901"  # the timeline stays on one number
    assert handover.occurred_at.isoformat() == "2024-03-29T16:05:00+01:00"


def test_trk3_cainiao_handover_number_falls_back_to_real_mail_no():
    events = _events("returned_unclaimed.json")
    handover = _one(events, "GTMS_ACCEPT")
    assert "Colis" not in handover.raw_text  # the words name neither carrier nor number
    assert parse_handover_leg(handover.leg) == ("colis_prive", "11122233344455")


def test_trk2_cainiao_customs_hold_maps_to_held_by_customs():
    events = _events("customs_hold.json")
    hold = events[-1]
    assert (hold.raw_code, hold.status, hold.sub_status) == (
        "CC_IM_FAILURE", T.EXCEPTION, S.HELD_BY_CUSTOMS,
    )  # fmt: skip
    assert hold.occurred_at.isoformat() == "2024-11-21T11:02:00+01:00"
    assert hold.location.country == "FR"


def test_trk2_cainiao_customs_asking_for_documents_is_information_required():
    request = _one(_events("customs_hold.json"), "AE_GROUP_CLEARING_CUSTOMS")
    assert (request.status, request.sub_status) == (T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED)
    assert request.leg == "international" and request.location.country == "FR"


def test_trk10_cainiao_failed_attempt_then_pickup_point():
    events = _events("returned_unclaimed.json")
    failed, pickup = _one(events, "GTMS_DEL_FAILURE"), _one(events, "GSTA_INFORM_BUYER")
    assert (failed.status, failed.sub_status) == (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT)
    assert (pickup.status, pickup.sub_status) == (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT)
    assert failed.occurred_at == datetime(2024, 6, 10, 13, 37, tzinfo=PARIS_SUMMER)


def test_trk5_cainiao_returned_unclaimed_shows_the_reason():
    events = _events("returned_unclaimed.json")
    assert [(e.status, e.sub_status) for e in events[-2:]] == [
        (T.RETURNING, S.NONE),
        (T.RETURNED, S.UNCLAIMED),
    ]
    back_home = events[-1]
    assert back_home.occurred_at == datetime(2024, 7, 19, 15, 6, tzinfo=BEIJING)
    assert back_home.location.country is None and back_home.location.city == "Shenzhen"
    assert back_home.leg is None


def test_trk2_cainiao_lost_parcel_maps_to_exception_lost():
    lost = _events("lost.json")[-1]
    assert (lost.raw_code, lost.status, lost.sub_status) == ("EXCEPTION", T.EXCEPTION, S.LOST)
    assert lost.occurred_at.isoformat() == "2024-02-20T10:00:00+08:00"


def test_trk4_cainiao_unknown_number_raises_not_found():
    with pytest.raises(TrackingNotFound) as caught:
        _events("not_found.json")
    assert caught.value.tracking_number == "LP00000000000000"
    assert caught.value.invalid_number is False


def test_trk4_cainiao_rate_limit_answer_is_a_carrier_error_not_a_not_found():
    with pytest.raises(CarrierError) as caught:
        _events("rate_limited.json")
    assert "FAIL_SYS_USER_VALIDATE" in caught.value.carrier_message


def test_trk2_cainiao_known_number_without_events_yet_gives_no_event():
    payload = '{"success": true, "module": [{"mailNo": "LP1", "status": "WAIT_ACCEPT"}]}'
    assert get_adapter("cainiao").parse(payload) == []


def test_trk4_cainiao_mixed_answer_keeps_the_found_parcel(journey):
    found = (FIXTURES / "china_to_france_delivered.json").read_text()
    unknown = '{"mailNo": "LP0", "mailNoSource": "EXTERNAL", "detailList": []}'
    mixed = found.replace('"module": [', '"module": [' + unknown + ",", 1)
    assert get_adapter("cainiao").parse(mixed) == journey


def test_trk1_cainiao_epoch_time_is_used_when_the_local_string_is_missing():
    payload = """{"success": true, "module": [{"mailNo": "LP2", "detailList": [
        {"time": 1711246328000, "timeZone": "GMT+8", "actionCode": "GWMS_ACCEPT",
         "desc": "[Shenzhen] accepted"}]}]}"""
    (event,) = get_adapter("cainiao").parse(payload)
    assert event.occurred_at.isoformat() == "2024-03-24T10:12:08+08:00"


def test_trk1_cainiao_local_time_without_zone_is_placed_in_the_legs_country():
    payload = """{"success": true, "module": [{"mailNo": "LP3", "destCountry": "FR",
        "detailList": [{"timeStr": "2024-07-01 09:00:00", "actionCode": "GTMS_DO_DEPART"}]}]}"""
    (event,) = get_adapter("cainiao").parse(payload)
    assert event.occurred_at.isoformat() == "2024-07-01T09:00:00+02:00"


def test_trk1_cainiao_local_time_with_no_zone_to_be_found_is_refused():
    payload = """{"success": true, "module": [{"mailNo": "LP4",
        "detailList": [{"timeStr": "2024-07-01 09:00:00", "actionCode": "LH_HO_AIRLINE"}]}]}"""
    with pytest.raises(TrackingParseError, match="without an offset"):
        get_adapter("cainiao").parse(payload)


@pytest.mark.parametrize(
    ("code", "words", "expected"),
    [
        ("GTMS_STA_SIGNED", "Arrived at pickup station locker", (T.AVAILABLE_FOR_PICKUP, S.LOCKER)),
        ("GTMS_DEL_FAILURE", "Recipient refused the parcel", (T.DELIVERY_FAILED, S.REFUSED)),
        ("GTMS_DEL_FAILURE", "Incorrect address", (T.DELIVERY_FAILED, S.ADDRESS_PROBLEM)),
        ("GTMS_SIGNED", "Delivered, signed by Dupont", (T.DELIVERED, S.SIGNED)),
        ("GTMS_SIGNED", "Delivered to a neighbour", (T.DELIVERED, S.NEIGHBOUR)),
        (
            "CC_IM_START",
            "Customs: duties payment required",
            (T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED),
        ),
        ("CC_EX_FAILURE", "Export customs exception", (T.EXCEPTION, S.HELD_BY_CUSTOMS)),
        ("EXCEPTION", "Parcel damaged", (T.EXCEPTION, S.DAMAGED)),
        ("GTMS_RETURN_SIGNED", "Returned: customs documents missing", (T.RETURNED, S.CUSTOMS)),
        ("GTMS_RETURN_SIGNED", "Returned: wrong address", (T.RETURNED, S.ADDRESS_INCORRECT)),
        ("NEW_CODE_2099", "Out for delivery", (T.OUT_FOR_DELIVERY, S.NONE)),
        ("NEW_CODE_2099", "Something new", (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
        ("LH_HO_AIRLINE", "Delivered to airline", (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
    ],
)
def test_trk2_cainiao_words_refine_what_the_code_says(code, words, expected):
    assert classify(code, words) == expected
