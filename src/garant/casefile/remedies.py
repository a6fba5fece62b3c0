"""Outside remedies (DSP-8): what a buyer can still do when a dispute closes against them.

Shown by the buyer's pages and e-mails, in French or English. Only facts that hold for any
French buyer: no addresses or links that could go stale, except the platform's own postal
address, which the caller gives (the default is seed 001's).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from garant.casefile.letter import (
    DEFAULT_PLATFORM_ADDRESS,
    complaint_letter_text,
    compose_complaint_letter,
)
from garant.casefile.model import CaseFile

# The letter and its default address live in ``letter``; named here too for the callers
# that import them from here.
__all__ = [
    "ACTION_CASE_FILE",
    "ACTION_COMPLAINT_LETTER",
    "DEFAULT_PLATFORM_ADDRESS",
    "complaint_letter_text",
    "compose_complaint_letter",
    "outside_remedies",
    "remedies_for",
]

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
