"""The buyer's pages ("Mes commandes") on both databases, through the web application as a
browser uses it (sessions, CSRF tokens, forms, multipart files): the order list with its
filters, the order page (timeline, tracking, deadlines, actions), cancellation with its
confirmation step, refusals in words that change nothing, messages with attachments,
disputes from opening to the end (offers, remedies, case file and letter), notifications,
and the same pages in English."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import insert, select

from garant.app import Garant
from garant.clock import FixedClock
from garant.domain.orders import Actor
from garant.domain.tracking import Location, SubStatus, TrackingEvent, TrackingStatus
from garant.services import disputes, evidence, messages, users
from garant.services import orders as order_service
from garant.services.tracking import ingest
from garant.store import schema as t
from garant.web import i18n, pages_buyer

from .helpers import (
    Parties,
    act,
    make_buyer,
    make_parties,
    order_row,
    s10_number,
    snapshot,
)
from .test_web_foundation import Browser, csrf_of, main_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from garant.asgi import create_app

DAY = timedelta(days=1)
CHINA = timezone(timedelta(hours=8))


# ------------------------------------------------------------------ helpers


class Buyer(Browser):
    """A browser signed in as one buyer: ``page`` reads a page's main part as text, ``post``
    sends a form with the session's CSRF token."""

    token = ""

    def page(self, path: str, status: int = 200) -> str:
        r = self.http.get(path)
        assert r.status_code == status, (path, r.status_code, main_of(r.text)[:800])
        return main_of(r.text)

    def post(self, path: str, data: dict[str, Any] | None = None, files: Any = None) -> Any:
        self.token = self.token or csrf_of(self.http.get("/commandes").text)
        return self.http.post(
            path,
            data={**(data or {}), "csrf_token": self.token},
            files=files,
            follow_redirects=False,
        )

    def follow(self, r: Any) -> str:
        assert r.status_code == 303, (r.status_code, main_of(r.text)[:1500])
        return self.page(r.headers["location"])


@pytest.fixture
def p(app: Garant) -> Parties:
    return make_parties(app)


def sign_in(app: Garant, http: TestClient, actor: Actor) -> Buyer:
    assert actor.user_id is not None
    buyer = Buyer(http)
    buyer.sign_in(users.issue_token(app, actor.user_id))
    buyer.http.get("/commandes")  # the "signed in" flash is shown once, here
    return buyer


@pytest.fixture
def web(app: Garant) -> Iterator[TestClient]:
    with TestClient(create_app(app)) as http:
        yield http


@pytest.fixture
def buyer(app: Garant, web: TestClient, p: Parties) -> Buyer:
    return sign_in(app, web, p.buyer)


def order(app: Garant, p: Parties, title: str = "Lampe", total: str = "24.90", **kw: Any) -> int:
    """An unpaid order of one item, placed by the marketplace's integration."""
    assert p.buyer.user_id is not None and p.seller.user_id is not None
    return order_service.create_order(
        app,
        actor=p.operator,
        buyer_id=kw.pop("buyer_id", p.buyer.user_id),
        seller_id=p.seller.user_id,
        items=[{"sku": "S1", "title": title, "quantity": 1, "unit_price": total}],
        total=total,
        shipping_method="aliexpress_standard",
        **kw,
    )


def paid(app: Garant, p: Parties, title: str = "Lampe", total: str = "24.90") -> int:
    order_id = order(app, p, title, total)
    act(app, order_id, p.operator, "pay", amount=total, verified=True)
    return order_id


def shipped(
    app: Garant, clock: FixedClock, p: Parties, serial: str = "12345678"
) -> tuple[int, str]:
    order_id = paid(app, p)
    clock.advance(DAY)
    number = s10_number(serial)
    act(app, order_id, p.seller, "ship", tracking_number=number)
    return order_id, number


def delivered(app: Garant, clock: FixedClock, p: Parties, serial: str = "12345678") -> int:
    order_id, _ = shipped(app, clock, p, serial)
    clock.advance(5 * DAY)
    act(app, order_id, p.agent, "record_delivery", where="Lyon")
    return order_id


def scan(number: str, at: datetime, status: TrackingStatus, sub: SubStatus,
         country: str, city: str) -> TrackingEvent:  # fmt: skip
    return TrackingEvent(
        carrier="china_post", tracking_number=number, occurred_at=at, status=status,
        sub_status=sub, raw_code=None, raw_text=f"{city}: {sub.value}",
        location=Location(country=country, city=city),
    )  # fmt: skip


def dispute(app: Garant, p: Parties, order_id: int, kind: str = "full_refund") -> None:
    """The buyer opens a damaged-item dispute through the service."""
    disputes.open_dispute(
        app, actor=p.buyer, order_id=order_id, reason="damaged", description="Cassée",
        resolution={"kind": kind},
    )  # fmt: skip


def jpeg(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, format="JPEG")
    return buf.getvalue()


def state(app: Garant, order_id: int) -> str:
    return str(order_row(app, order_id)["state"])


def dispute_state(app: Garant, order_id: int) -> str | None:
    with app.engine.connect() as conn:
        found = conn.execute(
            select(t.disputes.c.state).where(t.disputes.c.order_id == order_id)
        ).scalar()
    return None if found is None else str(found)


def version_of(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, "no version field"
    return match.group(1)


# ------------------------------------------------------------------ the order list


def test_the_list_shows_my_orders_only_newest_first_and_another_buyers_order_is_not_found(
    app: Garant, p: Parties, buyer: Buyer
) -> None:
    first = paid(app, p, "Lampe de chevet", "24.90")
    second = order(app, p, "Théière en fonte", "39.00")
    other = order(app, p, "Montre", "99.00", buyer_id=make_buyer(app).user_id)
    page = buyer.page("/commandes")
    assert page.index(f"Commande n° {second}") < page.index(f"Commande n° {first}")
    assert "Lampe de chevet" in page and "Théière en fonte" in page
    assert "24,90 €" in page and "39,00 €" in page
    assert "Achat effectué" in page and "Commande reçue" in page  # the status badges
    assert "Date limite d'expédition" in page  # the paid order's next deadline
    assert f"Commande n° {other}" not in page and "Montre" not in page
    r = buyer.http.get(f"/commandes/{other}")
    assert r.status_code == 404
    assert "Nous n'avons pas trouvé ce que vous cherchez." in main_of(r.text)
    assert "Montre" not in r.text


def test_filters_by_state_group_search_and_pages(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = paid(app, p, "Lampe", "10.00")
    sent, number = shipped(app, clock, p)
    cancelled = order(app, p, "Théière", "12.00")
    act(app, cancelled, p.buyer, "cancel", confirm=True)

    def ids(page: str) -> set[int]:
        return {int(i) for i in re.findall(r"Commande n° (\d+)", page)}

    assert ids(buyer.page("/commandes")) == {waiting, sent, cancelled}
    assert ids(buyer.page("/commandes?etat=en-cours")) == {waiting}
    assert ids(buyer.page("/commandes?etat=expediees")) == {sent}
    assert ids(buyer.page("/commandes?etat=annulees")) == {cancelled}
    assert "Aucune commande ne correspond" in buyer.page("/commandes?etat=terminees")
    assert ids(buyer.page("/commandes?q=theiere")) == {cancelled}  # accents and case aside
    assert ids(buyer.page(f"/commandes?q=%23{sent}")) == {sent}  # by its number
    assert ids(buyer.page(f"/commandes?q={number}")) == {sent}  # by its tracking number

    monkeypatch.setattr(pages_buyer, "PER_PAGE", 2)
    page = buyer.page("/commandes")
    assert ids(page) == {cancelled, sent}
    older = re.search(r'href="(/commandes\?apres=\d+)"', buyer.http.get("/commandes").text)
    assert older and "Commandes plus anciennes" in page
    assert ids(buyer.page(older.group(1))) == {waiting}


# ------------------------------------------------------------------ the order page


def test_the_order_page_shows_deadlines_actions_and_history(
    app: Garant, p: Parties, buyer: Buyer
) -> None:
    order_id = paid(app, p)
    page = buyer.page(f"/commandes/{order_id}")
    assert "Ce que vous pouvez faire maintenant" in page
    assert "Date limite d'expédition" in page  # the ship-by countdown…
    assert "dans 5 j" in page  # …as a countdown…
    assert "annulée et remboursée automatiquement" in page  # …with what happens then
    assert "Demander l'annulation" in page
    assert "Confirmer la réception" not in page  # not allowed before delivery
    assert "Commande passée" in page and "Paiement vérifié" in page  # the history
    assert "Conservé par Garant" in page and "24,90 €" in page
    assert "Le colis n'est pas encore expédié" in page


def test_the_order_page_shows_the_parcel_with_local_times_estimate_and_stall_advice(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer
) -> None:
    order_id, number = shipped(app, clock, p)
    ingest(app, [
        scan(number, datetime(2026, 11, 3, 14, 0, tzinfo=CHINA), TrackingStatus.IN_TRANSIT,
             SubStatus.ACCEPTED, "CN", "Shenzhen"),
        scan(number, datetime(2026, 11, 4, 22, 30, tzinfo=CHINA), TrackingStatus.IN_TRANSIT,
             SubStatus.DEPARTED_ORIGIN_COUNTRY, "CN", "Guangzhou"),
    ], source="sandbox")  # fmt: skip
    page = buyer.page(f"/commandes/{order_id}")
    assert number in page
    assert "A quitté le pays d'origine" in page and "Pris en charge par le transporteur" in page
    assert "Guangzhou, Chine" in page  # the place, in the page's language
    assert "heure locale : 4 nov. 2026, 22:30 (UTC+08:00)" in page  # local time…
    assert "4 nov. 2026, 15:30 (heure de Paris)" in page  # …and Paris time
    assert page.index("Guangzhou") < page.index("Shenzhen")  # newest first
    assert "Livraison estimée :" in page and "Comment cette estimation est calculée" in page
    assert "Confirmer la réception" in page
    assert "Fin de la protection acheteur" in page
    assert "Dernier jour pour ouvrir un litige" in page and "Ouvrir un litige" in page

    clock.advance(25 * DAY)  # no scan for weeks: the stall diagnosis speaks
    page = buyer.page(f"/commandes/{order_id}")
    assert "Le colis n'a pas bougé depuis plus longtemps que d'habitude" in page
    assert "Contactez le vendeur depuis la commande" in page  # the service's French advice


def test_a_number_the_carrier_does_not_know_yet_gets_the_not_found_advice(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer
) -> None:
    order_id, _ = shipped(app, clock, p)
    page = buyer.page(f"/commandes/{order_id}")
    assert "Le transporteur ne connaît pas encore ce numéro" in page
    assert "Regardez à nouveau le" in page


# ------------------------------------------------------------------ cancellation


def test_request_cancellation_goes_through_a_confirmation_step(
    app: Garant, p: Parties, buyer: Buyer
) -> None:
    order_id = paid(app, p)
    form = buyer.page(f"/commandes/{order_id}/annulation")
    assert "Pourquoi voulez-vous annuler ?" in form and "Je n'en ai plus besoin" in form
    assert "<legend" in buyer.http.get(f"/commandes/{order_id}/annulation").text

    before = snapshot(app, order_id)
    r = buyer.post(f"/commandes/{order_id}/annulation", {"note": "Trop long"})
    assert r.status_code == 422 and "Choisissez un motif dans la liste." in main_of(r.text)
    r = buyer.post(
        f"/commandes/{order_id}/annulation",
        {"reason": "delivery_too_long", "note": "Trop long"},
    )
    step = main_of(r.text)
    assert r.status_code == 200 and "Vérifiez votre demande" in step
    assert "Le délai de livraison est trop long" in step and "Trop long" in step
    assert "Oui, envoyer la demande" in step
    assert snapshot(app, order_id) == before  # the confirmation step changes nothing

    r = buyer.post(
        f"/commandes/{order_id}/annulation",
        {"reason": "delivery_too_long", "note": "Trop long", "confirm": "yes"},
    )
    page = buyer.follow(r)
    assert "Demande d'annulation envoyée. Le vendeur a jusqu'au 5 nov. 2026" in page
    assert "Réponse du vendeur à votre demande d'annulation" in page  # the 72 h chip
    assert "En attente de la réponse du vendeur" in page
    assert "Retirer la demande d'annulation" in page
    with app.engine.connect() as conn:
        req = conn.execute(select(t.cancellation_requests)).mappings().one()
    assert (req["reason"], req["note"], req["status"]) == ("delivery_too_long", "Trop long", "open")

    r = buyer.post(f"/commandes/{order_id}/actions/withdraw_cancellation")
    assert "Demande d'annulation retirée : la commande continue." in buyer.follow(r)


def test_an_unpaid_order_is_cancelled_only_after_confirming(
    app: Garant, p: Parties, buyer: Buyer
) -> None:
    order_id = order(app, p)
    r = buyer.post(f"/commandes/{order_id}/annulation")
    assert "Confirmez-vous l'annulation de la commande" in main_of(r.text)
    assert state(app, order_id) == "received"
    r = buyer.post(f"/commandes/{order_id}/annulation", {"confirm": "yes"})
    assert "Commande annulée." in buyer.follow(r)
    assert state(app, order_id) == "cancelled"


def test_cancelling_after_shipping_is_refused_in_plain_french_and_changes_nothing(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer
) -> None:
    order_id, _ = shipped(app, clock, p)
    before = snapshot(app, order_id)
    r = buyer.post(
        f"/commandes/{order_id}/annulation",
        {"reason": "no_longer_needed", "confirm": "yes"},
    )
    assert r.status_code == 409
    page = main_of(r.text)
    assert "La commande a déjà été expédiée : elle ne peut plus être annulée." in page
    assert 'role="alert"' in page and "Ouvrir un litige" in page  # the remedies
    assert snapshot(app, order_id) == before


def test_confirming_receipt_needs_the_box_ticked(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer
) -> None:
    order_id = delivered(app, clock, p)
    page = buyer.page(f"/commandes/{order_id}/reception")
    assert "sont versés au vendeur immédiatement" in page
    r = buyer.post(f"/commandes/{order_id}/reception")
    assert r.status_code == 422 and "Cochez la case" in main_of(r.text)
    assert state(app, order_id) == "delivered"
    r = buyer.post(f"/commandes/{order_id}/reception", {"confirm": "yes"})
    assert "Réception confirmée : le vendeur est payé." in buyer.follow(r)
    assert state(app, order_id) == "completed"


def test_agreeing_to_the_sellers_extension(app: Garant, p: Parties, buyer: Buyer) -> None:
    order_id = paid(app, p)
    act(app, order_id, p.seller, "request_extension", days=3, reason="stock")
    page = buyer.page(f"/commandes/{order_id}")
    assert "Le vendeur demande 3 jours de plus pour expédier." in page
    r = buyer.post(f"/commandes/{order_id}/actions/accept_extension")
    assert "le vendeur a maintenant jusqu'au 10 nov. 2026" in buyer.follow(r)
    r = buyer.post(f"/commandes/{order_id}/actions/accept_extension")
    assert r.status_code == 409  # nothing asked any more: refused in words
    assert "Cette action n'est pas possible à ce stade." in main_of(r.text)


def test_answering_the_sellers_question(app: Garant, p: Parties, buyer: Buyer) -> None:
    order_id = order(app, p)
    act(app, order_id, p.seller, "request_details", question="Quelle taille voulez-vous ?")
    page = buyer.page(f"/commandes/{order_id}")
    assert "Le vendeur a besoin de précisions" in page and "Quelle taille voulez-vous ?" in page
    r = buyer.post(f"/commandes/{order_id}/precisions", {"answer": "Taille M"})
    assert "Vos précisions ont été envoyées au vendeur." in buyer.follow(r)
    assert state(app, order_id) == "received"


def test_a_parcel_back_at_the_seller_lets_the_buyer_choose_a_refund(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer
) -> None:
    order_id, _ = shipped(app, clock, p)
    act(app, order_id, p.agent, "mark_returned_to_sender", reason="address")
    page = buyer.page(f"/commandes/{order_id}")
    assert "Le colis ne vous est pas parvenu : choisissez la suite" in page
    assert "Le faire renvoyer" in page and "Être remboursé" in page
    r = buyer.post(f"/commandes/{order_id}/actions/choose_refund")
    page = buyer.follow(r)
    assert "Vous avez choisi le remboursement : il est lancé." in page
    assert "Remboursements" in page and "attendu entre le" in page
    assert buyer.post(f"/commandes/{order_id}/actions/ship").status_code == 404  # not here


def test_sending_the_item_back_with_its_tracking_number(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer
) -> None:
    with app.engine.begin() as conn:
        conn.execute(
            t.users.update()
            .where(t.users.c.id == p.seller.user_id)
            .values(return_address="Boutique Lumière\n1 rue de la Paix\n75002 Paris")
        )
    order_id = delivered(app, clock, p)
    dispute(app, p, order_id, kind="return_and_refund")
    disputes.act(app, actor=p.seller, order_id=order_id, action="accept_request", params={})
    assert "Renvoyer l'article" in buyer.page(f"/commandes/{order_id}")
    page = buyer.page(f"/commandes/{order_id}/retour")
    assert "1 rue de la Paix" in page and "À renvoyer avant le" in page
    r = buyer.post(f"/commandes/{order_id}/retour", {"tracking_number": ""})
    assert r.status_code == 422 and "Numéro de suivi du retour" in main_of(r.text)
    r = buyer.post(f"/commandes/{order_id}/retour", {"tracking_number": s10_number("13572468")})
    assert "Retour enregistré. Le vendeur a jusqu'au" in buyer.follow(r)
    assert order_row(app, order_id)["state"] == "returning"


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    app: Garant, p: Parties, buyer: Buyer
) -> None:
    order_id = order(app, p)
    r = buyer.http.post(
        f"/commandes/{order_id}/annulation", data={"confirm": "yes"}, follow_redirects=False
    )
    assert r.status_code == 403
    assert state(app, order_id) == "received"


# ------------------------------------------------------------------ messages


def test_a_message_with_a_photo_reaches_the_seller(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer
) -> None:
    order_id, _ = shipped(app, clock, p)
    r = buyer.post(
        f"/commandes/{order_id}/messages",
        {"body": "Bonjour, voici le carton reçu."},
        files=[("files", ("carton.jpg", jpeg(), "image/jpeg"))],
    )
    page = buyer.follow(r)
    assert "Message envoyé." in page and "Bonjour, voici le carton reçu." in page
    thread = messages.order_thread(app, actor=p.seller, order_id=order_id)
    [message] = thread["messages"]
    [photo] = message["attachments"]
    assert message["body"] == "Bonjour, voici le carton reçu."
    assert f'<img src="/commandes/{order_id}/preuves/{photo}"' in page
    r = buyer.http.get(f"/commandes/{order_id}/preuves/{photo}")
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert r.content == jpeg()  # the buyer's own file, as sent
    assert "attachment" in r.headers["content-disposition"]

    r = buyer.post(
        f"/commandes/{order_id}/messages",
        {"body": "Et la facture"},
        files=[("files", ("facture.txt", b"just some text", "text/plain"))],
    )
    assert r.status_code in (415, 422)
    page = main_of(r.text)
    assert "Ce fichier ne peut pas être accepté comme preuve." in page
    assert "Et la facture" in page  # what was typed is kept
    assert len(messages.order_thread(app, actor=p.buyer, order_id=order_id)["messages"]) == 1


def test_a_file_id_typed_into_a_form_reveals_nothing(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer
) -> None:
    order_id, _ = shipped(app, clock, p)
    theirs = evidence.upload(
        app, actor=p.seller, data=jpeg(), filename="secret-fournisseur.jpg", order_id=order_id
    )
    r = buyer.post(f"/commandes/{order_id}/messages", {"body": "", "kept": str(theirs["id"])})
    assert r.status_code == 422  # no text and no file of mine: refused
    assert "secret-fournisseur" not in r.text
    assert messages.order_thread(app, actor=p.buyer, order_id=order_id)["messages"] == []


def test_evidence_of_another_buyers_order_is_not_found(
    app: Garant, clock: FixedClock, p: Parties, web: TestClient
) -> None:
    order_id, _ = shipped(app, clock, p)
    photo = evidence.upload(app, actor=p.buyer, data=jpeg(), filename="a.jpg", order_id=order_id)
    stranger = sign_in(app, web, make_buyer(app))
    r = stranger.http.get(f"/commandes/{order_id}/preuves/{photo['id']}")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")


# ------------------------------------------------------------------ disputes


def test_opening_a_damaged_item_dispute_with_a_photo(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer
) -> None:
    order_id = delivered(app, clock, p)
    assert "Ouvrir un litige" in buyer.page(f"/commandes/{order_id}")
    form = buyer.page(f"/commandes/{order_id}/litige")
    assert "Quel est le problème ?" in form and "Article endommagé" in form
    assert "Que demandez-vous ?" in form and "Remboursement intégral" in form
    r = buyer.post(
        f"/commandes/{order_id}/litige",
        {"reason": "damaged", "description": "Le carton est écrasé, la lampe est cassée.",
         "resolution": "full_refund"},
        files=[("files", ("lampe.jpg", jpeg(), "image/jpeg"))],
    )  # fmt: skip
    assert r.headers["location"] == f"/commandes/{order_id}/litige"
    page = buyer.follow(r)
    assert "Litige ouvert. Le vendeur a jusqu'au" in page
    assert "En attente de la réponse du vendeur" in page and "Article endommagé" in page
    assert "Le carton est écrasé, la lampe est cassée." in page
    assert "Réponse du vendeur" in page and "votre demande est accordée" in page  # deadline
    assert "Retirer le litige" in page and "Ajouter des preuves" in page
    assert dispute_state(app, order_id) == "awaiting_seller"
    [photo] = disputes.dispute_view(app, actor=p.seller, order_id=order_id)["evidence"]
    assert f'<img src="/commandes/{order_id}/preuves/{photo}"' in page
    order_page = buyer.page(f"/commandes/{order_id}")
    assert "Voir le litige" in order_page and "Un litige est ouvert" in order_page


def test_a_refused_dispute_shows_the_form_again_with_what_was_typed(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer
) -> None:
    order_id = delivered(app, clock, p)
    r = buyer.post(
        f"/commandes/{order_id}/litige",
        {"reason": "not_as_described", "description": "Couleur différente",
         "resolution": "partial_refund", "amount": "5,00"},
        files=[("files", ("photo.jpg", jpeg(), "image/jpeg"))],
    )  # fmt: skip
    assert r.status_code == 422  # what differs was not said
    page = main_of(r.text)
    assert "Des informations manquent ou ne sont pas valides." in page
    assert "Couleur différente" in page and 'value="5,00"' in page
    assert "Fichiers déjà envoyés" in page and "photo.jpg" in page  # the photo is kept
    kept = re.search(r'name="kept" value="(\d+)" checked', r.text)
    assert kept and dispute_state(app, order_id) is None

    r = buyer.post(
        f"/commandes/{order_id}/litige",
        {"reason": "not_as_described", "detail_not_as_described": "colour",
         "description": "Couleur différente", "resolution": "partial_refund",
         "amount": "5,00", "kept": kept.group(1)},
    )  # fmt: skip
    page = buyer.follow(r)
    assert "Non conforme à la description" in page and "Couleur" in page
    assert "Remboursement partiel · 5,00 €" in page
    assert disputes.dispute_view(app, actor=p.buyer, order_id=order_id)["evidence"] == [
        int(kept.group(1))
    ]


def test_a_dispute_after_its_window_is_refused_with_the_dates(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer
) -> None:
    order_id = delivered(app, clock, p)
    clock.advance(20 * DAY)  # 15 days after the delivery have passed
    page = buyer.page(f"/commandes/{order_id}/litige")
    assert "il ne peut pas l'être maintenant" in page and "Ouvrir le litige" not in page
    before = snapshot(app, order_id)
    r = buyer.post(
        f"/commandes/{order_id}/litige",
        {"reason": "damaged", "description": "Cassé", "resolution": "full_refund"},
    )
    assert r.status_code == 409
    page = main_of(r.text)
    assert "Un litige ne peut pas être ouvert à cette date." in page
    assert "un litige pouvait être ouvert du 3 nov. 2026" in page
    assert "Cassé" in page  # kept
    assert snapshot(app, order_id) == before


def test_accepting_the_sellers_partial_refund_closes_the_dispute(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer
) -> None:
    order_id = delivered(app, clock, p)
    dispute(app, p, order_id)
    disputes.act(app, actor=p.seller, order_id=order_id, action="make_offer",
                 params={"resolution": {"kind": "partial_refund", "amount": "10.00"},
                         "message": "Je vous propose 10 €."})  # fmt: skip
    html = buyer.http.get(f"/commandes/{order_id}/litige").text
    page = main_of(html)
    assert "La proposition du vendeur" in page and "Remboursement partiel" in page
    assert "10,00 €" in page and "Je vous propose 10 €." in page
    assert "Répondre avant" in page and "la proposition expire" in page
    r = buyer.post(f"/commandes/{order_id}/litige/accepter", {"version": version_of(html)})
    page = buyer.follow(r)
    assert "Proposition acceptée : le litige est clos." in page
    assert "Litige clos" in page and "Remboursement partiel · 10,00 €" in page
    assert dispute_state(app, order_id) == "resolved"
    order_page = buyer.page(f"/commandes/{order_id}")
    assert "Remboursements" in order_page and "attendu entre le" in order_page


def test_a_stale_offer_page_is_refused(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer
) -> None:
    order_id = delivered(app, clock, p)
    dispute(app, p, order_id)
    offer = {"resolution": {"kind": "partial_refund", "amount": "5.00"}}
    disputes.act(app, actor=p.seller, order_id=order_id, action="make_offer", params=offer)
    version = version_of(buyer.http.get(f"/commandes/{order_id}/litige").text)
    offer = {"resolution": {"kind": "partial_refund", "amount": "3.00"}}  # replaced meanwhile
    disputes.act(app, actor=p.seller, order_id=order_id, action="make_offer", params=offer)
    r = buyer.post(f"/commandes/{order_id}/litige/accepter", {"version": version})
    assert r.status_code == 409
    assert "Quelqu'un a modifié cet élément entre-temps ; rien n'a été enregistré." in main_of(
        r.text
    )
    assert dispute_state(app, order_id) == "negotiating"


def test_counter_offer_escalation_and_withdrawal_need_what_they_need(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer
) -> None:
    order_id = delivered(app, clock, p)
    dispute(app, p, order_id)
    disputes.act(app, actor=p.seller, order_id=order_id, action="make_offer",
                 params={"resolution": {"kind": "partial_refund", "amount": "5.00"}})  # fmt: skip
    r = buyer.post(
        f"/commandes/{order_id}/litige/proposition",
        {"offer_resolution": "partial_refund", "offer_amount": "15", "offer_message": "15 €"},
    )
    assert "Votre proposition a été envoyée au vendeur." in buyer.follow(r)
    offers = disputes.dispute_view(app, actor=p.buyer, order_id=order_id)["offers"]
    assert [(o["by"], o["resolution"]["amount"], o["status"]) for o in offers] == [
        ("seller", "5.00", "countered"), ("buyer", "15.00", "pending")]  # fmt: skip

    r = buyer.post(f"/commandes/{order_id}/litige/retrait", {"withdraw_message": "Bon"})
    assert r.status_code == 422 and "Cochez la case pour confirmer" in main_of(r.text)
    assert dispute_state(app, order_id) == "negotiating"

    clock.advance(3 * DAY)  # escalation is possible from 72 h after opening
    r = buyer.post(f"/commandes/{order_id}/litige/escalade", {"escalate_message": "Aucun accord"})
    assert "L'intervention de la plateforme a été demandée." in buyer.follow(r)
    assert dispute_state(app, order_id) == "escalated"


def _lost_dispute(app: Garant, clock: FixedClock, p: Parties) -> int:
    """Decided for the seller, and the decision accepted by both."""
    order_id, _ = shipped(app, clock, p)
    clock.advance(20 * DAY)
    disputes.open_dispute(app, actor=p.buyer, order_id=order_id, reason="not_received",
                          description="Rien reçu.", resolution={"kind": "full_refund"})  # fmt: skip
    disputes.act(app, actor=p.seller, order_id=order_id, action="contest",
                 params={"message": "Livré", "evidence": [evidence.upload(
                     app, actor=p.seller, data=jpeg((0, 0, 200)), filename="preuve.jpg",
                     order_id=order_id)["id"]]})  # fmt: skip
    clock.advance(11 * DAY)
    disputes.act(app, actor=p.agent, order_id=order_id, action="take_case", params={})
    decision = {"in_favour_of": "seller", "note": "Le colis est signalé livré."}
    disputes.act(app, actor=p.agent, order_id=order_id, action="decide", params=decision)
    return order_id


def test_a_lost_dispute_shows_the_remedies_and_the_documents_are_pdfs(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer
) -> None:
    order_id = _lost_dispute(app, clock, p)
    html = buyer.http.get(f"/commandes/{order_id}/litige").text
    page = main_of(html)
    assert "En faveur du vendeur" in page and "Le colis est signalé livré." in page
    assert "Faire appel de la décision" in page and "Appel possible jusqu'au" in page
    r = buyer.post(f"/commandes/{order_id}/litige/accepter-decision", {"version": version_of(html)})
    buyer.follow(r)
    disputes.act(app, actor=p.seller, order_id=order_id, action="accept_decision", params={})
    page = buyer.page(f"/commandes/{order_id}/litige")
    assert "Ce que vous pouvez encore faire" in page
    assert "Envoyer une lettre recommandée avec accusé de réception" in page
    assert "Saisir le médiateur de la consommation" in page and "6 rue Ménars" in page
    assert "Pas de remboursement" in page

    r = buyer.http.get(f"/commandes/{order_id}/litige/dossier.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    r = buyer.http.get(
        f"/commandes/{order_id}/litige/lettre.pdf",
        params={"expediteur": "Camille Martin\n12 rue des Lilas\n69003 Lyon"},
    )
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert "reclamation-commande" in r.headers["content-disposition"]
    r = buyer.http.get(
        f"/commandes/{order_id}/litige/lettre.pdf",
        params={"expediteur": "\n".join(f"ligne {i}" for i in range(9))},
    )
    assert r.status_code == 422 and "8 lignes de 120 caractères au plus." in main_of(r.text)


def test_an_appeal_needs_a_reason_and_new_evidence(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer
) -> None:
    order_id = _lost_dispute(app, clock, p)
    r = buyer.post(f"/commandes/{order_id}/litige/appel", {"appeal_note": ""})
    assert r.status_code == 422
    assert "Un appel demande de nouvelles preuves" in main_of(r.text)
    r = buyer.post(
        f"/commandes/{order_id}/litige/appel",
        {"appeal_note": "Voici la preuve que rien n'est arrivé."},
        files=[("appel_files", ("attestation.jpg", jpeg((10, 10, 10)), "image/jpeg"))],
    )
    assert "Appel envoyé" in buyer.follow(r)
    assert dispute_state(app, order_id) == "appealed"


# ------------------------------------------------------------------ notifications


def _notify(app: Garant, user_id: int, order_id: int | None, n: int) -> None:
    with app.engine.begin() as conn:
        conn.execute(insert(t.notifications).values(
            message_id=n, user_id=user_id, order_id=order_id, kind="shipped",
            title_fr=f"Colis expédié {n}", title_en=f"Parcel shipped {n}",
            body_fr="Votre commande est en route.", body_en="Your order is on its way.",
            created_at=datetime(2026, 11, 2, 9, n, tzinfo=UTC),
        ))  # fmt: skip


def test_notifications_newest_first_and_marked_read(app: Garant, p: Parties, buyer: Buyer) -> None:
    order_id = paid(app, p)
    assert p.buyer.user_id is not None
    _notify(app, p.buyer.user_id, order_id, 1)
    _notify(app, p.buyer.user_id, None, 2)
    stranger = make_buyer(app)
    assert stranger.user_id is not None
    _notify(app, stranger.user_id, None, 3)
    assert "2 non lues" in buyer.page("/commandes")
    page = buyer.page("/notifications")
    assert page.index("Colis expédié 2") < page.index("Colis expédié 1")
    assert "Colis expédié 3" not in page
    first = re.findall(r'action="/notifications/(\d+)/lu"', buyer.http.get("/notifications").text)
    r = buyer.post(f"/notifications/{first[-1]}/lu")
    assert "Marquée comme lue." in buyer.follow(r)
    assert "1 non lue" in buyer.page("/notifications")
    r = buyer.post(f"/notifications/{first[0]}/lu", {"next": f"/commandes/{order_id}"})
    assert r.headers["location"] == f"/commandes/{order_id}"
    with app.engine.connect() as conn:
        theirs = conn.execute(
            select(t.notifications.c.id).where(t.notifications.c.user_id == stranger.user_id)
        ).scalar_one()
    assert buyer.post(f"/notifications/{theirs}/lu").status_code == 404


# ------------------------------------------------------------------ English, and the rest


def test_the_buyer_pages_in_english(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer
) -> None:
    order_id = paid(app, p)
    page = buyer.page(f"/commandes/{order_id}?lang=en")
    assert "What you can do now" in page and "Ship-by date" in page
    assert "If the seller has not shipped by then" in page
    assert "Request cancellation" in page
    assert "Purchase complete" in page
    assert "€24.90" in page
    assert "My orders" in buyer.page("/commandes")  # the choice is kept
    form = buyer.page(f"/commandes/{order_id}/annulation")
    assert "Why do you want to cancel?" in form and "I no longer need it" in form
    other, _ = shipped(app, clock, p, "87654321")
    r = buyer.post(
        f"/commandes/{other}/annulation", {"reason": "no_longer_needed", "confirm": "yes"}
    )
    assert "The order has already been shipped: it can no longer be cancelled." in r.text
    delivered_id = delivered(app, clock, p, "11223344")
    form = buyer.page(f"/commandes/{delivered_id}/litige")
    assert "What is the problem?" in form and "Item damaged" in form


def test_buyer_pages_are_for_buyers(app: Garant, p: Parties, web: TestClient) -> None:
    order_id = paid(app, p)
    assert (
        web.get(f"/commandes/{order_id}", follow_redirects=False)
        .headers["location"]
        .startswith("/connexion")
    )
    seller = Browser(web)
    assert p.seller.user_id is not None
    seller.sign_in(users.issue_token(app, p.seller.user_id))
    assert web.get(f"/commandes/{order_id}").status_code == 403


def test_buyer_pages_have_no_inline_styles_or_scripts(
    app: Garant, clock: FixedClock, p: Parties, buyer: Buyer
) -> None:
    order_id = delivered(app, clock, p)
    dispute(app, p, order_id)
    for path in ("/commandes", f"/commandes/{order_id}", f"/commandes/{order_id}/litige",
                 f"/commandes/{order_id}/annulation", f"/commandes/{order_id}/reception",
                 "/notifications"):  # fmt: skip
        html = buyer.http.get(path).text
        assert " style=" not in html and "<style" not in html and "<script>" not in html
        assert 'lang="fr"' in html


def test_every_buyer_string_has_a_french_translation() -> None:
    missing = {
        msgid: where
        for msgid, where in i18n.untranslated("fr").items()
        if any("buyer" in w for w in where)
    }
    assert not missing, "add to translations/fr/LC_MESSAGES/buyer.po:\n" + "\n".join(missing)
