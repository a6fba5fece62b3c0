"""The seller centre's pages on both databases, through the web app as a browser uses it:
signed in with a token, every form with its CSRF token, French by default.

Each action is checked on what the database then holds (state, tracking, refunds, offers,
evidence, return address), and each refusal to show the same clear words and change nothing.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from garant.app import Garant
from garant.clock import FixedClock
from garant.domain.orders import Actor
from garant.services import disputes as dispute_service
from garant.services import messages as message_service
from garant.services import users
from garant.store import schema as t

from .helpers import (
    Parties,
    act,
    assert_ledger_balanced,
    create_order,
    create_paid_order,
    make_parties,
    make_seller,
    order_row,
    refund_rows,
    s10_number,
    snapshot,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from garant.asgi import create_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
DAY = timedelta(days=1)


def plain(text: str) -> str:
    """Babel's no-break spaces as plain ones, HTML's apostrophe as typed."""
    return (
        text.replace("\u00a0", " ").replace("\u202f", " ").replace("&#39;", "'")
        .replace("&amp;", "&").replace("&quot;", '"')
    )  # fmt: skip


def main_of(html: str) -> str:
    return plain(html[html.index("<main") : html.index("</main>")])


def uid(actor: Actor) -> int:
    assert actor.user_id is not None
    return actor.user_id


class Seller:
    """A browser signed in as one seller."""

    def __init__(self, http: TestClient) -> None:
        self.http = http
        self._csrf = ""

    def sign_in(self, token: str) -> None:
        page = self.http.get("/connexion").text
        r = self.http.post(
            "/connexion",
            data={"token": token, "csrf_token": CSRF.search(page).group(1)},  # type: ignore[union-attr]
            follow_redirects=False,
        )
        assert (r.status_code, r.headers["location"]) == (303, "/vendeur"), r.text
        self._csrf = CSRF.search(self.http.get("/vendeur").text).group(1)  # type: ignore[union-attr]

    def get(self, path: str) -> Any:
        return self.http.get(path)

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.http.post(
            path, data={"csrf_token": self._csrf, **(data or {})}, follow_redirects=False, **kw
        )

    def follow(self, r: Any) -> str:
        """The page a successful POST redirected to (its flash shown once)."""
        assert r.status_code == 303, (r.status_code, main_of(r.text)[:2000])
        return main_of(self.http.get(r.headers["location"]).text)


@pytest.fixture
def p(app: Garant) -> Parties:
    return make_parties(app)


@pytest.fixture
def seller(app: Garant, p: Parties) -> Iterator[Seller]:
    with TestClient(create_app(app)) as http:
        browser = Seller(http)
        browser.sign_in(users.issue_token(app, uid(p.seller)))
        yield browser


def jpeg(colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, "JPEG")
    return buf.getvalue()


def delivered_order(app: Garant, clock: FixedClock, p: Parties) -> int:
    order_id = create_paid_order(app, p)
    clock.advance(DAY)
    act(app, order_id, p.seller, "ship", tracking_number=s10_number("87654321"))
    act(app, order_id, p.agent, "record_delivery", where="Lyon")
    return order_id


def disputed_order(app: Garant, clock: FixedClock, p: Parties, kind: str = "full_refund") -> int:
    order_id = delivered_order(app, clock, p)
    dispute_service.open_dispute(
        app,
        actor=p.buyer,
        order_id=order_id,
        reason="damaged",
        description="Le carton est écrasé, la lampe est cassée",
        resolution={"kind": kind},
    )
    return order_id


# ------------------------------------------------------------------ home


def test_home_lists_orders_to_ship_by_ship_by_and_requests_waiting(
    app: Garant, clock: FixedClock, p: Parties, seller: Seller
) -> None:
    first = create_paid_order(app, p)  # the older: its ship-by comes first
    clock.advance(DAY)
    second = create_paid_order(app, p)
    act(app, second, p.buyer, "request_cancellation", reason="no_longer_needed", note="Trop tard")
    unpaid = create_order(app, p)
    other_seller = make_parties(app)
    create_paid_order(app, other_seller)  # someone else's: never shown

    page = main_of(seller.get("/vendeur").text)
    assert "Espace vendeur" in page
    to_ship = page[page.index("Commandes à expédier") : page.index("Demandes d'annulation")]
    # Newest first would put `second` first; the ship-by puts `first` first.
    assert to_ship.index(f"/vendeur/commandes/{first}") < to_ship.index(
        f"/vendeur/commandes/{second}"
    )
    assert f'/vendeur/commandes/{unpaid}"' not in to_ship
    assert to_ship.count('href="/vendeur/commandes/') == 2
    assert "chip chip--" in to_ship and "dans 4 j" in to_ship  # the ship-by countdown

    requests = page[page.index("Demandes d'annulation") : page.index("Litiges en attente")]
    assert "Je n'en ai plus besoin" in requests and "Trop tard" in requests
    assert f"/vendeur/commandes/{second}#annulation" in requests
    assert "dans 3 j" in requests  # the seller's 72 hours, just asked
    assert "Aucun litige n'attend votre réponse." in page


def test_home_lists_disputes_waiting_for_the_seller_and_the_metrics(
    app: Garant, clock: FixedClock, p: Parties, seller: Seller
) -> None:
    order_id = disputed_order(app, clock, p)
    page = main_of(seller.get("/vendeur").text)
    disputes = page[page.index("Litiges en attente") : page.index("Retours à confirmer")]
    assert f"/vendeur/commandes/{order_id}/litige" in disputes
    assert "Article endommagé" in disputes
    assert "Répondre à la demande de l'acheteur" in disputes
    assert "Remboursement intégral" in disputes
    figures = page[page.index("Vos indicateurs") :]
    assert "Expédiées à temps" in figures and "100 %" in figures  # shipped before its ship-by
    assert "Taux de litiges" in figures
    assert "Annulations de votre fait" in figures and "0 % (0 commande)" in figures
    assert "Délai médian de réponse à un litige" in figures
    assert "Pas encore assez de données" in figures  # no dispute answered yet


def test_another_role_and_signed_out_visitors_do_not_get_the_seller_centre(
    app: Garant, p: Parties
) -> None:
    with TestClient(create_app(app)) as http:
        r = http.get("/vendeur/commandes/1", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/connexion")


# ------------------------------------------------------------------ shipping


def test_ship_with_a_valid_s10_number_checked_first(
    app: Garant, p: Parties, seller: Seller
) -> None:
    order_id = create_paid_order(app, p)
    number = s10_number("12345678")
    page = main_of(seller.get(f"/vendeur/commandes/{order_id}").text)
    assert f'action="/vendeur/commandes/{order_id}/expedier"' in page

    # "Check the number": shown back as recognised, nothing sent.
    before = snapshot(app, order_id)
    r = seller.post(
        f"/vendeur/commandes/{order_id}/expedier",
        {"tracking_number": f" {number.lower()} ", "intent": "check"},
    )
    assert r.status_code == 200
    checked = main_of(r.text)
    assert "Reconnu comme :" in checked and "China Post" in checked and number in checked
    assert snapshot(app, order_id) == before

    r = seller.post(
        f"/vendeur/commandes/{order_id}/expedier",
        {
            "tracking_number": number,
            "intent": "ship",
            "version": str(order_row(app, order_id)["version"]),
        },
    )
    page = seller.follow(r)
    row = order_row(app, order_id)
    assert row["state"] == "shipped" and row["tracking_number"] == number
    assert f"Expédiée avec le numéro de suivi {number} (China Post)." in page
    assert "Numéro de suivi" in page and "Lu comme :" in page  # the tracking card
    with app.engine.connect() as conn:
        attached = conn.execute(
            select(t.shipment_numbers.c.number).where(t.shipment_numbers.c.number == number)
        ).all()
    assert attached  # the parcel is followed from now on


def test_an_unknown_number_is_refused_in_french_and_changes_nothing(
    app: Garant, p: Parties, seller: Seller
) -> None:
    order_id = create_paid_order(app, p)
    before = snapshot(app, order_id)
    r = seller.post(
        f"/vendeur/commandes/{order_id}/expedier", {"tracking_number": "HELLO", "intent": "ship"}
    )
    assert r.status_code == 422
    page = main_of(r.text)
    assert "Des informations manquent ou ne sont pas valides." in page
    assert "Ce n'est le numéro de suivi d'aucun transporteur connu." in page
    assert 'id="f-tracking_number-error"' in page and 'value="HELLO"' in page
    assert snapshot(app, order_id) == before
    assert order_row(app, order_id)["state"] == "paid"


def test_a_stale_form_is_refused_and_changes_nothing(
    app: Garant, p: Parties, seller: Seller
) -> None:
    order_id = create_paid_order(app, p)
    old = str(order_row(app, order_id)["version"])
    act(app, order_id, p.seller, "publish_invoice", invoice_ref="F-1")  # changed meanwhile
    before = snapshot(app, order_id)
    r = seller.post(f"/vendeur/commandes/{order_id}/preparer", {"version": old})
    assert r.status_code == 409
    assert "Quelqu'un a modifié cet élément entre-temps" in main_of(r.text)
    assert snapshot(app, order_id) == before


def test_prepare_invoice_and_extension_go_through_perform(
    app: Garant, p: Parties, seller: Seller
) -> None:
    order_id = create_paid_order(app, p)
    page = seller.follow(seller.post(f"/vendeur/commandes/{order_id}/preparer"))
    assert "La commande est marquée comme préparée." in page
    assert order_row(app, order_id)["state"] == "prepared"
    seller.follow(seller.post(f"/vendeur/commandes/{order_id}/facture", {"invoice_ref": "F-42"}))
    assert order_row(app, order_id)["invoice_available"]

    r = seller.post(f"/vendeur/commandes/{order_id}/delai", {"days": "trois"})
    assert r.status_code == 422
    assert "Indiquez un nombre entier de jours" in main_of(r.text)
    page = seller.follow(
        seller.post(
            f"/vendeur/commandes/{order_id}/delai", {"days": "3", "extension_reason": "Rupture"}
        )
    )
    assert "3 jours supplémentaires demandés." in page
    assert order_row(app, order_id)["extension_days_pending"] == 3


def test_mark_unfulfillable_needs_a_reason_then_refunds(
    app: Garant, p: Parties, seller: Seller
) -> None:
    order_id = create_paid_order(app, p)
    before = snapshot(app, order_id)
    r = seller.post(f"/vendeur/commandes/{order_id}/inexecutable", {})
    assert r.status_code == 422 and "Choisissez un motif." in main_of(r.text)
    assert snapshot(app, order_id) == before
    seller.follow(
        seller.post(
            f"/vendeur/commandes/{order_id}/inexecutable",
            {"unfulfillable_reason": "out_of_stock"},
        )
    )
    assert order_row(app, order_id)["state"] == "unfulfillable"
    assert assert_ledger_balanced(app, order_id).refunded == 2500


def test_update_amount_before_payment_takes_a_french_amount(
    app: Garant, p: Parties, seller: Seller
) -> None:
    order_id = create_order(app, p)
    seller.follow(
        seller.post(
            f"/vendeur/commandes/{order_id}/montant",
            {"new_total": "27,50 €", "amount_reason": "Frais de port"},
        )
    )
    assert order_row(app, order_id)["total_cents"] == 2750
    r = seller.post(f"/vendeur/commandes/{order_id}/montant", {"new_total": "27,50"})
    assert r.status_code == 422  # the same amount again: the service says so
    assert 'id="f-new_total-error"' in r.text


# ------------------------------------------------------------------ cancellation requests


def test_approving_a_cancellation_refunds_the_buyer(
    app: Garant, p: Parties, seller: Seller
) -> None:
    order_id = create_paid_order(app, p)
    act(app, order_id, p.buyer, "request_cancellation", reason="no_longer_needed")
    page = main_of(seller.get(f"/vendeur/commandes/{order_id}").text)
    assert "L'acheteur demande l'annulation" in page and "Je n'en ai plus besoin" in page
    page = seller.follow(seller.post(f"/vendeur/commandes/{order_id}/accepter-annulation"))
    assert "Annulation acceptée : la commande est annulée" in page
    assert order_row(app, order_id)["state"] == "cancelled"
    assert [r["amount_cents"] for r in refund_rows(app, order_id)] == [2500]
    assert assert_ledger_balanced(app, order_id).refunded == 2500


def test_declining_a_cancellation_needs_a_tracking_number(
    app: Garant, p: Parties, seller: Seller
) -> None:
    order_id = create_paid_order(app, p)
    act(app, order_id, p.buyer, "request_cancellation", reason="delivery_too_long")
    before = snapshot(app, order_id)
    r = seller.post(
        f"/vendeur/commandes/{order_id}/refuser-annulation", {"decline_tracking_number": ""}
    )
    assert r.status_code == 422
    page = main_of(r.text)
    assert "Indiquez le numéro de suivi imprimé sur l'étiquette du colis." in page
    assert 'id="f-decline_tracking_number-error"' in page
    assert snapshot(app, order_id) == before

    number = s10_number("11223344")
    seller.follow(
        seller.post(
            f"/vendeur/commandes/{order_id}/refuser-annulation",
            {"decline_tracking_number": number},
        )
    )
    row = order_row(app, order_id)
    assert (row["state"], row["tracking_number"]) == ("shipped", number)
    with app.engine.connect() as conn:
        status = conn.execute(
            select(t.cancellation_requests.c.status).where(
                t.cancellation_requests.c.order_id == order_id
            )
        ).scalar_one()
    assert status == "declined"


def test_another_seller_s_order_is_a_404_page_and_changes_nothing(
    app: Garant, p: Parties, seller: Seller
) -> None:
    theirs = make_parties(app)
    order_id = create_paid_order(app, theirs)
    act(app, order_id, theirs.buyer, "request_cancellation", reason="no_longer_needed")
    before = snapshot(app, order_id)
    for path in (f"/vendeur/commandes/{order_id}", f"/vendeur/commandes/{order_id}/litige"):
        r = seller.get(path)
        assert r.status_code == 404
        assert "Nous n'avons pas trouvé ce que vous cherchez." in main_of(r.text)
    for step, data in (
        ("accepter-annulation", {}),
        ("expedier", {"tracking_number": s10_number()}),
        ("messages", {"body": "Bonjour"}),
    ):
        r = seller.post(f"/vendeur/commandes/{order_id}/{step}", data)
        assert r.status_code == 404, step
    assert snapshot(app, order_id) == before


# ------------------------------------------------------------------ disputes


def test_a_counter_offer_of_a_partial_refund_reaches_the_buyer(
    app: Garant, clock: FixedClock, p: Parties, seller: Seller
) -> None:
    order_id = disputed_order(app, clock, p)
    page = main_of(seller.get(f"/vendeur/commandes/{order_id}/litige").text)
    assert "Le carton est écrasé, la lampe est cassée" in page
    assert "Article endommagé" in page and "Remboursement intégral" in page
    assert "Votre réponse" in page and "dans 5 j" in page  # the seller's answer deadline

    r = seller.post(
        f"/vendeur/commandes/{order_id}/litige/offre",
        {"kind": "partial_refund", "amount": "10,00", "offer_message": "Je rembourse 10 €"},
    )
    page = seller.follow(r)
    assert "Votre proposition a été envoyée à l'acheteur" in page
    view = dispute_service.dispute_view(app, actor=p.buyer, order_id=order_id)
    offer = view["offers"][-1]
    assert (offer["by"], offer["to"], offer["status"]) == ("seller", "buyer", "pending")
    assert (offer["resolution"]["kind"], offer["resolution"]["amount"]) == (
        "partial_refund",
        "10.00",
    )
    assert offer["message"] == "Je rembourse 10 €"
    assert "accept_offer" in view["allowed_actions"]


def test_an_offer_above_what_was_paid_is_refused_on_its_field(
    app: Garant, clock: FixedClock, p: Parties, seller: Seller
) -> None:
    order_id = disputed_order(app, clock, p)
    before = snapshot(app, order_id)
    r = seller.post(
        f"/vendeur/commandes/{order_id}/litige/offre", {"kind": "partial_refund", "amount": "30"}
    )
    assert r.status_code == 422
    assert 'id="f-amount-error"' in r.text and 'value="30"' in r.text
    assert snapshot(app, order_id) == before


def test_contest_needs_evidence_then_a_photo_is_accepted_and_shown(
    app: Garant, clock: FixedClock, p: Parties, seller: Seller
) -> None:
    order_id = disputed_order(app, clock, p)
    path = f"/vendeur/commandes/{order_id}/litige/contester"
    before = snapshot(app, order_id)
    r = seller.post(
        path,
        {"contest_message": "Le colis est parti intact"},
        files=[("contest_files", ("", b"", "application/octet-stream"))],  # nothing chosen
    )
    assert r.status_code == 422
    page = main_of(r.text)
    assert "Joignez au moins une photo, une vidéo ou un PDF." in page
    assert 'id="f-contest_files-error"' in page
    assert snapshot(app, order_id) == before

    photo = jpeg()
    r = seller.post(
        path,
        {"contest_message": "Le colis est parti intact"},
        files=[("contest_files", ("emballage.jpg", photo, "image/jpeg"))],
    )
    page = seller.follow(r)
    assert "Votre réponse et vos preuves ont été ajoutées au dossier" in page
    view = dispute_service.dispute_view(app, actor=p.buyer, order_id=order_id)
    assert view["state"] == "negotiating" and len(view["evidence"]) == 1
    evidence_id = view["evidence"][0]
    assert f"/vendeur/commandes/{order_id}/preuves/{evidence_id}" in page
    assert "emballage.jpg" in page

    got = seller.get(f"/vendeur/commandes/{order_id}/preuves/{evidence_id}")
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert got.content == photo  # the uploader gets back what they sent
    assert "sandbox" in got.headers["content-security-policy"]

    stranger = make_seller(app)
    with TestClient(create_app(app)) as http:
        other = Seller(http)
        other.sign_in(users.issue_token(app, uid(stranger)))
        assert other.get(f"/vendeur/commandes/{order_id}/preuves/{evidence_id}").status_code == 404


def test_accepting_a_return_request_then_confirming_the_return(
    app: Garant, clock: FixedClock, p: Parties, seller: Seller
) -> None:
    page = seller.follow(
        seller.post(
            "/vendeur/retours",
            {"address": "Boutique Lumière\n12 rue des Lampes\n69001 Lyon\nFrance"},
        )
    )
    assert "Adresse de retour enregistrée." in page and "12 rue des Lampes" in page
    order_id = disputed_order(app, clock, p, kind="return_and_refund")
    page = seller.follow(seller.post(f"/vendeur/commandes/{order_id}/litige/accepter"))
    assert "Vous avez accepté la demande de l'acheteur" in page
    assert order_row(app, order_id)["state"] == "returning"
    act(app, order_id, p.buyer, "ship_return", tracking_number=s10_number("55667788", "RR", "FR"))

    home = main_of(seller.get("/vendeur").text)
    returns = home[home.index("Retours à confirmer") : home.index("Vos indicateurs")]
    assert f"/vendeur/commandes/{order_id}#retour" in returns
    assert "Renvoyé par l'acheteur" in returns
    order_page = main_of(seller.get(f"/vendeur/commandes/{order_id}").text)
    assert "12 rue des Lampes" in order_page  # where the buyer sends it

    seller.follow(seller.post(f"/vendeur/commandes/{order_id}/retour-recu"))
    assert order_row(app, order_id)["state"] == "completed"
    assert assert_ledger_balanced(app, order_id).refunded == 2500


# ------------------------------------------------------------------ messages


def test_the_seller_answers_a_buyer_s_question_and_an_order_message(
    app: Garant, p: Parties, seller: Seller
) -> None:
    order_id = create_paid_order(app, p)
    message_service.post_order_message(app, actor=p.buyer, order_id=order_id, body="Quand ?")
    message_service.post_shop_message(
        app, actor=p.buyer, seller_id=uid(p.seller), body="Existe-t-elle en bleu ?"
    )
    page = main_of(seller.get("/vendeur/messages").text)
    assert "Existe-t-elle en bleu ?" in page and "Quand ?" in page
    assert f"/vendeur/messages/acheteurs/{uid(p.buyer)}" in page

    seller.follow(
        seller.post(
            f"/vendeur/messages/acheteurs/{uid(p.buyer)}",
            {"body": "Oui, en bleu nuit."},
            files=[("attachments", ("bleu.jpg", jpeg((20, 20, 160)), "image/jpeg"))],
        )
    )
    thread = message_service.shop_thread(app, actor=p.buyer, seller_id=uid(p.seller))
    last = thread["messages"][-1]
    assert (last["author_id"], last["body"]) == (uid(p.seller), "Oui, en bleu nuit.")
    assert len(last["attachments"]) == 1

    page = seller.follow(
        seller.post(f"/vendeur/commandes/{order_id}/messages", {"body": "Demain matin."})
    )
    assert "Message envoyé à l'acheteur." in page and "Demain matin." in page
    r = seller.post(f"/vendeur/commandes/{order_id}/messages", {"body": "   "})
    assert r.status_code == 422 and "Écrivez un message ou joignez un fichier." in main_of(r.text)

    assert seller.get("/vendeur/messages/acheteurs/999999").status_code == 404


# ------------------------------------------------------------------ return address


def test_the_return_address_is_saved_or_refused_in_words(
    app: Garant, p: Parties, seller: Seller
) -> None:
    page = main_of(seller.get("/vendeur/retours").text)
    assert "Pas encore d'adresse de retour" in page
    r = seller.post("/vendeur/retours", {"address": "Une seule ligne"})
    assert r.status_code == 422
    assert "Indiquez 2 à 8 lignes de 120 caractères au plus" in main_of(r.text)
    seller.follow(seller.post("/vendeur/retours", {"address": "Boutique\n1 rue X\n75001 Paris"}))
    with app.engine.connect() as conn:
        saved = conn.execute(
            select(t.users.c.return_address).where(t.users.c.id == uid(p.seller))
        ).scalar_one()
    assert saved == "Boutique\n1 rue X\n75001 Paris"


# ------------------------------------------------------------------ English, lists


def test_the_seller_centre_in_english(
    app: Garant, clock: FixedClock, p: Parties, seller: Seller
) -> None:
    order_id = create_paid_order(app, p)
    page = seller.get("/vendeur?lang=en").text
    assert '<html lang="en">' in page
    body = main_of(page)
    assert "Seller centre" in body and "Orders to ship" in body and "Your figures" in body
    assert "in 5 d" in body and "€25.00" in body
    r = seller.post(
        f"/vendeur/commandes/{order_id}/expedier", {"tracking_number": "HELLO", "intent": "ship"}
    )
    assert r.status_code == 422
    assert "This is not a tracking number of any carrier we know." in main_of(r.text)
    assert f'href="/vendeur/commandes/{order_id}/expedier?lang=fr"' in r.text
    assert "Commandes à expédier" in main_of(seller.get("/vendeur?lang=fr").text)


def test_all_orders_are_paged_and_filtered_by_state(
    app: Garant, p: Parties, seller: Seller
) -> None:
    paid = [create_paid_order(app, p) for _ in range(21)]
    unpaid = create_order(app, p)
    page = main_of(seller.get("/vendeur/commandes").text)
    assert page.count('<a href="/vendeur/commandes/') == 20
    assert f'href="/vendeur/commandes/{unpaid}"' in page
    next_url = re.search(r'rel="next" href="([^"]+)"', page)
    assert next_url
    second = main_of(seller.get(next_url.group(1).replace("&amp;", "&")).text)
    assert f'href="/vendeur/commandes/{paid[0]}"' in second
    filtered = main_of(seller.get("/vendeur/commandes?etat=received").text)
    assert f'href="/vendeur/commandes/{unpaid}"' in filtered
    assert filtered.count('<a href="/vendeur/commandes/') == 1
    r = seller.get("/vendeur/commandes?etat=nimporte")
    assert r.status_code == 422 and "Choisissez un état dans la liste." in main_of(r.text)


def test_seller_pages_have_no_inline_styles_or_scripts(
    app: Garant, clock: FixedClock, p: Parties, seller: Seller
) -> None:
    order_id = disputed_order(app, clock, p)
    for path in (
        "/vendeur",
        "/vendeur/commandes",
        f"/vendeur/commandes/{order_id}",
        f"/vendeur/commandes/{order_id}/litige",
        "/vendeur/messages",
        "/vendeur/retours",
    ):
        html = seller.get(path).text
        assert " style=" not in html and "<script" not in html, path
        assert html.count('name="csrf_token"') == html.count('method="post"'), path
        ids = re.findall(r' id="([^"]+)"', html)
        assert len(ids) == len(set(ids)), (path, sorted(i for i in ids if ids.count(i) > 1))
        for field_id in re.findall(r'<(?:input|textarea|select) class="input" id="([^"]+)"', html):
            assert f'for="{field_id}"' in html, (path, field_id)  # every field has its label
