"""Buyer protection on the order aggregate (PRT-1..6, DSP-2..7): escrow, windows, disputes.

The dispute's own table is in ``disputes.py``; here each dispute step is applied to the order
it belongs to: the timeline (ORD-4), the money (PRT-6) and what the order does next. A dispute
that ends in a remedy carries it out at once: refunds through the ledger with PRT-5's dates,
a reshipment as a new shipment of the order, a return started with the seller's address.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from garant.domain.cancellation import Fault, dispute_refund_window
from garant.domain.disputes import (
    DETAILS,
    ITEM_IN_HAND,
    REASONS,
    Dispute,
    DisputeAction,
    DisputeState,
    EvidenceRequest,
    Favour,
    Offer,
    OfferStatus,
    RequestState,
    Resolution,
    ResolutionKind,
    parse_resolution,
)
from garant.domain.errors import (
    DisputeAlreadyOpen,
    IllegalTransition,
    InvalidInput,
    OutsideDisputeWindow,
    RoleNotAllowed,
)
from garant.domain.money import EntryKind, LedgerEntry, release_entry, to_str
from garant.domain.order_core import Actor, Deadline, DeadlineKind, OrderCore
from garant.domain.returns import ReturnRequest, ReturnStatus
from garant.domain.transitions import (
    DISPUTABLE,
    UNDELIVERED_PAID,
    Action,
    OrderState,
    Role,
)

_MAX_TEXT = 5000
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

    # ------------------------------------------------------------------ DSP-3: opening

    def open_dispute(
        self,
        actor: Actor,
        now: datetime,
        *,
        reason: str,
        detail: str | None,
        description: str,
        resolution: object,
        evidence: list[int],
    ) -> Dispute:
        if actor.role is not Role.BUYER:
            raise RoleNotAllowed(
                DisputeAction.OPEN.value, self.state.value, [], why="only the buyer opens one"
            )
        d = self.dispute
        if d is not None and d.is_open:
            raise DisputeAlreadyOpen(
                f"a dispute is already open on this order (since {d.opened_at.isoformat()}, "
                f"now '{d.state.value}'); add to it instead",
                state=d.state.value,
                allowed_actions=d.allowed_actions(actor.role, actor.user_id, now),
            )
        if d is not None and self._outcome_kind() != ResolutionKind.RESHIPMENT.value:
            raise IllegalTransition(
                DisputeAction.OPEN.value,
                self.state.value,
                self.allowed_actions(actor),
                why=f"the dispute on this order closed on "
                f"{d.closed_at.isoformat() if d.closed_at else '?'}; its outcome is final",
            )
        if self.state not in DISPUTABLE:
            raise IllegalTransition(
                DisputeAction.OPEN.value,
                self.state.value,
                self.allowed_actions(actor),
                why="a dispute is for an order that has been shipped (before that, cancel it)",
            )
        window = self.dispute_window()
        assert window is not None
        opens, closes, basis = window
        if not opens <= now <= closes:
            basis_text = (
                f"15 days after the delivery on {self.delivered_at.isoformat()}"
                if basis == "delivery" and self.delivered_at is not None
                else "15 days after the protection period, the parcel never having arrived"
            )
            raise OutsideDisputeWindow(
                f"a dispute could be opened from {opens.isoformat()} until "
                f"{closes.isoformat()} ({basis_text}); it is now {now.isoformat()}",
                state=self.state.value,
                window_opens=opens.isoformat(),
                window_closes=closes.isoformat(),
                basis=basis,
            )
        self._check_reason(reason, detail)
        text = _text(description, "description")
        wanted = parse_resolution(
            resolution, paid_cents=self.balances.paid, refunded_cents=self.balances.refunded
        )
        self._check_remedy(reason, wanted)
        policy = self.policy
        d = Dispute(
            reason=reason,
            detail=detail,
            description=text,
            requested=wanted,
            evidence=list(evidence),
            opened_at=now,
            seller_answer_by=now + policy.duration("dispute_seller_answer_hours"),
            escalate_from=now + policy.duration("dispute_escalate_after_hours"),
            negotiation_ends_at=now + policy.duration("dispute_negotiation_days"),
        )
        self.dispute = d
        self._say(
            DisputeAction.OPEN,
            actor,
            now,
            reason=text,
            dispute_reason=reason,
            detail=detail,
            requested=wanted.to_json(),
            evidence=list(evidence),
            seller_answer_by=d.seller_answer_by.isoformat(),
        )
        if self.balances.released > 0:
            # PRT-4: the money already went to the seller; the dispute freezes it again.
            amount = self.balances.released
            self._book(LedgerEntry(EntryKind.RECOVER, amount, "frozen for the dispute"))
            d.recovered_cents += amount
            self._log("funds_frozen", actor, now, status_code=None, amount=to_str(amount))
        return d

    def _check_reason(self, reason: str, detail: str | None) -> None:
        if reason not in REASONS:
            raise InvalidInput(
                f"unknown reason '{reason}'; use one of: {', '.join(REASONS)}", field="reason"
            )
        details = DETAILS.get(reason)
        if details is not None and detail not in details:
            raise InvalidInput(
                f"say what differs for '{reason}': detail one of {', '.join(details)}",
                field="detail",
            )
        if details is None and detail:
            raise InvalidInput(f"'{reason}' takes no detail", field="detail")
        if reason == "not_received" and self.delivered_at is not None:
            raise InvalidInput(
                f"the carrier shows the parcel delivered on {self.delivered_at.isoformat()}: "
                "choose 'delivered_not_received'",
                field="reason",
            )
        if reason == "delivered_not_received" and self.delivered_at is None:
            raise InvalidInput(
                "the parcel is not shown as delivered: choose 'not_received'", field="reason"
            )

    def _check_remedy(self, reason: str, wanted: Resolution) -> None:
        if wanted.kind is ResolutionKind.RETURN_AND_REFUND and reason not in ITEM_IN_HAND:
            raise InvalidInput(
                f"a return needs the item in hand; for '{reason}' ask for a refund or a reshipment",
                field="resolution.kind",
            )
        if wanted.kind is ResolutionKind.RESHIPMENT and reason == "payment_problem":
            raise InvalidInput(
                "a payment problem is settled by a refund, not a reshipment",
                field="resolution.kind",
            )

    # ------------------------------------------------------------------ DSP-4..7: the steps

    def _step(self, action: DisputeAction, actor: Actor, now: datetime) -> Dispute:
        d = self.dispute
        if d is None:
            raise IllegalTransition(
                action.value,
                self.state.value,
                self.allowed_actions(actor),
                why="there is no dispute on this order",
            )
        d.require(action, actor.role, actor.user_id, now)
        return d

    def _say(self, action: DisputeAction, actor: Actor, now: datetime, **data: Any) -> None:
        self._log(action, actor, now, status_code=None, **data)

    def accept_request(self, actor: Actor, now: datetime) -> None:
        d = self._step(DisputeAction.ACCEPT_REQUEST, actor, now)
        d.seller_answered_at = now
        d.move(DisputeAction.ACCEPT_REQUEST)
        self._say(DisputeAction.ACCEPT_REQUEST, actor, now, resolution=d.requested.to_json())
        self._settle(d.requested, "accepted", Favour.BUYER.value, actor, now)

    def make_offer(self, actor: Actor, now: datetime, *, resolution: object, message: str,
                   evidence: list[int]) -> None:  # fmt: skip
        d = self._step(DisputeAction.MAKE_OFFER, actor, now)
        offer_res = parse_resolution(
            resolution, paid_cents=self.balances.paid, refunded_cents=self.balances.refunded
        )
        self._check_remedy(d.reason, offer_res)
        pending = d.pending_offer
        if pending is not None:
            mine = pending.by_role is actor.role
            pending.status = OfferStatus.SUPERSEDED if mine else OfferStatus.COUNTERED
            pending.answered_at = now
        if d.state is DisputeState.AWAITING_SELLER:
            d.seller_answered_at = now
        offer = Offer(
            seq=d.next_seq(d.offers),
            by_role=actor.role,
            by_id=actor.user_id,
            resolution=offer_res,
            message=message.strip()[:_MAX_TEXT],
            evidence=list(evidence),
            made_at=now,
            reply_by=now + self.policy.duration("dispute_offer_reply_hours"),
        )
        d.offers.append(offer)
        if d.state is not DisputeState.ESCALATED:
            d.move(DisputeAction.MAKE_OFFER)  # mediation goes on while the parties talk
        d.evidence.extend(e for e in evidence if e not in d.evidence)
        self._say(
            DisputeAction.MAKE_OFFER,
            actor,
            now,
            offer=offer.seq,
            resolution=offer_res.to_json(),
            message=offer.message,
            evidence=list(evidence),
            reply_by=offer.reply_by.isoformat() if offer.reply_by else None,
        )

    def contest(self, actor: Actor, now: datetime, *, message: str, evidence: list[int]) -> None:
        d = self._step(DisputeAction.CONTEST, actor, now)
        text = _text(message, "message")
        if not evidence:
            raise InvalidInput("contesting needs evidence (photos, documents)", field="evidence")
        d.seller_answered_at = now
        d.move(DisputeAction.CONTEST)
        d.evidence.extend(e for e in evidence if e not in d.evidence)
        self._say(DisputeAction.CONTEST, actor, now, message=text, evidence=list(evidence))

    def accept_offer(self, actor: Actor, now: datetime) -> None:
        d = self._step(DisputeAction.ACCEPT_OFFER, actor, now)
        offer = d.pending_offer
        assert offer is not None  # the guard checked it
        offer.status = OfferStatus.ACCEPTED
        offer.answered_at = now
        d.move(DisputeAction.ACCEPT_OFFER)
        self._say(DisputeAction.ACCEPT_OFFER, actor, now, offer=offer.seq)
        self._settle(offer.resolution, "accepted", "agreement", actor, now)

    def reject_offer(self, actor: Actor, now: datetime, *, message: str = "") -> None:
        d = self._step(DisputeAction.REJECT_OFFER, actor, now)
        offer = d.pending_offer
        assert offer is not None
        offer.status = OfferStatus.REJECTED
        offer.answered_at = now
        self._say(DisputeAction.REJECT_OFFER, actor, now, offer=offer.seq, message=message)

    def escalate(self, actor: Actor, now: datetime, *, message: str = "") -> None:
        d = self._step(DisputeAction.ESCALATE, actor, now)
        d.move(DisputeAction.ESCALATE)
        d.escalated_at = now
        d.escalated_by = actor.role.value
        self._say(DisputeAction.ESCALATE, actor, now, message=message)

    def withdraw_dispute(self, actor: Actor, now: datetime, *, message: str = "") -> None:
        d = self._step(DisputeAction.WITHDRAW, actor, now)
        d.move(DisputeAction.WITHDRAW)
        d.close_pending(now)
        d.closed_at = now
        d.outcome = {"kind": "withdrawn", "how": "withdrawn", "in_favour_of": "seller",
                     "by": actor.role.value, "amount_cents": None}  # fmt: skip
        self._say(DisputeAction.WITHDRAW, actor, now, message=message)
        self._unfreeze(actor, now)

    def provide_evidence(self, actor: Actor, now: datetime, *, evidence: list[int],
                         note: str = "") -> None:  # fmt: skip
        d = self._step(DisputeAction.PROVIDE_EVIDENCE, actor, now)
        if not evidence:
            raise InvalidInput("attach at least one file", field="evidence")
        answered = []
        for req in d.open_requests(actor.role):
            req.status = RequestState.ANSWERED
            req.answered_at = now
            req.answer = note
            req.evidence = list(evidence)
            answered.append(req.seq)
        d.evidence.extend(e for e in evidence if e not in d.evidence)
        self._say(
            DisputeAction.PROVIDE_EVIDENCE,
            actor,
            now,
            evidence=list(evidence),
            note=note,
            answers=answered,
        )

    def take_case(self, actor: Actor, now: datetime) -> None:
        d = self._step(DisputeAction.TAKE_CASE, actor, now)
        d.agent_id = actor.user_id
        self._say(DisputeAction.TAKE_CASE, actor, now)

    def request_evidence(self, actor: Actor, now: datetime, *, party: str, note: str,
                         hours: int | None = None) -> None:  # fmt: skip
        d = self._step(DisputeAction.REQUEST_EVIDENCE, actor, now)
        if party not in (Role.BUYER.value, Role.SELLER.value):
            raise InvalidInput("party: 'buyer' or 'seller'", field="party")
        text = _text(note, "note")
        longest = self.policy.dispute_evidence_max_hours
        give = self.policy.dispute_evidence_hours if hours is None else hours
        if not isinstance(give, int) or isinstance(give, bool) or not 1 <= give <= longest:
            raise InvalidInput(f"hours: a whole number from 1 to {longest}", field="hours")
        req = EvidenceRequest(
            seq=d.next_seq(d.requests),
            party=Role(party),
            asked_by=actor.user_id,
            note=text,
            asked_at=now,
            due_at=now + timedelta(hours=give),
        )
        d.requests.append(req)
        if d.agent_id is None:
            d.agent_id = actor.user_id
        self._say(
            DisputeAction.REQUEST_EVIDENCE,
            actor,
            now,
            party=party,
            note=text,
            due_at=req.due_at.isoformat(),
        )

    def decide(self, actor: Actor, now: datetime, *, in_favour_of: str,
               amount: int | None, note: str) -> None:  # fmt: skip
        d = self._step(DisputeAction.DECIDE, actor, now)
        text = _text(note, "note")
        try:
            favour = Favour(in_favour_of)
        except ValueError:
            raise InvalidInput(
                "in_favour_of: 'buyer', 'seller' or 'split'", field="in_favour_of"
            ) from None
        refundable = self.balances.paid - self.balances.refunded
        if favour is Favour.SPLIT:
            if amount is None or not 0 < amount < refundable:
                raise InvalidInput(
                    f"a split refunds an amount above 0 and below {to_str(refundable)} EUR",
                    field="amount",
                    refundable=to_str(refundable),
                )
            res = Resolution(ResolutionKind.PARTIAL_REFUND, amount)
        elif amount is not None:
            raise InvalidInput("an amount is only given with a split", field="amount")
        elif favour is Favour.BUYER:
            res = d.requested
        else:
            res = Resolution(ResolutionKind.NO_REFUND)
        final = d.state is DisputeState.APPEALED
        d.close_pending(now)
        d.agent_id = actor.user_id
        d.decided_at = now
        d.decision = {
            "in_favour_of": favour.value,
            "resolution": res.to_json(),
            "note": text,
            "agent_id": actor.user_id,
            "decided_at": now.isoformat(),
            "final": final,
        }
        d.decision_accepted_by = []
        if final:
            d.state = DisputeState.RESOLVED  # the one appeal is spent: carried out at once
            d.appeal_by = None
        else:
            d.move(DisputeAction.DECIDE)
            d.appeal_by = now + self.policy.duration("dispute_appeal_days")
        self._say(
            DisputeAction.DECIDE,
            actor,
            now,
            in_favour_of=favour.value,
            resolution=res.to_json(),
            note=text,
            final=final,
            appeal_by=d.appeal_by.isoformat() if d.appeal_by else None,
        )
        if final:
            self._settle(res, "decision", favour.value, actor, now)

    def accept_decision(self, actor: Actor, now: datetime) -> None:
        d = self._step(DisputeAction.ACCEPT_DECISION, actor, now)
        d.decision_accepted_by = [*d.decision_accepted_by, actor.role.value]
        self._say(DisputeAction.ACCEPT_DECISION, actor, now)
        if {"buyer", "seller"} <= set(d.decision_accepted_by):
            d.state = DisputeState.RESOLVED
            self._carry_out_decision(d, "decision_accepted", actor, now)

    def appeal(self, actor: Actor, now: datetime, *, note: str, evidence: list[int]) -> None:
        d = self._step(DisputeAction.APPEAL, actor, now)
        text = _text(note, "note")
        new = [e for e in evidence if e not in d.evidence]
        if not new:
            raise InvalidInput(
                "an appeal needs new evidence, not already in the case", field="evidence"
            )
        d.move(DisputeAction.APPEAL)
        d.appealed_at = now
        d.appealed_by = actor.role.value
        d.appeal = {"note": text, "evidence": new, "at": now.isoformat()}
        d.evidence.extend(new)
        self._say(DisputeAction.APPEAL, actor, now, note=text, evidence=new)

    def _carry_out_decision(self, d: Dispute, how: str, actor: Actor, now: datetime) -> None:
        assert d.decision is not None
        res = Resolution.from_json(d.decision["resolution"])
        self._settle(res, how, str(d.decision["in_favour_of"]), actor, now)

    # ------------------------------------------------------------------ carrying out

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


def _text(value: str, name: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{name} cannot be empty", field=name)
    if len(text) > _MAX_TEXT:
        raise InvalidInput(f"{name}: at most {_MAX_TEXT} characters", field=name)
    return text
