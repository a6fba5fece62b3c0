"""TRK-1/2/3/4/5: 17TRACK's inbound webhook (v2) — signature and events."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from garant.carriers import TrackingNotFound, get_adapter
from garant.carriers._postal import parse_handover_leg
from garant.carriers.track17 import SUB_STATUSES, classify, parse_webhook, verify_signature
from garant.domain.tracking import SUB_STATUSES as DOMAIN_PAIRS
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "17track"
API_KEY = "garant-17track-test-key"
SMALL_BODY = b'{"event":"TRACKING_STOPPED","data":{"number":"LX123123127CN"}}'
# sha256sum of SMALL_BODY + "/" + API_KEY, computed outside Python.
SMALL_SIGN = "3d5bb978f60e464c7230e40b0e99b8368ee51383efc0bea0405a37a757d81a3f"
BEIJING = timezone(timedelta(hours=8))
PARIS_SUMMER = timezone(timedelta(hours=2))
S, T = SubStatus, TrackingStatus


def _events(name: str) -> list[TrackingEvent]:
    return parse_webhook((FIXTURES / name).read_bytes())


@pytest.fixture(scope="module")
def journey() -> list[TrackingEvent]:
    return _events("tracking_updated_delivered.json")


# --- signature ------------------------------------------------------------------------------


def test_trk2_17track_signature_known_answer_is_valid():
    assert verify_signature({"sign": SMALL_SIGN}, SMALL_BODY, API_KEY)
    assert verify_signature({"Sign": SMALL_SIGN.upper()}, SMALL_BODY.decode(), API_KEY)


def test_trk2_17track_signature_of_a_fixture_body_is_valid():
    body = (FIXTURES / "tracking_updated_delivered.json").read_bytes()
    sign = hashlib.sha256(body + b"/" + API_KEY.encode()).hexdigest()
    assert verify_signature({"content-type": "application/json", "sign": sign}, body, API_KEY)
    adapter = get_adapter("17track")
    assert adapter.verify_signature({"sign": sign}, body, API_KEY)  # type: ignore[attr-defined]


def test_trk2_17track_tampered_body_is_refused():
    tampered = SMALL_BODY.replace(b"LX123123127CN", b"LX123123128CN")
    assert not verify_signature({"sign": SMALL_SIGN}, tampered, API_KEY)


def test_trk2_17track_wrong_key_is_refused():
    assert not verify_signature({"sign": SMALL_SIGN}, SMALL_BODY, "another-key")


@pytest.mark.parametrize(
    "headers",
    [{}, {"sign": ""}, {"sign": "zz" * 32}, {"sign": SMALL_SIGN[:-1]}, {"sign": "é" * 64},
     {"x-sign": SMALL_SIGN}],
)  # fmt: skip
def test_trk2_17track_missing_or_malformed_sign_is_refused(headers):
    assert not verify_signature(headers, SMALL_BODY, API_KEY)


def test_trk2_17track_empty_key_never_verifies():
    unkeyed = hashlib.sha256(SMALL_BODY + b"/").hexdigest()
    assert not verify_signature({"sign": unkeyed}, SMALL_BODY, "")


# --- events ---------------------------------------------------------------------------------


def test_trk2_17track_journey_across_two_providers(journey):
    assert [(e.carrier, e.raw_code, e.status, e.sub_status) for e in journey] == [
        ("china_post", "InTransit_PickedUp", T.IN_TRANSIT, S.ACCEPTED),
        ("china_post", "InTransit_Departure", T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY),
        ("laposte", "InTransit_Arrival", T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
        ("china_post", "InTransit_CustomsProcessing", T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
        ("china_post", "InTransit_CustomsReleased", T.IN_TRANSIT, S.CUSTOMS_RELEASED),
        ("laposte", "InTransit_Other", T.IN_TRANSIT, S.HANDED_TO_LAST_MILE),
        ("laposte", "InTransit_Other", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("laposte", "OutForDelivery_Other", T.OUT_FOR_DELIVERY, S.NONE),
        ("laposte", "Delivered_Other", T.DELIVERED, S.LETTER_BOX),
    ]  # the arrival both providers publish is kept once
    assert {e.tracking_number for e in journey} == {"LX123123127CN"}


def test_trk1_17track_instants_keep_the_carriers_offsets(journey):
    assert journey[0].occurred_at == datetime(2024, 3, 25, 14, 2, tzinfo=BEIJING)
    assert (journey[0].location.country, journey[0].location.city) == ("CN", "Guangzhou")
    assert journey[2].occurred_at.isoformat() == "2024-03-28T06:40:00+01:00"
    delivered = journey[-1]
    assert delivered.occurred_at == datetime(2024, 4, 3, 12, 2, tzinfo=PARIS_SUMMER)
    assert delivered.location.postcode == "75011"


def test_trk1_17track_time_iso_without_offset_falls_back_to_time_raw(journey):
    relayed = journey[6]
    assert relayed.raw_text == "Votre colis est en cours d'acheminement."
    assert relayed.occurred_at.isoformat() == "2024-04-02T07:05:00+02:00"


def test_trk1_17track_time_utc_is_the_last_resort():
    payload = """{"event": "TRACKING_UPDATED", "data": {"number": "X1", "track_info": {
      "tracking": {"providers": [{"provider": {"name": "Yanwen"}, "events": [
        {"time_iso": "2024-06-04T09:47:00", "time_utc": "2024-06-04T01:47:00Z",
         "description": "Yanwen Acceptance", "sub_status": "InTransit_PickedUp"}]}]}}}}"""
    (event,) = parse_webhook(payload)
    assert event.carrier == "yanwen"
    assert event.occurred_at == datetime(2024, 6, 4, 9, 47, tzinfo=BEIJING)


def test_trk1_17track_event_without_any_usable_time_is_refused():
    payload = """{"event": "TRACKING_UPDATED", "data": {"number": "X1", "track_info": {
      "tracking": {"providers": [{"provider": {"name": "X"}, "events": [
        {"time_iso": "2024-06-04T09:47:00", "description": "?"}]}]}}}}"""
    with pytest.raises(TrackingParseError):
        parse_webhook(payload)


def test_trk2_17track_destination_providers_events_are_the_last_mile(journey):
    assert [e.leg for e in journey if e.carrier == "laposte"][1:] == [
        "last_mile:laposte:6A24599900011", "last_mile", "last_mile", "last_mile",
    ]  # fmt: skip
    assert all(e.leg is None for e in journey if e.carrier == "china_post")


def test_trk3_17track_handover_to_la_poste_keeps_local_number(journey):
    handover = journey[5]
    assert parse_handover_leg(handover.leg) == ("laposte", "6A24599900011")
    assert "6A24599900011" in handover.raw_text


def test_trk2_17track_customs_hold_maps_to_held_by_customs():
    events = _events("customs_hold.json")
    assert (events[-2].status, events[-2].sub_status) == (
        T.IN_TRANSIT,
        S.CUSTOMS_INFORMATION_REQUIRED,
    )
    hold = events[-1]
    assert (hold.status, hold.sub_status) == (T.EXCEPTION, S.HELD_BY_CUSTOMS)
    assert hold.carrier == "china_post"  # "China EMS"
    assert hold.occurred_at.isoformat() == "2024-11-19T09:00:00+01:00"


def test_trk5_17track_returned_unclaimed_shows_the_reason():
    events = _events("returned_unclaimed.json")
    assert [(e.status, e.sub_status) for e in events[2:]] == [
        (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
        (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
        (T.RETURNING, S.NONE),
        (T.RETURNED, S.UNCLAIMED),
    ]


def test_trk2_17track_lost_parcel_maps_to_exception_lost():
    assert (_events("lost.json")[-1].status, _events("lost.json")[-1].sub_status) == (
        T.EXCEPTION, S.LOST,
    )  # fmt: skip


def test_trk4_17track_number_17track_could_not_read_is_a_typing_error():
    with pytest.raises(TrackingNotFound) as caught:
        _events("not_found.json")
    assert caught.value.invalid_number is True and caught.value.tracking_number == "LX12345CN"


def test_trk2_17track_tracking_stopped_carries_no_event():
    assert _events("tracking_stopped.json") == []


def test_trk2_17track_unknown_webhook_event_is_refused():
    with pytest.raises(TrackingParseError, match="unknown webhook event"):
        parse_webhook('{"event": "SOMETHING_NEW", "data": {"number": "X"}}')


def test_trk2_17track_registered_adapter_parses_the_webhook(journey):
    adapter = get_adapter("17track")
    body = (FIXTURES / "tracking_updated_delivered.json").read_bytes()
    assert adapter.parse(body) == journey


def test_trk2_17track_every_sub_status_maps_to_a_pair_of_the_status_model():
    assert len(SUB_STATUSES) == 30
    for status, sub_status in SUB_STATUSES.values():
        assert sub_status is S.NONE or sub_status in DOMAIN_PAIRS[status]


@pytest.mark.parametrize(
    ("sub_status", "stage", "words", "expected"),
    [
        ("DeliveryFailure_Other", None, "Recipient refused", (T.DELIVERY_FAILED, S.REFUSED)),
        ("DeliveryFailure_Security", None, "", (T.DELIVERY_FAILED, S.NONE)),
        ("Exception_NoBody", None, "", (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT)),
        ("Exception_Destroyed", None, "", (T.EXCEPTION, S.LOST)),
        ("Exception_Cancel", None, "", (T.EXCEPTION, S.EXCEPTION_OTHER)),
        ("Exception_Other", None, "Parcel damaged", (T.EXCEPTION, S.DAMAGED)),
        ("Exception_Returned", None, "Returned: customs refusal", (T.RETURNED, S.CUSTOMS)),
        (
            "AvailableForPickup_Other",
            None,
            "In a parcel locker",
            (T.AVAILABLE_FOR_PICKUP, S.LOCKER),
        ),
        ("Expired_Other", None, "", (T.EXPIRED, S.NONE)),
        ("NotFound_Other", None, "", (T.PENDING, S.NONE)),
        (None, "Departure", "", (T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY)),
        (None, "Returned", "", (T.RETURNED, S.RETURNED_OTHER)),
        (None, None, "Out for delivery", (T.OUT_FOR_DELIVERY, S.NONE)),
        ("Brand_New", None, "", (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
    ],
)
def test_trk2_17track_sub_status_and_stage_vocabulary(sub_status, stage, words, expected):
    assert classify(sub_status, stage, words) == expected
