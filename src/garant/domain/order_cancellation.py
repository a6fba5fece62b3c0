"""Cancellation actions of the order aggregate (CAN-1..13).

Reasons, requests, refund windows and coupon rules are data in ``cancellation.py``; here they
are applied to an order through the core's guard and timeline.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from garant.domain.cancellation import (
    BUYER_REASONS,
    SECURITY_REASONS,
    CancellationRequest,
    Fault,
    RequestStatus,
)
from garant.domain.errors import ConfirmationRequired, InvalidInput
from garant.domain.order_core import Actor, OrderCore
from garant.domain.transitions import Action


class CancellationActions(OrderCore):
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
