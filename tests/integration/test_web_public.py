"""Public parcel tracking on both databases: no sign-in, the timeline with local times and
places, the estimate and diagnoses, the not-found advice and typo hints, never any buyer
data, English by choice, and the API's rate limit."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from garant.app import Garant
from garant.carriers import get_adapter
from garant.clock import FixedClock
from garant.services import users
from garant.services.tracking import ingest

from .helpers import Parties, act, create_paid_order, make_parties, s10_number
from .test_web_foundation import main_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from garant.asgi import create_app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers"
JOURNEY = FIXTURES / "17track" / "tracking_updated_delivered.json"  # LX123123127CN → La Poste
NUMBER = "LX123123127CN"


@pytest.fixture
def http(app: Garant) -> Iterator[TestClient]:
    with TestClient(create_app(app)) as client:
        yield client


@pytest.fixture
def p(app: Garant) -> Parties:
    return make_parties(app)


def buyer_identity(app: Garant, p: Parties) -> tuple[str, str]:
    assert p.buyer.user_id is not None
    user = users.get_user(app, p.buyer.user_id)
    return user.name, user.email


def delivered_parcel(app: Garant, clock: FixedClock, p: Parties) -> int:
    """Shipped from Guangzhou on 25 March 2024, delivered in Paris on 3 April (17TRACK)."""
    clock.current = datetime(2024, 3, 25, 2, 0, tzinfo=UTC)
    order_id = create_paid_order(app, p)
    act(app, order_id, p.seller, "ship", tracking_number=NUMBER)
    clock.current = datetime(2024, 4, 3, 12, 0, tzinfo=UTC)
    ingest(app, get_adapter("17track").parse(JOURNEY.read_bytes()), source="webhook")
    return order_id


def test_the_search_form_needs_no_sign_in_and_sets_no_cookie(http: TestClient) -> None:
    r = http.get("/suivi")
    assert r.status_code == 200
    body = main_of(r.text)
    assert '<form method="get" action="/suivi"' in body and 'name="numero"' in body
    assert "csrf_token" not in body
    assert "Numéro de suivi" in body and "Suivre le colis" in body
    assert "set-cookie" not in r.headers


def test_a_delivered_parcel_shows_its_journey_and_no_buyer_data(
    app: Garant, clock: FixedClock, http: TestClient, p: Parties
) -> None:
    order_id = delivered_parcel(app, clock, p)
    r = http.get(f"/suivi/{NUMBER}")
    assert r.status_code == 200
    assert "set-cookie" not in r.headers  # looking up a parcel leaves no trace in the browser
    body = main_of(r.text)
    assert f"Colis {NUMBER}" in body
    assert "Arrivée à destination" in body  # the buyer-visible status (ORD-1)
    assert "75011 Paris, France" in body  # where it is now
    assert "Également suivi sous" in body and "6A24599900011</span> (La Poste)" in body
    # Each scan at the time of its own place: Guangzhou (UTC+8), then Paris (UTC+2).
    assert "25 mars 2024, 14:02, heure locale (UTC+8)" in body
    assert "3 avr. 2024, 12:02, heure locale (UTC+2)" in body
    assert "Guangzhou, Chine" in body and "Pris en charge par le transporteur" in body
    assert "Roissy Charles De Gaulle, France" in body
    assert body.index("3 avr. 2024, 12:02") < body.index("25 mars 2024, 14:02")  # newest first
    # TRK-7: delivered to the letter box, what to check, until when a dispute is possible.
    assert "Livré mais pas reçu ?" in body
    assert "Livré dans la boîte aux lettres le 03/04/2024 (75011 Paris)." in body
    # Nothing about the buyer, the seller or the order.
    name, email = buyer_identity(app, p)
    for private in (name, email, f"/commandes/{order_id}", "25,00"):
        assert private not in r.text


def test_the_search_form_answers_at_once(
    app: Garant, clock: FixedClock, http: TestClient, p: Parties
) -> None:
    delivered_parcel(app, clock, p)
    body = main_of(http.get("/suivi", params={"numero": " lx 123123127 cn "}).text)
    assert f"Colis {NUMBER}" in body and "Arrivée à destination" in body
    assert f'value="{NUMBER}"' in body  # the number as it was read, ready to search again


def test_a_just_shipped_parcel_says_it_is_too_early(
    app: Garant, clock: FixedClock, http: TestClient, p: Parties
) -> None:
    order_id = create_paid_order(app, p)
    number = s10_number("31415926")
    act(app, order_id, p.seller, "ship", tracking_number=number)
    r = http.get(f"/suivi/{number}")
    assert r.status_code == 200
    body = main_of(r.text)
    assert "Aucune information de suivi pour ce numéro pour l'instant" in body
    assert "expédié trop récemment" in body
    assert "Ce numéro est bien formé." in body and "UPU S10" in body
    assert buyer_identity(app, p)[0] not in r.text


def test_an_unknown_number_gets_the_not_found_advice_not_an_error(http: TestClient) -> None:
    number = s10_number("27182818")
    r = http.get(f"/suivi/{number}")
    assert r.status_code == 200
    body = main_of(r.text)
    assert "Aucune information de suivi pour ce numéro pour l'instant" in body
    assert "Colis introuvable pour l'instant" in body  # the service's diagnosis (TRK-4)
    assert "patientez 24 à 48 heures" in body
    assert "Demandez au vendeur de vérifier le numéro" in body
    assert "Nouvel essai conseillé après" in body


def test_a_mistyped_number_gets_the_typo_and_the_number_to_try(http: TestClient) -> None:
    right = s10_number("12345678")  # RR123456785CN
    wrong = right[:10] + str((int(right[10]) + 1) % 10) + right[11:]
    body = main_of(http.get(f"/suivi/{wrong}").text)
    assert "Faute de frappe probable" in body
    assert "Ce numéro est probablement mal saisi." in body and "chiffre de contrôle faux" in body
    assert "Vouliez-vous dire :" in body and f'<a href="/suivi/{right}">{right}</a>' in body


def test_gibberish_is_said_to_match_no_format(http: TestClient) -> None:
    for number in ("XX", "%00", "<script>", "0" * 90):
        r = http.get("/suivi", params={"numero": number})
        assert r.status_code == 200, number
        assert "Ce numéro ne correspond à aucun format de transporteur connu" in main_of(r.text)
        assert "<script>" not in main_of(r.text)


def test_an_empty_search_asks_for_the_number(http: TestClient) -> None:
    r = http.get("/suivi", params={"numero": "  "})
    assert r.status_code == 400
    body = main_of(r.text)
    assert 'id="f-numero-error"' in body
    assert "Saisissez le numéro de suivi donné par le vendeur." in body


def test_the_tracking_page_in_english(
    app: Garant, clock: FixedClock, http: TestClient, p: Parties
) -> None:
    delivered_parcel(app, clock, p)
    body = main_of(http.get(f"/suivi/{NUMBER}?lang=en").text)
    assert f"Parcel {NUMBER}" in body and "Journey" in body
    assert "Mar 25, 2024, 14:02 local time (UTC+8)" in body
    assert "Guangzhou, China" in body and "Picked up by the carrier" in body
    assert "Delivered to the letter box on 2024-04-03 (75011 Paris)." in body
    wrong = main_of(http.get("/suivi/RR123456784CN").text)  # English is kept in the session
    assert "Did you mean:" in wrong and "Probable typo" in wrong
    assert "wait 24 to 48 hours" in wrong


def test_look_ups_share_the_api_s_rate_limit(app: Garant, http: TestClient) -> None:
    app.settings.public_tracking_per_minute = 2
    assert http.get("/suivi/RR123456785CN").status_code == 200
    assert http.get("/api/v1/tracking/RR123456785CN").status_code == 200
    r = http.get("/suivi/RR123456785CN")
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    body = main_of(r.text)
    assert "Trop de demandes en peu de temps." in body
    assert "Vous pourrez chercher à nouveau dans" in body
    assert 'name="numero"' in body  # the form is still there
    assert http.get("/suivi").status_code == 200  # the empty form is not a look-up


def test_the_public_pages_have_no_inline_styles_or_scripts(
    app: Garant, clock: FixedClock, http: TestClient, p: Parties
) -> None:
    delivered_parcel(app, clock, p)
    for path in ("/suivi", f"/suivi/{NUMBER}", "/suivi/RR123456784CN"):
        html = http.get(path).text
        assert " style=" not in html and "<script" not in html
