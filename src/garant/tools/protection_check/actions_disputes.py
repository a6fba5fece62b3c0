"""The dispute's steps (DSP-3..6): open one inside PRT-4's window, the seller's answer, offers
and their answers, escalation, withdrawal; then mediation: evidence asked and given, the
decision, its acceptance and the one appeal. After each success: the dispute's dates and the
money of the remedy carried out."""

from __future__ import annotations

from typing import Any

from garant.domain.transitions import Role
from garant.services import disputes as dispute_service
from garant.tools.protection_check.core import MachineCore
from garant.tools.protection_check.expect import (
    Expect,
    dispute_rules,
    reason_rules,
    resolution_rules,
    window_rules,
)
from garant.tools.protection_check.vocab import (
    AGENT,
    BUYER,
    DETAILS,
    MEDIATION,
    PARTIES,
    POLICY,
    SELLER,
    TALKING,
    cents_text,
    days,
    hours,
)


class DisputeActions(MachineCore):
    """The dispute steps, as a mixin of the machine."""

    def open_dispute(
        self,
        pointer: int,
        aim: int,
        who: int,
        reason: str,
        detail: int,
        kind: str,
        amount: int | None,
        share: int,
    ) -> None:
        """DSP-3 within PRT-4's window."""
        order_id = self._pick(pointer, aim, "open_dispute")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, BUYER, frozenset({BUYER}), who, pointer)
        # Mostly the reason that fits what the carrier said.
        if reason in ("not_received", "delivered_not_received") and detail < 4:
            reason = "delivered_not_received" if f.delivered_at else "not_received"
        choices = DETAILS.get(reason)
        chosen = choices[detail % len(choices)] if choices and detail < 4 else None
        if share:  # mostly a share of the total (1/10 … 12/10), sometimes any amount
            amount = max(1, f.total * share // 10)
        resolution: dict[str, Any] = {"kind": kind}
        if amount is not None and kind in ("partial_refund", "return_and_refund"):
            resolution["amount"] = cents_text(amount)
        given = resolution.get("amount") is not None
        expect = Expect()
        if wrong:
            expect.must_refuse(f"opened by {wrong}")
        window_rules(f, expect)
        reason_rules(f, reason, chosen, expect)
        resolution_rules(f, reason, kind, amount if given else None, expect)
        expect.must_succeed("the buyer opens a valid dispute inside PRT-4's window")

        def call() -> None:
            dispute_service.open_dispute(
                self.app,
                actor=actor,
                order_id=order_id,
                reason=reason,
                detail=chosen,
                description="Le colis pose problème.",
                resolution=resolution,
            )

        if self._attempt("open_dispute", f, expect, call):
            after = self._facts(order_id)
            d = after.dispute
            assert d is not None
            p = POLICY
            self._check(
                d.state == "awaiting_seller"
                and d.opened_at == self.now
                and d.seller_answer_by == self.now + hours(p.dispute_seller_answer_hours)
                and d.escalate_from == self.now + hours(p.dispute_escalate_after_hours)
                and d.negotiation_ends_at == self.now + days(p.dispute_negotiation_days),
                f"the dispute opened on order {order_id} has the wrong dates or state: {d}",
            )
            self._check(
                after.money.released == 0 and after.money.held == after.money.refundable,
                f"PRT-4: a dispute freezes the money; order {order_id} has {after.money}",
            )

    def accept_request(self, pointer: int, aim: int, who: int) -> None:
        """DSP-4: the seller grants the buyer's request."""
        order_id = self._pick(pointer, aim, "accept_request")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, SELLER, frozenset({SELLER}), who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"accepted by {wrong}")
        d = dispute_rules(f, frozenset({"awaiting_seller"}), expect)
        expect.must_succeed("the seller accepts the request it is waited for")
        if self._attempt(
            "accept_request", f, expect, lambda: self._act(order_id, actor, "accept_request")
        ):
            assert d is not None
            self._check_carried_out(f, d.requested_kind, d.requested_amount, "accept_request")

    def contest(self, pointer: int, aim: int, who: int, files: int) -> None:
        """DSP-4: the seller disagrees, with evidence."""
        order_id = self._pick(pointer, aim, "contest")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, SELLER, frozenset({SELLER}), who, pointer)
        evidence = self._evidence(actor, order_id) if files != 7 else []
        expect = Expect()
        if wrong:
            expect.must_refuse(f"contested by {wrong}")
        dispute_rules(f, frozenset({"awaiting_seller"}), expect)
        if not evidence:
            expect.must_refuse("contesting needs evidence")
        expect.must_succeed("the seller contests with evidence")
        if self._attempt(
            "contest",
            f,
            expect,
            lambda: self._act(
                order_id, actor, "contest", message="Livré conforme.", evidence=evidence
            ),
        ):
            after = self._facts(order_id)
            d = after.dispute
            self._check(d is not None and d.state == "negotiating", f"after contest: {d}")

    def make_offer(
        self, pointer: int, aim: int, who: int, by: Role, kind: str, amount: int | None, share: int
    ) -> None:
        """DSP-4/5: a proposal, sometimes above what can still be refunded."""
        order_id = self._pick(pointer, aim, "make_offer")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, by, PARTIES, who, pointer)
        if amount is None and kind in ("partial_refund", "return_and_refund") and share:
            # a share of what is paid: 1/10 … 12/10, so often right at or above the limit
            amount = max(1, f.total * share // 10)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"offered by {wrong}")
        d = dispute_rules(f, frozenset({"awaiting_seller", *TALKING}), expect)
        if d is not None and d.state == "awaiting_seller" and by is BUYER and not wrong:
            expect.must_refuse("the buyer's request is with the seller")
        reason = d.reason if d is not None else "damaged"
        resolution_rules(f, reason, kind, amount, expect)
        expect.must_succeed("a party makes a valid offer while the dispute is talking")
        resolution: dict[str, Any] = {"kind": kind}
        if amount is not None:
            resolution["amount"] = cents_text(amount)
        if kind in ("full_refund", "reshipment") and amount is not None:
            expect.must_refuse(f"a {kind} takes no amount")
        if self._attempt(
            "make_offer",
            f,
            expect,
            lambda: self._act(
                order_id, actor, "make_offer", resolution=resolution, message="Proposition"
            ),
        ):
            after = self._facts(order_id)
            d2 = after.dispute
            assert d2 is not None
            offer = d2.pending_offer
            self._check(
                offer is not None
                and offer.by_role == by.value
                and d2.state in TALKING
                and offer.reply_by == self.now + hours(POLICY.dispute_offer_reply_hours),
                f"after make_offer on order {order_id}: {d2.state}, {offer}",
            )

    def answer_offer(self, pointer: int, aim: int, who: int, side: int, reply: int) -> None:
        """DSP-5: accepting an offer closes the dispute and carries it out; rejecting it does
        not (reply 2, 5 or 8: rejected). Answered by the party it is addressed to (side 9:
        by its author)."""
        order_id = self._pick(pointer, aim, "answer_offer")
        f = self._facts(order_id)
        accept = reply not in (2, 5, 8)
        action = "accept_offer" if accept else "reject_offer"
        pending = f.dispute.pending_offer if f.dispute is not None else None
        author = Role(pending.by_role) if pending is not None else SELLER
        by = author if side == 9 else (BUYER if author is SELLER else SELLER)
        actor, wrong = self._actor(f, by, PARTIES, who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"answered by {wrong}")
        d = dispute_rules(f, TALKING, expect)
        offer = d.pending_offer if d is not None else None
        if d is not None and d.is_open:
            if offer is None:
                expect.must_refuse("no offer waits for an answer")
            elif offer.by_role == by.value and not wrong:
                expect.must_refuse("one does not answer one's own offer")
        expect.must_succeed("the party an offer is addressed to answers it")
        if self._attempt(action, f, expect, lambda: self._act(order_id, actor, action)):
            assert offer is not None
            if accept:
                self._check_carried_out(f, offer.kind, offer.amount, "accept_offer")
            else:
                after = self._facts(order_id)
                d2 = after.dispute
                self._check(
                    d2 is not None and d2.is_open and d2.pending_offer is None,
                    f"after reject_offer on order {order_id}: {d2}",
                )

    def escalate(self, pointer: int, aim: int, who: int, by: Role) -> None:
        """DSP-6: no agreement; not before opened + 72 h."""
        order_id = self._pick(pointer, aim, "escalate")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, by, PARTIES, who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"escalated by {wrong}")
        d = dispute_rules(f, frozenset({"negotiating"}), expect)
        if d is not None and d.is_open:
            earliest = d.opened_at + hours(POLICY.dispute_escalate_after_hours)
            if self.now < earliest:
                expect.must_refuse(f"DSP-6: escalation only from {earliest.isoformat()}")
        expect.must_succeed("a party escalates a negotiation after 72 h")
        if self._attempt("escalate", f, expect, lambda: self._act(order_id, actor, "escalate")):
            after = self._facts(order_id)
            d2 = after.dispute
            self._check(d2 is not None and d2.state == "escalated", f"after escalate: {d2}")

    def withdraw(self, pointer: int, aim: int, who: int) -> None:
        order_id = self._pick(pointer, aim, "withdraw")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, BUYER, frozenset({BUYER}), who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"withdrawn by {wrong}")
        dispute_rules(f, frozenset({"awaiting_seller", *TALKING}), expect)
        expect.must_succeed("the buyer withdraws a dispute not yet decided")
        if self._attempt(
            "withdraw_dispute", f, expect, lambda: self._act(order_id, actor, "withdraw_dispute")
        ):
            after = self._facts(order_id)
            m = after.money
            self._check(
                after.dispute is not None and after.dispute.state == "withdrawn",
                f"after withdraw on order {order_id}: {after.dispute}",
            )
            if after.state == "completed":
                self._check(m.held == 0, f"a withdrawn dispute gives back what it froze: {m}")

    def provide_evidence(self, pointer: int, aim: int, who: int, by: Role, files: int) -> None:
        order_id = self._pick(pointer, aim, "provide_evidence")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, by, PARTIES, who, pointer)
        evidence = self._evidence(actor, order_id) if files != 7 else []
        expect = Expect()
        if wrong:
            expect.must_refuse(f"given by {wrong}")
        dispute_rules(f, frozenset({"awaiting_seller", *TALKING, "appealed"}), expect)
        if not evidence:
            expect.must_refuse("no file attached")
        expect.must_succeed("a party adds a file to an open case")
        self._attempt(
            "provide_evidence",
            f,
            expect,
            lambda: self._act(order_id, actor, "provide_evidence", evidence=evidence, note="Photo"),
        )

    def request_evidence(
        self, pointer: int, aim: int, who: int, party: str, given: int | None
    ) -> None:
        """DSP-6: the agent asks a party for evidence, by a date."""
        order_id = self._pick(pointer, aim, "request_evidence")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, AGENT, frozenset({AGENT}), who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"asked by {wrong}")
        # a negotiation whose window ended is escalated first, when the deadline is due
        dispute_rules(f, MEDIATION, expect, robust=False)
        if party not in ("buyer", "seller"):
            expect.must_refuse("evidence is asked of the buyer or the seller")
        if given is not None and not 1 <= given <= POLICY.dispute_evidence_max_hours:
            expect.must_refuse(f"{given} h is not 1 to {POLICY.dispute_evidence_max_hours} h")
        expect.must_succeed("the agent asks a party for evidence in a mediated case")
        params: dict[str, Any] = {"party": party, "note": "Une photo du colis, svp."}
        if given is not None:
            params["hours"] = given
        self._attempt(
            "request_evidence",
            f,
            expect,
            lambda: self._act(order_id, actor, "request_evidence", **params),
        )

    def decide(
        self, pointer: int, aim: int, who: int, favour: str, amount: int | None, share: int
    ) -> None:
        """DSP-6: the platform decides; a decision after an appeal is final."""
        order_id = self._pick(pointer, aim, "decide")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, AGENT, frozenset({AGENT}), who, pointer)
        if favour != "split" and share != 11:
            amount = None  # mostly no amount where none belongs (share 11: give one anyway)
        if favour == "split" and amount is None and share:
            amount = max(1, f.total * share // 10)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"decided by {wrong}")
        d = dispute_rules(f, MEDIATION, expect, robust=False)
        refundable = f.money.refundable
        if favour == "bogus":
            expect.must_refuse("decided for nobody")
        elif favour == "split" and (amount is None or not 0 < amount < refundable):
            expect.must_refuse(f"a split of {amount} is not between 0 and {refundable}")
        elif favour != "split" and amount is not None:
            expect.must_refuse("only a split takes an amount")
        expect.must_succeed("the agent decides a mediated case")
        params: dict[str, Any] = {"in_favour_of": favour, "note": "Décision"}
        if amount is not None:
            params["amount"] = cents_text(amount)
        if not self._attempt(
            "decide", f, expect, lambda: self._act(order_id, actor, "decide", **params)
        ):
            return
        assert d is not None
        if favour == "buyer":
            kind, value = d.requested_kind, d.requested_amount
        elif favour == "seller":
            kind, value = "no_refund", None
        else:
            kind, value = "partial_refund", amount
        if d.state == "appealed":
            self._check_carried_out(f, kind, value, "a final decision")
            return
        after = self._facts(order_id)
        d2 = after.dispute
        assert d2 is not None
        self._check(
            d2.state == "decided" and d2.appeal_by == self.now + days(POLICY.dispute_appeal_days),
            f"after decide on order {order_id}: {d2.state}, appeal by {d2.appeal_by}",
        )

    def accept_decision(self, pointer: int, aim: int, who: int, by: Role) -> None:
        """DSP-6: carried out once both parties accept it."""
        order_id = self._pick(pointer, aim, "accept_decision")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, by, PARTIES, who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"accepted by {wrong}")
        d = dispute_rules(f, frozenset({"decided"}), expect)
        if d is not None and d.state == "decided" and by.value in d.accepted_by and not wrong:
            expect.must_refuse("already accepted by this party")
        expect.must_succeed("a party accepts the decision")
        if not self._attempt(
            "accept_decision", f, expect, lambda: self._act(order_id, actor, "accept_decision")
        ):
            return
        assert d is not None and d.decision is not None
        if {*d.accepted_by, by.value} >= {"buyer", "seller"}:
            res = d.decision["resolution"]
            self._check_carried_out(f, res["kind"], res.get("amount_cents"), "both accepted")

    def appeal(self, pointer: int, aim: int, who: int, by: Role, files: int) -> None:
        """DSP-6: one appeal, with new evidence, until appeal_by."""
        order_id = self._pick(pointer, aim, "appeal")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, by, PARTIES, who, pointer)
        evidence = self._evidence(actor, order_id) if files != 7 else []
        expect = Expect()
        if wrong:
            expect.must_refuse(f"appealed by {wrong}")
        d = dispute_rules(f, frozenset({"decided"}), expect)
        if d is not None and d.state == "decided":
            if by.value in d.accepted_by and not wrong:
                expect.must_refuse("this party accepted the decision")
            if d.appealed_at is not None:
                expect.must_refuse("the one appeal has been used")
            if d.appeal_by is not None and self.now >= d.appeal_by:
                expect.must_refuse(f"the appeal window closed on {d.appeal_by.isoformat()}")
        if not evidence:
            expect.must_refuse("an appeal needs new evidence")
        expect.must_succeed("a party appeals in time with new evidence")
        if self._attempt(
            "appeal",
            f,
            expect,
            lambda: self._act(order_id, actor, "appeal", note="Nouvelle preuve", evidence=evidence),
        ):
            after = self._facts(order_id)
            d2 = after.dispute
            self._check(d2 is not None and d2.state == "appealed", f"after appeal: {d2}")
