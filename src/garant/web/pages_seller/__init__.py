"""Seller centre ("Espace vendeur"): /vendeur…

One address per form: the GET shows the page, the POST to the same address sends the form
(a page shown again with a refusal keeps a working language switch).

/vendeur
    home: orders to ship by ship-by, cancellation requests, disputes and returns waiting
    for the seller, the seller's figures
/vendeur/commandes?etat=…&apres=…
    all orders, newest first, filtered by state, cursor-paged
/vendeur/commandes/{id}
    one order: deadlines, the seller's actions as forms, tracking, timeline, messages
/vendeur/commandes/{id}/{step}
    one action: preparer, consolider, expedier, accepter-annulation, refuser-annulation,
    delai, facture, montant, precisions, inexecutable, retour-recu, messages
/vendeur/commandes/{id}/litige
    the dispute: request, evidence, offers, deadlines, the seller's answers
/vendeur/commandes/{id}/litige/{step}
    one answer: accepter, offre, contester, accepter-offre, refuser-offre, escalader,
    preuves, accepter-decision, appel
/vendeur/commandes/{id}/preuves/{evidence_id}
    an evidence file, as shown to the seller
/vendeur/messages
    the seller's threads, most recent first
/vendeur/messages/acheteurs/{buyer_id} (and …/preuves/{evidence_id})
    a buyer's conversation with the shop, the answer form, its files
/vendeur/retours
    the address returns are sent to

Every action goes through ``orders.perform`` or ``disputes.act`` (the rules live there);
success redirects with a flash, a refusal shows the same page again with it, in words.
See docs/web.md for how a page is written.

The modules, by what the pages are about::

    home.py            the home page, the list of all orders
    order.py           one order's page, its evidence files, the order action helper
    order_actions.py   the seller's actions on an order, one form each
    disputes.py        the dispute page and the seller's answers
    messages.py        the seller's threads and a buyer's conversation with the shop
    return_address.py  the return address
    common.py          what they share; words.py: the area's words

Files, the redirect after an action and evidence downloads are shared with the buyer's
pages: ``garant.web.forms``.
"""

from __future__ import annotations

from fastapi import APIRouter

from garant.web.pages_seller import (
    disputes,
    home,
    messages,
    order,
    order_actions,
    return_address,
)

router = APIRouter()
# FastAPI tries routes in the order they are added. order_actions ends with the catch-all
# GET /vendeur/commandes/{id}/{step} (each form's own address), which would also match
# GET …/litige: it comes after the dispute's routes.
router.include_router(home.router)  # /vendeur, /vendeur/commandes
router.include_router(order.router)  # /vendeur/commandes/{id}, …/preuves/{evidence_id}
router.include_router(disputes.router)  # /vendeur/commandes/{id}/litige…
router.include_router(order_actions.router)  # /vendeur/commandes/{id}/{step}
router.include_router(messages.router)  # /vendeur/messages…
router.include_router(return_address.router)  # /vendeur/retours
