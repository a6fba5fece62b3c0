"""Rows ↔ the order's dispute (with its offers and evidence requests) and its return.

Read and written with the order, in the order's transaction and under its row lock, so a
dispute step and its money move together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    String,
    Text,
    cast,
    literal_column,
    null,
    select,
)

from garant.domain.disputes import (
    Dispute,
    DisputeState,
    EvidenceRequest,
    Offer,
    OfferStatus,
    RequestState,
    Resolution,
    ResolutionKind,
)
from garant.domain.returns import ReturnRequest, ReturnStatus
from garant.domain.transitions import Role
from garant.store import schema as t

_DISPUTE_FIELDS = (
    "reason",
    "detail",
    "description",
    "evidence",
    "opened_at",
    "seller_answer_by",
    "seller_answered_at",
    "escalate_from",
    "negotiation_ends_at",
    "escalated_at",
    "escalated_by",
    "agent_id",
    "decision",
    "decided_at",
    "appeal_by",
    "decision_accepted_by",
    "appealed_at",
    "appealed_by",
    "appeal",
    "closed_at",
    "outcome",
    "recovered_cents",
)
_RETURN_FIELDS = (
    "dispute_id",
    "refund_cents",
    "return_address",
    "created_at",
    "ship_back_by",
    "tracking_number",
    "carrier",
    "shipped_back_at",
    "confirm_by",
    "received_at",
    "closed_at",
)


def dispute_from_row(row: Any, prefix: str) -> Dispute | None:
    """A dispute without its offers and requests, from columns named ``prefix + column``
    (``load_children`` adds those)."""
    if row[prefix + "id"] is None:
        return None
    values = {name: row[prefix + name] for name in _DISPUTE_FIELDS}
    values["evidence"] = list(values["evidence"] or [])
    values["decision_accepted_by"] = list(values["decision_accepted_by"] or [])
    return Dispute(
        id=row[prefix + "id"],
        state=DisputeState(row[prefix + "state"]),
        requested=Resolution(
            ResolutionKind(row[prefix + "requested_kind"]),
            row[prefix + "requested_amount_cents"],
        ),
        **values,
    )


def return_from_row(row: Any, prefix: str) -> ReturnRequest | None:
    if row[prefix + "id"] is None:
        return None
    values = {name: row[prefix + name] for name in _RETURN_FIELDS}
    return ReturnRequest(
        id=row[prefix + "id"], status=ReturnStatus(row[prefix + "status"]), **values
    )


def load_children(conn: Connection, disputes: Sequence[Dispute]) -> None:
    """The offers and evidence requests of these disputes, in one statement for all of
    them (a ``UNION ALL`` of the two tables in one shape); none when there is no dispute."""
    by_id = {int(d.id): d for d in disputes if d.id is not None}
    if not by_id:
        return
    of, er = t.dispute_offers, t.evidence_requests
    ids = sorted(by_id)
    offers = select(
        literal_column("'offer'", String).label("src"),
        of.c.dispute_id,
        of.c.id,
        of.c.seq,
        of.c.by_role.label("role"),
        of.c.by_id.label("by_id"),
        of.c.kind,
        of.c.amount_cents,
        of.c.message.label("text"),
        of.c.evidence,
        of.c.made_at.label("at"),
        of.c.reply_by.label("due_at"),
        of.c.status,
        of.c.answered_at,
        cast(null(), Text).label("answer"),
    ).where(of.c.dispute_id.in_(ids))
    requests = select(
        literal_column("'request'", String),
        er.c.dispute_id,
        er.c.id,
        er.c.seq,
        er.c.party,
        er.c.asked_by,
        cast(null(), String),
        cast(null(), BigInteger),
        er.c.note,
        er.c.evidence,
        er.c.asked_at,
        er.c.due_at,
        er.c.status,
        er.c.answered_at,
        er.c.answer,
    ).where(er.c.dispute_id.in_(ids))
    for d in by_id.values():
        d.offers, d.requests = [], []
    rows = conn.execute(offers.union_all(requests)).mappings().all()
    for r in sorted(rows, key=lambda r: (r["src"], r["dispute_id"], r["seq"])):
        d = by_id[int(r["dispute_id"])]
        if r["src"] == "offer":
            d.offers.append(
                Offer(
                    id=r["id"],
                    seq=r["seq"],
                    by_role=Role(r["role"]),
                    by_id=r["by_id"],
                    resolution=Resolution(ResolutionKind(r["kind"]), r["amount_cents"]),
                    message=r["text"],
                    evidence=list(r["evidence"] or []),
                    made_at=r["at"],
                    reply_by=r["due_at"],
                    status=OfferStatus(r["status"]),
                    answered_at=r["answered_at"],
                )
            )
        else:
            d.requests.append(
                EvidenceRequest(
                    id=r["id"],
                    seq=r["seq"],
                    party=Role(r["role"]),
                    asked_by=r["by_id"],
                    note=r["text"],
                    asked_at=r["at"],
                    due_at=r["due_at"],
                    status=RequestState(r["status"]),
                    answered_at=r["answered_at"],
                    answer=r["answer"],
                    evidence=list(r["evidence"] or []),
                )
            )


def dispute_values(dispute: Dispute) -> dict[str, Any]:
    """The dispute's row (without its order id), as the unit of work writes it."""
    values: dict[str, Any] = {name: getattr(dispute, name) for name in _DISPUTE_FIELDS}
    values["evidence"] = list(dispute.evidence)
    values["decision_accepted_by"] = list(dispute.decision_accepted_by)
    values["state"] = dispute.state.value
    values["requested_kind"] = dispute.requested.kind.value
    values["requested_amount_cents"] = dispute.requested.amount_cents
    return values


def return_values(rr: ReturnRequest) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(rr, name) for name in _RETURN_FIELDS}
    values["status"] = rr.status.value
    return values


def seller_return_address(conn: Connection, seller_id: int) -> str | None:
    found = conn.execute(
        select(t.users.c.return_address).where(t.users.c.id == seller_id)
    ).scalar()
    return str(found) if found else None
