"""The parcel on the order page, in words: the carrier's events at their place and local
time, the estimate, the diagnoses (stalled, going back, "delivered but not received?")."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from babel import Locale
from babel.dates import format_skeleton

from garant.domain.diagnosis_texts import CARRIER_NAMES
from garant.web import formatting as fmt
from garant.web.i18n import Translator
from garant.web.pages_buyer.common import word
from garant.web.pages_buyer.words import DIAGNOSIS_TITLES, TRACKING_STATUSES, TRACKING_SUB_STATUSES

_FIRST = datetime.min.replace(tzinfo=UTC)  # sort keys for a missing date


def _carrier(slug: str | None) -> str:
    """'china_post' → 'China Post'."""
    if not slug or slug == "unknown":
        return ""
    return str(CARRIER_NAMES.get(slug) or slug.replace("_", " ").title())


def _country(code: str | None, locale: str) -> str:
    if not code:
        return ""
    name = Locale.parse(locale).territories.get(code.upper())
    return str(name) if name else code


def _place(location: Mapping[str, Any] | None, locale: str) -> str:
    if not location:
        return ""
    parts = [
        location.get("description"),
        location.get("city"),
        _country(location.get("country"), locale),
    ]
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(str(part))
    return ", ".join(seen)


def _local_time(iso: str, locale: str) -> str:
    """The time at the place of the event, with its offset: '3 nov. 2026, 14:00 (UTC+08:00)'."""
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        return fmt.format_datetime(moment, locale, zone=False)
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds()) // 60 if offset else 0
    sign = "+" if minutes >= 0 else "-"
    zone = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    day = format_skeleton("yMMMd", moment, tzinfo=moment.tzinfo, locale=locale)
    hour = format_skeleton("Hm", moment, tzinfo=moment.tzinfo, locale=locale)
    pattern = str(Locale.parse(locale).datetime_formats["medium"])
    return pattern.replace("{1}", day).replace("{0}", hour) + f" ({zone})"


def _sentences(items: Any, locale: str) -> list[str]:
    if isinstance(items, Mapping):
        items = [items]
    return [fmt.pick(s, locale) for s in items or [] if isinstance(s, Mapping)]


def _diagnoses(shipment: Mapping[str, Any], _: Translator, locale: str) -> list[dict[str, Any]]:
    out = []
    for code, d in (shipment.get("diagnoses") or {}).items():
        if not isinstance(d, Mapping):
            continue
        text = _sentences(d.get("explanation"), locale) + _sentences(d.get("where"), locale)
        text += _sentences(d.get("protection"), locale)
        advice = _sentences(d.get("advice"), locale) + _sentences(d.get("remedy_sentences"), locale)
        date_label, date = None, None
        if d.get("look_again_at"):
            date_label, date = _("Look again"), d["look_again_at"]
        elif d.get("act_by"):
            date_label, date = _("Act by"), d["act_by"]
        elif d.get("dispute_until"):
            date_label, date = _("Dispute possible until"), d["dispute_until"]
        out.append(
            {
                "code": code,
                "title": word(_, DIAGNOSIS_TITLES, code),
                "text": text,
                "advice": advice,
                "date_label": date_label,
                "date": date,
                "tone": "warning" if code != "delivered" else "info",
            }
        )
    return out


def _event_title(event: Mapping[str, Any], _: Translator) -> str:
    sub, status = str(event.get("sub_status") or ""), str(event.get("status") or "")
    if sub in TRACKING_SUB_STATUSES:
        return word(_, TRACKING_SUB_STATUSES, sub)
    if status in TRACKING_STATUSES:
        return word(_, TRACKING_STATUSES, status)
    return status.replace("_", " ")


def tracking_view(view: Mapping[str, Any], _: Translator, locale: str) -> dict[str, Any] | None:
    tracking = view.get("tracking") or {}
    shipment = tracking.get("shipment")
    if not tracking.get("number") and not shipment:
        return None
    out: dict[str, Any] = {
        "number": tracking.get("number"),
        "previous": tracking.get("previous_numbers") or [],
        "status": tracking.get("status"),
        "shipped_at": tracking.get("shipped_at"),
        "delivered_at": tracking.get("delivered_at"),
        "found": bool(shipment and shipment.get("found")),
        "carrier": _carrier((shipment or {}).get("carrier")),
        "events": [],
        "location": "",
        "estimate": None,
        "diagnoses": [],
    }
    if not shipment:
        return out
    events = sorted(
        shipment.get("events") or [],
        key=lambda e: fmt.as_datetime(e["occurred_at"]) or _FIRST,
        reverse=True,
    )
    out["events"] = [
        {
            "at": e["occurred_at"],
            "local": _local_time(e["occurred_at"], locale),
            "title": _event_title(e, _),
            "place": _place(e.get("location"), locale),
            "raw": e.get("raw_text") or "",
            "tone": "success" if e.get("status") == "delivered" else None,
        }
        for e in events
    ]
    out["location"] = _place(shipment.get("location"), locale)
    estimate = shipment.get("estimate")
    if estimate:
        out["estimate"] = {
            "earliest": estimate.get("earliest"),
            "latest": estimate.get("latest"),
            "basis": estimate.get(f"basis_{locale}") or estimate.get("basis_fr") or [],
        }
    out["diagnoses"] = _diagnoses(shipment, _, locale)
    out["numbers"] = [n for n in shipment.get("numbers") or [] if n.get("number") != out["number"]]
    return out
