"""The dispute (DSP-2..7): reasons, resolutions, offers, escalation, the platform's decision.

A dispute belongs to an order and lives inside the order aggregate (one row lock, one
timeline, one ledger): ``order_disputes.py`` (the steps) and ``order_protection.py`` (the
money and outcomes) apply what a dispute step means for the order. Here is the dispute's own
state machine — one table of (state, action) → next state, as for orders — and its data.
Nothing here reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from garant.domain.errors import IllegalTransition, InvalidInput, RoleNotAllowed
from garant.domain.money import parse_amount, to_str
from garant.domain.transitions import Role


@dataclass(frozen=True)
class Label:
    code: str
    fr: str
    en: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "fr": self.fr, "en": self.en}


# DSP-2: the reasons, with the details a buyer picks for some of them.
REASONS: dict[str, Label] = {
    r.code: r
    for r in (
        Label("not_received", "Colis non reçu", "Parcel not received"),
        Label(
            "delivered_not_received",
            "Indiqué livré mais non reçu",
            "Shown as delivered but not received",
        ),
        Label("damaged", "Article endommagé", "Item damaged"),
        Label("defective", "Article défectueux", "Item defective"),
        Label("not_as_described", "Non conforme à la description", "Not as described"),
        Label("wrong_item", "Mauvais article reçu", "Wrong item received"),
        Label("payment_problem", "Problème de paiement", "Payment problem"),
    )
}
DETAILS: dict[str, dict[str, Label]] = {
    "not_as_described": {
        d.code: d
        for d in (
            Label("colour", "Couleur", "Colour"),
            Label("size", "Taille", "Size"),
            Label("model", "Modèle", "Model"),
            Label("other", "Autre différence", "Other difference"),
        )
    },
    "payment_problem": {
        d.code: d
        for d in (
            Label("unauthorised_fee", "Frais non autorisés", "Unauthorised fee"),
            Label("overcharge", "Montant prélevé trop élevé", "Overcharged"),
        )
    },
}
# Reasons about the item in hand: it can be sent back.
ITEM_IN_HAND = frozenset({"damaged", "defective", "not_as_described", "wrong_item"})


class ResolutionKind(StrEnum):
    FULL_REFUND = "full_refund"
    PARTIAL_REFUND = "partial_refund"
    RESHIPMENT = "reshipment"
    RETURN_AND_REFUND = "return_and_refund"
    NO_REFUND = "no_refund"  # only the platform's decision for the seller


RESOLUTION_LABELS = {
    ResolutionKind.FULL_REFUND: Label("full_refund", "Remboursement intégral", "Full refund"),
    ResolutionKind.PARTIAL_REFUND: Label(
        "partial_refund", "Remboursement partiel", "Partial refund"
    ),
    ResolutionKind.RESHIPMENT: Label("reshipment", "Renvoi de l'article", "Reshipment"),
    ResolutionKind.RETURN_AND_REFUND: Label(
        "return_and_refund", "Retour et remboursement", "Return and refund"
    ),
    ResolutionKind.NO_REFUND: Label("no_refund", "Pas de remboursement", "No refund"),
}
ASKABLE = tuple(k for k in ResolutionKind if k is not ResolutionKind.NO_REFUND)


@dataclass(frozen=True)
class Resolution:
    kind: ResolutionKind
    amount_cents: int | None = None  # partial refunds; a return's refund (None: in full)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "amount": None if self.amount_cents is None else to_str(self.amount_cents),
            "amount_cents": self.amount_cents,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Resolution:
        return cls(ResolutionKind(data["kind"]), data.get("amount_cents"))


def parse_resolution(raw: object, *, paid_cents: int, refunded_cents: int) -> Resolution:
    """A resolution asked or offered by a party: a kind, and an amount where one applies.
    An amount above what can still be refunded is refused (PRT-6), not capped."""
    if not isinstance(raw, dict):
        raise InvalidInput(
            'resolution: give {"kind": …} with kind one of: ' + ", ".join(ASKABLE),
            field="resolution",
        )
    try:
        kind = ResolutionKind(str(raw.get("kind", "")))
    except ValueError:
        kind = None
    if kind is None or kind is ResolutionKind.NO_REFUND:
        raise InvalidInput(
            f"resolution: unknown kind '{raw.get('kind')}'; use one of: {', '.join(ASKABLE)}",
            field="resolution.kind",
        )
    refundable = paid_cents - refunded_cents
    amount = raw.get("amount")
    if kind is ResolutionKind.PARTIAL_REFUND:
        if amount is None:
            raise InvalidInput("a partial refund needs an amount", field="resolution.amount")
        cents = parse_amount(amount, field="resolution.amount", allow_zero=False)
        if cents >= refundable:
            raise InvalidInput(
                f"a partial refund must be below what can be refunded ({to_str(refundable)} "
                f"EUR of {to_str(paid_cents)} EUR paid); ask for a full refund instead",
                field="resolution.amount",
                paid=to_str(paid_cents),
                refundable=to_str(refundable),
            )
        return Resolution(kind, cents)
    if kind is ResolutionKind.RETURN_AND_REFUND and amount is not None:
        cents = parse_amount(amount, field="resolution.amount", allow_zero=False)
        if cents > refundable:
            raise InvalidInput(
                f"the refund after the return ({to_str(cents)} EUR) is above what can be "
                f"refunded ({to_str(refundable)} EUR of {to_str(paid_cents)} EUR paid)",
                field="resolution.amount",
                paid=to_str(paid_cents),
                refundable=to_str(refundable),
            )
        return Resolution(kind, cents)
    if amount is not None:
        raise InvalidInput(f"a {kind.value} takes no amount", field="resolution.amount")
    return Resolution(kind)


class DisputeState(StrEnum):
    AWAITING_SELLER = "awaiting_seller"  # the buyer's request waits for the seller's answer
    NEGOTIATING = "negotiating"  # offers go back and forth
    ESCALATED = "escalated"  # the platform mediates (an agent's queue)
    DECIDED = "decided"  # the platform decided; the appeal window runs
    APPEALED = "appealed"  # one appeal, decided again, finally
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"


STATE_LABELS = {
    DisputeState.AWAITING_SELLER: Label(
        "awaiting_seller", "En attente de la réponse du vendeur", "Waiting for the seller"
    ),
    DisputeState.NEGOTIATING: Label("negotiating", "Négociation en cours", "Negotiating"),
    DisputeState.ESCALATED: Label(
        "escalated", "Médiation par la plateforme", "Mediation by the platform"
    ),
    DisputeState.DECIDED: Label(
        "decided", "Décision rendue (appel possible)", "Decided (appeal possible)"
    ),
    DisputeState.APPEALED: Label("appealed", "En appel", "Under appeal"),
    DisputeState.RESOLVED: Label("resolved", "Litige clos", "Dispute closed"),
    DisputeState.WITHDRAWN: Label("withdrawn", "Litige retiré", "Dispute withdrawn"),
}

OPEN_STATES = frozenset(
    {
        DisputeState.AWAITING_SELLER,
        DisputeState.NEGOTIATING,
        DisputeState.ESCALATED,
        DisputeState.DECIDED,
        DisputeState.APPEALED,
    }
)
MEDIATION = frozenset({DisputeState.ESCALATED, DisputeState.APPEALED})


class DisputeAction(StrEnum):
    OPEN = "open_dispute"
    ACCEPT_REQUEST = "accept_request"
    MAKE_OFFER = "make_offer"
    CONTEST = "contest"
    ACCEPT_OFFER = "accept_offer"
    REJECT_OFFER = "reject_offer"
    ESCALATE = "escalate"
    WITHDRAW = "withdraw_dispute"
    PROVIDE_EVIDENCE = "provide_evidence"
    TAKE_CASE = "take_case"
    REQUEST_EVIDENCE = "request_evidence"
    DECIDE = "decide"
    ACCEPT_DECISION = "accept_decision"
    APPEAL = "appeal"
    # the worker's, at deadlines
    GRANT_BY_DEFAULT = "grant_by_default"
    EXPIRE_OFFER = "expire_offer"
    AUTO_ESCALATE = "auto_escalate"
    MARK_EVIDENCE_OVERDUE = "mark_evidence_overdue"
    FINALIZE_DECISION = "finalize_decision"


@dataclass(frozen=True)
class DisputeRule:
    sources: frozenset[DisputeState]
    roles: frozenset[Role]
    target: DisputeState | None  # None: the state stays
    meaning: str


D = DisputeState
PARTIES = frozenset({Role.BUYER, Role.SELLER})
AGENTS = frozenset({Role.AGENT})
SYSTEM = frozenset({Role.SYSTEM})
TALKING = frozenset({D.NEGOTIATING, D.ESCALATED})


def _d(sources: set[DisputeState] | frozenset[DisputeState], roles: frozenset[Role],
       target: DisputeState | None, meaning: str) -> DisputeRule:  # fmt: skip
    return DisputeRule(frozenset(sources), roles, target, meaning)


DISPUTE_TRANSITIONS: dict[DisputeAction, DisputeRule] = {
    DisputeAction.ACCEPT_REQUEST: _d(
        {D.AWAITING_SELLER},
        frozenset({Role.SELLER}),
        D.RESOLVED,
        "DSP-4: the seller grants the buyer's request; carried out at once",
    ),
    DisputeAction.MAKE_OFFER: _d(
        {D.AWAITING_SELLER, *TALKING},
        PARTIES,
        D.NEGOTIATING,
        "DSP-4/5: a proposal to the other party, answered by its deadline",
    ),
    DisputeAction.CONTEST: _d(
        {D.AWAITING_SELLER},
        frozenset({Role.SELLER}),
        D.NEGOTIATING,
        "DSP-4: the seller disagrees, with evidence",
    ),
    DisputeAction.ACCEPT_OFFER: _d(
        TALKING, PARTIES, D.RESOLVED, "DSP-5: agreement; the offer is carried out at once"
    ),
    DisputeAction.REJECT_OFFER: _d(TALKING, PARTIES, None, "DSP-5: the offer is refused"),
    DisputeAction.ESCALATE: _d(
        {D.NEGOTIATING}, PARTIES, D.ESCALATED, "DSP-6: no agreement; the platform mediates"
    ),
    DisputeAction.WITHDRAW: _d(
        {D.AWAITING_SELLER, *TALKING},
        frozenset({Role.BUYER}),
        D.WITHDRAWN,
        "the buyer closes the dispute without remedy",
    ),
    DisputeAction.PROVIDE_EVIDENCE: _d(
        {D.AWAITING_SELLER, *TALKING, D.APPEALED},
        PARTIES,
        None,
        "DSP-3: photos, videos, documents added to the case",
    ),
    DisputeAction.TAKE_CASE: _d(MEDIATION, AGENTS, None, "an agent takes the case"),
    DisputeAction.REQUEST_EVIDENCE: _d(
        MEDIATION, AGENTS, None, "DSP-6: the agent asks a party for evidence, by a date"
    ),
    DisputeAction.DECIDE: _d(
        MEDIATION,
        AGENTS,
        D.DECIDED,
        "DSP-6: the platform decides (buyer, seller or split); final after an appeal",
    ),
    DisputeAction.ACCEPT_DECISION: _d(
        {D.DECIDED}, PARTIES, None, "DSP-6: carried out once both parties accept it"
    ),
    DisputeAction.APPEAL: _d(
        {D.DECIDED}, PARTIES, D.APPEALED, "one appeal, with new evidence, within the window"
    ),
    DisputeAction.GRANT_BY_DEFAULT: _d(
        {D.AWAITING_SELLER},
        SYSTEM,
        D.RESOLVED,
        "DSP-4: the seller did not answer in time; the buyer's request is granted",
    ),
    DisputeAction.EXPIRE_OFFER: _d(TALKING, SYSTEM, None, "DSP-5: the offer was not answered"),
    DisputeAction.AUTO_ESCALATE: _d(
        {D.NEGOTIATING}, SYSTEM, D.ESCALATED, "DSP-6: the negotiation window ended"
    ),
    DisputeAction.MARK_EVIDENCE_OVERDUE: _d(
        MEDIATION, SYSTEM, None, "the evidence asked for did not come in time"
    ),
    DisputeAction.FINALIZE_DECISION: _d(
        {D.DECIDED}, SYSTEM, D.RESOLVED, "no appeal in time; the decision is carried out"
    ),
}


class OfferStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    COUNTERED = "countered"  # the other party answered with an offer of its own
    SUPERSEDED = "superseded"  # its author replaced it
    EXPIRED = "expired"
    CLOSED = "closed"  # the dispute ended another way


@dataclass
class Offer:
    seq: int
    by_role: Role
    by_id: int | None
    resolution: Resolution
    message: str
    evidence: list[int]
    made_at: datetime
    reply_by: datetime | None
    status: OfferStatus = OfferStatus.PENDING
    answered_at: datetime | None = None
    id: int | None = None

    @property
    def to_role(self) -> Role:
        return Role.SELLER if self.by_role is Role.BUYER else Role.BUYER


class RequestState(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    OVERDUE = "overdue"
    CLOSED = "closed"


@dataclass
class EvidenceRequest:
    seq: int
    party: Role
    asked_by: int | None
    note: str
    asked_at: datetime
    due_at: datetime
    status: RequestState = RequestState.OPEN
    answered_at: datetime | None = None
    answer: str | None = None
    evidence: list[int] = field(default_factory=list)
    id: int | None = None


class Favour(StrEnum):
    BUYER = "buyer"  # the buyer's request
    SELLER = "seller"  # no refund
    SPLIT = "split"  # a partial refund of the amount decided


@dataclass
class Dispute:
    reason: str
    detail: str | None
    description: str
    requested: Resolution
    evidence: list[int]
    opened_at: datetime
    seller_answer_by: datetime
    escalate_from: datetime
    negotiation_ends_at: datetime
    state: DisputeState = DisputeState.AWAITING_SELLER
    seller_answered_at: datetime | None = None
    escalated_at: datetime | None = None
    escalated_by: str | None = None
    agent_id: int | None = None
    decision: dict[str, Any] | None = None
    decided_at: datetime | None = None
    appeal_by: datetime | None = None
    decision_accepted_by: list[str] = field(default_factory=list)
    appealed_at: datetime | None = None
    appealed_by: str | None = None
    appeal: dict[str, Any] | None = None
    closed_at: datetime | None = None
    outcome: dict[str, Any] | None = None
    recovered_cents: int = 0
    offers: list[Offer] = field(default_factory=list)
    requests: list[EvidenceRequest] = field(default_factory=list)
    id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def pending_offer(self) -> Offer | None:
        for offer in reversed(self.offers):
            if offer.status is OfferStatus.PENDING:
                return offer
        return None

    def all_evidence(self) -> list[int]:
        """Every file given in the dispute (opening, offers, answers to evidence requests,
        appeal), first mention first."""
        ids = [*self.evidence]
        for offer in self.offers:
            ids += offer.evidence
        for req in self.requests:
            ids += req.evidence
        return list(dict.fromkeys(ids))

    def open_requests(self, party: Role | None = None) -> list[EvidenceRequest]:
        return [
            r
            for r in self.requests
            if r.status is RequestState.OPEN and (party is None or r.party is party)
        ]

    # ------------------------------------------------------------------ what may happen

    def _guard(self, action: DisputeAction, role: Role, user_id: int | None,
               now: datetime) -> str | None:  # fmt: skip
        """Why an action, legal in this state for this role, cannot be taken now."""
        offer = self.pending_offer
        if action in (DisputeAction.ACCEPT_OFFER, DisputeAction.REJECT_OFFER):
            if offer is None:
                return "there is no offer waiting for an answer"
            if offer.to_role is not role:
                return "this offer is yours; wait for the other party's answer"
        if (
            action is DisputeAction.MAKE_OFFER
            and self.state is DisputeState.AWAITING_SELLER
            and role is Role.BUYER
        ):
            return "your request is with the seller; wait for the answer"
        if action is DisputeAction.ESCALATE and now < self.escalate_from:
            return f"escalation is possible from {self.escalate_from.isoformat()}"
        if action is DisputeAction.TAKE_CASE and self.agent_id == user_id:
            return "the case is already yours"
        if action is DisputeAction.ACCEPT_DECISION and role.value in self.decision_accepted_by:
            return "you have already accepted the decision"
        if action is DisputeAction.APPEAL:
            if role.value in self.decision_accepted_by:
                return "you accepted the decision"
            if self.appealed_at is not None:
                return "the one appeal has been used"
            # At appeal_by the decision is due to be carried out: the window is closed.
            if self.appeal_by is not None and now >= self.appeal_by:
                return f"the appeal window closed on {self.appeal_by.isoformat()}"
        return None

    def allowed_actions(self, role: Role, user_id: int | None, now: datetime) -> list[str]:
        return [
            action.value
            for action, rule in DISPUTE_TRANSITIONS.items()
            if self.state in rule.sources
            and role in rule.roles
            and self._guard(action, role, user_id, now) is None
        ]

    def require(self, action: DisputeAction, role: Role, user_id: int | None,
                now: datetime) -> None:  # fmt: skip
        rule = DISPUTE_TRANSITIONS[action]
        allowed = self.allowed_actions(role, user_id, now)
        if action.value in allowed:
            return
        state = self.state.value
        if role not in rule.roles:
            no_role = f"a {role.value} cannot do this"
            raise RoleNotAllowed(action.value, state, allowed, why=no_role, subject="dispute")
        why = self._guard(action, role, user_id, now) if self.state in rule.sources else None
        if not self.is_open:
            why = "the dispute is closed; nothing more can be done on it"
        raise IllegalTransition(action.value, state, allowed, why=why, subject="dispute")

    def move(self, action: DisputeAction) -> None:
        target = DISPUTE_TRANSITIONS[action].target
        if target is not None:
            self.state = target

    def due(self) -> dict[str, datetime]:
        """What happens by itself, and when (the order turns these into deadline rows)."""
        out: dict[str, datetime] = {}
        if self.state is DisputeState.AWAITING_SELLER:
            out["dispute_seller_answer"] = self.seller_answer_by
        offer = self.pending_offer
        if offer is not None and offer.reply_by is not None and self.state in TALKING:
            out["dispute_offer_reply"] = offer.reply_by
        if self.state is DisputeState.NEGOTIATING:
            out["dispute_escalation"] = self.negotiation_ends_at
        if self.state in MEDIATION and self.open_requests():
            out["dispute_evidence_due"] = min(r.due_at for r in self.open_requests())
        if self.state is DisputeState.DECIDED and self.appeal_by is not None:
            out["dispute_appeal_window"] = self.appeal_by
        return out

    def party_deadlines(self, role: Role) -> list[dict[str, Any]]:
        """PayPal-style: what this party must do, by when (DESIGN)."""
        out: list[dict[str, Any]] = []
        if self.state is DisputeState.AWAITING_SELLER and role in (Role.SELLER, Role.BUYER):
            out.append(
                {
                    "what": "seller_answer",
                    "who": "seller",
                    "due_at": self.seller_answer_by,
                    "then": "the buyer's request is granted",
                }
            )
        offer = self.pending_offer
        if offer is not None and offer.reply_by is not None and self.state in TALKING:
            out.append(
                {
                    "what": "offer_reply",
                    "who": offer.to_role.value,
                    "due_at": offer.reply_by,
                    "then": "the offer lapses",
                }
            )
        if self.state is DisputeState.NEGOTIATING:
            out.append(
                {
                    "what": "negotiation_end",
                    "who": "both",
                    "due_at": self.negotiation_ends_at,
                    "then": "the platform mediates",
                }
            )
            out.append(
                {
                    "what": "escalation_possible",
                    "who": "both",
                    "due_at": self.escalate_from,
                    "then": "either party may ask the platform to mediate",
                }
            )
        for r in self.open_requests():
            out.append(
                {
                    "what": "evidence",
                    "who": r.party.value,
                    "due_at": r.due_at,
                    "then": "the platform decides without it",
                }
            )
        if self.state is DisputeState.DECIDED and self.appeal_by is not None:
            out.append(
                {
                    "what": "appeal",
                    "who": "both",
                    "due_at": self.appeal_by,
                    "then": "the decision is carried out",
                }
            )
        return out

    def next_seq(self, items: list[Any]) -> int:
        return max((i.seq for i in items), default=0) + 1

    def close_pending(self, now: datetime, status: OfferStatus = OfferStatus.CLOSED) -> None:
        for offer in self.offers:
            if offer.status is OfferStatus.PENDING:
                offer.status = status
                offer.answered_at = now
        for req in self.requests:
            if req.status is RequestState.OPEN:
                req.status = RequestState.CLOSED
