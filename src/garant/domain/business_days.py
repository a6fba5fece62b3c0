"""Business-day arithmetic over the real public-holiday calendars of one or several countries.

A day is a business day for a set of countries when it is Monday to Friday and a public
holiday in none of them: a parcel crossing China and France is not handled on 6 February 2027
(Spring Festival) nor on 14 July (fête nationale). An empty set of countries means weekends
only. Calendars come from the ``holidays`` library (national holidays, no subdivisions);
weekend working days some countries decree (China's "substituted" Saturdays) are ignored, so
the count stays on the safe side.

Conventions, shared by every caller (TRK-8 delivery estimates, CAN-11 refund windows):
- ``add_business_days(start, n)`` counts days strictly after ``start``; ``n = 0`` returns
  ``start`` unchanged, otherwise the result is always a business day.
- ``business_days_between(a, b)`` counts the business days stepped on when walking from ``a``
  to ``b`` (``a`` excluded, ``b`` included; negative when walking back), so that
  ``business_days_between(a, add_business_days(a, n)) == n`` for every ``n``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

import holidays

__all__ = [
    "Holiday",
    "add_business_days",
    "business_days_between",
    "chinese_new_year",
    "holidays_between",
    "is_business_day",
    "roll_forward",
]

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


@dataclass(frozen=True)
class Holiday:
    day: date
    country: str
    name: str


@lru_cache(maxsize=512)
def _calendar(country: str, year: int, language: str | None) -> Mapping[date, str]:
    # Building a calendar is costly (lunar and Islamic computations); every estimate asks for
    # the same few (country, year) pairs, so each is built once per process.
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValueError(f"no holiday calendar for country '{country}'")
    chosen = None
    if language is not None:
        # A French sentence naming a Spanish holiday falls back to English, then to Spanish.
        languages = holidays.country_holidays(country).supported_languages
        chosen = next((lang for lang in (language, "en_US") if lang in languages), None)
    calendar = holidays.country_holidays(country, years=year, language=chosen)
    return MappingProxyType(dict(calendar))


def _countries(countries: Sequence[str] | str) -> tuple[str, ...]:
    # A bare "FR" is a Sequence[str] too; iterating it would give "F" and "R".
    if isinstance(countries, str):
        return _codes((countries,))
    return _codes(tuple(countries))


@lru_cache(maxsize=256)
def _codes(countries: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.upper() for c in countries))


def _is_holiday(d: date, countries: Iterable[str]) -> bool:
    return any(d in _calendar(c, d.year, None) for c in countries)


def is_business_day(d: date, countries: Sequence[str]) -> bool:
    """Monday to Friday and a public holiday in none of ``countries``."""
    return d.weekday() < _SATURDAY and not _is_holiday(d, _countries(countries))


def add_business_days(start: date, n: int, countries: Sequence[str]) -> date:
    """The ``n``-th business day after ``start`` (before it when ``n`` is negative)."""
    return _add_business_days(start, n, _countries(countries))


# A sweep batch asks the same question for thousands of orders closing on the same day: a
# pure function of its arguments, remembered (a few days × a few countries × a few n).
@lru_cache(maxsize=4096)
def _add_business_days(start: date, n: int, codes: tuple[str, ...]) -> date:
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    current, remaining = start, abs(n)
    while remaining:
        current += step
        if current.weekday() < _SATURDAY and not _is_holiday(current, codes):
            remaining -= 1
    return current


def business_days_between(a: date, b: date, countries: Sequence[str]) -> int:
    """Business days in ``(a, b]``, or minus those in ``[b, a)`` when ``b < a``."""
    codes = _countries(countries)
    step, sign = (_ONE_DAY, 1) if b >= a else (-_ONE_DAY, -1)
    count, current = 0, a
    while current != b:
        current += step
        if current.weekday() < _SATURDAY and not _is_holiday(current, codes):
            count += sign
    return count


def roll_forward(d: date, countries: Sequence[str]) -> date:
    """``d`` itself when it is a business day, otherwise the next business day."""
    return d if is_business_day(d, countries) else add_business_days(d, 1, countries)


def holidays_between(
    a: date, b: date, countries: Sequence[str], *, language: str = "en_US"
) -> list[Holiday]:
    """Public holidays falling on a weekday in ``(a, b]``: the ones that lengthen a count.

    Names are in ``language`` when the country's calendar has it, else in its own language.
    """
    found: list[Holiday] = []
    for country in _countries(countries):
        for year in range(a.year, b.year + 1):
            for day, name in _calendar(country, year, language).items():
                if a < day <= b and day.weekday() < _SATURDAY:
                    found.append(Holiday(day, country, name))
    return sorted(found, key=lambda h: (h.day, h.country))


@lru_cache(maxsize=128)
def chinese_new_year(year: int) -> date:
    """First day of the Spring Festival in ``year`` (6 February 2027), from China's calendar."""
    calendar = holidays.country_holidays("CN", years=year, language="en_US")
    days = calendar.get_named("Spring Festival", lookup="icontains")
    if not days:
        raise ValueError(f"the Chinese calendar does not cover {year}")
    return min(days)
