"""The issue's journeys, in a real browser (Chromium driven by Playwright) against a real
server on the demo data: what a buyer, a seller, an agent and anyone see and do in the pages.

Locators are accessible ones (role and name, label): a control these tests cannot find by its
label is a control a screen reader cannot name either. Each journey takes its own demo order
(``DEMO-<scenario>``); the ones that move the sandbox clock run on a site of their own.
"""

from __future__ import annotations

import re
from pathlib import Path

from garant.carriers.numbers import s10_check_digit

from .conftest import Site, require_browser

require_browser()
from playwright.sync_api import Locator, Page, expect  # noqa: E402


def main(page: Page) -> Locator:
    return page.locator("main")


def card(page: Page, title: str) -> Locator:
    """A card (a section with its own heading) of the page's main content."""
    return (
        main(page)
        .locator("section")
        .filter(has=page.get_by_role("heading", name=title, exact=True))
    )


def open_order_from_list(page: Page, site: Site, scenario: str) -> None:
    """The buyer's way to an order: search the list for its reference, follow its link."""
    page.goto("/commandes")
    search = page.get_by_role("search")
    search.get_by_label(re.compile("^(Rechercher|Search)$")).fill(f"DEMO-{scenario}")
    search.get_by_role("button").click()
    order_id = site.order_id(scenario)
    rows = main(page).get_by_role("row").filter(has_text=f"DEMO-{scenario}")
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name=re.compile(rf"\b{order_id}$")).click()
    expect(page).to_have_url(re.compile(rf"/commandes/{order_id}$"))


def tracking_number(serial: int) -> str:
    digits = f"{serial:08d}"
    return f"LX{digits}{s10_check_digit(digits)}CN"


# ------------------------------------------------------------------ (a) and (f): cancellation

FR = {
    "status": "Achat effectué",
    "request": "Demander l'annulation",
    "why": "Pourquoi voulez-vous annuler ?",
    "reason": "Je n'en ai plus besoin",
    "note": "Un mot pour le vendeur (facultatif)",
    "continue": "Continuer",
    "send": "Oui, envoyer la demande",
    "answer_by": "Réponse du vendeur",
    "cancelled": "Commande annulée",
    "sent": "Demande d'annulation envoyée",
}
EN = {
    "status": "Purchase complete",
    "request": "Request cancellation",
    "why": "Why do you want to cancel?",
    "reason": "I no longer need it",
    "note": "A note for the seller (optional)",
    "continue": "Continue",
    "send": "Yes, send the request",
    "answer_by": "Seller's answer",
    "cancelled": "Order cancelled",
    "sent": "Cancellation request sent",
}


def _cancellation_auto_cancels(site: Site, scenario: str, lang: str) -> None:
    t = EN if lang == "en" else FR
    order_id = site.order_id(scenario)
    page = site.signed_in(site.buyer_of(scenario))
    if lang == "en":  # the language switch in the page's header, as a person would choose it
        page.get_by_role("banner").get_by_role("link", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    open_order_from_list(page, site, scenario)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(main(page).locator(".buyer-head")).to_contain_text(t["status"])

    main(page).get_by_role("link", name=t["request"]).click()
    expect(page).to_have_url(re.compile(rf"/commandes/{order_id}/annulation$"))
    expect(page.get_by_role("group", name=t["why"])).to_be_visible()
    page.get_by_label(t["reason"]).check()
    page.get_by_label(t["note"]).fill("Commandé deux fois")
    page.get_by_role("button", name=t["continue"]).click()
    # The confirmation step: nothing is sent before it.
    page.get_by_role("button", name=t["send"]).click()

    expect(page).to_have_url(re.compile(rf"/commandes/{order_id}$"))
    expect(page.get_by_role("status").first).to_contain_text(t["sent"])
    expect(main(page)).to_contain_text(t["reason"])
    expect(main(page).locator(".chip", has_text=t["answer_by"]).first).to_be_visible()

    site.advance("73h")
    site.run_worker()
    page.reload()
    expect(main(page).locator(".buyer-head")).to_contain_text(t["cancelled"])
    expect(main(page)).not_to_contain_text(t["status"])


def test_a_buyer_requests_a_cancellation_and_sees_it_auto_cancel(own_site: Site) -> None:
    _cancellation_auto_cancels(own_site, "purchased", lang="fr")


def test_f_the_same_cancellation_journey_in_english(own_site: Site) -> None:
    _cancellation_auto_cancels(own_site, "invoice_available", lang="en")


# ------------------------------------------------------------------ (b) shipping


def test_b_seller_ships_with_a_tracking_number_and_the_buyer_sees_the_timeline(
    site: Site,
) -> None:
    scenario = "prepared"
    order_id = site.order_id(scenario)
    number = tracking_number(31_337_001)
    seller = site.signed_in(site.seller_of(scenario))
    expect(seller).to_have_url(re.compile(r"/vendeur$"))
    to_ship = main(seller).get_by_role("region", name=re.compile("^Commandes à expédier"))
    to_ship.locator(f"a[href='/vendeur/commandes/{order_id}']").click()

    field = seller.get_by_label(re.compile("^Numéro de suivi"))
    field.fill(f"{number[:2].lower()} {number[2:6]} {number[6:]}")  # typed loosely
    seller.get_by_role("button", name="Vérifier le numéro").click()
    recognised = main(seller).locator(".seller-recognised")
    expect(recognised).to_contain_text(number)  # recognised as typed, in its printed form
    seller.get_by_role("button", name="Marquer comme expédiée").click()
    expect(seller.get_by_role("status").first).to_be_visible()
    expect(main(seller)).to_contain_text(number)

    buyer = site.signed_in(site.buyer_of(scenario))
    open_order_from_list(buyer, site, scenario)
    expect(main(buyer).locator(".buyer-head")).to_contain_text("Expédié")
    expect(main(buyer).locator("#suivi")).to_contain_text(number)
    history = buyer.get_by_role("list", name=re.compile("^L'historique de la commande"))
    expect(history.get_by_role("listitem").first).to_contain_text(re.compile("xpédi"))
    expect(history).to_contain_text(number)


# ------------------------------------------------------------------ (c) dispute with a photo


def test_c_damaged_item_dispute_with_a_photo_partial_refund_accepted(
    site: Site, jpeg_photo: Path
) -> None:
    scenario = "delivered"
    order_id = site.order_id(scenario)
    buyer = site.signed_in(site.buyer_of(scenario))
    open_order_from_list(buyer, site, scenario)
    main(buyer).get_by_role("link", name="Ouvrir un litige").first.click()
    expect(buyer).to_have_url(re.compile(rf"/commandes/{order_id}/litige"))
    buyer.get_by_role("group", name="Quel est le problème ?").get_by_label(
        "Article endommagé"
    ).check()
    buyer.get_by_label("Décrivez le problème").fill(
        "Le carton est arrivé écrasé et la lampe est fendue sur le côté."
    )
    buyer.get_by_role("group", name="Que demandez-vous ?").get_by_label(
        "Remboursement intégral"
    ).check()
    buyer.get_by_label("Photos, vidéos ou documents").set_input_files(jpeg_photo)
    buyer.get_by_role("button", name="Ouvrir le litige").click()

    expect(buyer).to_have_url(re.compile(rf"/commandes/{order_id}/litige$"))
    expect(main(buyer)).to_contain_text("Article endommagé")
    expect(main(buyer)).to_contain_text("En attente de la réponse du vendeur")
    expect(main(buyer).get_by_role("img", name=re.compile(jpeg_photo.name))).to_be_visible()

    seller = site.signed_in(site.seller_of(scenario))
    disputes = main(seller).get_by_role("region", name=re.compile("^Litiges"))
    disputes.get_by_role("link", name=f"Commande {order_id}").click()
    expect(seller).to_have_url(re.compile(rf"/vendeur/commandes/{order_id}/litige$"))
    expect(main(seller)).to_contain_text("Article endommagé")
    offer = main(seller).get_by_role("region", name="Faire une proposition")
    offer.get_by_label("Remboursement partiel").check()
    offer.get_by_label("Montant en euros").fill("10,00")
    offer.get_by_label("Message à l'acheteur").fill("Désolés pour le transport : 10 € remboursés.")
    offer.get_by_role("button", name="Envoyer la proposition").click()
    expect(seller.get_by_role("status").first).to_be_visible()
    expect(main(seller)).to_contain_text("Négociation en cours")

    buyer.reload()
    proposal = main(buyer).get_by_role("region", name="La proposition du vendeur")
    expect(proposal).to_contain_text("Remboursement partiel")
    expect(proposal).to_contain_text(re.compile(r"10,00\s€"))
    proposal.get_by_role("button", name="Accepter cette proposition").click()
    expect(main(buyer)).to_contain_text("Litige clos")
    expect(main(buyer)).to_contain_text("Remboursement partiel")
    buyer.goto(f"/commandes/{order_id}")
    refunds = card(buyer, "Remboursements")
    expect(refunds).to_contain_text(re.compile(r"10,00\s€"))


# ------------------------------------------------------------------ (d) agent


def test_d_agent_decides_an_escalated_case(site: Site) -> None:
    scenario = "dispute_escalated"
    order_id = site.order_id(scenario)
    agent = site.signed_in("agent", token=True)  # the token form, by its label
    expect(agent).to_have_url(re.compile(r"/agent$"))
    main(agent).locator(f"a[href='/agent/litiges/{order_id}']").first.click()
    case = main(agent)
    expect(case).to_contain_text("Médiation par la plateforme")
    expect(case).to_contain_text("Non conforme à la description")
    expect(case.get_by_role("link", name=re.compile(r"\.jpg$")).first).to_be_visible()

    expect(case).to_contain_text("Agent en charge du dossier : Inès Moreau")
    main(agent).get_by_role("link", name="Trancher le litige").first.click()
    expect(agent).to_have_url(re.compile(rf"/agent/litiges/{order_id}/decision$"))
    agent.get_by_role("group", name="En faveur de qui ?").get_by_label(
        re.compile("^En faveur de l.acheteur")
    ).check()
    agent.get_by_label("Note aux parties").fill(
        "La photo montre une montre noire ; la fiche annonçait la version argent."
    )
    agent.get_by_role("button", name="Relire la décision").click()
    expect(main(agent)).to_contain_text("La photo montre une montre noire")
    agent.get_by_role("button", name="Confirmer la décision").click()

    expect(agent).to_have_url(re.compile(rf"/agent/litiges/{order_id}(#.*)?$"))
    expect(agent.get_by_role("status").first).to_be_visible()
    expect(main(agent)).to_contain_text("Décision rendue")

    # The buyer reads it on the dispute's page, with the answers now open to her.
    buyer = site.signed_in(site.buyer_of(scenario))
    buyer.goto(f"/commandes/{order_id}/litige")
    expect(main(buyer)).to_contain_text("Décision rendue (appel possible)")
    expect(main(buyer)).to_contain_text("La photo montre une montre noire")
    expect(main(buyer).get_by_role("button", name="Accepter la décision")).to_be_visible()


# ------------------------------------------------------------------ (e) public tracking


def test_e_public_tracking_of_an_unknown_number_gives_the_not_found_advice(site: Site) -> None:
    page = site.new_page(width="phone")
    page.goto("/suivi")
    number = tracking_number(99_999_001)
    page.get_by_label("Numéro de suivi").fill(number.lower())
    page.get_by_role("button", name="Suivre le colis").click()
    expect(page).to_have_url(re.compile(rf"/suivi(/{number}|\?numero={number.lower()})$"))
    body = main(page)
    expect(
        body.get_by_role("heading", name=re.compile("^Aucune information de suivi"))
    ).to_be_visible()
    expect(body).to_contain_text("Colis introuvable")
    expect(body).to_contain_text("Revenez le")
    expect(body).to_contain_text("China Post")
    expect(body).not_to_contain_text("Camille")  # a public page: nobody's name
