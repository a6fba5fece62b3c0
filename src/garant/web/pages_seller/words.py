"""The seller centre's own words: the codes of the services' views, as the seller reads them
(marked with ``N_`` and translated where shown; French in translations/fr/…/seller.po)."""

from __future__ import annotations

from garant.web.i18n import N_

UNFULFILLABLE_LABELS = {
    "out_of_stock": N_("Out of stock"),
    "no_shipping_to_address": N_("Cannot ship to the buyer's address"),
}

# Shipping methods by their commercial names (only the warehouse needs words).
SHIPPING_NAMES = {
    "aliexpress_choice": "AliExpress Choice",
    "aliexpress_standard": "AliExpress Standard Shipping",
    "china_post_air_mail": "China Post Air Mail",
    "ems": "EMS",
    "dhl": "DHL",
    "fedex": "FedEx",
    "ups": "UPS",
}

# A deadline of the order, by kind, as the seller reads it.
DEADLINE_LABELS = {
    "ship_by": N_("Ship by"),
    "seller_answer": N_("Answer the cancellation by"),
    "abandon_unpaid": N_("Payment due by"),
    "buyer_details": N_("Buyer's details due by"),
    "protection_end": N_("Buyer protection ends"),
    "choice_guarantee": N_("Choice delivery guarantee"),
    "dispute_seller_answer": N_("Answer the dispute by"),
    "dispute_offer_reply": N_("Offer to answer by"),
    "dispute_escalation": N_("Negotiation ends"),
    "dispute_evidence_due": N_("Evidence due by"),
    "dispute_appeal_window": N_("Appeal possible until"),
    "return_ship_back": N_("Buyer sends the item back by"),
    "return_confirm": N_("Confirm the return by"),
}

# A dispute's deadlines (``party_deadlines``): what, and what happens after.
DISPUTE_DEADLINES = {
    "seller_answer": (N_("Your answer"), N_("After it, the buyer's request is granted.")),
    "offer_reply": (N_("Answer to the offer"), N_("After it, the offer lapses.")),
    "negotiation_end": (
        N_("End of the negotiation"),
        N_("After it, the platform mediates."),
    ),
    "escalation_possible": (
        N_("Mediation can be asked for"),
        N_("From then on, either party may ask the platform to step in."),
    ),
    "evidence": (N_("Evidence asked for"), N_("After it, the platform decides without it.")),
    "appeal": (N_("Appeal window"), N_("After it, the decision is carried out.")),
}

# Timeline entries, as something that happened.
TIMELINE_TITLES = {
    "order_placed": N_("Order placed"),
    "pay": N_("Payment received"),
    "verify_payment": N_("Payment verified"),
    "update_amount": N_("Amount changed"),
    "request_details": N_("Details asked of the buyer"),
    "provide_details": N_("Details given by the buyer"),
    "mark_unfulfillable": N_("Declared impossible to fulfil"),
    "mark_prepared": N_("Order prepared"),
    "consolidate": N_("Order consolidated"),
    "publish_invoice": N_("Invoice published"),
    "ship": N_("Shipped"),
    "record_delivery": N_("Delivered"),
    "confirm_receipt": N_("Receipt confirmed by the buyer"),
    "mark_returned_to_sender": N_("Returned to sender"),
    "cancel": N_("Cancelled by the buyer"),
    "request_cancellation": N_("Cancellation requested by the buyer"),
    "approve_cancellation": N_("Cancellation accepted"),
    "decline_cancellation": N_("Cancellation declined: parcel shipped"),
    "withdraw_cancellation": N_("Cancellation request withdrawn"),
    "expire_cancellation_request": N_("No answer within 72 hours: cancelled automatically"),
    "request_extension": N_("More handling time asked for"),
    "accept_extension": N_("More handling time agreed"),
    "decline_extension": N_("More handling time refused"),
    "miss_ship_by": N_("Not shipped in time: cancelled automatically"),
    "security_cancel": N_("Cancelled for security reasons"),
    "report_shipment_cancelled": N_("Shipment cancelled"),
    "choose_reshipment": N_("The buyer chose a reshipment"),
    "choose_refund": N_("The buyer chose a refund"),
    "abandon": N_("Order abandoned"),
    "auto_confirm_receipt": N_("Protection ended: receipt confirmed automatically"),
    "refund_late_choice": N_("Choice order late: refunded"),
    "ship_return": N_("Item sent back by the buyer"),
    "confirm_return_received": N_("Return received"),
    "lapse_return": N_("Item not sent back in time"),
    "refund_unconfirmed_return": N_("Return not confirmed in time: buyer refunded"),
    "funds_released": N_("Money released to the seller"),
    "funds_frozen": N_("Money held during the dispute"),
    "refund_settled": N_("Refund received by the buyer"),
    "refund_started": N_("Refund started"),
    "security_review": N_("Order under review"),
    "return_started": N_("Return started"),
    "reshipment_agreed": N_("Reshipment agreed"),
    "open_dispute": N_("Dispute opened"),
    "accept_request": N_("Buyer's request accepted"),
    "make_offer": N_("Offer made"),
    "contest": N_("Dispute contested"),
    "accept_offer": N_("Offer accepted"),
    "reject_offer": N_("Offer rejected"),
    "escalate": N_("Mediation asked for"),
    "withdraw_dispute": N_("Dispute withdrawn"),
    "provide_evidence": N_("Evidence added"),
    "take_case": N_("Case taken by an agent"),
    "request_evidence": N_("Evidence asked for"),
    "decide": N_("Platform's decision"),
    "accept_decision": N_("Decision accepted"),
    "appeal": N_("Decision appealed"),
    "grant_by_default": N_("No answer in time: buyer's request granted"),
    "expire_offer": N_("Offer lapsed"),
    "auto_escalate": N_("Negotiation over: the platform mediates"),
    "mark_evidence_overdue": N_("Evidence not sent in time"),
    "finalize_decision": N_("Decision carried out"),
    "dispute_resolved": N_("Dispute closed"),
}
TIMELINE_TONES = {
    "ship": "success",
    "record_delivery": "success",
    "confirm_receipt": "success",
    "funds_released": "success",
    "confirm_return_received": "success",
    "approve_cancellation": "danger",
    "expire_cancellation_request": "danger",
    "miss_ship_by": "danger",
    "mark_unfulfillable": "danger",
    "security_cancel": "danger",
    "request_cancellation": "warning",
    "open_dispute": "warning",
    "escalate": "warning",
}

# What the seller is waiting on in a dispute (home page).
DISPUTE_WAITS = {
    "answer": N_("Answer the buyer's request"),
    "offer": N_("Answer the buyer's offer"),
    "evidence": N_("Send the evidence asked for"),
    "decision": N_("Accept the decision or appeal"),
}

RETURN_STATUSES = {
    "awaiting_shipment": N_("Waiting for the buyer to send it back"),
    "shipped_back": N_("Sent back by the buyer"),
    "received": N_("Received"),
    "unconfirmed": N_("Not confirmed in time: buyer refunded"),
    "lapsed": N_("Not sent back in time"),
}

OFFER_STATUSES = {
    "pending": N_("Waiting for an answer"),
    "accepted": N_("Accepted"),
    "rejected": N_("Rejected"),
    "countered": N_("Answered with another offer"),
    "superseded": N_("Replaced"),
    "expired": N_("Lapsed"),
    "closed": N_("Closed"),
}

FAVOURS = {
    "buyer": N_("In favour of the buyer"),
    "seller": N_("In favour of the seller"),
    "split": N_("Shared"),
    "agreement": N_("By agreement"),
}

# A field named by a service (``InvalidInput(field=…)``) → the form's own field and words.
FIELD_WORDS = {
    "evidence": N_("Attach at least one photo, video or PDF."),
    "resolution.amount": N_("Check the amount: see the explanation above."),
    "resolution.kind": N_("Choose what you offer."),
    "resolution": N_("Choose what you offer."),
    "amount": N_("Check the amount: see the explanation above."),
    "message": N_("Write a message."),
    "note": N_("Write a note."),
    "new_total": N_("Give the new amount in euros, for example 24.90."),
}
