"""What the dispute, return and protection messages need, in the reader's language: the
``step`` the templates read (``services.dispute_notifications`` writes the raw facts).

Deadlines are shown in Europe/Paris time, saying so ("samedi 7 novembre 2026 à 10 h 00
(heure de Paris)"), refund dates as days, amounts in euros, all with Babel in the reader's
locale. Every key is always present (None when the message has no such fact), so the
templates' StrictUndefined catches a misspelt name rather than a missing fact.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_currency

from garant.domain.disputes import DETAILS, REASONS
from garant.domain.money import CURRENCY
from garant.domain.order_protection import NO_RETURN_ADDRESS

PARIS = ZoneInfo("Europe/Paris")
_BABEL = {"fr": "fr_FR", "en": "en_GB"}  # English dates as "7 November 2026"

# A resolution as said inside a sentence ("Le vendeur propose : remboursement partiel de …").
_RESOLUTIONS = {
    "full_refund": ("remboursement intégral", "full refund"),
    "partial_refund": ("remboursement partiel de {amount}", "partial refund of {amount}"),
    "reshipment": ("renvoi de l'article", "reshipment of the item"),
    "return_and_refund": ("retour de l'article et remboursement", "return of the item and refund"),
    "no_refund": ("pas de remboursement", "no refund"),
}
_RETURN_AMOUNT = (" de {amount}", " of {amount}")

_KEYS = (
    "role", "by", "event", "answer", "how", "trigger", "in_favour_of", "result", "offer_by",
    "final", "appeal", "reason", "detail", "requested", "resolution", "outcome", "message",
    "note", "answer_by", "reply_by", "escalate_from", "escalates_at", "due_at", "due_day",
    "appeal_by", "ship_by", "ship_back_by", "ship_back_day", "confirm_by", "dispute_until",
    "refund", "released", "return_address", "return_refund", "tracking_number", "carrier",
    "days",
)  # fmt: skip


def _babel(locale: str) -> str:
    return _BABEL.get(locale, _BABEL["fr"])


def _parse_moment(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=PARIS)


def _parse_day(value: object) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def day(value: date, locale: str) -> str:
    """ "1er décembre 2026" / "1 December 2026"."""
    month_year = format_date(value, "MMMM y", locale=_babel(locale))
    number = "1er" if locale == "fr" and value.day == 1 else str(value.day)
    return f"{number} {month_year}"


def moment(value: datetime, locale: str) -> str:
    """A deadline in Paris time, saying so: "samedi 7 novembre 2026 à 10 h 00 (heure de
    Paris)" / "Saturday 7 November 2026 at 10:00 (Paris time)"."""
    local = value.astimezone(PARIS)
    weekday = format_date(local.date(), "EEEE", locale=_babel(locale))
    if locale == "fr":
        clock = format_time(local.time(), "HH 'h' mm", locale=_babel(locale))
        return f"{weekday} {day(local.date(), locale)} à {clock} (heure de Paris)"
    clock = format_time(local.time(), "HH:mm", locale=_babel(locale))
    return f"{weekday} {day(local.date(), locale)} at {clock} (Paris time)"


def money(value: object, locale: str, currency: str = CURRENCY) -> str | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return format_currency(amount, currency, locale=_babel(locale))


def _when(value: object, locale: str) -> str | None:
    parsed = _parse_moment(value)
    return None if parsed is None else moment(parsed, locale)


def _day_of(value: object, locale: str) -> str | None:
    parsed = _parse_moment(value)
    return None if parsed is None else day(parsed.astimezone(PARIS).date(), locale)


def resolution(raw: object, locale: str, currency: str = CURRENCY) -> str | None:
    """ "remboursement partiel de 10,00 €" / "partial refund of €10.00"."""
    if not isinstance(raw, Mapping):
        return None
    words = _RESOLUTIONS.get(str(raw.get("kind")))
    if words is None:
        return None
    i = 0 if locale == "fr" else 1
    amount = money(raw.get("amount"), locale, currency)
    text = words[i]
    if "{amount}" in text:
        return text.format(amount=amount or "?")
    if raw.get("kind") == "return_and_refund" and amount:
        text += _RETURN_AMOUNT[i].format(amount=amount)
    return text


def _label(code: object, labels: Mapping[str, Any], locale: str) -> str | None:
    found = labels.get(str(code)) if code else None
    return None if found is None else str(getattr(found, locale))


def _refund(raw: object, locale: str, currency: str) -> dict[str, str | None] | None:
    if not isinstance(raw, Mapping):
        return None
    start, end = _parse_day(raw.get("expected_from")), _parse_day(raw.get("expected_to"))
    return {
        "amount": money(raw.get("amount"), locale, currency),
        "from": day(start, locale) if start else None,
        "to": day(end, locale) if end else None,
    }


def _address(value: object) -> str | None:
    if not isinstance(value, str) or value == NO_RETURN_ADDRESS:
        return None  # the seller has none on file: the message says to ask for it
    lines = [line.strip() for line in value.splitlines() if line.strip()]
    return "\n".join(lines) or None


def values(payload: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """The ``step`` of a message's template; every key present, None where not given."""
    raw = payload.get("details")
    facts: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    currency = str(payload.get("currency") or CURRENCY)
    out: dict[str, Any] = dict.fromkeys(_KEYS)
    for key in ("by", "event", "answer", "how", "trigger", "in_favour_of", "result",
                "offer_by", "tracking_number", "carrier", "days"):  # fmt: skip
        out[key] = facts.get(key)
    out["role"] = payload.get("role")
    out["final"] = bool(facts.get("final"))
    out["appeal"] = bool(facts.get("appeal"))
    out["message"] = facts.get("message") or None
    out["note"] = facts.get("note") or None
    reason = facts.get("reason")
    out["reason"] = _label(reason, REASONS, locale)
    out["detail"] = _label(facts.get("detail"), DETAILS.get(str(reason), {}), locale)
    out["requested"] = resolution(facts.get("requested"), locale, currency)
    out["resolution"] = resolution(facts.get("resolution"), locale, currency)
    res = facts.get("resolution")
    out["outcome"] = str(res.get("kind")) if isinstance(res, Mapping) else None
    for key in ("answer_by", "reply_by", "escalate_from", "escalates_at", "due_at",
                "appeal_by", "ship_by", "ship_back_by", "confirm_by"):  # fmt: skip
        out[key] = _when(facts.get(key), locale)
    out["due_day"] = _day_of(facts.get("due_at"), locale)
    out["dispute_until"] = _day_of(facts.get("dispute_until"), locale)
    out["refund"] = _refund(facts.get("refund"), locale, currency)
    out["released"] = money(facts.get("released"), locale, currency)
    back = facts.get("return")
    if isinstance(back, Mapping):
        out["return_address"] = _address(back.get("address"))
        out["return_refund"] = money(back.get("refund"), locale, currency)
        out["ship_back_by"] = _when(back.get("ship_back_by"), locale)
    out["ship_back_day"] = _day_of(
        back.get("ship_back_by") if isinstance(back, Mapping) else facts.get("ship_back_by"),
        locale,
    )
    return out
