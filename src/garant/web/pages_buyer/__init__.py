"""Buyer pages ("Mes commandes"): the orders, one order with its tracking, deadlines and
actions, the message thread, disputes, the case file, notifications.

URL map (one address per form: the GET shows it, the POST to the same address sends it)::

    GET        /commandes                               my orders (?etat=, ?q=, ?apres=)
    GET        /commandes/{id}                          the order
    GET, POST  /commandes/{id}/reception                confirm receipt (a confirmation step)
    GET, POST  /commandes/{id}/annulation               cancel / request cancellation (+ step)
    GET, POST  /commandes/{id}/retour                   send the item back (tracking number)
    POST       /commandes/{id}/actions/{action}         one-button actions (withdraw the
                                                        cancellation, extension, CAN-13 choice)
    POST       /commandes/{id}/precisions               give the details the seller asked for
    POST       /commandes/{id}/messages                 write to the seller, with files
    GET        /commandes/{id}/preuves/{evidence_id}    an evidence file (the buyer's copy)
    GET, POST  /commandes/{id}/litige                   the dispute; the form when there is none
    POST       /commandes/{id}/litige/{step}            the buyer's dispute actions
    GET        /commandes/{id}/litige/dossier.pdf       the case file (DSP-9)
    GET        /commandes/{id}/litige/lettre.pdf        the complaint letter (MSG-4)
    GET        /notifications                           my notifications
    POST       /notifications/{id}/lu                   mark one read

A GET on an address that only takes a POST leads back to its page, so the language switch
of a page re-shown with a refusal keeps working. Every rule is the services': the pages
parse, call one service, and show what it answers (refusals in words, in the page's language).

The modules, by what the pages are about::

    orders.py         the list of orders and the order page
    tracking.py       the parcel on the order page, in words
    actions.py        the order's actions: one-button ones, details, receipt, cancellation,
                      sending the item back
    messages.py       writing to the seller, evidence files
    disputes.py       the dispute page, opening a dispute
    dispute_steps.py  the buyer's steps in a dispute, the case file and the letter
    notifications.py  notifications
    common.py         what they share; words.py: the area's words

Files, the redirect after an action and evidence downloads are shared with the seller
centre: ``garant.web.forms``.
"""

from __future__ import annotations

from fastapi import APIRouter

from garant.web.pages_buyer import (
    actions,
    dispute_steps,
    disputes,
    messages,
    notifications,
    orders,
)

# Orders and notifications on a page. The list pages read it here at each request
# (``common.per_page``; a test makes it smaller).
PER_PAGE = 20

router = APIRouter()
# FastAPI tries routes in the order they are added. Within dispute_steps, the case file's
# and the letter's GETs come before the catch-all GET /commandes/{id}/litige/{step}, which
# would match them too.
router.include_router(orders.router)  # /commandes, /commandes/{id}
router.include_router(actions.router)  # …/actions/…, …/reception, …/annulation, …/retour…
router.include_router(messages.router)  # …/messages, …/preuves/{evidence_id}
router.include_router(disputes.router)  # …/litige
router.include_router(dispute_steps.router)  # …/litige/…
router.include_router(notifications.router)  # /notifications…
