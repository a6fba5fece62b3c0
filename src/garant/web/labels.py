"""Human words for the codes the services return: actions a person may take (as a button or
a link says them), order states, remedies. English msgids, translated where shown.

Dispute states already carry their French and English words in the domain
(``disputes.STATE_LABELS``); they are used as they are.
"""

from __future__ import annotations

from garant.domain.disputes import STATE_LABELS as DISPUTE_STATE_LABELS
from garant.web.i18n import N_, Translator

# What a person may do (the ``allowed_actions`` of orders and disputes), imperative.
ACTION_LABELS: dict[str, str] = {
    # orders (domain.transitions.Action)
    "update_amount": N_("Change the amount"),
    "request_details": N_("Ask the buyer for details"),
    "provide_details": N_("Give the details asked for"),
    "pay": N_("Record the payment"),
    "verify_payment": N_("Verify the payment"),
    "mark_unfulfillable": N_("Declare the order cannot be fulfilled"),
    "mark_prepared": N_("Mark as prepared"),
    "consolidate": N_("Consolidate"),
    "publish_invoice": N_("Publish the invoice"),
    "ship": N_("Mark as shipped"),
    "record_shipment_progress": N_("Record the parcel's progress"),
    "record_delivery": N_("Record the delivery"),
    "confirm_receipt": N_("Confirm receipt"),
    "mark_returned_to_sender": N_("Record the return to sender"),
    "cancel": N_("Cancel the order"),
    "request_cancellation": N_("Request cancellation"),
    "approve_cancellation": N_("Accept the cancellation"),
    "decline_cancellation": N_("Decline the cancellation"),
    "withdraw_cancellation": N_("Withdraw the cancellation request"),
    "request_extension": N_("Ask for more time to ship"),
    "accept_extension": N_("Agree to the extra time"),
    "decline_extension": N_("Refuse the extra time"),
    "security_cancel": N_("Cancel for security reasons"),
    "report_shipment_cancelled": N_("Report the shipment cancelled"),
    "choose_reshipment": N_("Have it sent again"),
    "choose_refund": N_("Get a refund"),
    "ship_return": N_("Send the item back"),
    "confirm_return_received": N_("Confirm the return was received"),
    # disputes (domain.disputes.DisputeAction)
    "open_dispute": N_("Open a dispute"),
    "accept_request": N_("Accept the buyer's request"),
    "make_offer": N_("Make an offer"),
    "contest": N_("Contest"),
    "accept_offer": N_("Accept the offer"),
    "reject_offer": N_("Reject the offer"),
    "escalate": N_("Ask the platform to step in"),
    "withdraw_dispute": N_("Withdraw the dispute"),
    "provide_evidence": N_("Send evidence"),
    "take_case": N_("Take the case"),
    "request_evidence": N_("Ask for evidence"),
    "decide": N_("Decide"),
    "accept_decision": N_("Accept the decision"),
    "appeal": N_("Appeal"),
}

# Order lifecycle states (domain.transitions.OrderState), as named in a refusal.
ORDER_STATE_LABELS: dict[str, str] = {
    "received": N_("received, not paid yet"),
    "awaiting_details": N_("waiting for the buyer's details"),
    "payment_processing": N_("payment being verified"),
    "paid": N_("paid, not shipped yet"),
    "prepared": N_("prepared"),
    "consolidated": N_("consolidated"),
    "shipped": N_("shipped"),
    "shipment_cancelled": N_("shipment cancelled"),
    "delivered": N_("delivered"),
    "completed": N_("completed"),
    "returned_to_sender": N_("returned to sender"),
    "returning": N_("being returned"),
    "cancelled": N_("cancelled"),
    "unfulfillable": N_("cannot be fulfilled"),
    "abandoned": N_("abandoned"),
}

# What remains once cancelling is over (CAN-6), or after a parcel came back (TRK-5).
REMEDY_LABELS: dict[str, str] = {
    "contact_seller": N_("Contact the seller"),
    "return": N_("Ask for a return"),
    "dispute": N_("Open a dispute"),
    "reshipment": N_("Have it sent again"),
    "refund": N_("Get a refund"),
}


def _humane(code: str) -> str:
    return code.replace("_", " ")


def action_label(code: str, locale: str) -> str:
    """'confirm_receipt' → 'Confirmer la réception' / 'Confirm receipt'."""
    msgid = ACTION_LABELS.get(code)
    return Translator(locale)(msgid) if msgid else _humane(code)


def remedy_label(code: str, locale: str) -> str:
    msgid = REMEDY_LABELS.get(code)
    return Translator(locale)(msgid) if msgid else _humane(code)


def state_label(code: str, locale: str) -> str:
    """An order state, else a dispute state, in words; an unknown code as it is."""
    msgid = ORDER_STATE_LABELS.get(code)
    if msgid:
        return Translator(locale)(msgid)
    for state, label in DISPUTE_STATE_LABELS.items():
        if state.value == code:
            return label.fr if locale == "fr" else label.en
    return _humane(code)


ROLE_LABELS: dict[str, str] = {
    "buyer": N_("buyer"),
    "seller": N_("seller"),
    "agent": N_("agent"),
    "operator": N_("operator"),
}


def role_label(code: str, locale: str) -> str:
    msgid = ROLE_LABELS.get(str(code))
    return Translator(locale)(msgid) if msgid else _humane(str(code))
