"""The dispute steps on the order aggregate (DSP-2..7): opening, offers, evidence, decision.

The dispute's own table is in ``disputes.py``; here each step a party or an agent takes is
applied to the order it belongs to and logged on its timeline (ORD-4). A step that ends the
dispute hands its remedy to ``order_protection.py`` (``_settle``), which carries it out at
once; the steps the deadlines take are there too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

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
from garant.domain.money import EntryKind, LedgerEntry, to_str
from garant.domain.order_core import Actor
from garant.domain.order_protection import ProtectionActions
from garant.domain.transitions import DISPUTABLE, Role

_MAX_TEXT = 5000


class DisputeActions(ProtectionActions):
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


def _text(value: str, name: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{name} cannot be empty", field=name)
    if len(text) > _MAX_TEXT:
        raise InvalidInput(f"{name}: at most {_MAX_TEXT} characters", field=name)
    return text
