"""TRK-1, TRK-3, TRK-9, TRK-11, CAN-13: one timeline per shipment and what it does to orders.

Events are built as carriers give them: China Post scans at +08:00, La Poste scans at +01:00
(winter) or +02:00 (summer), aggregator copies in UTC or with seconds of their own.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from garant.carriers._postal import handover_leg
from garant.domain.shipment import (
    OrderEffect,
    dedupe_key,
    handover_numbers,
    merge,
    notification_kind,
    order_effect,
    summarise,
)
from garant.domain.tracking import (
    Location,
    SubStatus,
    TrackingEvent,
    TrackingStatus,
    buyer_status_code,
)

T, S = TrackingStatus, SubStatus
CHINA = timezone(timedelta(hours=8))
PARIS_WINTER = timezone(timedelta(hours=1))
PARIS_SUMMER = timezone(timedelta(hours=2))
ORIGIN_NUMBER = "LX123456785CN"
LOCAL_NUMBER = "6A12345678901"


def ev(
    at: datetime,
    status: TrackingStatus,
    sub: SubStatus = S.NONE,
    *,
    carrier: str = "china_post",
    number: str = ORIGIN_NUMBER,
    text: str = "",
    country: str | None = None,
    city: str | None = None,
    postcode: str | None = None,
    point: str | None = None,
    leg: str | None = None,
) -> TrackingEvent:
    return TrackingEvent(
        carrier=carrier,
        tracking_number=number,
        occurred_at=at,
        status=status,
        sub_status=sub,
        raw_code=None,
        raw_text=text or f"{status.value} {sub.value}",
        location=Location(country, city, postcode, point),
        leg=leg,
    )


def cn(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=CHINA)


def fr(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=PARIS_WINTER)


def laposte(
    at: datetime, status: TrackingStatus, sub: SubStatus = S.NONE, **kw: str
) -> TrackingEvent:
    return ev(at, status, sub, carrier="laposte", number=LOCAL_NUMBER, country="FR", **kw)


CHINA_POST = [
    ev(cn(2, 18, 20), T.INFO_RECEIVED, text="Electronic information submitted by the shipper"),
    ev(cn(3, 10, 5), T.IN_TRANSIT, S.ACCEPTED, country="CN", city="Shenzhen", text="收寄"),
    ev(cn(4, 23, 40), T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY, country="CN", city="Guangzhou"),
    ev(fr(9, 6, 15), T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY, country="FR", city="Roissy"),
    ev(fr(9, 14, 30), T.IN_TRANSIT, S.CUSTOMS_PROCESSING, country="FR", city="Roissy"),
    ev(fr(10, 9, 12), T.IN_TRANSIT, S.HANDED_TO_LAST_MILE, country="FR",
       leg=handover_leg("laposte", LOCAL_NUMBER), text="移交法国邮政 单号：6A12345678901"),
]  # fmt: skip
LA_POSTE = [
    laposte(fr(10, 18, 40), T.IN_TRANSIT, S.IN_TRANSIT_OTHER, city="Saint-Priest"),
    laposte(fr(11, 7, 45), T.OUT_FOR_DELIVERY, city="Lyon", postcode="69003"),
    laposte(fr(11, 12, 2), T.DELIVERED, S.LETTER_BOX, city="Lyon", postcode="69003"),
]
NOW = fr(12, 9)


# --- TRK-1 / TRK-3: one timeline ------------------------------------------------------------


def test_trk3_handover_joins_two_numbers_in_one_timeline() -> None:
    first = merge([], CHINA_POST)
    assert handover_numbers(first.added) == [("laposte", LOCAL_NUMBER)]
    second = merge(first.timeline, LA_POSTE)
    summary = summarise(second.timeline, NOW)
    assert summary.tracking_numbers == (ORIGIN_NUMBER, LOCAL_NUMBER)
    assert summary.handovers == (("laposte", LOCAL_NUMBER),)
    assert [e.occurred_at for e in summary.chronological] == [
        e.occurred_at for e in CHINA_POST + LA_POSTE
    ]
    assert summary.buyer_status == "delivered"
    assert summary.delivered_at == fr(11, 12, 2)
    assert summary.events[0] is LA_POSTE[-1]  # newest first, for display


def test_trk3_handover_numbers_read_the_adapters_leg_format() -> None:
    at = fr(10, 9, 12)
    for leg, expected in [
        (handover_leg("laposte", LOCAL_NUMBER), [("laposte", LOCAL_NUMBER)]),
        (handover_leg(None, "6a 12345678901"), [(None, LOCAL_NUMBER)]),
        (handover_leg("laposte", None), []),
        (handover_leg(None, None), []),
        ("international", []),
        (handover_leg("china_post", ORIGIN_NUMBER), []),  # its own number is no news
    ]:
        event = ev(at, T.IN_TRANSIT, S.HANDED_TO_LAST_MILE, leg=leg)
        assert handover_numbers([event]) == expected, leg


def test_trk1_duplicate_from_poll_and_webhook_is_kept_once() -> None:
    polled = merge([], CHINA_POST)
    pushed = merge(polled.timeline, [replace(e) for e in CHINA_POST])
    assert pushed.added == []
    assert pushed.duplicates == len(CHINA_POST)
    assert pushed.timeline == polled.timeline


def test_trk1_aggregator_copy_with_other_words_place_and_seconds_is_the_same_event() -> None:
    carrier = ev(fr(9, 6, 15), T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY, country="FR",
                 city="Roissy", text="Arrival at inward office of exchange")  # fmt: skip
    copy = ev(datetime(2026, 3, 9, 5, 15, 37, tzinfo=UTC), T.IN_TRANSIT,
              S.ARRIVED_DESTINATION_COUNTRY, carrier="cainiao", city="ROISSY CHARLES DE GAULLE",
              text="[Paris] Arrived at destination country")  # fmt: skip
    assert (
        dedupe_key(carrier)
        == dedupe_key(copy)
        == ("2026-03-09T05:15Z|in_transit|arrived_destination_country")
    )
    result = merge([carrier], [copy])
    assert (result.added, result.duplicates, result.timeline) == ([], 1, [carrier])


def test_trk1_different_steps_in_the_same_minute_are_both_kept() -> None:
    out = laposte(fr(11, 12, 2), T.OUT_FOR_DELIVERY)
    done = laposte(fr(11, 12, 2), T.DELIVERED, S.LETTER_BOX)
    result = merge([], [done, out])
    assert result.duplicates == 0
    assert result.added == [out, done]  # same instant: progress decides the order


def test_trk1_timeline_is_ordered_by_instant_across_offsets() -> None:
    shenzhen = ev(cn(4, 23, 40), T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY)  # 15:40 UTC
    paris = laposte(fr(4, 16, 0), T.INFO_RECEIVED)  # 15:00 UTC, although 16:00 on its clock
    assert merge([], [shenzhen, paris]).timeline == [paris, shenzhen]


def test_trk3_within_a_batch_the_copy_carrying_the_local_number_is_kept() -> None:
    bare = ev(fr(10, 9, 12), T.IN_TRANSIT, S.HANDED_TO_LAST_MILE, carrier="cainiao")
    with_number = CHINA_POST[-1]
    for batch in ([bare, with_number], [with_number, bare]):
        result = merge([], batch)
        assert (result.added, result.duplicates) == ([with_number], 1)


# --- TRK-1: the summary ---------------------------------------------------------------------


def test_trk1_late_transit_scan_does_not_take_the_buyer_back_to_international_transit() -> None:
    late = ev(fr(11, 10, 0), T.IN_TRANSIT, S.IN_TRANSIT_OTHER, carrier="cainiao",
              country="FR", city="Paris")  # fmt: skip
    summary = summarise([*CHINA_POST, *LA_POSTE[:2], late], fr(11, 11))
    assert summary.buyer_status == "out_for_delivery"
    assert (summary.status, summary.current) == (T.OUT_FOR_DELIVERY, LA_POSTE[1])
    assert summary.location == Location("FR", "Paris")  # the latest event with a place
    assert summary.last_event_at == fr(11, 10, 0)
    assert summary.quiet_for == timedelta(hours=1)
    # Neither the handover nor La Poste's own "in transit" scan after customs steps back.
    assert summary.codes_reached == (
        "shipped", "carrier_accepted", "international_transit", "arrived_destination_country",
        "customs_clearance", "out_for_delivery",
    )  # fmt: skip


def test_trk3_handover_reads_as_arrival_not_customs_cleared() -> None:
    assert buyer_status_code(T.IN_TRANSIT, S.HANDED_TO_LAST_MILE) == "arrived_destination_country"
    # EU-warehouse-like lane: handed over first, La Poste clears customs afterwards.
    events = [CHINA_POST[-1], laposte(fr(10, 15), T.IN_TRANSIT, S.CUSTOMS_PROCESSING)]
    assert summarise(events, NOW).buyer_status == "customs_clearance"


def test_trk1_new_attempt_after_a_failed_one_is_shown() -> None:
    failed = laposte(fr(11, 12, 0), T.DELIVERY_FAILED, S.RECIPIENT_ABSENT, city="Lyon")
    again = laposte(fr(12, 8, 0), T.OUT_FOR_DELIVERY, city="Lyon")
    summary = summarise([*CHINA_POST, LA_POSTE[1], failed, again], fr(12, 9))
    assert summary.buyer_status == "out_for_delivery"
    assert summary.codes_reached[-3:] == ("out_for_delivery", "delivery_failed", "out_for_delivery")


def test_trk1_delay_notice_after_arrival_is_the_current_status_without_a_step_back() -> None:
    delay = ev(fr(12, 8, 0), T.EXCEPTION, S.DELAYED, country="FR", city="Roissy")
    summary = summarise([*CHINA_POST[:5], delay], NOW)
    assert (summary.status, summary.sub_status) == (T.EXCEPTION, S.DELAYED)
    assert summary.buyer_status == "customs_clearance"


def test_trk5_returning_parcel_delivered_back_to_the_seller_never_reads_delivered() -> None:
    back = [
        laposte(fr(20, 9), T.RETURNING, S.ADDRESS_INCORRECT, city="Lyon"),
        ev(datetime(2026, 4, 20, 15, 0, tzinfo=CHINA), T.DELIVERED, S.SIGNED, country="CN"),
    ]
    summary = summarise([*CHINA_POST, *LA_POSTE[:2], *back], datetime(2026, 4, 21, tzinfo=UTC))
    assert summary.buyer_status == "returned_to_sender"
    assert (summary.delivered_at, summary.delivery_event) == (None, None)
    assert summary.return_reason == "address_incorrect"
    assert summary.cancellation is None


def test_trk1_an_empty_timeline_has_no_summary() -> None:
    with pytest.raises(ValueError, match="at least one event"):
        summarise([], NOW)


# --- order effects (ORD-1, CAN-13, TRK-5, TRK-11) -------------------------------------------


def test_trk1_progress_is_recorded_when_the_buyer_code_changes() -> None:
    summary = summarise(CHINA_POST[:5], fr(9, 15))
    assert order_effect("international_transit", summary) == OrderEffect(
        "record_shipment_progress", {"status": "customs_clearance"}, "customs_clearance",
        fr(9, 14, 30),
    )  # fmt: skip
    assert order_effect("customs_clearance", summary) is None


def test_trk7_delivery_is_recorded_with_where_and_the_carrier_instant() -> None:
    summary = summarise([*CHINA_POST, *LA_POSTE], NOW)
    assert order_effect("out_for_delivery", summary) == OrderEffect(
        "record_delivery", {"where": "Boîte aux lettres, 69003 Lyon"}, "delivered",
        fr(11, 12, 2),
    )  # fmt: skip


def test_trk5_return_reason_comes_from_the_pickup_notice_before_it() -> None:
    notice = laposte(fr(11, 9), T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT, city="Lyon",
                     point="Relais Pickup Tabac du Centre")  # fmt: skip
    returned = laposte(fr(27, 8), T.RETURNED, S.RETURNED_OTHER, city="Lyon")
    summary = summarise([*CHINA_POST, notice, returned], fr(27, 9))
    assert order_effect("available_for_pickup", summary) == OrderEffect(
        "mark_returned_to_sender", {"reason": "unclaimed_at_pickup_point"}, "returned_to_sender",
        fr(27, 8),
    )  # fmt: skip


def test_trk5_customs_return_after_arrival_is_a_return_not_a_cancelled_shipment() -> None:
    returned = ev(fr(20, 10), T.RETURNED, S.CUSTOMS, country="FR", city="Roissy")
    summary = summarise([*CHINA_POST[:5], returned], fr(21, 9))
    assert summary.cancellation is None
    effect = order_effect("customs_clearance", summary)
    assert effect is not None
    assert (effect.action, effect.params) == ("mark_returned_to_sender",
                                              {"reason": "customs_documents"})  # fmt: skip


def test_can13_label_made_but_never_collected_is_a_cancelled_shipment() -> None:
    expired = ev(cn(20, 0), T.EXPIRED, text="No tracking update for 15 days")
    summary = summarise([CHINA_POST[0], expired], cn(21, 9))
    assert summary.cancellation == "never_collected_by_carrier"
    assert order_effect("shipped", summary) == OrderEffect(
        "report_shipment_cancelled", {"reason": "never_collected_by_carrier"},
        "returned_to_sender", cn(20, 0),
    )  # fmt: skip


def test_can13_sent_back_by_export_customs_before_departure() -> None:
    held = ev(cn(4, 9), T.EXCEPTION, S.HELD_BY_CUSTOMS, country="CN", city="Guangzhou")
    back = ev(cn(6, 15), T.RETURNED, S.CUSTOMS, country="CN", city="Guangzhou")
    summary = summarise([*CHINA_POST[:2], held, back], cn(7, 9))
    effect = order_effect("carrier_accepted", summary)
    assert effect is not None
    assert (effect.action, effect.params) == ("report_shipment_cancelled",
                                              {"reason": "sent_back_by_customs"})  # fmt: skip


def test_can13_export_cancelled_notice_at_origin() -> None:
    cancelled = ev(cn(4, 9), T.EXCEPTION, S.EXCEPTION_OTHER, country="CN", text="出口取消")
    summary = summarise([*CHINA_POST[:2], cancelled], cn(5, 9))
    assert summary.cancellation == "sent_back_before_departure"


def test_ord2_order_already_delivered_or_returned_is_not_moved_by_tracking() -> None:
    summary = summarise([*CHINA_POST, *LA_POSTE], NOW)
    assert order_effect("delivered", summary) is None
    assert order_effect("returned_to_sender", summary) is None


def test_ord2_tracking_does_not_take_back_a_status_set_further_by_hand() -> None:
    summary = summarise(CHINA_POST[:5], fr(9, 15))
    assert order_effect("out_for_delivery", summary) is None


def test_trk11_orders_sharing_one_parcel_each_get_their_own_effect() -> None:
    summary = summarise([*CHINA_POST, *LA_POSTE[:2]], fr(11, 8))
    behind, current = order_effect("shipped", summary), order_effect("out_for_delivery", summary)
    assert behind is not None and behind.params == {"status": "out_for_delivery"}
    assert current is None


# --- TRK-9: notifications -------------------------------------------------------------------


def test_trk9_notifies_arrival_in_destination_country_once() -> None:
    arrived = summarise(CHINA_POST[:4], fr(9, 7))
    assert notification_kind("international_transit", "arrived_destination_country",
                             arrived) == "arrived_destination_country"  # fmt: skip
    customs = summarise(CHINA_POST[:5], fr(9, 15))
    assert notification_kind("arrived_destination_country", "customs_clearance", customs) is None
    handed = summarise(CHINA_POST, fr(10, 10))
    assert handed.buyer_status == "customs_clearance"  # the handover does not step back
    assert notification_kind("customs_clearance", handed.buyer_status, handed) is None


def test_trk9_first_scan_in_france_at_customs_still_announces_arrival() -> None:
    summary = summarise([*CHINA_POST[:3], CHINA_POST[4]], fr(9, 15))
    assert notification_kind("international_transit", "customs_clearance", summary) == (
        "arrived_destination_country"
    )
    cleared = summarise([*CHINA_POST[:3], CHINA_POST[4],
                         ev(fr(10, 8), T.IN_TRANSIT, S.CUSTOMS_RELEASED)], fr(10, 9))  # fmt: skip
    assert notification_kind("customs_clearance", "customs_cleared", cleared) is None


def test_trk9_each_delivery_attempt_is_notified_milestones_once() -> None:
    failed = laposte(fr(11, 12, 0), T.DELIVERY_FAILED, S.RECIPIENT_ABSENT)
    again = laposte(fr(12, 8, 0), T.OUT_FOR_DELIVERY)
    first = summarise([*CHINA_POST, LA_POSTE[1]], fr(11, 8))
    assert notification_kind("customs_clearance", "out_for_delivery", first) == "out_for_delivery"
    second = summarise([*CHINA_POST, LA_POSTE[1], failed], fr(11, 13))
    assert notification_kind("out_for_delivery", "delivery_failed", second) == "delivery_failed"
    third = summarise([*CHINA_POST, LA_POSTE[1], failed, again], fr(12, 9))
    assert notification_kind("delivery_failed", "out_for_delivery", third) == "out_for_delivery"
    assert notification_kind("out_for_delivery", "out_for_delivery", third) is None


def test_trk9_shipped_pickup_and_delivered() -> None:
    accepted = summarise(CHINA_POST[:2], cn(3, 11))
    assert notification_kind(None, "carrier_accepted", accepted) == "shipped"
    assert notification_kind("shipped", "carrier_accepted", accepted) is None
    notice = laposte(fr(11, 9), T.AVAILABLE_FOR_PICKUP, S.LOCKER)
    pickup = summarise([*CHINA_POST, notice], fr(11, 10))
    assert notification_kind("customs_clearance", "available_for_pickup", pickup) == (
        "available_for_pickup"
    )
    done = summarise([*CHINA_POST, *LA_POSTE], NOW)
    assert notification_kind("out_for_delivery", "delivered", done) == "delivered"


def test_trk5_returning_accepts_the_return_reasons() -> None:
    event = laposte(fr(20, 9), T.RETURNING, S.UNCLAIMED)
    assert event.sub_status is S.UNCLAIMED
    with pytest.raises(ValueError, match="does not belong"):
        laposte(fr(20, 9), T.RETURNING, S.LETTER_BOX)


# --- property: order and repetition do not matter ------------------------------------------

_STEPS = [
    (T.INFO_RECEIVED, S.NONE), (T.IN_TRANSIT, S.ACCEPTED), (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    (T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY), (T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
    (T.IN_TRANSIT, S.CUSTOMS_PROCESSING), (T.IN_TRANSIT, S.HANDED_TO_LAST_MILE),
    (T.EXCEPTION, S.DELAYED), (T.OUT_FOR_DELIVERY, S.NONE),
    (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT), (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    (T.DELIVERED, S.COLLECTED), (T.RETURNING, S.UNCLAIMED),
]  # fmt: skip
_ZONES = [CHINA, PARIS_WINTER, PARIS_SUMMER, UTC]
_START = datetime(2026, 3, 2, tzinfo=UTC)


@st.composite
def _copies(draw: st.DrawFn) -> tuple[list[TrackingEvent], list[TrackingEvent]]:
    """Distinct events, and a delivery of them: each at least once, some repeated, either
    exactly (poll and webhook) or as an aggregator's copy (other carrier, words, seconds and
    offset, no place)."""
    minutes = draw(st.lists(st.integers(0, 30 * 24 * 60), min_size=1, max_size=12, unique=True))
    originals = []
    for minute in minutes:
        status, sub = draw(st.sampled_from(_STEPS))
        at = (_START + timedelta(minutes=minute)).astimezone(draw(st.sampled_from(_ZONES)))
        originals.append(ev(at, status, sub, country="FR", city="Lyon"))
    delivered: list[TrackingEvent] = []
    for event in originals:
        delivered.append(event)
        for _ in range(draw(st.integers(0, 2))):
            if draw(st.booleans()):
                delivered.append(replace(event))
            else:
                moment = event.occurred_at.replace(second=draw(st.integers(0, 59)))
                zone = draw(st.sampled_from(_ZONES))
                delivered.append(replace(event, carrier="cainiao", raw_text="aggregator words",
                                         occurred_at=moment.astimezone(zone),
                                         location=Location()))  # fmt: skip
    return originals, delivered


@settings(max_examples=150, deadline=None)
@given(data=_copies(), order=st.randoms(use_true_random=False), cut=st.integers(0, 60))
def test_trk1_merging_the_same_events_in_any_order_gives_the_same_timeline(
    data: tuple[list[TrackingEvent], list[TrackingEvent]], order: random.Random, cut: int
) -> None:
    originals, delivered = data
    shuffled = list(delivered)
    order.shuffle(shuffled)
    reference = merge([], originals).timeline
    at_once = merge([], shuffled)
    # One batch: the same events, whatever the order and the copies.
    assert at_once.timeline == reference
    assert at_once.duplicates == len(delivered) - len(originals)
    # Two batches: the same events once; a stored copy is kept (append-only).
    split = cut % (len(shuffled) + 1)
    first = merge([], shuffled[:split])
    second = merge(first.timeline, shuffled[split:])
    assert [dedupe_key(e) for e in second.timeline] == [dedupe_key(e) for e in reference]
    assert first.duplicates + second.duplicates == len(delivered) - len(originals)
    now = _START + timedelta(days=40)
    assert summarise(second.timeline, now).buyer_status == summarise(reference, now).buyer_status
    assert summarise(at_once.timeline, now) == summarise(reference, now)
