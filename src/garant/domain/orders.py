"""The order aggregate (ORD, CAN): lifecycle, one explicit transition table, timeline.

Methods take ``now`` and the order's own policy; they never read the clock or the database.
A change appends ``TimelineEntry``s (ORD-4), ledger entries (PRT-6) and refund plans to the
order; the store persists them in the same transaction, and the outbox is fed from the
timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from garant.domain.cancellation import (
    BUYER_REASONS,
    REMEDIES_AFTER_SHIPMENT,
    SECURITY_REASONS,
    UNFULFILLABLE_REASONS,
    CancellationRequest,
    Fault,
    RefundWindow,
    RequestStatus,
    refund_start_window,
)
from garant.domain.errors import (
    CancellationImpossible,
    ConfirmationRequired,
    IllegalTransition,
    InvalidInput,
    RoleNotAllowed,
)
from garant.domain.money import Balances, EntryKind, LedgerEntry, refund_entry, to_str
from garant.domain.policy import Policy
from garant.domain.statuses import SHIPMENT_PROGRESS, BuyerStatus, status
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


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    due_at: datetime


@dataclass
class Order:
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
        allowed = self.allowed_actions(actor)
        if action.value in allowed:
            return
        if (
            action in (Action.CANCEL, Action.REQUEST_CANCELLATION)
            and self.state in SHIPPED_OR_LATER
        ):
            raise CancellationImpossible(self.state.value, allowed, REMEDIES_AFTER_SHIPMENT)
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
        s = self.state
        if s is OrderState.RECEIVED:
            return status("amount_updated" if self.previous_total_cents is not None else "received")
        if s is OrderState.SHIPPED:
            return status(self.shipment_status or "shipped")
        if s is OrderState.CANCELLED:
            fully_back = self.balances.refunded > 0 and self.refunds_pending == 0
            return status("refunded" if fully_back else "cancelled")
        return status(_STATE_WORD[s])

    # ----------------------------------------------------------------- recording

    def _log(
        self,
        action: Action | str,
        actor: Actor,
        now: datetime,
        *,
        status_code: str | None,
        reason: str = "",
        **data: Any,
    ) -> None:
        name = action.value if isinstance(action, Action) else action
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
        amount = self.balances.held
        entry = refund_entry(self.balances, amount, reason)
        self._book(entry)
        window = refund_start_window(
            now, self.policy.refund_start_business_days, self.policy.refund_calendar_country
        )
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

    # ----------------------------------------------------------------- ORD

    def placed(self, actor: Actor, now: datetime) -> None:
        self.payment_due_at = now + self.policy.unpaid_abandon_after
        self._log(
            "order_placed",
            actor,
            now,
            status_code="received",
            total=to_str(self.total_cents),
            shipping_method=self.shipping_method,
        )

    def flag_for_security_review(self, flag: str, now: datetime) -> None:
        """CAN-10: something looks wrong (a reused promo code); an agent decides."""
        self.security_flag = flag
        self._log("security_review", Actor.system(), now, status_code=None, reason=flag)

    def refund_settled(self, actor: Actor, now: datetime, amount_cents: int) -> None:
        """The money reached the buyer's payment method."""
        self._log(
            "refund_settled",
            actor,
            now,
            status_code="refunded" if self.display_status().code == "refunded" else None,
            amount=to_str(amount_cents),
        )

    def update_amount(self, actor: Actor, now: datetime, new_total_cents: int, reason: str) -> None:
        if new_total_cents <= 0:
            raise InvalidInput("the new amount must be above zero")
        old = self.total_cents
        if new_total_cents == old:
            raise InvalidInput(f"the amount is already {to_str(old)} EUR")
        self._require(Action.UPDATE_AMOUNT, actor)
        self.previous_total_cents = old
        self.total_cents = new_total_cents
        self._log(
            Action.UPDATE_AMOUNT,
            actor,
            now,
            status_code="amount_updated",
            reason=reason,
            old_amount=to_str(old),
            new_amount=to_str(new_total_cents),
        )

    def request_details(self, actor: Actor, now: datetime, question: str) -> None:
        if not question.strip():
            raise InvalidInput("say which details the buyer must give")
        resume = self.state
        self._move(Action.REQUEST_DETAILS, actor, now, reason=question)
        self.resume_state = resume
        self.details_due_at = now + self.policy.buyer_details_window

    def provide_details(self, actor: Actor, now: datetime, answer: str) -> None:
        if not answer.strip():
            raise InvalidInput("the answer cannot be empty")
        self._require(Action.PROVIDE_DETAILS, actor)
        if self.ship_by is not None and self.details_due_at is not None:
            # The handling clock stops while the seller waits for the buyer.
            asked_at = self.details_due_at - self.policy.buyer_details_window
            self.ship_by += max(now - asked_at, timedelta(0))
        self.state = self.resume_state or OrderState.RECEIVED
        if self.state is OrderState.RECEIVED:
            # The buyer answered: the time to pay starts again rather than lapsing at once.
            self.payment_due_at = now + self.policy.unpaid_abandon_after
        self.resume_state = None
        self.details_due_at = None
        self._log(
            Action.PROVIDE_DETAILS,
            actor,
            now,
            status_code=self.display_status().code,
            reason=answer,
        )

    def pay(self, actor: Actor, now: datetime, amount_cents: int, verified: bool) -> None:
        if amount_cents != self.total_cents:
            raise InvalidInput(
                f"the payment ({to_str(amount_cents)} EUR) must equal the order total "
                f"({to_str(self.total_cents)} EUR)",
                state=self.state.value,
            )
        self._move(Action.PAY, actor, now, amount=to_str(amount_cents))
        self.paid_at = now
        self.previous_total_cents = None
        self._book(LedgerEntry(EntryKind.CAPTURE, amount_cents, "payment captured"))
        self._book(LedgerEntry(EntryKind.HOLD, amount_cents, "held in escrow until receipt"))
        if verified:
            self.verify_payment(actor, now)

    def verify_payment(self, actor: Actor, now: datetime) -> None:
        self._move(Action.VERIFY_PAYMENT, actor, now)
        self.verified_at = now
        self.ship_by = now + self.policy.handling_time(self.shipping_method)

    def mark_unfulfillable(self, actor: Actor, now: datetime, reason: str) -> None:
        if reason not in UNFULFILLABLE_REASONS:
            raise InvalidInput(
                f"unknown reason '{reason}'; use one of: {', '.join(UNFULFILLABLE_REASONS)}"
            )
        self._move(Action.MARK_UNFULFILLABLE, actor, now, reason=reason)
        self._close(now, reason, UNFULFILLABLE_REASONS[reason])
        self._refund_all(now, f"unfulfillable: {reason}", actor)

    def mark_prepared(self, actor: Actor, now: datetime) -> None:
        self._move(Action.MARK_PREPARED, actor, now)

    def consolidate(self, actor: Actor, now: datetime, parcel_ref: str) -> None:
        self._move(Action.CONSOLIDATE, actor, now, parcel=parcel_ref)

    def publish_invoice(self, actor: Actor, now: datetime, invoice_ref: str) -> None:
        self._require(Action.PUBLISH_INVOICE, actor)
        self.invoice_available = True
        self._log(
            Action.PUBLISH_INVOICE, actor, now, status_code="invoice_available", invoice=invoice_ref
        )

    def ship(
        self,
        actor: Actor,
        now: datetime,
        tracking_number: str,
        carrier: str | None,
        action: Action = Action.SHIP,
        warnings: list[str] | None = None,
    ) -> None:
        if not tracking_number.strip():
            raise InvalidInput("a tracking number is required", state=self.state.value)
        if _same_number(tracking_number) in {
            _same_number(n) for n in self.previous_tracking_numbers
        }:
            raise InvalidInput(
                "a reshipment needs a new tracking number, not the old one", state=self.state.value
            )
        self._move(
            action,
            actor,
            now,
            tracking_number=tracking_number,
            carrier=carrier,
            warnings=warnings or [],
        )
        self.tracking_number = tracking_number
        self.carrier = carrier
        self.shipment_status = "shipped"
        self.shipped_at = now
        self.ship_by = None
        self.extension_days_pending = None

    def record_shipment_progress(self, actor: Actor, now: datetime, code: str) -> None:
        """The parcel's progress as the buyer reads it (driven by tracking)."""
        if code not in SHIPMENT_PROGRESS:
            raise InvalidInput(
                f"unknown shipment status '{code}'; use one of: {', '.join(SHIPMENT_PROGRESS)}"
            )
        self._require(Action.RECORD_SHIPMENT_PROGRESS, actor)
        self.shipment_status = code
        self._log(Action.RECORD_SHIPMENT_PROGRESS, actor, now, status_code=code)

    def record_delivery(self, actor: Actor, now: datetime, where: str = "") -> None:
        self._move(Action.RECORD_DELIVERY, actor, now, where=where)
        self.delivered_at = now
        self.shipment_status = "delivered"

    def confirm_receipt(self, actor: Actor, now: datetime) -> None:
        """PRT-1: the buyer is satisfied; the money held goes to the seller."""
        self._move(Action.CONFIRM_RECEIPT, actor, now)
        self.completed_at = now
        if self.balances.held > 0:
            amount = self.balances.held
            self._book(LedgerEntry(EntryKind.RELEASE, amount, "receipt confirmed"))
            self._log("funds_released", actor, now, status_code=None, amount=to_str(amount))

    def mark_returned_to_sender(self, actor: Actor, now: datetime, reason: str) -> None:
        self._move(Action.MARK_RETURNED_TO_SENDER, actor, now, reason=reason)

    # ----------------------------------------------------------------- CAN

    def cancel(self, actor: Actor, now: datetime, *, confirmed: bool) -> None:
        """CAN-1: unpaid or payment not verified — cancelled at once, no seller involved,
        once the buyer has confirmed."""
        self._require(Action.CANCEL, actor)
        if not confirmed:
            raise ConfirmationRequired(
                "cancelling cannot be undone: confirm it (confirm: true)",
                state=self.state.value,
                allowed_actions=self.allowed_actions(actor),
            )
        self._move(Action.CANCEL, actor, now)
        self._close(now, "buyer_cancelled_unpaid", Fault.NONE)
        self._refund_all(now, "cancelled before payment was verified", actor)

    def request_cancellation(
        self, actor: Actor, now: datetime, reason: str, note: str = ""
    ) -> None:
        """CAN-2: paid and not shipped — the seller has 72 hours to answer."""
        if reason not in BUYER_REASONS:
            raise InvalidInput(
                f"unknown reason '{reason}'; use one of: {', '.join(BUYER_REASONS)}",
                state=self.state.value,
            )
        answer_by = now + self.policy.seller_answer_window
        self._move(
            Action.REQUEST_CANCELLATION,
            actor,
            now,
            reason=reason,
            answer_by=answer_by.isoformat(),
            note=note,
        )
        self.cancellation = CancellationRequest(reason, now, answer_by, note=note)

    def approve_cancellation(self, actor: Actor, now: datetime) -> None:
        """CAN-3."""
        self._move(Action.APPROVE_CANCELLATION, actor, now)
        self._end_request(RequestStatus.APPROVED, now, actor)

    def decline_cancellation(
        self,
        actor: Actor,
        now: datetime,
        tracking_number: str,
        carrier: str | None,
        warnings: list[str] | None = None,
    ) -> None:
        """CAN-5: only by showing the parcel is already with the carrier."""
        self.ship(
            actor,
            now,
            tracking_number,
            carrier,
            action=Action.DECLINE_CANCELLATION,
            warnings=warnings,
        )
        if self.cancellation is not None:
            self.cancellation.status = RequestStatus.DECLINED
            self.cancellation.answered_at = now

    def withdraw_cancellation(self, actor: Actor, now: datetime) -> None:
        self._move(Action.WITHDRAW_CANCELLATION, actor, now)
        assert self.cancellation is not None
        self.cancellation.status = RequestStatus.WITHDRAWN
        self.cancellation.answered_at = now

    def _end_request(self, outcome: RequestStatus, now: datetime, actor: Actor) -> None:
        assert self.cancellation is not None
        self.cancellation.status = outcome
        self.cancellation.answered_at = now
        reason = BUYER_REASONS[self.cancellation.reason]
        self._close(now, reason.code, reason.fault)
        self._refund_all(now, f"cancellation: {reason.code}", actor)

    def request_extension(self, actor: Actor, now: datetime, days: int, reason: str) -> None:
        """CAN-8: asked by the seller; applies only once the buyer agrees."""
        if not 1 <= days <= self.policy.max_extension_days:
            raise InvalidInput(
                f"an extension is 1 to {self.policy.max_extension_days} days",
                state=self.state.value,
            )
        self._require(Action.REQUEST_EXTENSION, actor)
        self.extension_days_pending = days
        self._log(Action.REQUEST_EXTENSION, actor, now, status_code=None, reason=reason, days=days)

    def accept_extension(self, actor: Actor, now: datetime) -> None:
        self._require(Action.ACCEPT_EXTENSION, actor)
        assert self.extension_days_pending is not None and self.ship_by is not None
        days = self.extension_days_pending
        self.ship_by = self.ship_by + timedelta(days=days)
        self.extension_days_pending = None
        self.extensions_granted += 1
        self._log(
            Action.ACCEPT_EXTENSION,
            actor,
            now,
            status_code=None,
            days=days,
            ship_by=self.ship_by.isoformat(),
        )

    def decline_extension(self, actor: Actor, now: datetime) -> None:
        self._require(Action.DECLINE_EXTENSION, actor)
        days = self.extension_days_pending
        self.extension_days_pending = None
        self._log(Action.DECLINE_EXTENSION, actor, now, status_code=None, days=days)

    def security_cancel(self, actor: Actor, now: datetime, reason: str) -> None:
        """CAN-10: the platform cancels for safety; the buyer is told why and what to do."""
        if reason not in SECURITY_REASONS:
            raise InvalidInput(
                f"unknown security reason '{reason}'; use one of: {', '.join(SECURITY_REASONS)}",
                state=self.state.value,
            )
        fr, en, next_fr, next_en = SECURITY_REASONS[reason]
        self._move(
            Action.SECURITY_CANCEL,
            actor,
            now,
            reason=reason,
            reason_fr=fr,
            reason_en=en,
            next_step_fr=next_fr,
            next_step_en=next_en,
        )
        if self.cancellation is not None and self.cancellation.is_open:
            self.cancellation.status = RequestStatus.WITHDRAWN
            self.cancellation.answered_at = now
        self._close(now, f"security:{reason}", Fault.NONE)
        self._refund_all(now, f"security cancellation: {reason}", actor)

    def report_shipment_cancelled(self, actor: Actor, now: datetime, reason: str) -> None:
        """CAN-13: "envoi annulé" — never collected, or sent back by customs."""
        self._move(
            Action.REPORT_SHIPMENT_CANCELLED,
            actor,
            now,
            reason=reason,
            message_fr="Envoi annulé",
            message_en="Shipment cancelled",
        )

    def choose_reshipment(self, actor: Actor, now: datetime) -> None:
        """CAN-13/TRK-5: the seller ships again, with a new tracking number, by a new ship-by."""
        self._move(Action.CHOOSE_RESHIPMENT, actor, now)
        if self.tracking_number:
            self.previous_tracking_numbers.append(self.tracking_number)
        self.tracking_number = None
        self.shipment_status = None
        self.ship_by = now + self.policy.handling_time(self.shipping_method)

    def choose_refund(self, actor: Actor, now: datetime) -> None:
        """CAN-13/TRK-5: the shipment failed through the seller's side; full refund."""
        self._move(Action.CHOOSE_REFUND, actor, now)
        self._close(now, "shipment_failed", Fault.SELLER)
        self._refund_all(now, "shipment cancelled or returned", actor)

    def note_coupon(self, code: str, kind: str, returned: bool, why: str, now: datetime) -> None:
        """CAN-12: what became of a coupon when the order closed."""
        action = "coupon_returned" if returned else "coupon_not_returned"
        self._log(action, Actor.system(), now, status_code=None, reason=why, code=code, kind=kind)

    # ----------------------------------------------------------------- deadlines

    def on_deadline(self, kind: DeadlineKind, now: datetime) -> bool:
        """Apply a due deadline. False when it no longer applies (already answered, shipped,
        moved): the worker then drops it, so a deadline takes effect at most once."""
        due = {d.kind: d.due_at for d in self.deadlines()}
        if kind not in due or due[kind] > now:
            return False
        system = Actor.system()
        if kind is DeadlineKind.SELLER_ANSWER:
            self._move(
                Action.EXPIRE_CANCELLATION_REQUEST,
                system,
                now,
                reason="the seller did not answer within the time allowed",
            )
            self._end_request(RequestStatus.EXPIRED, now, system)
        elif kind is DeadlineKind.SHIP_BY:
            self._move(Action.MISS_SHIP_BY, system, now, reason="not shipped by the deadline")
            if self.cancellation is not None and self.cancellation.is_open:
                self.cancellation.status = RequestStatus.EXPIRED
                self.cancellation.answered_at = now
            self._close(now, "ship_by_missed", Fault.SELLER)
            self._refund_all(now, "not shipped in time", system)
        elif kind is DeadlineKind.ABANDON_UNPAID:
            self._move(Action.ABANDON, system, now, reason="not paid in time")
            self._close(now, "unpaid", Fault.NONE)
        else:
            self._move(Action.ABANDON, system, now, reason="the buyer did not give the details")
            self._close(now, "no_buyer_details", Fault.NONE)
            self._refund_all(now, "abandoned without the buyer's details", system)
        return True


def _same_number(tracking_number: str) -> str:
    """A tracking number as compared for CAN-13: case and spacing do not make it new."""
    return "".join(tracking_number.split()).upper()


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
    OrderState.UNFULFILLABLE: "unfulfillable",
    OrderState.ABANDONED: "abandoned",
}
