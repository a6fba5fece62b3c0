"""What a buyer notification says (TRK-9, TRK-6), in French and English, from the templates in
``notify/templates/<locale>/``.

Each kind has one template per locale with two blocks: ``subject`` and ``lead`` (what happened
and what to do, in plain text). The email's text and HTML bodies are shared layouts around
them (``email.txt``, ``email.html``), so the order reference, tracking number, status, place
and link look the same in every message (a message about no parcel, such as a dispute step,
leaves out the parcel's lines); the in-app notification is the subject and the lead.
The lead is plain text: the HTML layout escapes it, paragraph by paragraph.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote

from babel import Locale
from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape
from sqlalchemy import Connection, select

from garant.domain.statuses import STATUSES
from garant.notify import dispute_texts
from garant.store.schema import orders, users

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"  # DESIGN: French by default, English available
TRACKING_KINDS = frozenset({
    "shipped", "arrived_destination_country", "out_for_delivery", "delivered",
    "delivery_failed", "available_for_pickup", "stalled",
})  # fmt: skip
# DSP, RET, PRT: to the party concerned (services.dispute_notifications); about no parcel.
DISPUTE_KINDS = frozenset({
    "dispute_opened", "dispute_answered", "dispute_offer", "dispute_escalated",
    "dispute_evidence_requested", "dispute_decided", "dispute_closed", "return_started",
    "return_shipped", "return_closed", "auto_confirmed", "choice_refunded",
})  # fmt: skip
KINDS = TRACKING_KINDS | DISPUTE_KINDS
TOPIC_PREFIX = "notify."

# French says "au Portugal", "aux Pays-Bas", "en France"; English "the Netherlands".
_FR_AU = frozenset({"LU", "PT", "DK", "CA", "JP", "BR", "MA", "MX"})
_FR_AUX = frozenset({"NL", "US", "AE", "PH"})
_EN_THE = frozenset({"NL", "US", "GB", "AE", "PH"})


@dataclass(frozen=True)
class Recipient:
    user_id: int
    name: str
    email: str
    locale: str


@dataclass(frozen=True)
class Rendered:
    subject: str
    lead: str  # the in-app body
    text: str
    html: str


def kind_of(topic: str) -> str | None:
    """The notification kind of an outbox topic, when it is one we can write to a buyer."""
    kind = topic.removeprefix(TOPIC_PREFIX)
    return kind if topic.startswith(TOPIC_PREFIX) and kind in KINDS else None


def locale_of(value: str | None) -> str:
    language = (value or "").replace("_", "-").split("-")[0].lower()
    return language if language in LOCALES else DEFAULT_LOCALE


def recipient(conn: Connection, user_id: int) -> Recipient | None:
    row = conn.execute(
        select(users.c.id, users.c.name, users.c.email, users.c.locale).where(users.c.id == user_id)
    ).first()
    if row is None:
        return None
    return Recipient(int(row.id), row.name, (row.email or "").strip(), locale_of(row.locale))


def destination_of(conn: Connection, payload: Mapping[str, Any]) -> str | None:
    """The order's destination country: "arrivé en France" needs it and tracking payloads
    carry only the scan's place. A payload that says it wins over the database."""
    given = payload.get("destination_country")
    if isinstance(given, str) and given:
        return given
    order_id = payload.get("order_id")
    if not isinstance(order_id, int):
        return None
    value = conn.execute(
        select(orders.c.destination_country).where(orders.c.id == order_id)
    ).scalar()
    return None if value is None else str(value)


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("garant.notify", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,  # a misspelt variable fails the test, not the buyer's mail
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _block(template: Template, name: str, context: dict[str, Any]) -> str:
    return "".join(template.blocks[name](template.new_context(context))).strip()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _country_in(code: str | None, locale: str) -> str:
    """ "en France" / "in France", or the destination country when the code is unknown."""
    name = Locale.parse(locale).territories.get(code.upper()) if code else None
    if name is None:
        return "dans le pays de destination" if locale == "fr" else "in the destination country"
    upper = (code or "").upper()
    if locale == "fr":
        return f"{'aux' if upper in _FR_AUX else 'au' if upper in _FR_AU else 'en'} {name}"
    return f"in {'the ' if upper in _EN_THE else ''}{name}"


def _stall(payload: Mapping[str, Any], locale: str) -> dict[str, Any] | None:
    stall = payload.get("stall")
    if not isinstance(stall, Mapping):
        return None
    # The sentences were written by the diagnosis (TRK-6) with their dates; the protection
    # sentence names the day the buyer protection ends.
    return {
        "explanation": stall["explanation"][locale],
        "advice": [a[locale] for a in stall.get("advice", [])],
        "protection": stall["protection"][locale],
    }


def _paragraphs(lead: str) -> list[dict[str, Any]]:
    """The lead as HTML-ready pieces: lines starting "- " become a list, the rest paragraphs."""
    pieces: list[dict[str, Any]] = []
    for chunk in (c.strip() for c in lead.split("\n\n")):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        items = [line[2:] for line in lines if line.startswith("- ")]
        text = [line for line in lines if not line.startswith("- ")]
        if text:
            pieces.append({"list": False, "lines": text})
        if items:
            pieces.append({"list": True, "lines": items})
    return pieces


def context(
    payload: Mapping[str, Any], locale: str, *, name: str, destination: str | None, base_url: str
) -> dict[str, Any]:
    kind = str(payload.get("kind"))
    status = payload.get("status") or {}
    known = STATUSES.get(str(status.get("code") or kind))
    status_text = status.get(locale) or (getattr(known, locale) if known else "")
    number = str(payload.get("tracking_number") or "")
    order_id = payload.get("order_id")
    return {
        "kind": kind,
        "name": name,
        "ref": payload.get("external_ref") or f"#{order_id}",
        "number": number,
        "status": status_text,
        "where": payload.get("where"),
        "country_in": _country_in(destination, locale),
        # A message about no parcel (a dispute step) has no tracking link.
        "link": f"{base_url.rstrip('/')}/suivi/{quote(number, safe='')}" if number else None,
        "stall": _stall(payload, locale),
        "step": dispute_texts.values(payload, locale),
    }


def render(kind: str, locale: str, values: dict[str, Any]) -> Rendered:
    """One notification in one locale. ``values`` comes from ``context``."""
    env = _environment()
    template = env.get_template(f"{locale}/{kind}.txt")
    subject = _one_line(_block(template, "subject", values))
    lead = _block(template, "lead", values)
    parts = {**values, "subject": subject, "lead": lead, "paragraphs": _paragraphs(lead)}
    text = env.get_template(f"{locale}/email.txt").render(parts).strip() + "\n"
    html = env.get_template(f"{locale}/email.html").render(parts).strip() + "\n"
    return Rendered(subject=subject, lead=lead, text=text, html=html)
