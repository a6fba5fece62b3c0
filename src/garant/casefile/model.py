"""The case file's data (DSP-9): everything a dispute's export shows, as plain frozen values.

This is the contract between whoever reads the database (a service) and the renderers
(``pdf.py``, ``letter.py``). Nothing here reads the database, the clock or the settings: a
``CaseFile`` is built once, then rendered as many times as wanted, always to the same bytes.

Conventions of the contract:
- Money is integer cents of ``Order.currency`` (EUR in practice); ``None`` where a kind
  of resolution takes no amount (a reshipment) or means "in full".
- Every datetime is timezone-aware (UTC from the database is fine); the renderers show
  it in the reader's zone (Europe/Paris by default) and say which.
- Codes (``state``, ``kind``, ``role``, ``status``…) are the domain's vocabulary
  (``garant.domain.disputes``); the renderers translate the ones they know and print the
  others as they are. Labels the domain already translated arrive as ``*_fr``/``*_en``.
- Free text (descriptions, messages, notes, file names) is printed literally, whatever it
  contains.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo


def _aware(name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


@dataclass(frozen=True, kw_only=True)
class Platform:
    """The marketplace the order was placed on, and where a registered letter goes (MSG-4).
    ``address_lines`` is the full postal block, legal entity first."""

    name: str
    address_lines: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Buyer:
    id: int
    name: str
    email: str
    address_lines: tuple[str, ...] = ()  # postal address, when the buyer gave one


@dataclass(frozen=True, kw_only=True)
class Seller:
    id: int
    name: str


@dataclass(frozen=True, kw_only=True)
class Item:
    title: str
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True, kw_only=True)
class Order:
    id: int
    external_ref: str | None  # the marketplace's own order number, when known
    created_at: datetime
    paid_at: datetime | None
    total_cents: int
    currency: str
    items: tuple[Item, ...]
    shipping_method: str | None
    tracking_number: str | None
    carrier: str | None
    state: str  # the order's state code
    status_fr: str  # the buyer-visible status (ORD-1), in French
    status_en: str
    buyer: Buyer
    seller: Seller

    def __post_init__(self) -> None:
        _aware("Order.created_at", self.created_at)
        _aware("Order.paid_at", self.paid_at)

    @property
    def number(self) -> str:
        """The number a buyer and the platform know the order by."""
        return self.external_ref or str(self.id)


@dataclass(frozen=True, kw_only=True)
class TimelineEntry:
    at: datetime
    actor_role: str  # buyer, seller, agent, operator, system
    action: str  # the action's code, e.g. "open_dispute"
    status_fr: str | None = None  # the status this step showed, if any
    status_en: str | None = None
    reason: str = ""
    details: Mapping[str, object] = field(default_factory=dict)  # printed as "key: value"

    def __post_init__(self) -> None:
        _aware("TimelineEntry.at", self.at)


@dataclass(frozen=True, kw_only=True)
class TrackingEvent:
    at: datetime
    location: str | None
    description: str  # the carrier's own words
    status: str  # the unified tracking status (TRK)

    def __post_init__(self) -> None:
        _aware("TrackingEvent.at", self.at)


@dataclass(frozen=True, kw_only=True)
class Message:
    """One message of the order's thread (DSP-1), kept as evidence."""

    at: datetime
    author_role: str
    author_name: str
    body: str
    attachment_ids: tuple[int, ...] = ()  # ids of ``Evidence`` rows

    def __post_init__(self) -> None:
        _aware("Message.at", self.at)


@dataclass(frozen=True, kw_only=True)
class Resolution:
    kind: str  # full_refund, partial_refund, reshipment, return_and_refund, no_refund
    amount_cents: int | None = None


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """How a closed dispute ended."""

    kind: str  # a resolution kind
    amount_cents: int | None
    how: str  # e.g. accept_request, accept_offer, grant_by_default, decision, withdrawn
    in_favour_of: str  # buyer, seller or split


@dataclass(frozen=True, kw_only=True)
class Dispute:
    id: int
    reason: str  # DSP-2 code, e.g. "not_received"
    reason_label_fr: str
    reason_label_en: str
    detail: str | None  # the reason's detail code or label (colour, size…), if any
    description: str  # the buyer's own words
    requested: Resolution  # what the buyer asked for (DSP-3)
    opened_at: datetime
    state: str
    state_label_fr: str
    state_label_en: str
    closed_at: datetime | None = None
    outcome: Outcome | None = None

    def __post_init__(self) -> None:
        _aware("Dispute.opened_at", self.opened_at)
        _aware("Dispute.closed_at", self.closed_at)


@dataclass(frozen=True, kw_only=True)
class Offer:
    """A proposal of either party (DSP-4/5)."""

    seq: int
    at: datetime
    by_role: str
    kind: str  # a resolution kind
    amount_cents: int | None
    message: str
    status: str  # pending, accepted, rejected, countered, superseded, expired, closed
    reply_by: datetime | None = None

    def __post_init__(self) -> None:
        _aware("Offer.at", self.at)
        _aware("Offer.reply_by", self.reply_by)


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """A file given as evidence (DSP-3). ``sha256`` is the original's hash; ``shown_sha256``
    the copy the other party saw (image metadata stripped); both are lowercase hex."""

    id: int
    filename: str
    kind: str  # photo, video, screenshot, document
    content_type: str
    size_bytes: int
    sha256: str
    shown_sha256: str
    uploader_role: str
    at: datetime

    def __post_init__(self) -> None:
        _aware("Evidence.at", self.at)


@dataclass(frozen=True, kw_only=True)
class EvidenceRequest:
    """The platform asked a party for evidence, by a date (DSP-6)."""

    party: str  # buyer or seller
    note: str
    asked_at: datetime
    due_at: datetime
    status: str  # open, answered, overdue, closed
    answered_at: datetime | None = None

    def __post_init__(self) -> None:
        _aware("EvidenceRequest.asked_at", self.asked_at)
        _aware("EvidenceRequest.due_at", self.due_at)
        _aware("EvidenceRequest.answered_at", self.answered_at)


@dataclass(frozen=True, kw_only=True)
class Decision:
    """The platform's decision after mediation (DSP-6)."""

    in_favour_of: str  # buyer, seller or split
    kind: str  # a resolution kind
    amount_cents: int | None
    note: str
    decided_at: datetime
    appealed: bool = False
    final: bool = False

    def __post_init__(self) -> None:
        _aware("Decision.decided_at", self.decided_at)


@dataclass(frozen=True, kw_only=True)
class Refund:
    """A refund granted (PRT-5): it arrives between ``expected_from`` and ``expected_to``."""

    amount_cents: int
    expected_from: datetime
    expected_to: datetime
    settled_at: datetime | None = None

    def __post_init__(self) -> None:
        _aware("Refund.expected_from", self.expected_from)
        _aware("Refund.expected_to", self.expected_to)
        _aware("Refund.settled_at", self.settled_at)


@dataclass(frozen=True, kw_only=True)
class CaseFile:
    """One dispute with everything around it (DSP-9). Sequences are in the order to print
    (oldest first is what the service should give)."""

    generated_at: datetime  # printed on every page; also the complaint letter's date
    platform: Platform
    order: Order
    dispute: Dispute
    timeline: tuple[TimelineEntry, ...] = ()
    tracking: tuple[TrackingEvent, ...] = ()
    messages: tuple[Message, ...] = ()
    offers: tuple[Offer, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    evidence_requests: tuple[EvidenceRequest, ...] = ()
    decision: Decision | None = None
    refunds: tuple[Refund, ...] = ()

    def __post_init__(self) -> None:
        _aware("CaseFile.generated_at", self.generated_at)

    @property
    def refunded_cents(self) -> int:
        """Every refund granted, arrived or not."""
        return sum(r.amount_cents for r in self.refunds)

    @property
    def settled_cents(self) -> int:
        return sum(r.amount_cents for r in self.refunds if r.settled_at is not None)

    @property
    def closed_against_buyer(self) -> bool:
        """DSP-8: the dispute is over and the buyer got nothing of what was asked."""
        if self.dispute.closed_at is None:
            return False
        outcome = self.dispute.outcome
        if outcome is not None:
            return outcome.in_favour_of == "seller"
        return self.decision is not None and self.decision.in_favour_of == "seller"


# ----------------------------------------------------------------------------- formatting

_SYMBOLS = {"EUR": "€"}


def format_money(cents: int, currency: str = "EUR", locale: str = "fr") -> str:
    """``2490`` → ``"24,90 €"`` in French, ``"€24.90"`` in English. Plain spaces (the PDF
    renderer keeps an amount on one line by itself); other currencies print their code."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    symbol = _SYMBOLS.get(currency.upper())
    if locale == "en":
        number = f"{units:,}.{rest:02d}"
        return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency.upper()}"
    number = f"{units:,}".replace(",", " ") + f",{rest:02d}"
    return f"{sign}{number} {symbol or currency.upper()}"


DEFAULT_TZ = "Europe/Paris"  # French buyers first; the renderers take another zone


def lang_of(locale: str) -> str:
    """ "fr", "fr_FR", "fr-BE" → "fr"; anything else → "en"."""
    return "fr" if locale.lower().startswith("fr") else "en"


def format_datetime(value: datetime, locale: str = "fr", tz: str = DEFAULT_TZ) -> str:
    """``22/11/2026 14:05`` in French, ``2026-11-22 14:05`` in English, in zone ``tz``."""
    local = value.astimezone(ZoneInfo(tz))
    return local.strftime("%d/%m/%Y %H:%M" if lang_of(locale) == "fr" else "%Y-%m-%d %H:%M")


def format_day(value: datetime, locale: str = "fr", tz: str = DEFAULT_TZ) -> str:
    local = value.astimezone(ZoneInfo(tz))
    return local.strftime("%d/%m/%Y" if lang_of(locale) == "fr" else "%Y-%m-%d")
