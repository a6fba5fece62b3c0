"""The order aggregate (ORD, CAN): lifecycle, one explicit transition table, timeline.

Methods take ``now``; the order carries its own policy; nothing here reads the clock or the
database. A change appends ``TimelineEntry``s (ORD-4), ledger entries (PRT-6) and refund plans
to the order; the store persists them in the same transaction, and the outbox is fed from the
timeline. The data and guards are in ``order_core.py``; the cancellation actions in
``order_cancellation.py``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from garant.domain.cancellation import UNFULFILLABLE_REASONS, Fault, RequestStatus
from garant.domain.errors import InvalidInput
from garant.domain.money import EntryKind, LedgerEntry, to_str
from garant.domain.order_cancellation import CancellationActions
from garant.domain.order_core import (
    Actor,
    Deadline,
    DeadlineKind,
    OrderCore,
    RefundPlan,
    TimelineEntry,
)
from garant.domain.order_disputes import DisputeActions
from garant.domain.statuses import SHIPMENT_PROGRESS
from garant.domain.transitions import Action, OrderState

__all__ = ["Actor", "Deadline", "DeadlineKind", "Order", "OrderCore", "RefundPlan", "TimelineEntry"]


class Order(CancellationActions, DisputeActions):
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
        self.protection_ends_at = now + self.policy.protection_period(self.product_category)
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
        # The buyer has it: PRT-4's 15 days run from here when the carrier never said so.
        self.delivered_at = self.delivered_at or now
        if self.balances.held > 0:
            amount = self.balances.held
            self._book(LedgerEntry(EntryKind.RELEASE, amount, "receipt confirmed"))
            self._log("funds_released", actor, now, status_code=None, amount=to_str(amount))

    def mark_returned_to_sender(self, actor: Actor, now: datetime, reason: str) -> None:
        self._move(Action.MARK_RETURNED_TO_SENDER, actor, now, reason=reason)

    # ----------------------------------------------------------------- deadlines

    def on_deadline(self, kind: DeadlineKind, now: datetime) -> bool:
        """Apply a due deadline. False when it no longer applies (already answered, shipped,
        moved): the worker then drops it, so a deadline takes effect at most once."""
        due = {d.kind: d.due_at for d in self.deadlines()}
        if kind not in due or due[kind] > now:
            return False
        system = Actor.system()
        if kind not in _ORDER_DEADLINES:
            self.on_protection_deadline(kind, now)
        elif kind is DeadlineKind.SELLER_ANSWER:
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


_ORDER_DEADLINES = frozenset(
    {
        DeadlineKind.SELLER_ANSWER,
        DeadlineKind.SHIP_BY,
        DeadlineKind.ABANDON_UNPAID,
        DeadlineKind.BUYER_DETAILS,
    }
)


def _same_number(tracking_number: str) -> str:
    """A tracking number as compared for CAN-13: case and spacing do not make it new."""
    return "".join(tracking_number.split()).upper()
