"""Buyer protection on the order aggregate (PRT-1..6, DSP-5..7): escrow, windows, remedies.

The protection period, the dispute window and the deadlines that run by themselves; and what
a dispute's outcome does to the order: the timeline (ORD-4), the money (PRT-6) and what the
order does next. A dispute that ends in a remedy carries it out at once: refunds through the
ledger with PRT-5's dates, a reshipment as a new shipment of the order, a return started
with the seller's address. The steps a party or an agent takes in the dispute are in
``order_disputes.py`` (a subclass: it calls ``_settle``, never the other way round); the
dispute's own table is in ``disputes.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from garant.domain.cancellation import Fault, dispute_refund_window
from garant.domain.disputes import (
    Dispute,
    DisputeAction,
    DisputeState,
    Favour,
    OfferStatus,
    RequestState,
    Resolution,
    ResolutionKind,
)
from garant.domain.errors import InvalidInput
from garant.domain.money import release_entry, to_str
from garant.domain.order_core import Actor, Deadline, DeadlineKind, OrderCore
from garant.domain.returns import ReturnRequest, ReturnStatus
from garant.domain.transitions import (
    DISPUTABLE,
    UNDELIVERED_PAID,
    Action,
    OrderState,
    Role,
)

# Addresses a return when the seller has none on file: the buyer asks in the thread.
NO_RETURN_ADDRESS = "ask the seller for the return address in the order's messages"


class ProtectionActions(OrderCore):
    # ------------------------------------------------------------------ PRT: escrow, windows

    def protection_end(self) -> datetime | None:
        """PRT-2: purchase + the category's period (restarted by a reshipment)."""
        if self.protection_ends_at is not None:
            return self.protection_ends_at
        if self.paid_at is None:
            return None
        return self.paid_at + self.policy.protection_period(self.product_category)

    def dispute_window(self) -> tuple[datetime, datetime, str] | None:
        """PRT-4: (opens, closes, basis). From shipment until 15 days after the delivery, or
        when the parcel never arrived, 15 days after the protection period."""
        if self.shipped_at is None:
            return None
        if self.delivered_at is not None:
            closes = self.delivered_at + self.policy.duration("dispute_after_delivery_days")
            return self.shipped_at, closes, "delivery"
        end = self.protection_end()
        assert end is not None  # shipped implies paid
        closes = end + self.policy.duration("dispute_after_protection_days")
        return self.shipped_at, closes, "protection_end"

    def can_open_dispute(self, now: datetime) -> bool:
        """What ``open_dispute`` checks before its parameters: state, window, one at a time."""
        window = self.dispute_window()
        d = self.dispute
        return (
            self.state in DISPUTABLE
            and window is not None
            and window[0] <= now <= window[1]
            and (d is None or self._outcome_kind() == ResolutionKind.RESHIPMENT.value)
        )

    def _choice_deadline(self) -> datetime | None:
        if not self.is_choice or self.paid_at is None or self.delivered_at is not None:
            return None
        if self.state not in UNDELIVERED_PAID:
            return None
        if self._reshipped_by_dispute():
            return None  # a dispute agreed a new parcel: that is the remedy now
        return self.paid_at + self.policy.duration("choice_refund_after_days")

    def _reshipped_by_dispute(self) -> bool:
        """A reshipment agreed in a dispute restarted the protection period (``_reship``).
        Read from that, not from the latest dispute's outcome: a later dispute on the new
        parcel replaces ``self.dispute`` and must not bring back a guarantee already waived."""
        if self.paid_at is None or self.protection_ends_at is None:
            return False
        return self.protection_ends_at > self.paid_at + self.policy.protection_period(
            self.product_category
        )

    def _outcome_kind(self) -> str | None:
        if self.dispute is None or self.dispute.outcome is None:
            return None
        return str(self.dispute.outcome.get("kind"))

    def deadlines(self) -> list[Deadline]:
        out = super().deadlines()
        dispute_open = self.dispute is not None and self.dispute.is_open
        end = self.protection_end()
        if self.state in (OrderState.SHIPPED, OrderState.DELIVERED) and not dispute_open and end:
            out.append(Deadline(DeadlineKind.PROTECTION_END, end))
        choice = self._choice_deadline()
        if choice is not None:
            out.append(Deadline(DeadlineKind.CHOICE_GUARANTEE, choice))
        if self.dispute is not None:
            for kind, due_at in self.dispute.due().items():
                out.append(Deadline(DeadlineKind(kind), due_at))
        if self.return_request is not None and self.state is OrderState.RETURNING:
            for kind, due_at in self.return_request.due().items():
                out.append(Deadline(DeadlineKind(kind), due_at))
        return out

    def _release_held(self, actor: Actor, now: datetime, memo: str) -> None:
        if self.balances.held > 0:
            amount = self.balances.held
            self._book(release_entry(self.balances, amount, memo))
            self._log("funds_released", actor, now, status_code=None, amount=to_str(amount))

    def _dispute_refund(self, amount: int, reason: str, actor: Actor, now: datetime) -> None:
        window = dispute_refund_window(now, self.policy.dispute_refund_days)
        self._refund(amount, reason, actor, now, window)

    def _state_to(self, target: OrderState, action: str, actor: Actor, now: datetime,
                  **data: Any) -> None:  # fmt: skip
        """A dispute's outcome moves the order (the dispute's table decided it)."""
        before = self.state
        self.state = target
        shown = self.display_status().code if target is not before else None
        self._log(action, actor, now, status_code=shown, **data)

    # ------------------------------------------------------------------ carrying out

    # _say and _carry_out_decision serve the dispute steps (order_disputes) and the deadlines
    # below alike: they live here, where both reach them.
    def _say(self, action: DisputeAction, actor: Actor, now: datetime, **data: Any) -> None:
        """A dispute step on the order's timeline; the order's status does not change."""
        self._log(action, actor, now, status_code=None, **data)

    def _carry_out_decision(self, d: Dispute, how: str, actor: Actor, now: datetime) -> None:
        assert d.decision is not None
        res = Resolution.from_json(d.decision["resolution"])
        self._settle(res, how, str(d.decision["in_favour_of"]), actor, now)

    def _settle(self, res: Resolution, how: str, favour: str, actor: Actor,
                now: datetime) -> None:  # fmt: skip
        """DSP-5: the dispute is closed and its remedy carried out, now."""
        d = self.dispute
        assert d is not None
        d.close_pending(now)
        d.closed_at = now
        d.outcome = {**res.to_json(), "how": how, "in_favour_of": favour, "by": actor.role.value}
        self._log("dispute_resolved", actor, now, status_code=None, how=how, outcome=d.outcome)
        memo = f"dispute ({how})"
        if res.kind is ResolutionKind.FULL_REFUND:
            self._dispute_refund(self.balances.held, f"{memo}: full refund", actor, now)
            self._complete(actor, now)
        elif res.kind is ResolutionKind.PARTIAL_REFUND:
            assert res.amount_cents is not None
            self._dispute_refund(res.amount_cents, f"{memo}: partial refund", actor, now)
            self._release_held(actor, now, f"{memo}: the rest to the seller")
            self._complete(actor, now)
        elif res.kind is ResolutionKind.NO_REFUND:
            self._release_held(actor, now, f"{memo}: decided for the seller")
            self._complete(actor, now)
        elif res.kind is ResolutionKind.RESHIPMENT:
            self._reship(actor, now)
        else:
            self._start_return(res, actor, now)

    def _complete(self, actor: Actor, now: datetime) -> None:
        if self.state is not OrderState.COMPLETED:
            self.completed_at = self.completed_at or now
            self._state_to(OrderState.COMPLETED, "order_completed", actor, now)

    def _unfreeze(self, actor: Actor, now: datetime) -> None:
        """A dispute ended with no remedy: money frozen from the seller goes back to it; an
        order not yet confirmed goes on as before (its protection deadline resumes)."""
        if self.state is OrderState.COMPLETED:
            self._release_held(actor, now, "dispute closed without remedy")

    def _close(self, now: datetime, reason: str, fault: Fault) -> None:
        """The order closes another way (CAN-13's refund, a missed ship-by after a reshipment,
        unfulfillable…), everything held going back to the buyer: an open dispute has nothing
        left to decide, and its deadlines must not fire on the closed order."""
        d = self.dispute
        if d is not None and d.is_open:
            d.state = DisputeState.RESOLVED
            d.close_pending(now)
            d.closed_at = now
            d.outcome = {**Resolution(ResolutionKind.FULL_REFUND).to_json(),
                         "how": "order_closed", "in_favour_of": "buyer", "by": "system",
                         "close_reason": reason}  # fmt: skip
            self._log("dispute_resolved", Actor.system(), now, status_code=None, outcome=d.outcome)
        super()._close(now, reason, fault)

    def _reship(self, actor: Actor, now: datetime) -> None:
        if self.tracking_number:
            self.previous_tracking_numbers = [*self.previous_tracking_numbers, self.tracking_number]
        self.tracking_number = None
        self.carrier = None
        self.shipment_status = None
        self.shipped_at = None
        self.delivered_at = None
        self.completed_at = None
        self.ship_by = now + self.policy.handling_time(self.shipping_method)
        self.protection_ends_at = now + self.policy.protection_period(self.product_category)
        self._state_to(
            OrderState.PAID,
            "reshipment_agreed",
            actor,
            now,
            ship_by=self.ship_by.isoformat(),
        )

    def _start_return(self, res: Resolution, actor: Actor, now: datetime) -> None:
        refund = self.balances.held if res.amount_cents is None else res.amount_cents
        d = self.dispute
        self.return_request = ReturnRequest(
            refund_cents=min(refund, self.balances.held),
            return_address=self.seller_return_address or NO_RETURN_ADDRESS,
            created_at=now,
            ship_back_by=now + self.policy.duration("return_ship_back_days"),
            dispute_id=d.id if d is not None else None,
        )
        self._state_to(
            OrderState.RETURNING,
            "return_started",
            actor,
            now,
            return_address=self.return_request.return_address,
            refund=to_str(self.return_request.refund_cents),
            ship_back_by=self.return_request.ship_back_by.isoformat(),
        )

    # ------------------------------------------------------------------ the return

    def ship_return(self, actor: Actor, now: datetime, tracking_number: str,
                    carrier: str | None) -> None:  # fmt: skip
        self._require(Action.SHIP_RETURN, actor)
        if not tracking_number.strip():
            raise InvalidInput("the return's tracking number is required", field="tracking_number")
        rr = self.return_request
        assert rr is not None
        rr.status = ReturnStatus.SHIPPED_BACK
        rr.tracking_number = tracking_number.strip()
        rr.carrier = carrier
        rr.shipped_back_at = now
        rr.confirm_by = now + self.policy.duration("return_confirm_days")
        self._log(
            Action.SHIP_RETURN,
            actor,
            now,
            status_code=None,
            tracking_number=rr.tracking_number,
            carrier=carrier,
            confirm_by=rr.confirm_by.isoformat(),
        )

    def confirm_return_received(self, actor: Actor, now: datetime) -> None:
        self._require(Action.CONFIRM_RETURN_RECEIVED, actor)
        self._end_return(Action.CONFIRM_RETURN_RECEIVED, ReturnStatus.RECEIVED, actor, now)

    def _end_return(self, action: Action, status: ReturnStatus, actor: Actor,
                    now: datetime) -> None:  # fmt: skip
        rr = self.return_request
        assert rr is not None
        rr.status = status
        rr.closed_at = now
        if status is not ReturnStatus.LAPSED:
            rr.received_at = now if status is ReturnStatus.RECEIVED else None
        self.completed_at = now
        self._move(action, actor, now)
        if status is ReturnStatus.LAPSED:
            self._release_held(actor, now, "the item was not sent back in time")
            return
        self._dispute_refund(rr.refund_cents, "return: refund", actor, now)
        self._release_held(actor, now, "return: the rest to the seller")

    # ------------------------------------------------------------------ deadlines

    def on_protection_deadline(self, kind: DeadlineKind, now: datetime) -> None:
        system = Actor.system()
        d = self.dispute
        if kind is DeadlineKind.PROTECTION_END:
            self.completed_at = now
            self._move(Action.AUTO_CONFIRM_RECEIPT, system, now)
            self._release_held(system, now, "protection period ended")
        elif kind is DeadlineKind.CHOICE_GUARANTEE:
            if d is not None and d.is_open:
                d.state = DisputeState.RESOLVED
                d.close_pending(now)
                d.closed_at = now
                d.outcome = {**Resolution(ResolutionKind.FULL_REFUND).to_json(),
                             "how": "choice_guarantee", "in_favour_of": "buyer",
                             "by": "system"}  # fmt: skip
                self._log("dispute_resolved", system, now, status_code=None, outcome=d.outcome)
            self._move(Action.REFUND_LATE_CHOICE, system, now, reason="not delivered in time")
            self._close(now, "choice_not_delivered", Fault.SELLER)
            self._refund_all(now, "Choice order not delivered within 30 days", system)
        elif kind is DeadlineKind.RETURN_SHIP_BACK:
            self._end_return(Action.LAPSE_RETURN, ReturnStatus.LAPSED, system, now)
        elif kind is DeadlineKind.RETURN_CONFIRM:
            self._end_return(
                Action.REFUND_UNCONFIRMED_RETURN, ReturnStatus.UNCONFIRMED, system, now
            )
        else:
            assert d is not None
            self._on_dispute_deadline(d, kind, system, now)

    def _on_dispute_deadline(self, d: Dispute, kind: DeadlineKind, system: Actor,
                             now: datetime) -> None:  # fmt: skip
        if kind is DeadlineKind.DISPUTE_SELLER_ANSWER:
            d.require(DisputeAction.GRANT_BY_DEFAULT, Role.SYSTEM, None, now)
            d.move(DisputeAction.GRANT_BY_DEFAULT)
            self._say(DisputeAction.GRANT_BY_DEFAULT, system, now)
            self._settle(d.requested, "seller_silent", Favour.BUYER.value, system, now)
        elif kind is DeadlineKind.DISPUTE_OFFER_REPLY:
            offer = d.pending_offer
            assert offer is not None
            offer.status = OfferStatus.EXPIRED
            offer.answered_at = now
            self._say(DisputeAction.EXPIRE_OFFER, system, now, offer=offer.seq)
        elif kind is DeadlineKind.DISPUTE_ESCALATION:
            d.move(DisputeAction.AUTO_ESCALATE)
            d.escalated_at = now
            d.escalated_by = Role.SYSTEM.value
            self._say(DisputeAction.AUTO_ESCALATE, system, now)
        elif kind is DeadlineKind.DISPUTE_EVIDENCE_DUE:
            late = [r for r in d.open_requests() if r.due_at <= now]
            for r in late:
                r.status = RequestState.OVERDUE
            self._say(
                DisputeAction.MARK_EVIDENCE_OVERDUE,
                system,
                now,
                requests=[r.seq for r in late],
                parties=sorted({r.party.value for r in late}),
            )
        elif kind is DeadlineKind.DISPUTE_APPEAL_WINDOW:
            d.move(DisputeAction.FINALIZE_DECISION)
            self._say(DisputeAction.FINALIZE_DECISION, system, now)
            self._carry_out_decision(d, "decision", system, now)
