"""TRK-9 / TRK-6: every notification kind has its subject and texts in French (the seed's
words) and English, with the order, the tracking number, the status, the place and the link.
"""

from __future__ import annotations

import pytest

from garant.domain.statuses import STATUSES
from garant.notify import messages

PAYLOAD = {
    "order_id": 12, "external_ref": "AE-12", "tracking_number": "LX123456785FR",
    "where": "Lyon, FR",
}  # fmt: skip
STALL = {
    "explanation": {"code": "stalled", "fr": "Aucun mouvement.", "en": "No movement."},
    "advice": [{"code": "contact_seller", "fr": "Contactez le vendeur.", "en": "Contact them."}],
    "protection": {"code": "protection", "fr": "Fin le 01/01/2027.", "en": "Ends 2027-01-01."},
    "protection_ends_at": "2027-01-01T09:00:00+00:00",
}
FRENCH_SUBJECTS = {
    "shipped": "Expédié : votre commande AE-12 est en route",
    "arrived_destination_country": "Votre colis est arrivé en France",
    "out_for_delivery": "En cours de livraison : votre colis arrive aujourd'hui",
    "delivered": "Arrivée à destination : votre colis a été livré",
    "delivery_failed": "Tentative de livraison échouée : votre colis n'a pas pu être remis",
    "available_for_pickup": "Disponible en point de retrait : votre colis vous attend",
    "stalled": "Colis bloqué : votre commande AE-12 ne bouge plus",
}


def _render(kind: str, locale: str, destination: str | None = "FR") -> messages.Rendered:
    status = STATUSES.get(kind, STATUSES["international_transit"])
    payload = {**PAYLOAD, "kind": kind, "status": status.to_json(),
               "stall": STALL if kind == "stalled" else None}
    values = messages.context(payload, locale, name="Zoé", destination=destination,
                              base_url="https://garant.example/")
    return messages.render(kind, locale, values)


def test_trk9_every_kind_has_a_template_in_each_language() -> None:
    assert set(FRENCH_SUBJECTS) == messages.TRACKING_KINDS


@pytest.mark.parametrize("kind", sorted(messages.TRACKING_KINDS))
def test_trk9_french_subject_uses_the_seed_words(kind: str) -> None:
    assert _render(kind, "fr").subject == FRENCH_SUBJECTS[kind]


@pytest.mark.parametrize("locale", messages.LOCALES)
@pytest.mark.parametrize("kind", sorted(messages.TRACKING_KINDS))
def test_trk9_texts_carry_order_number_status_place_and_link(kind: str, locale: str) -> None:
    rendered = _render(kind, locale)
    status = STATUSES.get(kind, STATUSES["international_transit"])
    for part in (rendered.text, rendered.html):
        assert "AE-12" in part and "LX123456785FR" in part and "Lyon, FR" in part
        assert getattr(status, locale) in part.replace("&#39;", "'")
        assert "https://garant.example/suivi/LX123456785FR" in part
    assert rendered.lead in rendered.text and rendered.subject
    assert ("Bonjour Zoé," if locale == "fr" else "Hello Zoé,") in rendered.text


@pytest.mark.parametrize(("code", "fr", "en"), [
    ("FR", "en France", "in France"), ("BE", "en Belgique", "in Belgium"),
    ("PT", "au Portugal", "in Portugal"), ("NL", "aux Pays-Bas", "in the Netherlands"),
    (None, "dans le pays de destination", "in the destination country"),
])  # fmt: skip
def test_trk9_arrival_names_the_destination_country(code: str | None, fr: str, en: str) -> None:
    assert _render("arrived_destination_country", "fr", code).subject == (
        f"Votre colis est arrivé {fr}")
    assert _render("arrived_destination_country", "en", code).subject == (
        f"Your parcel has arrived {en}")


def test_trk9_html_escapes_what_comes_from_outside() -> None:
    payload = {**PAYLOAD, "kind": "delivered", "external_ref": "<b>AE</b>",
               "where": 'Lyon "<script>"', "status": STATUSES["delivered"].to_json()}
    values = messages.context(payload, "en", name="<i>Eve</i>", destination="FR",
                              base_url="https://garant.example")
    rendered = messages.render("delivered", "en", values)

    assert "<script>" not in rendered.html and "<b>AE</b>" not in rendered.html
    assert "&lt;i&gt;Eve&lt;/i&gt;" in rendered.html
    assert "<b>AE</b>" in rendered.text  # plain text is not HTML: kept as written


def test_trk9_unknown_locales_fall_back_to_french() -> None:
    assert [messages.locale_of(v) for v in ("en", "en-GB", "EN_us", "de", "", None)] == [
        "en", "en", "en", "fr", "fr", "fr"]
