"""TRK-1/2/3/4/5: AfterShip's inbound tracking webhook — signature and events."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from garant.carriers import TrackingNotFound, get_adapter
from garant.carriers._postal import parse_handover_leg
from garant.carriers.aftership import SUBTAGS, classify, parse_webhook, verify_signature
from garant.domain.tracking import SUB_STATUSES as DOMAIN_PAIRS
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "aftership"
SECRET = "garant-aftership-test-secret"
SMALL_BODY = b'{"msg":{"tracking_number":"LX123123127CN"}}'
# openssl dgst -sha256 -hmac SECRET -binary | base64, computed outside Python.
SMALL_SIGNATURE = "R8j5X+N/mYvCaEGt2FdaQxfMUpZweIHzSntf1GPcXRA="
BEIJING = timezone(timedelta(hours=8))
PARIS_SUMMER = timezone(timedelta(hours=2))
PARIS_WINTER = timezone(timedelta(hours=1))
S, T = SubStatus, TrackingStatus


def _events(name: str) -> list[TrackingEvent]:
    return parse_webhook((FIXTURES / name).read_bytes())


@pytest.fixture(scope="module")
def journey() -> list[TrackingEvent]:
    return _events("tracking_update_delivered.json")


# --- signature ------------------------------------------------------------------------------


def test_trk2_aftership_signature_known_answer_is_valid():
    assert verify_signature({"aftership-hmac-sha256": SMALL_SIGNATURE}, SMALL_BODY, SECRET)
    assert verify_signature({"Aftership-Hmac-Sha256": SMALL_SIGNATURE}, SMALL_BODY, SECRET)


def test_trk2_aftership_signature_of_a_fixture_body_is_valid():
    body = (FIXTURES / "tracking_update_delivered.json").read_bytes()
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
    headers = {"aftership-hmac-sha256": base64.b64encode(digest).decode()}
    assert verify_signature(headers, body, SECRET)
    assert verify_signature(headers, body, SECRET.encode())


def test_trk2_aftership_tampered_body_is_refused():
    tampered = SMALL_BODY.replace(b"LX123123127CN", b"LX123123128CN")
    assert not verify_signature({"aftership-hmac-sha256": SMALL_SIGNATURE}, tampered, SECRET)


def test_trk2_aftership_wrong_secret_is_refused():
    headers = {"aftership-hmac-sha256": SMALL_SIGNATURE}
    assert not verify_signature(headers, SMALL_BODY, "another-secret")


@pytest.mark.parametrize(
    "headers",
    [{}, {"aftership-hmac-sha256": ""}, {"aftership-hmac-sha256": "not base64 at all"},
     {"aftership-hmac-sha256": SMALL_SIGNATURE[:-2]}, {"aftership-hmac-sha256": "ü" * 44},
     {"x-aftership-signature": SMALL_SIGNATURE}],
)  # fmt: skip
def test_trk2_aftership_missing_or_malformed_signature_is_refused(headers):
    assert not verify_signature(headers, SMALL_BODY, SECRET)


def test_trk2_aftership_empty_secret_never_verifies():
    unkeyed = base64.b64encode(hmac.new(b"", SMALL_BODY, hashlib.sha256).digest()).decode()
    assert not verify_signature({"aftership-hmac-sha256": unkeyed}, SMALL_BODY, "")


# --- events ---------------------------------------------------------------------------------


def test_trk2_aftership_full_journey_mapping(journey):
    assert [(e.carrier, e.raw_code, e.status, e.sub_status) for e in journey] == [
        ("china_post", "InTransit_002", T.IN_TRANSIT, S.ACCEPTED),
        ("china_post", "InTransit_007", T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY),
        ("china_post", "InTransit_004", T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
        ("china_post", "InTransit_006", T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
        ("china_post", "InTransit_005", T.IN_TRANSIT, S.CUSTOMS_RELEASED),
        ("laposte", "InTransit_001", T.IN_TRANSIT, S.HANDED_TO_LAST_MILE),
        ("laposte", "InTransit_003", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("laposte", "OutForDelivery_001", T.OUT_FOR_DELIVERY, S.NONE),
        ("laposte", "Delivered_001", T.DELIVERED, S.LETTER_BOX),
    ]
    assert {e.tracking_number for e in journey} == {"EE555666774CN"}


def test_trk1_aftership_checkpoint_times_keep_their_offsets_across_dst(journey):
    assert journey[0].occurred_at == datetime(2024, 10, 21, 9, 30, tzinfo=BEIJING)
    assert (journey[0].location.country, journey[0].location.city) == ("CN", "Shenzhen")
    assert journey[2].occurred_at == datetime(2024, 10, 24, 6, 15, tzinfo=PARIS_SUMMER)
    assert journey[2].location.country == "FR"
    assert journey[-1].occurred_at == datetime(2024, 10, 28, 12, 10, tzinfo=PARIS_WINTER)
    assert journey[-1].location.postcode == "44000"


def test_trk1_aftership_checkpoint_time_without_offset_is_placed_in_its_country(journey):
    depot = journey[6]
    assert depot.occurred_at.isoformat() == "2024-10-28T07:30:00+01:00"  # winter time again


def test_trk1_aftership_local_time_with_no_zone_to_be_found_is_refused():
    payload = """{"msg": {"tracking_number": "X", "checkpoints": [{"checkpoint_time":
        "2024-10-28T07:30:00", "tag": "InTransit", "country_region": "USA"}]}}"""
    with pytest.raises(TrackingParseError):
        parse_webhook(payload)


def test_trk3_aftership_handover_to_la_poste_keeps_local_number(journey):
    handover = journey[5]
    assert parse_handover_leg(handover.leg) == ("laposte", "6A24588899900")
    assert "6A24588899900" in handover.raw_text
    assert [e.leg for e in journey[6:]] == ["last_mile"] * 3
    assert all(e.leg is None for e in journey[:5])


def test_trk3_aftership_handover_number_falls_back_to_last_mile_field():
    body = (FIXTURES / "tracking_update_delivered.json").read_text()
    body = body.replace(", new tracking number 6A24588899900", "")
    handover = parse_webhook(body)[5]
    assert parse_handover_leg(handover.leg) == ("laposte", "6A24588899900")


def test_trk2_aftership_customs_hold_maps_to_held_by_customs():
    events = _events("customs_hold.json")
    payment, hold = events[-2], events[-1]
    assert (payment.raw_code, payment.status, payment.sub_status) == (
        "Exception_006", T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED,
    )  # fmt: skip
    assert (hold.raw_code, hold.status, hold.sub_status) == (
        "Exception_004", T.EXCEPTION, S.HELD_BY_CUSTOMS,
    )  # fmt: skip
    assert hold.occurred_at.isoformat() == "2024-10-29T09:00:00+01:00"


def test_trk5_aftership_returned_after_pick_up_missed_is_unclaimed():
    events = _events("returned_unclaimed.json")
    assert [(e.raw_code, e.status, e.sub_status) for e in events[2:]] == [
        ("AttemptFail_002", T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
        ("AvailableForPickup_001", T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
        ("Exception_008", T.EXCEPTION, S.EXCEPTION_OTHER),
        ("Exception_010", T.RETURNING, S.NONE),
        ("Exception_011", T.RETURNED, S.UNCLAIMED),
    ]
    assert events[-1].occurred_at == datetime(2024, 12, 9, 10, 20, tzinfo=BEIJING)


def test_trk5_aftership_pick_up_missed_alone_is_enough_for_unclaimed():
    body = (FIXTURES / "returned_unclaimed.json").read_text()
    body = body.replace('"AvailableForPickup_001"', '"InTransit_001"').replace(
        '"AvailableForPickup"', '"InTransit"'
    )
    events = parse_webhook(body)
    assert events[3].status is T.IN_TRANSIT
    assert (events[-1].status, events[-1].sub_status) == (T.RETURNED, S.UNCLAIMED)


def test_trk2_aftership_lost_parcel_maps_to_exception_lost():
    lost = _events("lost.json")[-1]
    assert (lost.raw_code, lost.status, lost.sub_status) == ("Exception_013", T.EXCEPTION, S.LOST)


def test_trk2_aftership_pending_without_checkpoint_gives_no_event():
    assert _events("pending_no_checkpoint.json") == []


def test_trk4_aftership_expired_without_any_checkpoint_is_not_found():
    with pytest.raises(TrackingNotFound) as caught:
        _events("expired_never_found.json")
    assert caught.value.tracking_number == "LX999999999CN" and caught.value.code == "Expired_001"


def test_trk2_aftership_registered_adapter_parses_the_webhook(journey):
    body = (FIXTURES / "tracking_update_delivered.json").read_bytes()
    assert get_adapter("aftership").parse(body) == journey


def test_trk2_aftership_every_subtag_maps_to_a_pair_of_the_status_model():
    assert len(SUBTAGS) == 48
    for status, sub_status in SUBTAGS.values():
        assert sub_status is S.NONE or sub_status in DOMAIN_PAIRS[status]


@pytest.mark.parametrize(
    ("subtag", "tag", "message", "expected"),
    [
        ("Pending_003", "Pending", "", (T.PENDING, S.NONE)),
        ("InfoReceived_001", "InfoReceived", "", (T.INFO_RECEIVED, S.NONE)),
        (
            "InTransit_009",
            "InTransit",
            "Forwarded to a new address",
            (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ),
        ("OutForDelivery_004", "OutForDelivery", "", (T.OUT_FOR_DELIVERY, S.NONE)),
        ("AttemptFail_001", "AttemptFail", "Recipient refused", (T.DELIVERY_FAILED, S.REFUSED)),
        ("AttemptFail_003", "AttemptFail", "", (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT)),
        (
            "AvailableForPickup_001",
            "AvailableForPickup",
            "In a parcel locker",
            (T.AVAILABLE_FOR_PICKUP, S.LOCKER),
        ),
        ("Delivered_002", "Delivered", "", (T.DELIVERED, S.COLLECTED)),
        ("Delivered_003", "Delivered", "", (T.DELIVERED, S.SIGNED)),
        ("Delivered_005", "Delivered", "", (T.DELIVERED, S.NEIGHBOUR)),
        ("Exception_002", "Exception", "", (T.DELIVERY_FAILED, S.ADDRESS_PROBLEM)),
        ("Exception_003", "Exception", "", (T.DELIVERY_FAILED, S.REFUSED)),
        ("Exception_005", "Exception", "", (T.EXCEPTION, S.DELAYED)),
        ("Exception_012", "Exception", "", (T.EXCEPTION, S.DAMAGED)),
        ("Exception_018", "Exception", "", (T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED)),
        ("Exception_021", "Exception", "", (T.EXCEPTION, S.LOST)),
        (
            "Exception_011",
            "Exception",
            "Returned: address unknown",
            (T.RETURNED, S.ADDRESS_INCORRECT),
        ),
        ("Exception_015", "Exception", "Parcel damaged", (T.EXCEPTION, S.DAMAGED)),
        ("Expired_001", "Expired", "", (T.EXPIRED, S.NONE)),
        (None, None, "Delivered to the neighbour", (T.DELIVERED, S.NEIGHBOUR)),
    ],
)
def test_trk2_aftership_subtag_vocabulary(subtag, tag, message, expected):
    assert classify(subtag, tag, message) == expected
