"""The buyer's pages' own words: the codes of the services' views, as the buyer reads them
(marked with ``N_`` and translated where shown; French in translations/fr/…/buyer.po)."""

from __future__ import annotations

from garant.web.i18n import N_

# The list's filters: a group of lifecycle states each.
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "en-cours": (
        N_("Orders in progress"),
        ("received", "awaiting_details", "payment_processing", "paid", "prepared", "consolidated"),
    ),
    "expediees": (
        N_("Shipped orders"),
        ("shipped", "shipment_cancelled", "delivered", "returned_to_sender", "returning"),
    ),
    "terminees": (N_("Completed orders"), ("completed",)),
    "annulees": (N_("Cancelled orders"), ("cancelled", "unfulfillable", "abandoned")),
}

# Order deadlines (DeadlineKind), as a chip names them; the view gives their effect.
DEADLINE_LABELS: dict[str, str] = {
    "abandon_unpaid": N_("Payment due"),
    "buyer_details": N_("Your details are due"),
    "ship_by": N_("Ship-by date"),
    "seller_answer": N_("Seller's answer to your cancellation"),
    "protection_end": N_("Buyer protection ends"),
    "choice_guarantee": N_("Choice delivery guarantee"),
    "dispute_seller_answer": N_("Seller's answer to the dispute"),
    "dispute_offer_reply": N_("Answer to the offer"),
    "dispute_escalation": N_("End of the negotiation"),
    "dispute_evidence_due": N_("Evidence due"),
    "dispute_appeal_window": N_("Appeal possible until"),
    "return_ship_back": N_("Send the item back by"),
    "return_confirm": N_("Seller confirms the return by"),
}

# A dispute's deadlines for the buyer (Dispute.party_deadlines): name, then what follows.
DISPUTE_DEADLINES: dict[str, tuple[str, str]] = {
    "seller_answer": (
        N_("Seller's answer"),
        N_("Without an answer by then, your request is granted."),
    ),
    "offer_reply": (
        N_("Answer to the offer"),
        N_("Without an answer by then, the offer lapses."),
    ),
    "negotiation_end": (
        N_("End of the negotiation"),
        N_("Without an agreement by then, the platform mediates."),
    ),
    "escalation_possible": (
        N_("Platform's help possible from"),
        N_("From then on, either of you may ask the platform to step in."),
    ),
    "evidence": (
        N_("Evidence due"),
        N_("Without it by then, the platform decides without it."),
    ),
    "appeal": (
        N_("Appeal possible until"),
        N_("Without an appeal by then, the decision is carried out."),
    ),
}

# What happened, as a timeline says it (order and dispute actions, and the order's own steps).
TIMELINE_TITLES: dict[str, str] = {
    "order_placed": N_("Order placed"),
    "update_amount": N_("Amount changed"),
    "request_details": N_("Details asked for"),
    "provide_details": N_("Details given to the seller"),
    "pay": N_("Payment received"),
    "verify_payment": N_("Payment verified"),
    "mark_unfulfillable": N_("Order cannot be fulfilled"),
    "mark_prepared": N_("Order prepared"),
    "consolidate": N_("Order consolidated"),
    "publish_invoice": N_("Invoice available"),
    "ship": N_("Parcel shipped"),
    "record_shipment_progress": N_("Parcel on its way"),
    "record_delivery": N_("Parcel delivered"),
    "confirm_receipt": N_("Receipt confirmed"),
    "mark_returned_to_sender": N_("Parcel returned to the seller"),
    "cancel": N_("Order cancelled"),
    "request_cancellation": N_("Cancellation requested"),
    "approve_cancellation": N_("Cancellation accepted"),
    "decline_cancellation": N_("Cancellation declined: the order was shipped"),
    "withdraw_cancellation": N_("Cancellation request withdrawn"),
    "expire_cancellation_request": N_("No answer to the cancellation: order cancelled"),
    "request_extension": N_("More time to ship asked for"),
    "accept_extension": N_("Extra time agreed"),
    "decline_extension": N_("Extra time refused"),
    "miss_ship_by": N_("Not shipped in time: order cancelled"),
    "security_cancel": N_("Cancelled for security reasons"),
    "report_shipment_cancelled": N_("Shipment cancelled"),
    "choose_reshipment": N_("Reshipment chosen"),
    "choose_refund": N_("Refund chosen"),
    "abandon": N_("Order abandoned"),
    "auto_confirm_receipt": N_("Receipt confirmed automatically"),
    "refund_late_choice": N_("Refunded: no choice made in time"),
    "ship_return": N_("Item sent back"),
    "confirm_return_received": N_("Return received"),
    "lapse_return": N_("Item not sent back in time"),
    "refund_unconfirmed_return": N_("Refunded: the seller did not confirm the return"),
    "open_dispute": N_("Dispute opened"),
    "accept_request": N_("Request accepted"),
    "make_offer": N_("Offer made"),
    "contest": N_("Request contested"),
    "accept_offer": N_("Offer accepted"),
    "reject_offer": N_("Offer rejected"),
    "escalate": N_("Platform asked to step in"),
    "withdraw_dispute": N_("Dispute withdrawn"),
    "provide_evidence": N_("Evidence added"),
    "take_case": N_("Case taken by an agent"),
    "request_evidence": N_("Evidence asked for"),
    "decide": N_("Decision made"),
    "accept_decision": N_("Decision accepted"),
    "appeal": N_("Decision appealed"),
    "grant_by_default": N_("No answer to the dispute: request granted"),
    "expire_offer": N_("Offer lapsed"),
    "auto_escalate": N_("No agreement in time: mediation by the platform"),
    "mark_evidence_overdue": N_("Evidence not sent in time"),
    "finalize_decision": N_("Decision carried out"),
    "funds_released": N_("Seller paid"),
    "funds_frozen": N_("Money frozen for the dispute"),
    "dispute_resolved": N_("Dispute closed"),
    "refund_started": N_("Refund started"),
    "refund_settled": N_("Refund received"),
    "order_completed": N_("Order completed"),
    "order_closed": N_("Order closed"),
    "security_review": N_("Order under review"),
}

WHO: dict[str, str] = {
    "seller": N_("by the seller"),
    "agent": N_("by the platform"),
    "operator": N_("by the platform"),
    "system": N_("automatically"),
}

# A carrier event in words: its sub-status when it says more than its status.
TRACKING_STATUSES: dict[str, str] = {
    "pending": N_("Waiting for the carrier's information"),
    "info_received": N_("Label created, waiting for the carrier"),
    "in_transit": N_("In transit"),
    "out_for_delivery": N_("Out for delivery"),
    "available_for_pickup": N_("Available for pickup"),
    "delivery_failed": N_("Delivery attempt failed"),
    "delivered": N_("Parcel delivered"),
    "exception": N_("Problem reported by the carrier"),
    "returning": N_("On its way back to the sender"),
    "returned": N_("Returned to the sender"),
    "expired": N_("Tracking expired"),
}
TRACKING_SUB_STATUSES: dict[str, str] = {
    "accepted": N_("Picked up by the carrier"),
    "departed_origin_country": N_("Left the country of origin"),
    "arrived_destination_country": N_("Arrived in the destination country"),
    "customs_processing": N_("Customs clearance in progress"),
    "customs_released": N_("Cleared customs"),
    "customs_information_required": N_("Customs need information"),
    "handed_to_last_mile": N_("Handed to the local delivery company"),
    "pickup_point": N_("At a pickup point"),
    "locker": N_("In a parcel locker"),
    "recipient_absent": N_("Nobody was there to receive it"),
    "address_problem": N_("Problem with the address"),
    "refused": N_("Refused at delivery"),
    "signed": N_("Delivered, signed for"),
    "letter_box": N_("Delivered to the letter box"),
    "neighbour": N_("Left with a neighbour"),
    "collected": N_("Collected"),
    "delayed": N_("Delayed"),
    "held_by_customs": N_("Held by customs"),
    "damaged": N_("Damaged"),
    "lost": N_("Lost"),
    "address_incorrect": N_("Going back: incorrect address"),
    "attempts_failed": N_("Going back: delivery attempts failed"),
    "unclaimed": N_("Going back: not collected"),
    "customs": N_("Going back: refused by customs"),
}

DIAGNOSIS_TITLES: dict[str, str] = {
    "stalled": N_("The parcel has not moved for longer than usual"),
    "returned": N_("The parcel is going back to the seller"),
    "delivered": N_("Shown as delivered but not received?"),
    "not_found": N_("The carrier does not know this number yet"),
}

RETURN_STATUSES: dict[str, str] = {
    "awaiting_shipment": N_("Waiting for you to send it back"),
    "shipped_back": N_("Sent back, waiting for the seller"),
    "received": N_("Received by the seller: refunded"),
    "unconfirmed": N_("Not confirmed by the seller in time: refunded"),
    "lapsed": N_("Not sent back in time"),
}

REQUEST_STATUSES: dict[str, str] = {
    "open": N_("Waiting for the seller's answer"),
    "approved": N_("Accepted by the seller"),
    "declined": N_("Declined: the seller shipped"),
    "expired": N_("No answer: cancelled automatically"),
    "withdrawn": N_("Withdrawn"),
    "superseded": N_("Closed"),
}

OFFER_STATUSES: dict[str, str] = {
    "pending": N_("Waiting for an answer"),
    "accepted": N_("Accepted"),
    "rejected": N_("Rejected"),
    "countered": N_("Answered with another offer"),
    "superseded": N_("Replaced"),
    "expired": N_("Lapsed"),
    "closed": N_("Closed"),
}

EVIDENCE_REQUEST_STATUSES: dict[str, str] = {
    "open": N_("Open"),
    "answered": N_("Answered"),
    "overdue": N_("Not answered in time"),
    "closed": N_("Closed"),
}

FAVOURS: dict[str, str] = {
    "buyer": N_("In your favour"),
    "seller": N_("In the seller's favour"),
    "split": N_("Split: a partial refund"),
}

RESOLUTION_HINTS: dict[str, str] = {
    "full_refund": N_("The whole amount paid."),
    "partial_refund": N_("You keep the item; give the amount below."),
    "reshipment": N_("The seller sends the item again."),
    "return_and_refund": N_(
        "You send the item back; refunded once the seller receives it (in full, or the "
        "amount below)."
    ),
}

# One-button order actions: the flash said after each.
SIMPLE_ACTIONS: dict[str, str] = {
    "withdraw_cancellation": N_("Cancellation request withdrawn: the order goes on."),
    "accept_extension": N_("Extra time agreed: the seller now has until %(date)s to ship."),
    "decline_extension": N_("Extra time refused: the ship-by date stays %(date)s."),
    "choose_reshipment": N_("You chose to have the item sent again."),
    "choose_refund": N_("You chose a refund: it has been started."),
}

# Dispute steps: address → (service action, flash).
DISPUTE_STEPS: dict[str, tuple[str, str]] = {
    "accepter": ("accept_offer", N_("Offer accepted: the dispute is closed.")),
    "refuser": ("reject_offer", N_("Offer rejected.")),
    "proposition": ("make_offer", N_("Your offer was sent to the seller.")),
    "escalade": ("escalate", N_("The platform has been asked to step in.")),
    "retrait": ("withdraw_dispute", N_("Dispute withdrawn.")),
    "preuves": ("provide_evidence", N_("Evidence added to the dispute.")),
    "accepter-decision": ("accept_decision", N_("You accepted the decision.")),
    "appel": ("appeal", N_("Appeal sent: the platform decides again, finally.")),
}
