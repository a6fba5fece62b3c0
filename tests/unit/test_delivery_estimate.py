"""TRK-8 delivery estimates, SHP-1 shipping methods and SHP-3 landed cost.

Expected dates are worked out by hand from the real calendars (FR, ES, CN) in the comments.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from garant.domain.business_days import is_business_day
from garant.domain.delivery import (
    DEFAULT_DELIVERY_WINDOWS,
    DayCount,
    DeliveryEstimate,
    DeliveryEstimateUnavailable,
    ImportRegime,
    Origin,
    TrackingProgress,
    Window,
    estimate_delivery,
    landed_cost,
)
from garant.domain.errors import InvalidInput
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingStatus

W = DEFAULT_DELIVERY_WINDOWS
PARIS = timezone(timedelta(hours=2))


def from_china(method: str = "ems", **kwargs: Any) -> DeliveryEstimate:
    return estimate_delivery(method=method, origin_country="CN", destination_country="FR",
                             windows=W, **kwargs)


def from_spain(**kwargs: Any) -> DeliveryEstimate:
    return estimate_delivery(method="eu_warehouse", origin_country="ES",
                             destination_country="FR", windows=W, **kwargs)


def progress(status: TrackingStatus, sub: SubStatus, y: int, m: int, d: int,
             hour: int = 10) -> TrackingProgress:
    return TrackingProgress(status, sub, datetime(y, m, d, hour, tzinfo=PARIS))


# --- SHP-1: the methods -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "low", "high", "unit", "origin"),
    [
        ("eu_warehouse", 3, 10, DayCount.BUSINESS, Origin.EU_WAREHOUSE),
        ("aliexpress_choice", 9, 15, DayCount.CALENDAR, Origin.CN),
        ("aliexpress_standard", 15, 45, DayCount.CALENDAR, Origin.CN),
        ("china_post_air_mail", 15, 34, DayCount.CALENDAR, Origin.CN),
        ("ems", 7, 15, DayCount.CALENDAR, Origin.CN),
        ("dhl", 3, 7, DayCount.BUSINESS, Origin.CN),
        ("fedex", 3, 7, DayCount.BUSINESS, Origin.CN),
        ("ups", 3, 7, DayCount.BUSINESS, Origin.CN),
    ],
)
def test_shp1_method_windows(slug: str, low: int, high: int, unit: DayCount,
                             origin: Origin) -> None:
    method = W.method(slug)
    assert method.window == Window(low, high, unit)
    assert method.origin is origin
    assert method.name_fr and method.name_en


def test_shp1_costs() -> None:
    assert W.method("aliexpress_standard").cost.ships_free(Decimal(0))
    choice = W.method("aliexpress_choice").cost
    assert not choice.ships_free(Decimal("9.99"))
    assert choice.ships_free(Decimal("10.00"))
    ems = W.method("ems").cost
    assert (ems.from_eur, ems.to_eur, ems.open_ended) == (Decimal(5), Decimal(20), False)
    for slug in ("dhl", "fedex", "ups"):
        express = W.method(slug).cost
        assert (express.from_eur, express.to_eur, express.open_ended) == (
            Decimal(20), Decimal(60), True)


def test_shp1_ems_window_7_to_15_days() -> None:
    # Shipped Mon 1 June 2026: +7 days = 8 June, +15 days = 16 June; customs 2-7 FR business
    # days then give Wed 10 June and Thu 25 June.
    estimate = from_china(shipped_at=date(2026, 6, 1))
    assert (estimate.earliest, estimate.latest) == (date(2026, 6, 10), date(2026, 6, 25))
    assert estimate.basis == ["shipped", "method_window", "customs"]
    assert estimate.basis_fr[1] == "Acheminement EMS Express : 7 à 15 jours."
    assert estimate.basis_en[1] == "EMS Express transit: 7 to 15 days."


def test_shp1_eu_warehouse_3_to_10_business_days_without_customs() -> None:
    # Shipped Thu 30 April 2026 from Spain. Off days in ES or FR: 1 May, 8 May (FR),
    # 14 May (FR). 3rd business day: 6 May; 10th: 19 May.
    estimate = from_spain(shipped_at=date(2026, 4, 30))
    assert (estimate.earliest, estimate.latest) == (date(2026, 5, 6), date(2026, 5, 19))
    assert estimate.basis == ["shipped", "method_window", "no_customs", "holidays_crossed"]
    assert "08/05/2026 (FR, Fête de la Victoire)" in estimate.basis_fr[-1]
    assert "2026-05-14 (FR, Ascension Day)" in estimate.basis_en[-1]


# --- TRK-8: the components ------------------------------------------------------------------


def test_trk8_customs_adds_two_to_seven_business_days() -> None:
    # Shipped Sun 5 July 2026: EMS ends Sun 12 July / Mon 20 July. Customs in FR: 13, (14 July
    # off), 15 -> Wed 15 July; 21, 22, 23, 24, 27, 28, 29 -> Wed 29 July.
    estimate = from_china(shipped_at=date(2026, 7, 5))
    assert (estimate.earliest, estimate.latest) == (date(2026, 7, 15), date(2026, 7, 29))
    assert estimate.basis == ["shipped", "method_window", "customs", "holidays_crossed"]
    assert estimate.basis_fr[2] == "Dédouanement (FR) : 2 à 7 jours ouvrés."
    assert estimate.basis_en[2] == "Customs clearance (FR): 2 to 7 business days."
    assert estimate.basis_fr[3] == "Jours fériés sur le parcours : 14/07/2026 (FR, Fête nationale)."


def test_trk8_no_customs_from_an_eu_warehouse() -> None:
    estimate = from_spain(shipped_at=date(2026, 6, 1))
    # 3rd and 10th ES+FR business days after Mon 1 June 2026: Thu 4 and Mon 15 June.
    assert (estimate.earliest, estimate.latest) == (date(2026, 6, 4), date(2026, 6, 15))
    assert "customs" not in estimate.basis and "no_customs" in estimate.basis


def test_trk8_handling_time_counts_origin_business_days() -> None:
    # Ordered Mon 1 June 2026, handling 3: ships Tue 2 (earliest, 1 day) to Thu 4 June.
    # EMS: 9 / 19 June; customs: Thu 11 June / Tue 30 June.
    estimate = from_china(ordered_at=datetime(2026, 6, 1, 15, tzinfo=PARIS), handling_days=3)
    assert (estimate.earliest, estimate.latest) == (date(2026, 6, 11), date(2026, 6, 30))
    assert estimate.basis[0] == "handling"
    assert estimate.basis_fr[0] == (
        "Préparation par le vendeur (CN) : 1 à 3 jours ouvrés après la commande du 01/06/2026.")


def test_trk8_chinese_new_year_2027_slows_parcels_from_china() -> None:
    # DHL ordered Mon 1 Feb 2027, handling 2 (CN): ships 2 / 3 Feb. DHL 3-7 business days of
    # CN+FR, skipping 5 and 8-10 Feb (Spring Festival): 11 / 18 Feb. Customs: Mon 15 Feb /
    # Mon 1 March. CNY (6 Feb, peak 30 Jan - 21 Feb): +5 -> Sat 20 -> Mon 22 Feb; +15 -> 16 March.
    estimate = from_china("dhl", ordered_at=date(2027, 2, 1), handling_days=2)
    assert (estimate.earliest, estimate.latest) == (date(2027, 2, 22), date(2027, 3, 16))
    assert estimate.basis == [
        "handling", "method_window", "customs", "peak_chinese_new_year", "holidays_crossed"]
    assert estimate.basis_fr[3] == (
        "Période de forte activité (Nouvel An chinois, 06/02/2027) : 5 à 15 jours de plus.")
    assert estimate.basis_en[3] == "Peak period (Chinese New Year, 2027-02-06): 5 to 15 days more."
    assert "08/02/2027 (CN," in estimate.basis_fr[4]


def test_trk8_chinese_new_year_does_not_slow_eu_warehouses() -> None:
    estimate = from_spain(shipped_at=date(2027, 2, 8))
    assert (estimate.earliest, estimate.latest) == (date(2027, 2, 11), date(2027, 2, 22))
    assert estimate.basis == ["shipped", "method_window", "no_customs"]


def test_trk8_singles_day_backlog() -> None:
    # Choice ordered Mon 9 Nov 2026, handling 2: ships 10 / 11 Nov; +9 / +15 days: 19 / 26 Nov;
    # customs: Mon 23 Nov / Mon 7 Dec. 11.11 backlog (11-21 Nov): +2 -> 25 Nov; +5 -> Sat 12 Dec
    # -> Mon 14 Dec (before the year-end peak of 15 Dec).
    estimate = from_china("aliexpress_choice", ordered_at=date(2026, 11, 9), handling_days=2)
    assert (estimate.earliest, estimate.latest) == (date(2026, 11, 25), date(2026, 12, 14))
    assert estimate.basis == ["handling", "method_window", "customs", "peak_singles_day"]


def test_trk8_11_november_is_a_holiday_and_a_backlog_for_eu_warehouses() -> None:
    # Shipped Tue 10 Nov 2026 from Spain; 11 Nov is off in FR. 3rd day: Mon 16, 10th: Wed 25.
    # Singles' Day backlog: +2 -> Wed 18 Nov, +5 -> Mon 30 Nov.
    estimate = from_spain(shipped_at=date(2026, 11, 10))
    assert (estimate.earliest, estimate.latest) == (date(2026, 11, 18), date(2026, 11, 30))
    assert estimate.basis == [
        "shipped", "method_window", "no_customs", "peak_singles_day", "holidays_crossed"]
    assert "11/11/2026 (FR, Armistice)" in estimate.basis_fr[-1]


def test_trk8_year_end_holidays() -> None:
    # DHL shipped Mon 21 Dec 2026: 3rd / 7th CN+FR business day: 24 / 31 Dec (25 Dec off in
    # FR). Customs: Tue 29 Dec / Tue 12 Jan (1 Jan off). Year-end: +2 -> 31 Dec, +7 -> 19 Jan.
    estimate = from_china("dhl", shipped_at=date(2026, 12, 21))
    assert (estimate.earliest, estimate.latest) == (date(2026, 12, 31), date(2027, 1, 19))
    assert estimate.basis == [
        "shipped", "method_window", "customs", "peak_year_end", "holidays_crossed"]
    assert estimate.basis_en[-1] == (
        "Public holidays on the way: 2026-12-25 (FR, Christmas Day), "
        "2027-01-01 (FR, New Year's Day).")


def test_trk8_transit_countries_holidays_count() -> None:
    # DHL shipped Wed 1 April 2026. CN+FR: 6 April off (Easter Monday, Qingming observed), so
    # 7 / 13 April, then customs 9 / 22 April. Via Germany Good Friday 3 April is off too:
    # 8 / 14 April, then 10 / 23 April.
    direct = from_china("dhl", shipped_at=date(2026, 4, 1))
    via_germany = from_china("dhl", shipped_at=date(2026, 4, 1), transit_countries=["DE"])
    assert (direct.earliest, direct.latest) == (date(2026, 4, 9), date(2026, 4, 22))
    assert (via_germany.earliest, via_germany.latest) == (date(2026, 4, 10), date(2026, 4, 23))
    assert "2026-04-03 (DE, Good Friday)" in via_germany.basis_en[-1]
    assert "(DE," not in direct.basis_en[-1]


def test_trk8_durations_come_from_the_windows_object() -> None:
    windows = replace(W, customs=Window(3, 3))
    estimate = estimate_delivery(method="ems", shipped_at=date(2026, 6, 1), origin_country="CN",
                                 destination_country="FR", windows=windows)
    assert (estimate.earliest, estimate.latest) == (date(2026, 6, 11), date(2026, 6, 19))
    assert estimate.basis_en[2] == "Customs clearance (FR): 3 business days."


# --- TRK-8: revision as events arrive ---------------------------------------------------------


def test_trk8_arrived_destination_leaves_customs_and_last_mile() -> None:
    # Arrived Mon 6 July 2026: customs 8 / 16 July (14 July off), last mile 1-4: 9 / 22 July.
    estimate = from_china(ordered_at=date(2026, 6, 20), handling_days=3, events_so_far=progress(
        TrackingStatus.IN_TRANSIT, SubStatus.ARRIVED_DESTINATION_COUNTRY, 2026, 7, 6))
    assert (estimate.earliest, estimate.latest) == (date(2026, 7, 9), date(2026, 7, 22))
    assert estimate.basis == [
        "arrived_destination", "customs", "last_mile", "holidays_crossed"]


def test_trk8_arrived_from_eu_warehouse_leaves_last_mile_only() -> None:
    estimate = from_spain(shipped_at=date(2026, 7, 1), events_so_far=progress(
        TrackingStatus.IN_TRANSIT, SubStatus.ARRIVED_DESTINATION_COUNTRY, 2026, 7, 3))
    # Fri 3 July: 1st business day Mon 6, 4th Thu 9 July.
    assert (estimate.earliest, estimate.latest) == (date(2026, 7, 6), date(2026, 7, 9))
    assert estimate.basis == ["arrived_destination", "no_customs", "last_mile"]


def test_trk8_cleared_customs_leaves_last_mile_only() -> None:
    # Cleared Fri 10 July 2026: 13 July, then 15, 16, 17 (14 July off).
    estimate = from_china(ordered_at=date(2026, 6, 20), handling_days=3, events_so_far=progress(
        TrackingStatus.IN_TRANSIT, SubStatus.CUSTOMS_RELEASED, 2026, 7, 10))
    assert (estimate.earliest, estimate.latest) == (date(2026, 7, 13), date(2026, 7, 17))
    assert estimate.basis == ["customs_cleared", "last_mile", "holidays_crossed"]
    assert estimate.basis_fr[1] == (
        "Livraison dans le pays de destination : 1 à 4 jours ouvrés.")


def test_trk8_year_end_still_slows_the_last_mile() -> None:
    # Cleared Mon 21 Dec 2026: 22 / 28 Dec (25 Dec off); year-end +2 / +7: 24 Dec / 4 Jan.
    estimate = from_china(shipped_at=date(2026, 12, 1), events_so_far=progress(
        TrackingStatus.IN_TRANSIT, SubStatus.CUSTOMS_RELEASED, 2026, 12, 21))
    assert (estimate.earliest, estimate.latest) == (date(2026, 12, 24), date(2027, 1, 4))
    assert "peak_year_end" in estimate.basis


def test_trk8_out_for_delivery_failed_attempt_and_pickup() -> None:
    out = from_china(shipped_at=date(2026, 7, 1), events_so_far=progress(
        TrackingStatus.OUT_FOR_DELIVERY, SubStatus.NONE, 2026, 7, 15))
    assert (out.earliest, out.latest) == (date(2026, 7, 15), date(2026, 7, 16))
    failed = from_china(shipped_at=date(2026, 7, 1), events_so_far=progress(
        TrackingStatus.DELIVERY_FAILED, SubStatus.RECIPIENT_ABSENT, 2026, 7, 10))
    assert (failed.earliest, failed.latest) == (date(2026, 7, 13), date(2026, 7, 16))
    pickup = from_china(shipped_at=date(2026, 7, 1), events_so_far=progress(
        TrackingStatus.AVAILABLE_FOR_PICKUP, SubStatus.PICKUP_POINT, 2026, 7, 11))
    assert (pickup.earliest, pickup.latest) == (date(2026, 7, 11), date(2026, 7, 11))
    assert pickup.basis == ["available_for_pickup"]


def test_trk8_delivered_estimate_is_the_delivery_date() -> None:
    estimate = from_china(shipped_at=date(2026, 7, 1), events_so_far=progress(
        TrackingStatus.DELIVERED, SubStatus.LETTER_BOX, 2026, 7, 14))
    assert (estimate.earliest, estimate.latest) == (date(2026, 7, 14), date(2026, 7, 14))
    assert estimate.basis == ["delivered"]
    assert estimate.basis_fr == ["Livré le 14/07/2026."]


def test_trk8_event_date_is_read_in_its_own_zone() -> None:
    late_evening_utc = TrackingProgress(TrackingStatus.DELIVERED, SubStatus.SIGNED,
                                        datetime(2026, 7, 15, 0, 30, tzinfo=PARIS))
    estimate = from_china(shipped_at=date(2026, 7, 1), events_so_far=late_evening_utc)
    assert estimate.earliest == date(2026, 7, 15)


def test_trk8_estimate_never_before_the_latest_event() -> None:
    # Without events: 11-30 June (see the handling test). Still leaving China on Sat 20 June.
    estimate = from_china(ordered_at=date(2026, 6, 1), handling_days=3, events_so_far=progress(
        TrackingStatus.IN_TRANSIT, SubStatus.DEPARTED_ORIGIN_COUNTRY, 2026, 6, 20))
    assert (estimate.earliest, estimate.latest) == (date(2026, 6, 22), date(2026, 6, 30))
    assert estimate.basis[-1] == "after_latest_event"


@pytest.mark.parametrize(
    ("status", "sub"),
    [
        (TrackingStatus.RETURNING, SubStatus.NONE),
        (TrackingStatus.RETURNED, SubStatus.ADDRESS_INCORRECT),
        (TrackingStatus.EXCEPTION, SubStatus.LOST),
    ],
)
def test_trk8_no_estimate_for_a_parcel_going_back_or_lost(
    status: TrackingStatus, sub: SubStatus
) -> None:
    with pytest.raises(DeliveryEstimateUnavailable) as error:
        from_china(shipped_at=date(2026, 7, 1),
                   events_so_far=progress(status, sub, 2026, 7, 20))
    assert error.value.code == "delivery_estimate_unavailable"
    assert error.value.context["status"] == status.value


def test_trk8_progress_keeps_the_most_advanced_milestone() -> None:
    def event(status: TrackingStatus, sub: SubStatus, day: int) -> TrackingEvent:
        return TrackingEvent("la_poste", "LA123", datetime(2026, 7, day, 9, tzinfo=PARIS),
                             status, sub, None, "scan")

    events = [
        event(TrackingStatus.IN_TRANSIT, SubStatus.ARRIVED_DESTINATION_COUNTRY, 6),
        event(TrackingStatus.IN_TRANSIT, SubStatus.CUSTOMS_RELEASED, 8),
        event(TrackingStatus.IN_TRANSIT, SubStatus.IN_TRANSIT_OTHER, 9),  # a hub scan
    ]
    assert TrackingProgress.from_events(events) == TrackingProgress(
        TrackingStatus.IN_TRANSIT, SubStatus.CUSTOMS_RELEASED,
        datetime(2026, 7, 8, 9, tzinfo=PARIS))
    assert TrackingProgress.from_events([]) is None


def test_trk8_refuses_inconsistent_input() -> None:
    with pytest.raises(InvalidInput, match="ships from eu_warehouse"):
        estimate_delivery(method="eu_warehouse", shipped_at=date(2026, 6, 1),
                          origin_country="CN", destination_country="FR", windows=W)
    with pytest.raises(InvalidInput, match="unknown shipping method 'pigeon'"):
        from_china("pigeon", shipped_at=date(2026, 6, 1))
    with pytest.raises(InvalidInput, match="ordered_at or shipped_at"):
        from_china()
    with pytest.raises(InvalidInput, match="handling_days"):
        from_china(ordered_at=date(2026, 6, 1), handling_days=-1)


METHODS = st.sampled_from([m.slug for m in W.methods])


@settings(max_examples=150, deadline=None)
@given(
    slug=METHODS,
    ordered=st.dates(min_value=date(2024, 1, 1), max_value=date(2032, 12, 31)),
    handling=st.integers(min_value=0, max_value=10),
    shipped_after=st.none() | st.integers(min_value=0, max_value=10),
    destination=st.sampled_from(["FR", "DE", "ES", "PL"]),
)
def test_trk8_property_earliest_before_latest_on_business_days(
    slug: str, ordered: date, handling: int, shipped_after: int | None, destination: str
) -> None:
    origin = "ES" if W.method(slug).origin is Origin.EU_WAREHOUSE else "CN"
    shipped = None if shipped_after is None else ordered + timedelta(days=shipped_after)
    estimate = estimate_delivery(method=slug, ordered_at=ordered, shipped_at=shipped,
                                 handling_days=handling, origin_country=origin,
                                 destination_country=destination, windows=W)
    assert ordered < estimate.earliest <= estimate.latest
    assert is_business_day(estimate.earliest, [destination])
    assert is_business_day(estimate.latest, [destination])
    assert len(estimate.basis) == len(estimate.basis_fr) == len(estimate.basis_en)


# --- SHP-3: landed cost ---------------------------------------------------------------------


def test_shp3_vat_included_at_or_below_150() -> None:
    cost = landed_cost(Decimal("150.00"), Decimal("0"), False, "la_poste")
    assert cost.regime is ImportRegime.IOSS
    assert cost.vat_at_checkout_eur == Decimal("30.00")
    assert cost.on_delivery_eur == Decimal("0.00")
    assert cost.total_eur == cost.at_checkout_eur == Decimal("180.00")

    small = landed_cost(Decimal("100"), Decimal("5.50"), False, "dhl")
    assert small.vat_at_checkout_eur == Decimal("21.10")  # VAT on goods and shipping
    assert small.total_eur == Decimal("126.60")
    assert small.note_fr == ("TVA de 21,10 € incluse et payée à la commande (IOSS) : rien à "
                             "payer à la livraison.")


def test_shp3_above_150_vat_and_la_poste_fee_due_on_delivery() -> None:
    cost = landed_cost(Decimal("150.01"), Decimal("0"), False, "La Poste")
    assert cost.regime is ImportRegime.PAY_ON_DELIVERY
    assert cost.at_checkout_eur == Decimal("150.01")
    assert cost.vat_on_delivery_eur == Decimal("30.00")
    assert cost.carrier_fee_eur == Decimal("8.00")
    assert cost.on_delivery_eur == Decimal("38.00")
    assert cost.total_eur == Decimal("188.01")


def test_shp3_above_150_with_duty_and_dhl_fee() -> None:
    cost = landed_cost(Decimal("200"), Decimal("10"), False, "dhl", duty_rate=Decimal("0.04"))
    assert cost.duty_on_delivery_eur == Decimal("8.40")
    assert cost.vat_on_delivery_eur == Decimal("43.68")  # VAT on goods + shipping + duty
    assert cost.carrier_fee_eur == Decimal("20.00")
    assert cost.on_delivery_eur == Decimal("72.08")
    assert cost.total_eur == Decimal("282.08")
    assert cost.note_en == ("Above €150: €72.08 to pay the carrier on delivery (VAT €43.68, "
                            "duty €8.40, handling fee €20.00).")


def test_shp3_eu_warehouse_has_no_customs_charges() -> None:
    cost = landed_cost(Decimal("300"), Decimal("4.99"), True, "correos")
    assert cost.regime is ImportRegime.EU_WAREHOUSE
    assert cost.on_delivery_eur == Decimal("0.00")
    assert cost.vat_at_checkout_eur == Decimal("0.00")
    assert cost.total_eur == Decimal("304.99")


def test_shp3_policy_parameters() -> None:
    cost = landed_cost(Decimal("160"), Decimal("0"), False, "dhl", vat_rate=Decimal("0.21"),
                       ioss_threshold=Decimal("200"))
    assert cost.regime is ImportRegime.IOSS
    assert cost.vat_at_checkout_eur == Decimal("33.60")
    fee = landed_cost(Decimal("160"), Decimal("0"), False, "ups", handling_fees={"ups": 15})
    assert fee.carrier_fee_eur == Decimal("15.00")


def test_shp3_refuses_unknown_carrier_fee_and_bad_amounts() -> None:
    with pytest.raises(InvalidInput, match="no customs handling fee known for carrier 'fedex'"):
        landed_cost(Decimal("151"), Decimal("0"), False, "fedex")
    with pytest.raises(InvalidInput, match="goods_eur"):
        landed_cost(Decimal("-1"), Decimal("0"), False, "dhl")
    with pytest.raises(InvalidInput, match="shipping_eur"):
        landed_cost(Decimal("10"), Decimal("1.005"), False, "dhl")
