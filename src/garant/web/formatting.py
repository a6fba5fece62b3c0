"""Amounts, dates and durations as a reader of each language expects them (Babel).

Times are stored in UTC and shown in Europe/Paris, with the zone said: "22 nov. 2026, 10:05
(heure de Paris)". Every function takes the locale explicitly; the Jinja filters built on
them (``garant.web.rendering``) pass the page's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_currency, format_decimal

from garant.web.i18n import Translator

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"

Moment = datetime | str | None


def as_datetime(value: Moment) -> datetime | None:
    """A datetime from a datetime or an ISO 8601 string (the services' views give strings);
    a naive one is taken as UTC, as the database stores it."""
    if value is None or value == "":
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def format_money(amount: Decimal | str | int | float | None, currency: str = "EUR",
                 locale: str = "fr") -> str:  # fmt: skip
    """'24.90' → '24,90 €' (fr) or '€24.90' (en). ``amount`` is in major units, as the
    services' views give it (a string such as '24.90')."""
    if amount is None or amount == "":
        return ""
    return format_currency(Decimal(str(amount)), currency, locale=locale)


def format_money_cents(cents: int | None, currency: str = "EUR", locale: str = "fr") -> str:
    """Integer minor units (2490) → '24,90 €'."""
    if cents is None:
        return ""
    return format_money(Decimal(cents) / 100, currency, locale)


def format_number(value: int | float | Decimal | None, locale: str = "fr") -> str:
    return "" if value is None else format_decimal(value, locale=locale)


def format_date(value: Moment, locale: str = "fr") -> str:
    """'22 nov. 2026' / 'Nov 22, 2026' (the day in Paris)."""
    moment = as_datetime(value)
    return "" if moment is None else format_skeleton("yMMMd", moment, tzinfo=PARIS, locale=locale)


def format_time(value: Moment, locale: str = "fr") -> str:
    """'10:05' (Paris time, 24 h)."""
    moment = as_datetime(value)
    return "" if moment is None else format_skeleton("Hm", moment, tzinfo=PARIS, locale=locale)


def format_datetime(value: Moment, locale: str = "fr", *, zone: bool = True) -> str:
    """'22 nov. 2026, 10:05 (heure de Paris)' / 'Nov 22, 2026, 10:05 (Paris time)'."""
    moment = as_datetime(value)
    if moment is None:
        return ""
    pattern = Locale.parse(locale).datetime_formats["medium"]
    text = (
        str(pattern)
        .replace("{1}", format_date(moment, locale))
        .replace("{0}", format_time(moment, locale))
    )
    if not zone:
        return text
    _ = Translator(locale)
    return _("%(when)s (Paris time)", when=text)


def format_duration(value: timedelta | int | float, locale: str = "fr") -> str:
    """The two largest units: '2 j 5 h', '5 h 3 min', '12 min' (fr); '2 d 5 h' (en)."""
    _ = Translator(locale)
    seconds = int(abs(value.total_seconds() if isinstance(value, timedelta) else value))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    parts: list[str] = []
    if days:
        parts.append(_("%(n)s d", n=days))
        if hours and days < 10:
            parts.append(_("%(n)s h", n=hours))
    elif hours:
        parts.append(_("%(n)s h", n=hours))
        if minutes:
            parts.append(_("%(n)s min", n=minutes))
    elif minutes:
        parts.append(_("%(n)s min", n=minutes))
    else:
        return _("less than a minute")
    return " ".join(p.replace(" ", NBSP) for p in parts)


def format_relative(value: Moment, now: datetime, locale: str = "fr") -> str:
    """'dans 2 j 5 h' / 'il y a 3 h' ('in 2 d 5 h' / '3 h ago'), from ``now``."""
    moment = as_datetime(value)
    if moment is None:
        return ""
    _ = Translator(locale)
    delta = moment - now
    duration = format_duration(delta, locale)
    if delta.total_seconds() >= 0:
        return _("in %(duration)s", duration=duration)
    return _("%(duration)s ago", duration=duration)


def deadline_tone(value: Moment, now: datetime) -> str:
    """How pressing a deadline is: 'overdue', 'urgent' (< 24 h), 'soon' (< 72 h), 'later'.
    The stylesheet colours ``.chip--<tone>``."""
    moment = as_datetime(value)
    if moment is None:
        return "later"
    left = (moment - now).total_seconds()
    if left < 0:
        return "overdue"
    if left < 86_400:
        return "urgent"
    if left < 3 * 86_400:
        return "soon"
    return "later"


_TONES = {
    "success": {"delivered", "completed", "refunded", "resolved", "customs_cleared",
                "approved", "accepted"},
    "danger": {"cancelled", "abandoned", "unfulfillable", "delivery_failed", "returned_to_sender",
               "shipment_cancelled", "declined", "lapsed", "overdue"},
    "warning": {"awaiting_details", "amount_updated", "available_for_pickup", "customs_clearance",
                "return_in_progress", "awaiting_seller", "negotiating", "escalated", "appealed",
                "pending", "processing", "decided"},
}  # fmt: skip


def status_tone(code: str | None) -> str:
    """'success', 'danger', 'warning', 'info' (moving along) or 'neutral', for a status code
    (buyer status, dispute state, request status). ``.badge--<tone>`` in the stylesheet."""
    if not code:
        return "neutral"
    for tone, codes in _TONES.items():
        if code in codes:
            return tone
    return "info"


def pick(labels: Mapping[str, Any] | Any, locale: str, key: str | None = None) -> str:
    """The label of a bilingual dict the services give: ``{"code", "fr", "en"}`` → its
    ``fr`` or ``en``; with ``key``, ``{"reason_fr", "reason_en"}`` → ``reason_<locale>``.
    Falls back to French, then to the code; a plain string is returned as is."""
    if not isinstance(labels, Mapping):
        return "" if labels is None else str(labels)
    names = [f"{key}_{locale}", f"{key}_fr", key] if key else [locale, "fr", "code"]
    for name in names:
        value = labels.get(name)
        if value:
            return str(value)
    return ""
