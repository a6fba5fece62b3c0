"""Business days over real holiday calendars (TRK-8 "countries crossed", CAN-11 refund window)."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from garant.domain.business_days import (
    add_business_days,
    business_days_between,
    chinese_new_year,
    holidays_between,
    is_business_day,
    roll_forward,
)


def test_trk8_weekend_is_not_a_business_day() -> None:
    assert add_business_days(date(2026, 6, 5), 1, ["FR"]) == date(2026, 6, 8)  # Fri -> Mon
    assert not is_business_day(date(2026, 6, 6), ["FR"])
    assert not is_business_day(date(2026, 6, 7), [])


def test_trk8_14_july_is_skipped_in_france() -> None:
    assert add_business_days(date(2026, 7, 13), 1, ["FR"]) == date(2026, 7, 15)
    assert not is_business_day(date(2026, 7, 14), ["FR"])


def test_trk8_14_july_is_a_business_day_in_china() -> None:
    assert is_business_day(date(2026, 7, 14), ["CN"])
    assert add_business_days(date(2026, 7, 13), 1, ["CN"]) == date(2026, 7, 14)


def test_trk8_1_may_friday_moves_to_monday() -> None:
    assert add_business_days(date(2026, 4, 30), 1, ["FR"]) == date(2026, 5, 4)


def test_trk8_11_november_is_a_french_holiday() -> None:
    assert add_business_days(date(2026, 11, 10), 1, ["FR"]) == date(2026, 11, 12)


def test_trk8_christmas_friday_moves_to_monday() -> None:
    assert add_business_days(date(2026, 12, 24), 1, ["FR"]) == date(2026, 12, 28)


def test_trk8_chinese_new_year_2027_is_6_february() -> None:
    assert chinese_new_year(2027) == date(2027, 2, 6)
    assert chinese_new_year(2026) == date(2026, 2, 17)


def test_trk8_spring_festival_closes_china_for_a_week() -> None:
    # 5 Feb 2027 (eve) and 8-10 Feb (observed days) are off; 6-7 Feb is a weekend.
    assert add_business_days(date(2027, 2, 4), 1, ["CN"]) == date(2027, 2, 11)
    assert add_business_days(date(2027, 2, 4), 1, ["FR"]) == date(2027, 2, 5)


def test_trk8_several_countries_skip_every_country_holiday() -> None:
    assert add_business_days(date(2026, 7, 13), 1, ["CN", "FR"]) == date(2026, 7, 15)
    assert add_business_days(date(2027, 2, 4), 1, ["FR", "CN"]) == date(2027, 2, 11)


def test_can11_refund_starts_7_to_15_business_days_in_france() -> None:
    cancelled = date(2026, 7, 10)  # Friday before 14 July
    assert add_business_days(cancelled, 7, ["FR"]) == date(2026, 7, 22)
    assert add_business_days(cancelled, 15, ["FR"]) == date(2026, 8, 3)


def test_zero_days_returns_the_start_even_on_a_holiday() -> None:
    assert add_business_days(date(2026, 7, 14), 0, ["FR"]) == date(2026, 7, 14)


def test_negative_days_go_backwards() -> None:
    assert add_business_days(date(2026, 7, 15), -1, ["FR"]) == date(2026, 7, 13)


def test_a_bare_country_code_is_one_country() -> None:
    assert add_business_days(date(2026, 7, 13), 1, "FR") == date(2026, 7, 15)


def test_unknown_country_is_refused() -> None:
    with pytest.raises(ValueError, match="no holiday calendar"):
        add_business_days(date(2026, 7, 13), 1, ["XX"])


def test_business_days_between_counts_days_stepped_on() -> None:
    assert business_days_between(date(2026, 7, 10), date(2026, 7, 17), ["FR"]) == 4
    assert business_days_between(date(2026, 7, 17), date(2026, 7, 10), ["FR"]) == -4
    assert business_days_between(date(2026, 7, 10), date(2026, 7, 10), ["FR"]) == 0
    # Walking back from a Saturday steps onto the Friday: one business day.
    assert business_days_between(date(2026, 7, 11), date(2026, 7, 10), ["FR"]) == -1


def test_roll_forward_keeps_a_business_day_and_moves_a_holiday() -> None:
    assert roll_forward(date(2026, 7, 13), ["FR"]) == date(2026, 7, 13)
    assert roll_forward(date(2026, 7, 14), ["FR"]) == date(2026, 7, 15)
    assert roll_forward(date(2026, 12, 25), ["FR"]) == date(2026, 12, 28)


def test_holidays_between_names_weekday_holidays_in_the_language_asked() -> None:
    found = holidays_between(date(2026, 4, 30), date(2026, 5, 15), ["FR"], language="fr")
    assert [(h.day, h.country, h.name) for h in found] == [
        (date(2026, 5, 1), "FR", "Fête du Travail"),
        (date(2026, 5, 8), "FR", "Fête de la Victoire"),
        (date(2026, 5, 14), "FR", "Ascension"),
    ]
    # 15 August 2026 is a Saturday: it lengthens nothing.
    assert holidays_between(date(2026, 8, 10), date(2026, 8, 20), ["FR"]) == []


COUNTRIES = st.lists(st.sampled_from(["FR", "CN", "ES", "DE", "PL"]), max_size=3, unique=True)
DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


def _is_holiday_somewhere(d: date, countries: list[str]) -> bool:
    return any(d in holidays.country_holidays(c, years=d.year) for c in countries)


@given(start=DAYS, n=st.integers(min_value=1, max_value=60), countries=COUNTRIES)
def test_trk8_property_adding_business_days_never_lands_on_weekend_or_holiday(
    start: date, n: int, countries: list[str]
) -> None:
    end = add_business_days(start, n, countries)
    assert end > start
    assert end.weekday() < 5
    assert not _is_holiday_somewhere(end, countries)
    assert business_days_between(start, end, countries) == n
    # Every day strictly between the last two business days is a day off.
    previous = add_business_days(start, n - 1, countries)
    day = previous + timedelta(days=1)
    while day < end:
        assert day.weekday() >= 5 or _is_holiday_somewhere(day, countries)
        day += timedelta(days=1)


@given(start=DAYS, n=st.integers(min_value=-40, max_value=40), countries=COUNTRIES)
def test_property_business_days_between_inverts_add(
    start: date, n: int, countries: list[str]
) -> None:
    assert business_days_between(start, add_business_days(start, n, countries), countries) == n
