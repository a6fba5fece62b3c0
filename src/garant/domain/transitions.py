"""ORD-2/ORD-3: the order lifecycle as one explicit table of (state, action) → next state.

This table is what the API's ``allowed_actions``, the docs and the pages read. Guards that
depend on more than the state (an open cancellation request, a pending extension) live in
``Order._guard``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    AGENT = "agent"
    OPERATOR = "operator"  # runs the installation; also the marketplace's integration account
    SYSTEM = "system"  # deadlines fired by the worker


class OrderState(StrEnum):
    RECEIVED = "received"  # created, not paid
    AWAITING_DETAILS = "awaiting_details"  # the seller waits for the buyer's answer
    PAYMENT_PROCESSING = "payment_processing"  # paid, payment not yet verified
    PAID = "paid"  # paid and verified; the ship-by deadline runs
    PREPARED = "prepared"
    CONSOLIDATED = "consolidated"
    SHIPPED = "shipped"
    SHIPMENT_CANCELLED = "shipment_cancelled"  # "envoi annulé" (CAN-13)
    DELIVERED = "delivered"
    COMPLETED = "completed"  # receipt confirmed, money released (PRT-1)
    RETURNED_TO_SENDER = "returned_to_sender"
    RETURNING = "returning"  # DSP-5: a return agreed in a dispute; the money waits for it
    CANCELLED = "cancelled"
    UNFULFILLABLE = "unfulfillable"
    ABANDONED = "abandoned"


class Action(StrEnum):
    UPDATE_AMOUNT = "update_amount"
    REQUEST_DETAILS = "request_details"
    PROVIDE_DETAILS = "provide_details"
    PAY = "pay"
    VERIFY_PAYMENT = "verify_payment"
    MARK_UNFULFILLABLE = "mark_unfulfillable"
    MARK_PREPARED = "mark_prepared"
    CONSOLIDATE = "consolidate"
    PUBLISH_INVOICE = "publish_invoice"
    SHIP = "ship"
    RECORD_SHIPMENT_PROGRESS = "record_shipment_progress"
    RECORD_DELIVERY = "record_delivery"
    CONFIRM_RECEIPT = "confirm_receipt"
    MARK_RETURNED_TO_SENDER = "mark_returned_to_sender"
    CANCEL = "cancel"
    REQUEST_CANCELLATION = "request_cancellation"
    APPROVE_CANCELLATION = "approve_cancellation"
    DECLINE_CANCELLATION = "decline_cancellation"
    WITHDRAW_CANCELLATION = "withdraw_cancellation"
    EXPIRE_CANCELLATION_REQUEST = "expire_cancellation_request"
    REQUEST_EXTENSION = "request_extension"
    ACCEPT_EXTENSION = "accept_extension"
    DECLINE_EXTENSION = "decline_extension"
    MISS_SHIP_BY = "miss_ship_by"
    SECURITY_CANCEL = "security_cancel"
    REPORT_SHIPMENT_CANCELLED = "report_shipment_cancelled"
    CHOOSE_RESHIPMENT = "choose_reshipment"
    CHOOSE_REFUND = "choose_refund"
    ABANDON = "abandon"
    AUTO_CONFIRM_RECEIPT = "auto_confirm_receipt"
    REFUND_LATE_CHOICE = "refund_late_choice"
    SHIP_RETURN = "ship_return"
    CONFIRM_RETURN_RECEIVED = "confirm_return_received"
    LAPSE_RETURN = "lapse_return"
    REFUND_UNCONFIRMED_RETURN = "refund_unconfirmed_return"


S = OrderState
R = Role

UNPAID = frozenset({S.RECEIVED, S.PAYMENT_PROCESSING})
NOT_SHIPPED = frozenset({S.PAID, S.PREPARED, S.CONSOLIDATED})
SHIPPED_OR_LATER = frozenset(
    {S.SHIPPED, S.SHIPMENT_CANCELLED, S.DELIVERED, S.COMPLETED, S.RETURNED_TO_SENDER, S.RETURNING}
)
# PRT-4: where a dispute can be opened (the dates decide within these).
DISPUTABLE = frozenset({S.SHIPPED, S.DELIVERED, S.COMPLETED})
# PRT-3: paid, not delivered, money held.
UNDELIVERED_PAID = NOT_SHIPPED | {S.SHIPPED, S.SHIPMENT_CANCELLED, S.RETURNED_TO_SENDER}
CLOSED = frozenset({S.CANCELLED, S.UNFULFILLABLE, S.ABANDONED, S.COMPLETED})


@dataclass(frozen=True)
class Rule:
    sources: frozenset[OrderState]
    roles: frozenset[Role]
    target: OrderState | None  # None: the state does not change (a timeline event)
    meaning: str


def _r(
    sources: set[OrderState] | frozenset[OrderState],
    roles: set[Role],
    target: OrderState | None,
    meaning: str,
) -> Rule:
    return Rule(frozenset(sources), frozenset(roles), target, meaning)


STAFF = {R.AGENT, R.OPERATOR}
# What tracking does to an order (TRK): an agent or operator by hand, or the ingest itself.
TRACKING = {R.AGENT, R.OPERATOR, R.SYSTEM}

TRANSITIONS: dict[Action, Rule] = {
    Action.UPDATE_AMOUNT: _r(
        {S.RECEIVED}, {R.SELLER}, None, "ORD-5: the seller changes the total before payment"
    ),
    Action.REQUEST_DETAILS: _r(
        {S.RECEIVED, S.PAID},
        {R.SELLER},
        S.AWAITING_DETAILS,
        "ORD-5: the seller needs the buyer's details to go on",
    ),
    Action.PROVIDE_DETAILS: _r(
        {S.AWAITING_DETAILS},
        {R.BUYER},
        None,
        "ORD-5: the buyer answers; the order resumes where it was",
    ),
    Action.PAY: _r(
        {S.RECEIVED},
        {R.OPERATOR},
        S.PAYMENT_PROCESSING,
        "the marketplace records the payment (held in escrow)",
    ),
    Action.VERIFY_PAYMENT: _r(
        {S.PAYMENT_PROCESSING},
        {R.OPERATOR},
        S.PAID,
        "the payment is verified; the ship-by deadline starts",
    ),
    Action.MARK_UNFULFILLABLE: _r(
        UNPAID | NOT_SHIPPED | {S.AWAITING_DETAILS},
        {R.SELLER, *STAFF},
        S.UNFULFILLABLE,
        "ORD-5: cannot be fulfilled; anything paid is refunded",
    ),
    Action.MARK_PREPARED: _r({S.PAID}, {R.SELLER}, S.PREPARED, "packed, ready for the carrier"),
    Action.CONSOLIDATE: _r(
        {S.PAID, S.PREPARED},
        {R.SELLER, R.OPERATOR},
        S.CONSOLIDATED,
        "grouped with other orders into one parcel",
    ),
    Action.PUBLISH_INVOICE: _r(
        NOT_SHIPPED | SHIPPED_OR_LATER, {R.SELLER}, None, "the invoice is available to the buyer"
    ),
    Action.SHIP: _r(NOT_SHIPPED, {R.SELLER}, S.SHIPPED, "handed to the carrier, with tracking"),
    Action.RECORD_SHIPMENT_PROGRESS: _r(
        {S.SHIPPED}, TRACKING, None, "the parcel moved (from tracking)"
    ),
    Action.RECORD_DELIVERY: _r({S.SHIPPED}, TRACKING, S.DELIVERED, "the carrier delivered"),
    Action.CONFIRM_RECEIPT: _r(
        {S.SHIPPED, S.DELIVERED},
        {R.BUYER},
        S.COMPLETED,
        "PRT-1: the buyer confirms receipt; the seller is paid",
    ),
    Action.MARK_RETURNED_TO_SENDER: _r(
        {S.SHIPPED}, TRACKING, S.RETURNED_TO_SENDER, "TRK-5: the parcel went back to the seller"
    ),
    Action.CANCEL: _r(
        UNPAID | {S.AWAITING_DETAILS},
        {R.BUYER},
        S.CANCELLED,
        "CAN-1: unpaid or not verified, cancelled at once",
    ),
    Action.REQUEST_CANCELLATION: _r(
        NOT_SHIPPED | {S.AWAITING_DETAILS},
        {R.BUYER},
        None,
        "CAN-2: paid, not shipped; the seller has 72 h",
    ),
    Action.APPROVE_CANCELLATION: _r(
        NOT_SHIPPED | {S.AWAITING_DETAILS},
        {R.SELLER},
        S.CANCELLED,
        "CAN-3: the seller agrees; full refund",
    ),
    Action.DECLINE_CANCELLATION: _r(
        NOT_SHIPPED, {R.SELLER}, S.SHIPPED, "CAN-5: already with the carrier, shown by tracking"
    ),
    Action.WITHDRAW_CANCELLATION: _r(
        NOT_SHIPPED | {S.AWAITING_DETAILS}, {R.BUYER}, None, "the buyer no longer wants to cancel"
    ),
    Action.EXPIRE_CANCELLATION_REQUEST: _r(
        NOT_SHIPPED | {S.AWAITING_DETAILS},
        {R.SYSTEM},
        S.CANCELLED,
        "CAN-4: no answer in 72 h; cancelled and refunded",
    ),
    Action.REQUEST_EXTENSION: _r(
        NOT_SHIPPED, {R.SELLER}, None, "CAN-8: the seller asks for more handling time"
    ),
    Action.ACCEPT_EXTENSION: _r(
        NOT_SHIPPED, {R.BUYER}, None, "CAN-8: the buyer agrees; the ship-by moves"
    ),
    Action.DECLINE_EXTENSION: _r(
        NOT_SHIPPED, {R.BUYER}, None, "CAN-8: the buyer refuses; the ship-by stays"
    ),
    Action.MISS_SHIP_BY: _r(
        NOT_SHIPPED, {R.SYSTEM}, S.CANCELLED, "CAN-7: not shipped in time; cancelled and refunded"
    ),
    Action.SECURITY_CANCEL: _r(
        UNPAID | NOT_SHIPPED | {S.AWAITING_DETAILS},
        {R.AGENT},
        S.CANCELLED,
        "CAN-10: cancelled for security",
    ),
    Action.REPORT_SHIPMENT_CANCELLED: _r(
        {S.SHIPPED}, TRACKING, S.SHIPMENT_CANCELLED, "CAN-13: envoi annulé"
    ),
    Action.CHOOSE_RESHIPMENT: _r(
        {S.SHIPMENT_CANCELLED, S.RETURNED_TO_SENDER},
        {R.BUYER},
        S.PAID,
        "CAN-13: shipped again with a new tracking number",
    ),
    Action.CHOOSE_REFUND: _r(
        {S.SHIPMENT_CANCELLED, S.RETURNED_TO_SENDER},
        {R.BUYER},
        S.CANCELLED,
        "CAN-13: refunded instead",
    ),
    Action.ABANDON: _r(
        {S.RECEIVED, S.AWAITING_DETAILS},
        {R.SYSTEM},
        S.ABANDONED,
        "ORD-5: left unpaid or unanswered",
    ),
    Action.AUTO_CONFIRM_RECEIPT: _r(
        {S.SHIPPED, S.DELIVERED},
        {R.SYSTEM},
        S.COMPLETED,
        "PRT-1: the protection period ended with no dispute open; the seller is paid",
    ),
    Action.REFUND_LATE_CHOICE: _r(
        UNDELIVERED_PAID,
        {R.SYSTEM},
        S.CANCELLED,
        "PRT-3: a Choice order not delivered within 30 days is refunded in full",
    ),
    Action.SHIP_RETURN: _r(
        {S.RETURNING}, {R.BUYER}, None, "DSP-5: the buyer sends the item back, with tracking"
    ),
    Action.CONFIRM_RETURN_RECEIVED: _r(
        {S.RETURNING},
        {R.SELLER},
        S.COMPLETED,
        "RET-5: the seller has the item back; the agreed refund is made",
    ),
    Action.LAPSE_RETURN: _r(
        {S.RETURNING},
        {R.SYSTEM},
        S.COMPLETED,
        "the item was not sent back in time; the seller is paid",
    ),
    Action.REFUND_UNCONFIRMED_RETURN: _r(
        {S.RETURNING},
        {R.SYSTEM},
        S.COMPLETED,
        "RET-5: the seller did not confirm the return in time; the buyer is refunded",
    ),
}
