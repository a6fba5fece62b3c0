"""Outside remedies (DSP-8): what a buyer can still do when a dispute closes against them.

Shown by the buyer's pages and e-mails, in French or English. Only facts that hold for any
French buyer: no addresses or links that could go stale, except the platform's own postal
address, which the caller gives (the default is seed 001's).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from garant.casefile.model import (
    DEFAULT_TZ,
    CaseFile,
    format_day,
    format_money,
    label,
    lang_of,
    resolution_text,
)

# Seed 001 ("Réclamation par voie postale"): a formal complaint goes by registered letter
# with acknowledgment of receipt to "Aliexpress Alibaba France 6 rue Menars 75002 Paris"
# (the street is spelt "Ménars").
DEFAULT_PLATFORM_ADDRESS: tuple[str, ...] = ("Alibaba France", "6 rue Ménars", "75002 Paris")

# Actions a page can offer next to a remedy; the renderers in ``pdf.py`` produce both.
ACTION_COMPLAINT_LETTER = "complaint_letter"
ACTION_CASE_FILE = "case_file"

_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "consumer_association": {
        "fr": (
            "Contacter une association de protection des consommateurs",
            "Une association de protection des consommateurs peut vous conseiller et vous "
            "accompagner dans vos démarches auprès de la plateforme. Apportez-lui le dossier "
            "complet du litige.",
        ),
        "en": (
            "Contact a consumer protection association",
            "A consumer protection association can advise you and help you with your "
            "dealings with the platform. Bring it the complete case file.",
        ),
    },
    "registered_letter": {
        "fr": (
            "Envoyer une lettre recommandée avec accusé de réception",
            "Adressez une réclamation écrite à la plateforme, à l'adresse ci-dessous, par "
            "lettre recommandée avec accusé de réception : l'accusé de réception prouve "
            "qu'elle a été reçue, et à quelle date. Garant prépare la lettre à partir du "
            "dossier ; il vous reste à l'imprimer, la signer et l'envoyer avec le dossier.",
        ),
        "en": (
            "Send a registered letter with acknowledgment of receipt",
            "Send a written complaint to the platform, at the address below, by registered "
            "letter with acknowledgment of receipt (lettre recommandée avec accusé de "
            "réception): the acknowledgment proves it was received, and when. Garant "
            "prepares the letter from the case file; print it, sign it and send it with "
            "the case file.",
        ),
    },
    "consumer_mediator": {
        "fr": (
            "Saisir le médiateur de la consommation",
            "Tout consommateur peut recourir gratuitement à un médiateur de la consommation. "
            "Le médiateur ne peut être saisi qu'après une réclamation écrite auprès du "
            "professionnel : envoyez d'abord la lettre recommandée. Le professionnel doit "
            "indiquer les coordonnées de son médiateur, par exemple dans ses conditions "
            "générales de vente.",
        ),
        "en": (
            "Refer the case to a consumer mediator (médiateur de la consommation)",
            "In France, every consumer may use a consumer mediator free of charge. The "
            "mediator only takes a case after a written complaint to the business: send "
            "the registered letter first. The business must give its mediator's details, "
            "for example in its terms of sale.",
        ),
    },
    "european_consumer_centre": {
        "fr": (
            "Achat transfrontalier : Centre Européen des Consommateurs France",
            "Si le professionnel est établi dans un autre pays de l'Union européenne, en "
            "Islande ou en Norvège, le Centre Européen des Consommateurs France peut vous "
            "informer et vous aider gratuitement à résoudre le litige.",
        ),
        "en": (
            "Cross-border purchase: European Consumer Centre France",
            "If the business is established in another European Union country, Iceland or "
            "Norway, the European Consumer Centre France (Centre Européen des Consommateurs "
            "France) can inform you and help you settle the dispute, free of charge.",
        ),
    },
    "export_case_file": {
        "fr": (
            "Exporter le dossier complet",
            "Téléchargez le dossier du litige en un seul document PDF : commande, historique, "
            "suivi du colis, messages, propositions, preuves avec leur empreinte SHA-256 et "
            "décision. Joignez-le à votre lettre et gardez-en une copie.",
        ),
        "en": (
            "Export the complete case file",
            "Download the dispute's case file as one PDF document: order, history, parcel "
            "tracking, messages, proposals, evidence with its SHA-256 fingerprint, and the "
            "decision. Enclose it with your letter and keep a copy.",
        ),
    },
}

_ACTIONS = {
    "registered_letter": ACTION_COMPLAINT_LETTER,
    "export_case_file": ACTION_CASE_FILE,
}


def outside_remedies(
    platform_address_lines: Sequence[str] = DEFAULT_PLATFORM_ADDRESS, locale: str = "fr"
) -> list[dict[str, Any]]:
    """The remedies, in the order a buyer would take them. Each is a dict with ``code``,
    ``title``, ``text`` (in ``locale``: "fr", anything else is English), ``address_lines``
    (the platform's postal address for the registered letter, else empty) and ``action``
    (``"complaint_letter"``, ``"case_file"`` or None: what Garant can produce for it)."""
    lang = "fr" if locale.lower().startswith("fr") else "en"
    out: list[dict[str, Any]] = []
    for code, texts in _TEXTS.items():
        title, text = texts[lang]
        out.append(
            {
                "code": code,
                "title": title,
                "text": text,
                "address_lines": list(platform_address_lines)
                if code == "registered_letter"
                else [],
                "action": _ACTIONS.get(code),
            }
        )
    return out


def remedies_for(case: CaseFile, locale: str = "fr") -> list[dict[str, Any]]:
    """DSP-8 for one case: the remedies when its dispute closed against the buyer, else none."""
    if not case.closed_against_buyer:
        return []
    return outside_remedies(case.platform.address_lines or DEFAULT_PLATFORM_ADDRESS, locale)


# ------------------------------------------------------------------ the complaint letter

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

    t = _FR if lang == "fr" else _EN

    def money(cents: int) -> str:
        return format_money(cents, order.currency, lang)

    def day(value: datetime) -> str:
        return format_day(value, lang, tz)

    def res(kind: str, amount: int | None) -> str:
        phrase = _RESOLUTION_PHRASES[lang].get(kind)
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


_FR = {
    "mode": "Lettre recommandée avec accusé de réception",
    "subject": "Objet : Réclamation — commande n° {number} — litige n° {dispute}",
    "salutation": "Madame, Monsieur,",
    "order": (
        "Le {ordered}, j'ai passé sur {platform} la commande n° {number} auprès du vendeur "
        "« {seller} », pour un montant total de {total}"
    ),
    "paid": ", réglé le {paid}",
    "items": "Elle porte sur : {items}.",
    "tracking": "Le colis porte le numéro de suivi {tracking} ; son statut est : « {status} ».",
    "tracking_carrier": (
        "Le colis a été confié au transporteur {carrier} sous le numéro de suivi {tracking} ; "
        "son statut est : « {status} »."
    ),
    "opened": (
        "Le {opened}, j'ai ouvert le litige n° {dispute} pour le motif suivant : {reason}{detail}. "
        "J'ai demandé {requested}."
    ),
    "description": "J'ai décrit le problème en ces termes : « {description} »",
    "decision": ("Le {decided}, après médiation, la plateforme a rendu sa décision : {res}{note}."),
    "decision_note": ", avec ce motif : « {note} »",
    "closed": "Le litige a été clos le {closed} ({how}) ; issue retenue : {res}.",
    "open": "À ce jour, le litige n'est pas résolu (état : {state}).",
    "no_refund": "À ce jour, je n'ai reçu aucun remboursement.",
    "refunded": "À ce jour, j'ai reçu un remboursement de {settled}.",
    "pending": (
        "Un remboursement de {pending} m'a été annoncé, au plus tard pour le {by} ; à ce jour, "
        "j'ai reçu {settled}."
    ),
    "pending_none": (
        "Un remboursement de {pending} m'a été annoncé, au plus tard pour le {by} ; à ce jour, "
        "je ne l'ai pas reçu."
    ),
    "up_to": " à hauteur de {amount}",
    "ask_refund": (
        "{lead} Je vous demande donc de bien vouloir procéder au remboursement de la somme "
        "de {claim}{why}."
    ),
    "ask_refund_why": (
        ", soit le montant que j'avais demandé ({asked}) moins les remboursements déjà "
        "accordés ({granted})"
    ),
    "ask_reshipment": (
        "{lead} Je vous demande donc de bien vouloir procéder au renvoi de l'article commandé "
        "ou, à défaut, au remboursement de la somme "
        "de {rest}."
    ),
    "closed_lead": "Cette issue ne me donne pas satisfaction.",
    "open_lead": "Le litige n'a pas trouvé de solution à ce jour.",
    "ask_pending": (
        "Je vous demande donc de bien vouloir procéder au versement effectif du remboursement "
        "de {pending} qui m'a été annoncé."
    ),
    "ask_review": (
        "{lead} Je vous demande donc de bien vouloir réexaminer ma réclamation et de me "
        "faire connaître votre position."
    ),
    "deadline": (
        "Je vous remercie de me répondre dans un délai de {days} jours à compter de la "
        "réception de la présente lettre. À défaut de réponse satisfaisante dans ce délai, je "
        "me réserve la possibilité de saisir une association de protection des consommateurs "
        "ou le médiateur de la consommation."
    ),
    "enclosed": (
        "Vous trouverez ci-joint le dossier complet du litige : la commande, le suivi du "
        "colis, l'ensemble des messages échangés, les propositions, les preuves avec "
        "l'empreinte SHA-256 de chaque fichier, et la décision."
    ),
    "closing": (
        "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées."
    ),
    "enclosures": (
        "Pièces jointes : dossier complet du litige (PDF) avec empreintes SHA-256 des preuves"
    ),
}

_EN = {
    "mode": "Registered letter with acknowledgment of receipt",
    "subject": "Subject: Complaint — order no. {number} — dispute no. {dispute}",
    "salutation": "Dear Sir or Madam,",
    "order": (
        "On {ordered}, I placed order no. {number} on {platform} with the seller "
        '"{seller}", for a total of {total}'
    ),
    "paid": ", paid on {paid}",
    "items": "It comprises: {items}.",
    "tracking": 'The parcel\'s tracking number is {tracking}; its status is: "{status}".',
    "tracking_carrier": (
        "The parcel was handed to the carrier {carrier} under tracking number {tracking}; "
        'its status is: "{status}".'
    ),
    "opened": (
        "On {opened}, I opened dispute no. {dispute} for the following reason: {reason}{detail}. "
        "I asked for {requested}."
    ),
    "description": 'I described the problem as follows: "{description}"',
    "decision": "On {decided}, after mediation, the platform decided: {res}{note}.",
    "decision_note": ', giving this reason: "{note}"',
    "closed": "The dispute was closed on {closed} ({how}); outcome: {res}.",
    "open": "To this day the dispute is not settled (state: {state}).",
    "no_refund": "To this day I have received no refund.",
    "refunded": "To this day I have received a refund of {settled}.",
    "pending": (
        "A refund of {pending} was announced to me, due by {by} at the latest; to this day I "
        "have received {settled}."
    ),
    "pending_none": (
        "A refund of {pending} was announced to me, due by {by} at the latest; to this day I "
        "have not received it."
    ),
    "up_to": " of up to {amount}",
    "ask_refund": "{lead} I therefore ask you to refund the sum of {claim}{why}.",
    "ask_refund_why": (
        ", that is the amount I asked for ({asked}) less the refunds already granted ({granted})"
    ),
    "ask_reshipment": (
        "{lead} I therefore ask you to send the item ordered again "
        "or, failing that, to refund the sum of {rest}."
    ),
    "closed_lead": "This outcome does not satisfy me.",
    "open_lead": "The dispute has found no solution so far.",
    "ask_pending": "I therefore ask you to actually pay the refund of {pending} announced to me.",
    "ask_review": (
        "{lead} I therefore ask you to review my complaint and to let me know your position."
    ),
    "deadline": (
        "Please answer within {days} days of receiving this letter. Failing a satisfactory "
        "answer within that time, I reserve the right to turn to a consumer protection "
        "association or to the consumer mediator."
    ),
    "enclosed": (
        "Please find enclosed the complete case file of the dispute: the order, the parcel "
        "tracking, every message exchanged, the proposals, the evidence with each file's "
        "SHA-256 fingerprint, and the decision."
    ),
    "closing": "Yours faithfully,",
    "enclosures": (
        "Enclosures: complete case file of the dispute (PDF) with SHA-256 fingerprints of the "
        "evidence"
    ),
}

# How a resolution reads inside a sentence of the letter ("J'ai demandé …").
_RESOLUTION_PHRASES = {
    "fr": {
        "full_refund": "le remboursement intégral de la commande",
        "partial_refund": "un remboursement partiel de {amount}",
        "reshipment": "le renvoi de l'article",
        "return_and_refund": "le retour de l'article et son remboursement",
        "no_refund": "aucun remboursement",
    },
    "en": {
        "full_refund": "a full refund of the order",
        "partial_refund": "a partial refund of {amount}",
        "reshipment": "the item to be sent again",
        "return_and_refund": "the return of the item and its refund",
        "no_refund": "no refund",
    },
}
