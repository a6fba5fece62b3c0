"""TRK-1/2/3/4/5: the China Post / EMS adapter on Garant's own fixtures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from garant.carriers import CarrierError, TrackingNotFound, get_adapter
from garant.carriers._postal import parse_handover_leg
from garant.carriers.china_post import classify
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "china_post"
BEIJING = timezone(timedelta(hours=8))
PARIS_WINTER = timezone(timedelta(hours=1))
S, T = SubStatus, TrackingStatus


def _events(name: str) -> list[TrackingEvent]:
    return get_adapter("china_post").parse((FIXTURES / name).read_bytes())


def _one(events: list[TrackingEvent], code: str) -> TrackingEvent:
    (event,) = [e for e in events if e.raw_code == code]
    return event


@pytest.fixture(scope="module")
def journey() -> list[TrackingEvent]:
    return _events("ems_china_to_france_delivered.json")


def test_trk2_china_post_is_registered_under_its_slug():
    assert get_adapter("china_post").name == "China Post / EMS"


def test_trk2_china_post_full_ems_journey_mapping(journey):
    assert [(e.raw_code, e.status, e.sub_status) for e in journey] == [
        ("203", T.IN_TRANSIT, S.ACCEPTED),
        ("306", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("EXA", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("EXC", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("EMC", T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY),
        ("EMD", T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
        ("EDB", T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
        ("EDC", T.IN_TRANSIT, S.CUSTOMS_RELEASED),
        ("EMF", T.IN_TRANSIT, S.HANDED_TO_LAST_MILE),
        ("EDG", T.OUT_FOR_DELIVERY, S.NONE),
        ("EMI", T.DELIVERED, S.SIGNED),
    ]
    assert {(e.carrier, e.tracking_number) for e in journey} == {("china_post", "EE123456785CN")}
    assert journey[0].raw_text.startswith("【深圳市邮政速递物流公司国际揽收部】已收寄")


def test_trk1_china_post_every_time_is_beijing_time_even_abroad(journey):
    accepted = journey[0]
    assert accepted.occurred_at.isoformat() == "2024-03-18T10:12:08+08:00"
    assert (accepted.location.country, accepted.location.city) == ("CN", "深圳市")
    arrived = _one(journey, "EMD")
    assert arrived.occurred_at.utcoffset() == timedelta(hours=8)
    # 01:20 in Beijing is 18:20 the evening before in Paris: the instant is the same.
    assert arrived.occurred_at == datetime(2024, 3, 20, 18, 20, tzinfo=PARIS_WINTER)
    assert arrived.location.country == "FR"


def test_trk2_china_post_export_customs_is_not_the_buyers_clearance(journey):
    assert _one(journey, "EXA").sub_status is S.IN_TRANSIT_OTHER
    assert _one(journey, "EXC").sub_status is S.IN_TRANSIT_OTHER


def test_trk3_china_post_handover_to_la_poste_keeps_local_number(journey):
    handover = _one(journey, "EMF")
    assert parse_handover_leg(handover.leg) == ("laposte", "6A24598765432")
    assert "当地单号：6A24598765432" in handover.raw_text
    assert handover.tracking_number == "EE123456785CN"


def test_trk1_china_post_delivery_office_abroad_is_placed_in_its_country(journey):
    delivered = _one(journey, "EMI")
    assert delivered.location.country == "FR" and delivered.location.city == "巴黎"
    assert delivered.occurred_at == datetime(2024, 3, 25, 23, 40, tzinfo=BEIJING)


def test_trk2_china_post_customs_hold_maps_to_held_by_customs():
    hold = _one(_events("customs_hold_returned.json"), "EME")
    assert (hold.status, hold.sub_status) == (T.EXCEPTION, S.HELD_BY_CUSTOMS)
    assert hold.occurred_at.isoformat() == "2024-10-11T19:15:00+08:00"


def test_trk5_china_post_return_after_customs_hold_shows_customs_as_the_reason():
    events = _events("customs_hold_returned.json")
    assert [(e.status, e.sub_status) for e in events[-2:]] == [
        (T.RETURNING, S.NONE),
        (T.RETURNED, S.CUSTOMS),
    ]
    assert events[-1].location.country == "CN"


def test_trk2_china_post_lost_mail_maps_to_exception_lost():
    lost = _events("lost.json")[-1]
    assert (lost.status, lost.sub_status) == (T.EXCEPTION, S.LOST)
    assert lost.raw_code is None and lost.occurred_at.isoformat() == "2024-07-15T09:30:00+08:00"


def test_trk4_china_post_unknown_mail_raises_not_found():
    with pytest.raises(TrackingNotFound) as caught:
        _events("not_found.json")
    assert caught.value.invalid_number is False


def test_trk4_china_post_badly_formed_number_is_flagged_as_a_typing_error():
    with pytest.raises(TrackingNotFound) as caught:
        _events("invalid_number.json")
    assert caught.value.invalid_number is True


def test_trk4_china_post_own_error_is_a_carrier_error():
    with pytest.raises(CarrierError) as caught:
        _events("error_response.json")
    assert caught.value.code == "B00002"


def test_trk2_china_post_no_item_yet_gives_no_event():
    assert get_adapter("china_post").parse('{"responseState": true, "responseItems": []}') == []


def test_trk1_china_post_time_with_its_own_offset_keeps_it():
    payload = """{"responseState": true, "responseItems": [{"traceNo": "EE1", "opCode": "EMI",
        "opName": "妥投", "opTime": "2024-03-25T16:40:00+01:00"}]}"""
    (event,) = get_adapter("china_post").parse(payload)
    assert event.occurred_at.isoformat() == "2024-03-25T16:40:00+01:00"


@pytest.mark.parametrize(
    ("code", "words", "expected"),
    [
        ("EMA", "Posting/Collection", (T.IN_TRANSIT, S.ACCEPTED)),
        ("EXB", "Item held by export Customs", (T.EXCEPTION, S.HELD_BY_CUSTOMS)),
        ("EXA", "出口海关查验扣留", (T.EXCEPTION, S.HELD_BY_CUSTOMS)),
        ("EME", "Handed over to customs", (T.IN_TRANSIT, S.CUSTOMS_PROCESSING)),
        (
            "EME",
            "海关要求补充资料 documents required",
            (T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED),
        ),
        ("EDH", "Item at pickup point locker", (T.AVAILABLE_FOR_PICKUP, S.LOCKER)),
        ("EMH", "Unsuccessful delivery: addressee absent", (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT)),
        ("EMH", "未妥投 收件人拒收", (T.DELIVERY_FAILED, S.REFUSED)),
        ("EMI", "已妥投 投递到信报箱", (T.DELIVERED, S.LETTER_BOX)),
        ("704", "未妥投，地址不详", (T.DELIVERY_FAILED, S.ADDRESS_PROBLEM)),
        ("704", "妥投", (T.DELIVERED, S.DELIVERED_OTHER)),
        ("401", "离开中国", (T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY)),
        ("999", "交航", (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
    ],
)
def test_trk2_china_post_codes_and_scan_names(code, words, expected):
    assert classify(code, words) == expected
