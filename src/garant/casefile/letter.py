"""The formal complaint letter (MSG-4), composed from a case file.

The buyer sends it to the platform by registered letter with acknowledgment of receipt,
with the case file; ``pdf_letter`` prints it, ``ComplaintLetter.text()`` gives it as plain
text. The wording, in French and English, is in ``letter_texts``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date

from garant.casefile.labels import label, resolution_text
from garant.casefile.letter_texts import LETTER_EN, LETTER_FR, RESOLUTION_PHRASES
from garant.casefile.model import DEFAULT_TZ, CaseFile, format_day, format_money, lang_of

# Seed 001 ("Réclamation par voie postale"): a formal complaint goes by registered letter
# with acknowledgment of receipt to "Aliexpress Alibaba France 6 rue Menars 75002 Paris"
# (the street is spelt "Ménars").
DEFAULT_PLATFORM_ADDRESS: tuple[str, ...] = ("Alibaba France", "6 rue Ménars", "75002 Paris")

# MSG-4. Garant's default, not a legal deadline: the time the letter gives the platform to
# answer before the buyer turns to a consumer association or the consumer mediator.
COMPLAINT_ANSWER_DAYS = 30

_POSTCODE_CITY = re.compile(r"^\s*(?:[A-Z]{1,2}-)?\d{4,5}\s+(?P<city>\S.*?)\s*$")


@dataclass(frozen=True, kw_only=True)
class ComplaintLetter:
    """A formal complaint letter (MSG-4), as blocks: ``pdf.render_complaint_letter`` lays
    them out on a page, ``text()`` on lines (an e-mail body)."""

    sender_lines: tuple[str, ...]
    recipient_lines: tuple[str, ...]
    place_date: str  # "Paris, le 22 novembre 2026"
    mode: str  # "Lettre recommandée avec accusé de réception"
    subject: str  # "Objet : Réclamation — commande n° … — litige n° …"
    salutation: str
    paragraphs: tuple[str, ...]
    closing: str
    signature: str
    enclosures: str

    def text(self) -> str:
        blocks = [
            "\n".join(self.sender_lines),
            "\n".join(self.recipient_lines),
            self.place_date,
            f"{self.mode}\n{self.subject}",
            self.salutation,
            *self.paragraphs,
            self.closing,
            self.signature,
            self.enclosures,
        ]
        return "\n\n".join(blocks) + "\n"


def _letter_date(case: CaseFile, lang: str, tz: str) -> str:
    day = case.generated_at.astimezone(ZoneInfo(tz)).date()
    text = format_date(day, format="long", locale="fr_FR" if lang == "fr" else "en_GB")
    if lang == "fr" and day.day == 1:
        text = "1er" + text[1:]  # French writes the first of the month as an ordinal
    return text


def _place(sender_lines: Sequence[str]) -> str | None:
    """The town of the sender's address: the line that starts with a postcode."""
    for line in reversed(sender_lines):
        match = _POSTCODE_CITY.match(line)
        if match:
            return match.group("city")
    return None


def asked_cents(case: CaseFile) -> int | None:
    """What the buyer's request was worth in money; None for a reshipment."""
    requested = case.dispute.requested
    if requested.kind in ("full_refund", "return_and_refund"):
        if requested.amount_cents is not None:  # a return refunded in part
            return requested.amount_cents
        return case.order.total_cents
    if requested.kind == "partial_refund":
        return requested.amount_cents
    return None


def compose_complaint_letter(
    case: CaseFile,
    sender_lines: Sequence[str] | None = None,
    *,
    locale: str = "fr",
    place: str | None = None,
    claim_cents: int | None = None,
    answer_days: int = COMPLAINT_ANSWER_DAYS,
    tz: str = DEFAULT_TZ,
) -> ComplaintLetter:
    """The letter's blocks. ``sender_lines`` (name first, then the postal address) default
    to the buyer's; ``place`` to the town of the sender's postcode line; ``claim_cents``
    (the sum asked) to what the buyer asked for less every refund already granted. The
    date is ``case.generated_at``, so the same case gives the same letter."""
    lang = lang_of(locale)
    order, dispute = case.order, case.dispute
    buyer = order.buyer
    sender = tuple(sender_lines) if sender_lines else (buyer.name, *buyer.address_lines)
    if buyer.email and not any(buyer.email in line for line in sender):
        sender = (*sender, ("Courriel : " if lang == "fr" else "Email: ") + buyer.email)
    platform = case.platform
    address = platform.address_lines or DEFAULT_PLATFORM_ADDRESS
    recipient = tuple(address)
    if platform.name and platform.name.casefold() != address[0].casefold():
        recipient = (platform.name, *recipient)
    town = place if place is not None else _place(sender)
    date = _letter_date(case, lang, tz)
    if lang == "fr":
        place_date = f"{town}, le {date}" if town else f"Le {date}"
    else:
        place_date = f"{town}, {date}" if town else date

    t = LETTER_FR if lang == "fr" else LETTER_EN

    def money(cents: int) -> str:
        return format_money(cents, order.currency, lang)

    def day(value: datetime) -> str:
        return format_day(value, lang, tz)

    def res(kind: str, amount: int | None) -> str:
        phrase = RESOLUTION_PHRASES[lang].get(kind)
        if phrase is None:
            return resolution_text(kind, amount, order.currency, lang)
        text = phrase.format(amount=money(amount or 0))
        if kind == "return_and_refund" and amount is not None:
            text += t["up_to"].format(amount=money(amount))
        return text

    asked = asked_cents(case)
    granted = case.refunded_cents
    settled = case.settled_cents
    pending = granted - settled
    claim = claim_cents
    if claim is None and asked is not None:
        claim = asked - granted
    closed = dispute.closed_at is not None
    decision = case.decision
    facts: dict[str, object] = {
        "platform": platform.name,
        "number": order.number,
        "dispute": dispute.id,
        "seller": order.seller.name,
        "ordered": day(order.created_at),
        "total": money(order.total_cents),
        "items": "; ".join(f"{i.quantity} × {i.title}" for i in order.items),
        "tracking": order.tracking_number or "",
        "carrier": order.carrier or "",
        "status": order.status_fr if lang == "fr" else order.status_en,
        "opened": day(dispute.opened_at),
        "reason": dispute.reason_label_fr if lang == "fr" else dispute.reason_label_en,
        "detail": f" ({dispute.detail})" if dispute.detail else "",
        "description": dispute.description.strip(),
        "requested": res(dispute.requested.kind, dispute.requested.amount_cents),
        "state": dispute.state_label_fr if lang == "fr" else dispute.state_label_en,
        "asked": money(asked) if asked is not None else "",
        "granted": money(granted),
        "settled": money(settled),
        "pending": money(pending),
        "claim": money(claim) if claim is not None else "",
        "rest": money(max(order.total_cents - granted, 0)),
        "days": answer_days,
        "lead": t["closed_lead"] if closed else t["open_lead"],
    }
    facts["why"] = t["ask_refund_why"].format(**facts) if claim_cents is None and granted else ""

    paras: list[str] = []
    # What was bought.
    bought = t["order"].format(**facts)
    if order.paid_at is not None:
        bought += t["paid"].format(paid=day(order.paid_at))
    bought += "."
    if order.items:
        bought += " " + t["items"].format(**facts)
    paras.append(bought)
    if order.tracking_number:
        paras.append(t["tracking_carrier" if order.carrier else "tracking"].format(**facts))
    # What went wrong and what was asked.
    opened = t["opened"].format(**facts)
    if facts["description"]:
        opened += " " + t["description"].format(**facts)
    paras.append(opened)
    # How it ended, or where it stands.
    if decision is not None:
        note = decision.note.strip()
        paras.append(
            t["decision"].format(
                decided=day(decision.decided_at),
                res=res(decision.kind, decision.amount_cents),
                note=t["decision_note"].format(note=note) if note else "",
            )
        )
    if closed and dispute.outcome is not None:
        outcome = dispute.outcome
        assert dispute.closed_at is not None
        paras.append(
            t["closed"].format(
                closed=day(dispute.closed_at),
                how=_lower_first(label("how", outcome.how, lang)),
                res=res(outcome.kind, outcome.amount_cents),
            )
        )
    elif not closed:
        paras.append(t["open"].format(**facts))
    # The money so far.
    if granted == 0:
        paras.append(t["no_refund"])
    elif pending == 0:
        paras.append(t["refunded"].format(**facts))
    else:
        latest = max(r.expected_to for r in case.refunds if r.settled_at is None)
        key = "pending" if settled else "pending_none"
        paras.append(t[key].format(by=day(latest), **facts))
    # What is asked now, by when, and what comes with the letter.
    if claim is not None and claim > 0:
        paras.append(t["ask_refund"].format(**facts))
    elif dispute.requested.kind == "reshipment":
        paras.append(t["ask_reshipment"].format(**facts))
    elif pending > 0:
        paras.append(t["ask_pending"].format(**facts))
    else:
        paras.append(t["ask_review"].format(**facts))
    paras.append(t["deadline"].format(**facts))
    paras.append(t["enclosed"])
    return ComplaintLetter(
        sender_lines=sender,
        recipient_lines=recipient,
        place_date=place_date,
        mode=t["mode"],
        subject=t["subject"].format(**facts),
        salutation=t["salutation"],
        paragraphs=tuple(paras),
        closing=t["closing"],
        signature=sender[0] if sender else buyer.name,
        enclosures=t["enclosures"],
    )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def complaint_letter_text(
    case: CaseFile, sender_lines: Sequence[str] | None = None, *, locale: str = "fr"
) -> str:
    """MSG-4 as plain text: the letter ``pdf.render_complaint_letter`` prints, for an e-mail
    body or a copy to keep."""
    return compose_complaint_letter(case, sender_lines, locale=locale).text()
