"""DSP / RET / PRT messages: every kind renders in French and English with every variable
defined (the templates' StrictUndefined), without the parcel's lines of the tracking layout,
with deadlines in Paris time and amounts in euros in the reader's language.
"""

from __future__ import annotations

from typing import Any

import pytest

from garant.domain.disputes import STATE_LABELS, DisputeState
from garant.notify import dispute_texts, messages
from garant.services import dispute_notifications

AT = "2026-11-07T09:00:00+00:00"  # a Saturday; 10:00 in Paris (UTC+1)
REFUND = {"amount": "25.00", "expected_from": "2026-11-22", "expected_to": "2026-12-01"}
RETURN = {"address": "Lamp Co.\n12 Bao'an Road\n518000 Shenzhen", "ship_back_by": AT,
          "refund": "25.00"}  # fmt: skip
PARTIAL = {"kind": "partial_refund", "amount": "10.00"}
FULL = {"kind": "full_refund", "amount": None}

# (kind, recipient role, details): every branch of every template at least once.
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("dispute_opened", "seller", {"reason": "not_as_described", "detail": "colour",
                                  "requested": PARTIAL, "message": "Rouge, pas bleu",
                                  "answer_by": AT}),
    ("dispute_opened", "seller", {"reason": "damaged", "detail": None, "requested": FULL,
                                  "message": None, "answer_by": AT}),
    ("dispute_answered", "buyer", {"answer": "offer", "by": "seller", "resolution": PARTIAL,
                                   "message": "Geste", "reply_by": AT}),
    ("dispute_answered", "buyer", {"answer": "contested", "by": "seller", "message": None,
                                   "escalate_from": AT, "escalates_at": AT}),
    ("dispute_answered", "buyer", {"answer": "contested", "by": "seller", "message": "Non",
                                   "escalate_from": None, "escalates_at": AT}),
    ("dispute_offer", "seller", {"event": "made", "by": "buyer", "resolution": PARTIAL,
                                 "message": "Voici", "reply_by": AT}),
    ("dispute_offer", "buyer", {"event": "made", "by": "seller",
                                "resolution": {"kind": "reshipment"}, "reply_by": AT}),
    ("dispute_offer", "seller", {"event": "rejected", "by": "seller", "resolution": PARTIAL,
                                 "message": "Non merci"}),
    ("dispute_offer", "buyer", {"event": "expired", "by": "buyer", "resolution": PARTIAL}),
    ("dispute_offer", "seller", {"event": "expired", "by": "buyer", "resolution": PARTIAL}),
    ("dispute_escalated", "buyer", {"by": "system", "appeal": False}),
    ("dispute_escalated", "seller", {"by": "buyer", "appeal": False}),
    ("dispute_escalated", "buyer", {"by": "seller", "appeal": True}),
    ("dispute_evidence_requested", "buyer", {"note": "Une photo", "due_at": AT}),
    ("dispute_decided", "buyer", {"in_favour_of": "buyer", "resolution": FULL, "note": "Vu",
                                  "appeal_by": AT}),
    ("dispute_decided", "buyer", {"in_favour_of": "seller",
                                  "resolution": {"kind": "no_refund"}, "note": None,
                                  "appeal_by": AT}),
    ("dispute_decided", "seller", {"in_favour_of": "split", "resolution": PARTIAL,
                                   "note": "Moitié", "appeal_by": AT}),
    ("dispute_closed", "buyer", {"how": "accepted", "trigger": "accept_request",
                                 "by": "seller", "resolution": FULL, "refund": REFUND}),
    ("dispute_closed", "seller", {"how": "accepted", "trigger": "accept_offer", "by": "buyer",
                                  "resolution": PARTIAL, "refund": {**REFUND, "amount": "10.00"},
                                  "released": "15.00"}),
    ("dispute_closed", "buyer", {"how": "seller_silent", "trigger": "grant_by_default",
                                 "resolution": FULL, "refund": REFUND}),
    ("dispute_closed", "seller", {"how": "seller_silent", "trigger": "grant_by_default",
                                  "resolution": FULL, "refund": REFUND}),
    ("dispute_closed", "seller", {"how": "withdrawn", "trigger": "withdraw_dispute",
                                  "resolution": None, "released": "25.00"}),
    ("dispute_closed", "seller", {"how": "withdrawn", "trigger": "withdraw_dispute"}),
    ("dispute_closed", "buyer", {"how": "choice_guarantee", "resolution": FULL,
                                 "refund": REFUND}),
    ("dispute_closed", "seller", {"how": "choice_guarantee", "resolution": FULL,
                                  "refund": REFUND}),
    ("dispute_closed", "buyer", {"how": "decision", "trigger": "decide",
                                 "resolution": {"kind": "no_refund"}, "note": "Rien"}),
    ("dispute_closed", "buyer", {"how": "decision_accepted", "trigger": "accept_decision",
                                 "resolution": {"kind": "reshipment"}, "ship_by": AT}),
    ("dispute_closed", "seller", {"how": "decision", "trigger": "finalize_decision",
                                  "resolution": {"kind": "reshipment"}, "ship_by": AT}),
    ("dispute_closed", "seller", {"how": "accepted", "trigger": "accept_request",
                                  "resolution": {"kind": "return_and_refund"},
                                  "return": RETURN}),
    ("return_started", "buyer", {"how": "accepted", "trigger": "accept_request",
                                 "return": RETURN}),
    ("return_started", "buyer", {"how": "seller_silent", "trigger": "grant_by_default",
                                 "return": {**RETURN, "address": None}}),
    ("return_started", "buyer", {"how": "decision", "trigger": "finalize_decision",
                                 "return": RETURN}),
    ("return_shipped", "seller", {"tracking_number": "RR987654321FR", "carrier": "laposte",
                                  "confirm_by": AT}),
    ("return_shipped", "seller", {"tracking_number": None, "carrier": None, "confirm_by": AT}),
    ("return_closed", "buyer", {"result": "received", "refund": REFUND}),
    ("return_closed", "buyer", {"result": "unconfirmed", "refund": REFUND}),
    ("return_closed", "seller", {"result": "unconfirmed", "refund": REFUND,
                                 "released": "5.00"}),
    ("return_closed", "buyer", {"result": "lapsed", "ship_back_by": AT, "released": "25.00"}),
    ("return_closed", "seller", {"result": "lapsed", "ship_back_by": AT, "released": "25.00"}),
    ("auto_confirmed", "buyer", {"released": "25.00", "dispute_until": AT}),
    ("auto_confirmed", "buyer", {"released": "25.00", "dispute_until": None}),
    ("choice_refunded", "buyer", {"refund": REFUND, "days": 30}),
]  # fmt: skip

FRENCH_SUBJECTS = {
    "dispute_opened": "Litige ouvert sur votre commande AE-12",
    "dispute_answered": "Le vendeur a répondu à votre litige (commande AE-12)",
    "dispute_offer": "Nouvelle proposition pour votre litige (commande AE-12)",
    "dispute_escalated": "Litige transmis à la plateforme (commande AE-12)",
    "dispute_evidence_requested": "Preuves demandées avant le 7 novembre 2026 (commande AE-12)",
    "dispute_decided": "Décision de la plateforme sur votre litige (commande AE-12)",
    "dispute_closed": "Litige clos sur votre commande AE-12",
    "return_started": "Retour à effectuer avant le 7 novembre 2026 (commande AE-12)",
    "return_shipped": "Retour expédié par l'acheteur (commande AE-12)",
    "return_closed": "Retour clos : remboursement en cours (commande AE-12)",
    "auto_confirmed": "Réception confirmée automatiquement (commande AE-12)",
    "choice_refunded": "Commande Choice non livrée à temps : remboursement intégral",
}


def _render(kind: str, role: str, details: dict[str, Any], locale: str) -> messages.Rendered:
    payload = {
        "kind": kind, "order_id": 12, "external_ref": "AE-12", "role": role,
        "currency": "EUR", "details": details,
        "status": STATE_LABELS[DisputeState.NEGOTIATING].to_json(),
    }  # fmt: skip
    values = messages.context(payload, locale, name="Zoé", destination="FR",
                              base_url="https://garant.example")  # fmt: skip
    return messages.render(kind, locale, values)


def test_dsp_every_kind_is_known_to_the_relay_and_has_cases() -> None:
    assert dispute_notifications.KINDS == messages.DISPUTE_KINDS
    assert messages.DISPUTE_KINDS <= messages.KINDS
    assert {kind for kind, _, _ in CASES} == dispute_notifications.KINDS
    assert set(FRENCH_SUBJECTS) == dispute_notifications.KINDS


@pytest.mark.parametrize("locale", messages.LOCALES)
@pytest.mark.parametrize(("kind", "role", "details"), CASES)
def test_dsp_every_kind_renders_in_each_language_without_parcel_lines(
    kind: str, role: str, details: dict[str, Any], locale: str
) -> None:
    rendered = _render(kind, role, details, locale)  # StrictUndefined: a missing name fails

    assert rendered.subject and rendered.lead and "\n" not in rendered.subject
    for part in (rendered.subject, rendered.lead, rendered.text, rendered.html):
        assert "None" not in part and "{{" not in part and "{%" not in part
    assert rendered.lead in rendered.text
    assert ("Bonjour Zoé," if locale == "fr" else "Hello Zoé,") in rendered.text
    order_line, status_line = (
        ("Commande : AE-12", "Statut : Négociation en cours") if locale == "fr"
        else ("Order: AE-12", "Status: Negotiating"))  # fmt: skip
    assert [order_line, status_line] == [
        line for line in rendered.text.splitlines() if line in (order_line, status_line)
    ]
    # No parcel: no tracking number, no place, no tracking link.
    for words in ("Numéro de suivi :", "Lieu :", "Suivre votre colis", "Tracking number:",
                  "Where:", "Track your parcel", "/suivi/"):  # fmt: skip
        assert words not in rendered.text and words.rstrip(":") not in rendered.html
    assert f'<html lang="{locale}">' in rendered.html and "href=" not in rendered.html


@pytest.mark.parametrize("kind", sorted(dispute_notifications.KINDS))
def test_dsp_french_subjects(kind: str) -> None:
    kind_, role, details = next(c for c in CASES if c[0] == kind)
    assert _render(kind_, role, details, "fr").subject == FRENCH_SUBJECTS[kind]


def test_dsp_other_french_subjects() -> None:
    def subject(kind: str, role: str, **details: Any) -> str:
        return _render(kind, role, details, "fr").subject

    assert (
        subject("dispute_offer", "seller", event="rejected", by="seller", resolution=PARTIAL)
        == "Proposition refusée (commande AE-12)"
    )
    assert (
        subject("dispute_offer", "buyer", event="expired", by="buyer", resolution=PARTIAL)
        == "Proposition expirée (commande AE-12)"
    )
    assert subject("dispute_escalated", "buyer", by="seller", appeal=True) == (
        "Appel de la décision : litige réexaminé (commande AE-12)"
    )
    assert subject("return_closed", "buyer", result="lapsed", ship_back_by=AT) == (
        "Retour annulé : article non renvoyé à temps (commande AE-12)"
    )


def test_dsp_deadlines_in_paris_time_and_amounts_in_the_readers_language() -> None:
    details = {"answer": "offer", "by": "seller", "resolution": PARTIAL, "reply_by": AT,
               "message": None}  # fmt: skip
    fr = _render("dispute_answered", "buyer", details, "fr").lead
    en = _render("dispute_answered", "buyer", details, "en").lead

    assert "proposition : remboursement partiel de 10,00\xa0€." in fr
    assert "avant le samedi 7 novembre 2026 à 10 h 00 (heure de Paris)" in fr
    assert "with an offer: partial refund of €10.00." in en
    assert "by Saturday 7 November 2026 at 10:00 (Paris time)" in en
    # Summer time: UTC+2. The first of the month is "1er" in French.
    summer = "2026-07-01T09:00:00+00:00"
    assert dispute_texts.values({"details": {"due_at": summer}}, "fr")["due_at"] == (
        "mercredi 1er juillet 2026 à 11 h 00 (heure de Paris)"
    )
    assert dispute_texts.values({"details": {"due_at": summer}}, "en")["due_at"] == (
        "Wednesday 1 July 2026 at 11:00 (Paris time)"
    )
    # Late in the evening in UTC is already the next day in Paris.
    late = dispute_texts.values({"details": {"due_at": "2026-11-30T23:30:00+00:00"}}, "fr")
    assert late["due_day"] == "1er décembre 2026"


def test_dsp_closing_names_the_refund_and_its_dates() -> None:
    details = {"how": "accepted", "trigger": "accept_request", "by": "seller",
               "resolution": FULL, "refund": REFUND}  # fmt: skip
    fr = _render("dispute_closed", "buyer", details, "fr").lead
    en = _render("dispute_closed", "buyer", details, "en").lead

    assert fr.startswith(
        "Le vendeur a accepté votre demande sur la commande AE-12 : "
        "remboursement intégral. Le litige est clos."
    )
    assert (
        "Remboursement de 25,00\xa0€ sur votre moyen de paiement d'origine, attendu entre "
        "le 22 novembre 2026 et le 1er décembre 2026."
    ) in fr
    assert (
        "Refund of €25.00 to your original payment method, expected between "
        "22 November 2026 and 1 December 2026."
    ) in en


def test_dsp_lost_dispute_tells_the_buyer_of_the_outside_remedies() -> None:
    details = {"how": "decision", "trigger": "finalize_decision",
               "resolution": {"kind": "no_refund"}}  # fmt: skip
    assert "association de consommateurs" in _render("dispute_closed", "buyer", details, "fr").lead
    assert "association" not in _render("dispute_closed", "seller", details, "fr").lead


def test_dsp_return_address_kept_line_by_line_or_asked_for() -> None:
    with_address = _render("return_started", "buyer", {"how": "accepted",
                           "trigger": "accept_request", "return": RETURN}, "fr")  # fmt: skip
    assert "à l'adresse :\nLamp Co.\n12 Bao'an Road\n518000 Shenzhen" in with_address.lead
    assert "Lamp Co.<br>12 Bao&#39;an Road<br>518000 Shenzhen" in with_address.html

    from garant.domain.order_protection import NO_RETURN_ADDRESS

    without = {**RETURN, "address": NO_RETURN_ADDRESS}
    text = _render("return_started", "buyer", {"how": "accepted", "trigger": "accept_request",
                                               "return": without}, "fr").lead  # fmt: skip
    assert NO_RETURN_ADDRESS not in text
    assert "demandez-la-lui dans la messagerie de la commande" in text


def test_dsp_html_escapes_what_the_parties_wrote() -> None:
    details = {"answer": "contested", "by": "seller", "message": "<script>x</script>",
               "escalate_from": None, "escalates_at": AT}  # fmt: skip
    rendered = _render("dispute_answered", "buyer", details, "en")
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert '"<script>x</script>"' in rendered.text  # plain text is not HTML
