"""The order aggregate's core (ORD-2/3/4): its data, what may happen now, what will happen
by itself, the status a buyer reads, and how a change is recorded.

The actions live in ``orders.py`` (ORD) and ``order_cancellation.py`` (CAN); they only call
the helpers here, so every change goes through the same guard and the same timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from garant.domain.cancellation import (
    REMEDIES_AFTER_SHIPMENT,
    CancellationRequest,
    Fault,
    RefundWindow,
    RequestStatus,
    refund_start_window,
)
from garant.domain.disputes import Dispute
from garant.domain.errors import (
    CancellationImpossible,
    IllegalTransition,
    RoleNotAllowed,
)
from garant.domain.money import Balances, LedgerEntry, refund_entry, to_str
from garant.domain.policy import Policy
from garant.domain.returns import ReturnRequest
from garant.domain.statuses import BuyerStatus, status
from garant.domain.transitions import (
    NOT_SHIPPED,
    SHIPPED_OR_LATER,
    TRANSITIONS,
    Action,
    OrderState,
    Role,
)


@dataclass(frozen=True)
class Actor:
    role: Role
    user_id: int | None = None  # None for the system (deadlines)

    @classmethod
    def system(cls) -> Actor:
        return cls(Role.SYSTEM, None)


@dataclass(frozen=True)
class TimelineEntry:
    action: str
    at: datetime
    actor_role: str
    actor_id: int | None
    status_code: str | None  # the vocabulary word this step shows, if any (ORD-1)
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundPlan:
    amount_cents: int
    reason: str
    window: RefundWindow


class DeadlineKind(StrEnum):
    ABANDON_UNPAID = "abandon_unpaid"  # ORD-5
    BUYER_DETAILS = "buyer_details"  # ORD-5
    SHIP_BY = "ship_by"  # CAN-7
    SELLER_ANSWER = "seller_answer"  # CAN-4
    PROTECTION_END = "protection_end"  # PRT-1: receipt confirmed by itself
    CHOICE_GUARANTEE = "choice_guarantee"  # PRT-3
    DISPUTE_SELLER_ANSWER = "dispute_seller_answer"  # DSP-4
    DISPUTE_OFFER_REPLY = "dispute_offer_reply"  # DSP-5
    DISPUTE_ESCALATION = "dispute_escalation"  # DSP-6
    DISPUTE_EVIDENCE_DUE = "dispute_evidence_due"  # DSP-6
    DISPUTE_APPEAL_WINDOW = "dispute_appeal_window"  # DSP-6
    RETURN_SHIP_BACK = "return_ship_back"  # DSP-5, RET-3
    RETURN_CONFIRM = "return_confirm"  # RET-5


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    due_at: datetime


@dataclass
class OrderCore:
    buyer_id: int
    seller_id: int
    total_cents: int
    shipping_method: str
    product_category: str
    policy: Policy
    created_at: datetime
    state: OrderState = OrderState.RECEIVED
    items: list[dict[str, Any]] = field(default_factory=list)
    is_choice: bool = False
    destination_country: str = "FR"
    external_ref: str | None = None
    checkout_id: str | None = None
    id: int | None = None
    version: int = 0
    resume_state: OrderState | None = None
    details_due_at: datetime | None = None
    payment_due_at: datetime | None = None  # ORD-5: unpaid orders are abandoned after it
    previous_total_cents: int | None = None
    paid_at: datetime | None = None
    verified_at: datetime | None = None
    ship_by: datetime | None = None
    extension_days_pending: int | None = None
    extensions_granted: int = 0
    tracking_number: str | None = None
    carrier: str | None = None
    previous_tracking_numbers: list[str] = field(default_factory=list)
    shipment_status: str | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    completed_at: datetime | None = None
    closed_at: datetime | None = None
    close_reason: str | None = None
    close_fault: Fault | None = None
    invoice_available: bool = False
    security_flag: str | None = None
    cancellation: CancellationRequest | None = None
    protection_ends_at: datetime | None = None  # PRT-1/2
    dispute: Dispute | None = None  # the latest dispute (DSP)
    return_request: ReturnRequest | None = None  # a return agreed in the dispute
    seller_return_address: str | None = None  # read with the order, for a return
    balances: Balances = field(default_factory=Balances)
    refunds_pending: int = 0  # refunds planned but not yet confirmed settled
    # changes made by the last actions, persisted by the store in the same transaction
    new_timeline: list[TimelineEntry] = field(default_factory=list)
    new_entries: list[LedgerEntry] = field(default_factory=list)
    new_refunds: list[RefundPlan] = field(default_factory=list)

    # ----------------------------------------------------------------- what may happen

    def is_party(self, actor: Actor) -> bool:
        if actor.role is Role.BUYER:
            return actor.user_id == self.buyer_id
        if actor.role is Role.SELLER:
            return actor.user_id == self.seller_id
        return True

    def _guard(self, action: Action) -> str | None:
        """Why an action, legal in this state, cannot be taken now (None when it can)."""
        req_open = self.cancellation is not None and self.cancellation.is_open
        if action is Action.REQUEST_CANCELLATION and req_open:
            return "a cancellation request is already waiting for the seller"
        if (
            action
            in (
                Action.APPROVE_CANCELLATION,
                Action.DECLINE_CANCELLATION,
                Action.WITHDRAW_CANCELLATION,
                Action.EXPIRE_CANCELLATION_REQUEST,
            )
            and not req_open
        ):
            return "there is no open cancellation request"
        if action is Action.CONFIRM_RECEIPT and self.dispute is not None and self.dispute.is_open:
            return "a dispute is open: its outcome decides where the money goes"
        if action is Action.CHOOSE_RESHIPMENT and self.dispute is not None and self.dispute.is_open:
            return "a dispute is open: its outcome decides; withdraw it to choose a reshipment"
        if action is Action.REFUND_LATE_CHOICE and not self.is_choice:
            return "only Choice orders carry the 30-day delivery guarantee"
        if action is Action.AUTO_CONFIRM_RECEIPT and (
            self.dispute is not None and self.dispute.is_open
        ):
            return "a dispute is open: the money stays held"
        if action is Action.SHIP_RETURN and not (
            self.return_request is not None and self.return_request.status == "awaiting_shipment"
        ):
            return "the return has already been sent back"
        if action is Action.SHIP and req_open:
            return "answer the buyer's cancellation request first (decline it with tracking)"
        if action is Action.REQUEST_EXTENSION:
            if self.extension_days_pending is not None:
                return "an extension request is already waiting for the buyer"
            if self.extensions_granted >= self.policy.max_extensions:
                return "no more extensions may be asked for this order"
        if action in (Action.ACCEPT_EXTENSION, Action.DECLINE_EXTENSION) and (
            self.extension_days_pending is None
        ):
            return "the seller has not asked for an extension"
        if (
            action is Action.CANCEL
            and self.state is OrderState.AWAITING_DETAILS
            and (self.resume_state not in (None, OrderState.RECEIVED))
        ):
            return "the order is paid: send a cancellation request instead"
        if (
            action is Action.REQUEST_CANCELLATION
            and self.state is OrderState.AWAITING_DETAILS
            and (self.resume_state is not OrderState.PAID)
        ):
            return "the order is not paid: cancel it directly"
        return None

    def allowed_actions(self, actor: Actor) -> list[str]:
        if not self.is_party(actor):
            return []
        return [
            action.value
            for action, rule in TRANSITIONS.items()
            if self.state in rule.sources
            and actor.role in rule.roles
            and self._guard(action) is None
        ]

    def require(self, action: Action, actor: Actor) -> None:
        """Refuse early (ORD-3) when the action is not open to this actor now."""
        self._require(action, actor)

    def _require(self, action: Action, actor: Actor) -> None:
        rule = TRANSITIONS[action]
        if (
            self.is_party(actor)
            and self.state in rule.sources
            and actor.role in rule.roles
            and self._guard(action) is None
        ):
            return  # the one rule asked about; every allowed action only for the refusal
        allowed = self.allowed_actions(actor)
        if (
            action in (Action.CANCEL, Action.REQUEST_CANCELLATION)
            and self.state in SHIPPED_OR_LATER
        ):
            raise CancellationImpossible(
                self.state.value, allowed, REMEDIES_AFTER_SHIPMENT, action.value
            )
        why = None
        if actor.role not in rule.roles:
            raise RoleNotAllowed(
                action.value, self.state.value, allowed, why=f"a {actor.role.value} cannot do this"
            )
        elif self.state in rule.sources:
            why = self._guard(action)
        raise IllegalTransition(action.value, self.state.value, allowed, why=why)

    def deadlines(self) -> list[Deadline]:
        """What will happen automatically, and when; the worker sweeps these."""
        out: list[Deadline] = []
        if self.state is OrderState.RECEIVED:
            out.append(
                Deadline(
                    DeadlineKind.ABANDON_UNPAID,
                    self.payment_due_at or self.created_at + self.policy.unpaid_abandon_after,
                )
            )
        if self.state is OrderState.AWAITING_DETAILS and self.details_due_at:
            out.append(Deadline(DeadlineKind.BUYER_DETAILS, self.details_due_at))
        if self.state in NOT_SHIPPED and self.ship_by:
            out.append(Deadline(DeadlineKind.SHIP_BY, self.ship_by))
        if (
            self.cancellation is not None
            and self.cancellation.is_open
            and self.state in TRANSITIONS[Action.EXPIRE_CANCELLATION_REQUEST].sources
        ):
            out.append(Deadline(DeadlineKind.SELLER_ANSWER, self.cancellation.answer_by))
        return out

    # ----------------------------------------------------------------- display

    def display_status(self) -> BuyerStatus:
        """ORD-2: the word the buyer reads, derived from state, parcel and money."""
        return display_status_of(
            self.state,
            shipment_status=self.shipment_status,
            previous_total_cents=self.previous_total_cents,
            refunded_cents=self.balances.refunded,
            refunds_pending=self.refunds_pending,
        )

    # ----------------------------------------------------------------- recording

    def _log(
        self,
        action: StrEnum | str,
        actor: Actor,
        now: datetime,
        *,
        status_code: str | None,
        reason: str = "",
        **data: Any,
    ) -> None:
        name = str(action)  # an order's or a dispute's action, or a plain event name
        self.new_timeline.append(
            TimelineEntry(name, now, actor.role.value, actor.user_id, status_code, reason, data)
        )

    def _move(
        self, action: Action, actor: Actor, now: datetime, *, reason: str = "", **data: Any
    ) -> None:
        self._require(action, actor)
        target = TRANSITIONS[action].target
        before = self.state
        if target is not None:
            self.state = target
        shown = self.display_status().code if self.state is not before else None
        self._log(action, actor, now, status_code=shown, reason=reason, **data)

    def _refund_all(self, now: datetime, reason: str, actor: Actor) -> None:
        """Give back everything still held, to the original payment method (CAN-3/4/7/10)."""
        if self.balances.held <= 0:
            return
        window = refund_start_window(
            now, self.policy.refund_start_business_days, self.policy.refund_calendar_country
        )
        self._refund(self.balances.held, reason, actor, now, window)

    def _refund(
        self, amount: int, reason: str, actor: Actor, now: datetime, window: RefundWindow
    ) -> None:
        """One refund out of escrow, on its way to the original payment method (PRT-5/6)."""
        entry = refund_entry(self.balances, amount, reason)
        self._book(entry)
        self.new_refunds.append(RefundPlan(amount, reason, window))
        self.refunds_pending += 1
        self._log(
            "refund_started",
            actor,
            now,
            status_code=None,
            reason=reason,
            amount=to_str(amount),
            expected_from=window.earliest.isoformat(),
            expected_to=window.latest.isoformat(),
        )

    def _book(self, entry: LedgerEntry) -> None:
        self.new_entries.append(entry)
        self.balances = self.balances.after([entry])

    def _close(self, now: datetime, reason: str, fault: Fault) -> None:
        if self.cancellation is not None and self.cancellation.is_open:
            # The order ended another way (unfulfillable, abandoned) before the seller
            # answered: the request is moot, and its 72 h deadline must not fire on a closed
            # order.
            self.cancellation.status = RequestStatus.SUPERSEDED
            self.cancellation.answered_at = now
        self.closed_at = now
        self.close_reason = reason
        self.close_fault = fault
        self.ship_by = None
        self.extension_days_pending = None


_STATE_WORD = {
    OrderState.AWAITING_DETAILS: "awaiting_details",
    OrderState.PAYMENT_PROCESSING: "processing",
    OrderState.PAID: "purchased",
    OrderState.PREPARED: "prepared",
    OrderState.CONSOLIDATED: "consolidated",
    # CAN-13 "envoi annulé": the parcel is back on the seller's side; the seed's table has no
    # word of its own for it (ORD-1), the timeline entry carries the seed's message.
    OrderState.SHIPMENT_CANCELLED: "returned_to_sender",
    OrderState.DELIVERED: "delivered",
    OrderState.COMPLETED: "delivered",
    OrderState.RETURNED_TO_SENDER: "returned_to_sender",
    OrderState.RETURNING: "return_in_progress",
    OrderState.UNFULFILLABLE: "unfulfillable",
    OrderState.ABANDONED: "abandoned",
}


def display_status_of(
    s: OrderState,
    *,
    shipment_status: str | None,
    previous_total_cents: int | None,
    refunded_cents: int,
    refunds_pending: int,
) -> BuyerStatus:
    """ORD-2's word from the few values it depends on, so a list row that reads only those
    (a summary, not the whole order) shows the same word as the order."""
    if s is OrderState.RECEIVED:
        return status("amount_updated" if previous_total_cents is not None else "received")
    if s is OrderState.SHIPPED:
        return status(shipment_status or "shipped")
    fully_back = refunded_cents > 0 and refunds_pending == 0
    if s is OrderState.CANCELLED:
        return status("refunded" if fully_back else "cancelled")
    if s is OrderState.COMPLETED and fully_back:
        return status("refunded")
    return status(_STATE_WORD[s])
