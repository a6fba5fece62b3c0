"""Public parcel tracking ("Suivi de colis"), open to anyone, no sign-in: /suivi…

- ``/suivi``: the search form (a GET form: nothing changes, no CSRF token, no cookie);
  ``/suivi?numero=…`` shows the answer at once.
- ``/suivi/{numero}``: the parcel's timeline (local times and places), where it is now, the
  estimated delivery range, the diagnoses with their advice (stalled, returned, delivered but
  not received), and for a number with no tracking yet the "not found" advice and the
  recognition of the number (probable typos, with the corrected number to try).

The answer is the public API's (``services.tracking.public_view``, as ``GET
/api/v1/tracking/{number}``): no buyer, seller, order or amount. Look-ups share the API's
rate limit per client address; past it, a 429 page says how long to wait.

``parcel_context`` prepares a parcel for a template (also used by the agent console).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from babel import Locale
from babel.dates import format_skeleton
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from garant.carriers.numbers import detect
from garant.domain.diagnosis_texts import CARRIER_NAMES
from garant.domain.statuses import STATUSES
from garant.domain.tracking import SubStatus, TrackingStatus, buyer_status_code
from garant.http_common import TooManyRequests, public_lookup_wait
from garant.services.tracking import public_view
from garant.web.formatting import as_datetime
from garant.web.i18n import Translator
from garant.web.rendering import page_locale, render, render_with_problem, translator
from garant.web.session import garant_of

router = APIRouter()

MAX_NUMBER = 64  # as the API: longer input is cut, never an error
_FORMATS = {"s10": "UPU S10", "ups_1z": "UPS 1Z"}
_CHECK = re.compile(r"check digit(?: \(character (\d+)\))? should be (\d+), not (\S)")
_TOKEN = re.compile(r"\b[A-Z0-9]{6,64}\b")


# ------------------------------------------------------------------ routes


@router.get("/suivi")
def tracking_form(
    request: Request, numero: Annotated[str | None, Query(max_length=200)] = None
) -> Response:
    if numero is None:
        return render(request, "public/tracking.html", {"number": ""})
    if not numero.strip():
        _ = translator(request)
        errors = {"numero": _("Enter the tracking number given by the seller.")}
        return render(
            request,
            "public/tracking.html",
            {"number": "", "field_errors": errors},
            status_code=400,
        )
    return _lookup(request, numero)


@router.get("/suivi/{numero}")
def parcel(request: Request, numero: str) -> Response:
    return _lookup(request, numero)


def _lookup(request: Request, raw: str) -> Response:
    garant = garant_of(request)
    number = "".join(raw.split())[:MAX_NUMBER]  # spaces typed in the middle do not count
    # The API's own limiter: a scraper gets no more numbers through the pages than through it.
    seconds = public_lookup_wait(request, garant.settings.public_tracking_per_minute)
    if seconds:
        error = TooManyRequests(f"too many look-ups; try again in {seconds} s", retry_after=seconds)
        response = render_with_problem(
            request,
            "public/tracking.html",
            {"number": number, "retry_after": seconds},
            error,
            status_code=429,
        )
        response.headers["Retry-After"] = str(seconds)
        return response
    view = public_view(garant, number if len(number) >= 4 else (number or "?"))
    parcel = parcel_context(view, page_locale(request))
    assert parcel is not None
    return render(
        request, "public/parcel.html", {"number": parcel["number"] or number, "parcel": parcel}
    )


# ------------------------------------------------------------------ presentation


def parcel_context(view: dict[str, Any] | None, locale: str) -> dict[str, Any] | None:
    """A shipment view (``public_view`` or an order's ``tracking.shipment``) ready to show:
    events with their local time and place, the carriers' names, the diagnoses' sentences
    in the page's language, and for a number not found its recognition and typo hints."""
    if view is None:
        return None
    pick = _picker(locale)
    events = [_event(e, locale) for e in view.get("events", [])]
    location = view.get("location")
    diagnoses = view.get("diagnoses") or {}
    out: dict[str, Any] = {
        "number": view.get("number", ""),
        "found": bool(view.get("found")),
        "carrier": carrier_name(view.get("carrier")),
        "numbers": [
            {"number": n["number"], "carrier": carrier_name(n.get("carrier"))}
            for n in view.get("numbers", [])
            if n.get("number") != view.get("number")
        ],
        "status": view.get("buyer_status"),
        "location": place(location, locale) if location else "",
        "last_event_at": view.get("last_event_at"),
        "delivered_at": view.get("delivered_at"),
        "estimate": None,
        "events": events,
        "advice": [],
    }
    estimate = view.get("estimate")
    if estimate:
        out["estimate"] = {
            "earliest": estimate["earliest"],
            "latest": estimate["latest"],
            "basis": estimate.get(f"basis_{locale}") or estimate.get("basis_fr") or [],
        }
    # Each diagnosis: a heading code, its sentences (what it means, then what to do).
    stalled = diagnoses.get("stalled")
    if stalled:
        out["advice"].append(
            {
                "code": "stalled",
                "lead": pick(stalled.get("explanation")),
                "items": [pick(s) for s in stalled.get("advice", [])],
            }
        )
    returned = diagnoses.get("returned")
    if returned:
        items = [pick(s) for s in returned.get("advice", [])]
        items += [pick(s) for s in returned.get("remedy_sentences", [])]
        out["advice"].append(
            {"code": returned.get("code", "returned"), "lead": pick(returned.get("explanation")),
             "items": items}
        )  # fmt: skip
    delivered = diagnoses.get("delivered")
    if delivered:
        out["advice"].append(
            {
                "code": "delivered",
                "lead": pick(delivered.get("where")),
                "items": [pick(s) for s in delivered.get("advice", [])],
            }
        )
    not_found = diagnoses.get("not_found")
    if not_found:
        out["not_found"] = {
            "likely_cause": not_found.get("likely_cause"),
            "explanation": [pick(s) for s in not_found.get("explanation", [])],
            "advice": [pick(s) for s in not_found.get("advice", [])],
            "look_again_at": not_found.get("look_again_at"),
        }
        out["recognition"] = recognition(view.get("detection") or {})
    return out


def recognition(detection: dict[str, Any]) -> dict[str, Any]:
    """What the number looks like (carrier and format, best first) and, for a probable typo,
    the numbers that would be valid: from the carriers' own check (``detect``)."""
    number = str(detection.get("number") or "")
    candidates = [
        {
            "carrier": carrier_name(c.get("carrier")),
            "format": _FORMATS.get(str(c.get("format")), str(c.get("format") or "").upper()),
            "check_digit_ok": c.get("check_digit_ok"),
            "country": c.get("country"),
        }
        for c in detection.get("candidates", [])[:3]
    ]
    suggestions: list[str] = []
    for warning in detection.get("warnings", []):
        tried = [t for t in _TOKEN.findall(warning) if len(t) == len(number) and t != number]
        check = _CHECK.search(warning)
        if check and number:
            pos = int(check[1]) - 1 if check[1] else len(number) - 1
            if 0 <= pos < len(number) and number[pos] == check[3]:
                tried.append(number[:pos] + check[2] + number[pos + 1 :])
        for candidate in tried:
            if candidate not in suggestions and detect(candidate).valid:
                suggestions.append(candidate)
    return {
        "number": number,
        "valid": bool(detection.get("valid")),
        "typo": bool(detection.get("warnings")) or not detection.get("valid"),
        "candidates": candidates,
        "suggestions": suggestions[:3],
    }


def carrier_name(slug: str | None) -> str:
    if not slug or slug == "unknown":
        return ""
    return CARRIER_NAMES.get(slug) or slug.replace("_", " ").title()


def place(location: dict[str, Any] | None, locale: str) -> str:
    """'75011 Paris, France'; a carrier's office name when no town is given."""
    if not location:
        return ""
    town = " ".join(p for p in (location.get("postcode"), location.get("city")) if p)
    parts = [town] if town else []
    description = str(location.get("description") or "")
    if description and description.lower() not in (town.lower(), str(location.get("city")).lower()):
        parts.append(description.title() if description.isupper() else description)
    country = location.get("country")
    if country:
        parts.append(Locale.parse(locale).territories.get(country, country))
    return ", ".join(parts)


def local_time(value: Any, locale: str) -> str:
    """The time where the event happened: '25 mars 2024, 14:02 (UTC+8)'."""
    moment = as_datetime(value)
    if moment is None:
        return ""
    _ = Translator(locale)
    when = ", ".join(
        (
            format_skeleton("yMMMd", moment, tzinfo=moment.tzinfo, locale=locale),
            format_skeleton("Hm", moment, tzinfo=moment.tzinfo, locale=locale),
        )
    )
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    zone = f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
    return _("%(when)s local time (%(zone)s)", when=when, zone=zone)


def _event(e: dict[str, Any], locale: str) -> dict[str, Any]:
    try:
        code = buyer_status_code(TrackingStatus(e["status"]), SubStatus(e["sub_status"]))
    except (KeyError, ValueError):
        code = None
    shown = STATUSES.get(code) if code else None
    return {
        "at": e.get("occurred_at"),
        "local": local_time(e.get("occurred_at"), locale),
        "status": shown.to_json() if shown else None,
        "tone": "success" if e.get("status") == "delivered" else None,
        "text": e.get("raw_text") or "",
        "place": place(e.get("location"), locale),
        "carrier": carrier_name(e.get("carrier")),
    }


def _picker(locale: str) -> Any:
    def pick(sentence: Any) -> str:
        if isinstance(sentence, dict):
            return str(sentence.get(locale) or sentence.get("fr") or "")
        return "" if sentence is None else str(sentence)

    return pick
