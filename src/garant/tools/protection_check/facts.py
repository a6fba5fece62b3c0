"""Orders and disputes read back from the database, as the model reasons about them: the money
summed over the double entries (PRT-6), the dates, the offers, the deadlines due. The model
works from these rows and the policy's numbers, never from the domain's own answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text

from garant.store import schema as t
from garant.tools.protection_check.vocab import OPEN_DISPUTE, POLICY, days

_BALANCES = text(
    """
    SELECT order_id, account, SUM(amount) AS balance FROM (
        SELECT order_id, credit_account AS account, amount_cents AS amount FROM ledger_entries
        UNION ALL
        SELECT order_id, debit_account AS account, -amount_cents AS amount FROM ledger_entries
    ) AS moves
    GROUP BY order_id, account
    """
)


@dataclass
class Money:
    """An order's accounts, summed by the database over the double entries (PRT-6)."""

    paid: int = 0
    held: int = 0
    released: int = 0
    refunded: int = 0
    clearing: int = 0
    refund_rows: int = 0
    refund_rows_total: int = 0
    largest_refund_row: int = 0

    @property
    def refundable(self) -> int:
        return self.paid - self.refunded


def money_by_order(conn: Any) -> dict[int, Money]:
    out: dict[int, Money] = {}
    accounts = {
        "buyer_payment": "paid",
        "escrow": "held",
        "seller": "released",
        "buyer_refund": "refunded",
        "clearing": "clearing",
    }
    for r in conn.execute(_BALANCES):
        m = out.setdefault(int(r.order_id), Money())
        name = accounts[r.account]
        value = int(r.balance)
        setattr(m, name, -value if name == "paid" else value)
    refunds = conn.execute(
        select(
            t.refunds.c.order_id,
            func.count(),
            func.sum(t.refunds.c.amount_cents),
            func.max(t.refunds.c.amount_cents),
        ).group_by(t.refunds.c.order_id)
    )
    for order_id, count, total, largest in refunds:
        m = out.setdefault(int(order_id), Money())
        m.refund_rows, m.refund_rows_total, m.largest_refund_row = (
            int(count),
            int(total),
            int(largest),
        )
    return out


@dataclass
class OfferFacts:
    seq: int
    by_role: str
    kind: str
    amount: int | None
    status: str
    reply_by: datetime | None


@dataclass
class DisputeFacts:
    id: int
    state: str
    reason: str
    requested_kind: str
    requested_amount: int | None
    opened_at: datetime
    seller_answer_by: datetime
    escalate_from: datetime
    negotiation_ends_at: datetime
    decided_at: datetime | None
    appeal_by: datetime | None
    appealed_at: datetime | None
    accepted_by: list[str]
    decision: dict[str, Any] | None
    outcome: dict[str, Any] | None
    closed_at: datetime | None
    evidence: list[int]
    offers: list[OfferFacts] = field(default_factory=list)
    open_requests: list[datetime] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_DISPUTE

    @property
    def pending_offer(self) -> OfferFacts | None:
        pending = [o for o in self.offers if o.status == "pending"]
        return pending[-1] if pending else None


@dataclass
class Facts:
    """One order as the database holds it, read before and after an attempt."""

    id: int
    now: datetime
    state: str
    total: int
    buyer_id: int
    seller_id: int
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    category: str
    is_choice: bool
    protection_ends_at: datetime | None
    previous_numbers: list[str]
    money: Money
    disputes: list[DisputeFacts]  # oldest first
    cancellation_open: bool
    return_status: str | None
    return_refund: int | None
    due: list[str]  # deadlines pending (or claimed) whose time has come

    @property
    def dispute(self) -> DisputeFacts | None:
        return self.disputes[-1] if self.disputes else None

    @property
    def open_dispute(self) -> DisputeFacts | None:
        d = self.dispute
        return d if d is not None and d.is_open else None

    def protection_end(self) -> datetime | None:
        """PRT-2: purchase + the category's period; a reshipment agreed in a dispute starts it
        again (Garant's choice)."""
        if self.paid_at is None:
            return None
        start = self.paid_at
        for d in self.disputes:
            if d.outcome and d.outcome.get("kind") == "reshipment" and d.closed_at:
                start = d.closed_at
        period = POLICY.protection_days.get(self.category, POLICY.protection_days["default"])
        return start + days(period)

    def window_closes(self) -> datetime | None:
        """PRT-4: 15 days after the delivery, or 15 days after the protection period when
        the parcel never arrived."""
        if self.shipped_at is None:
            return None
        if self.delivered_at is not None:
            return self.delivered_at + days(POLICY.dispute_after_delivery_days)
        end = self.protection_end()
        assert end is not None
        return end + days(POLICY.dispute_after_protection_days)


def read_facts(conn: Any, order_id: int, now: datetime) -> Facts:
    o = conn.execute(select(t.orders).where(t.orders.c.id == order_id)).mappings().one()
    money = money_by_order_one(conn, order_id)
    disputes = [
        DisputeFacts(
            id=int(r["id"]),
            state=r["state"],
            reason=r["reason"],
            requested_kind=r["requested_kind"],
            requested_amount=r["requested_amount_cents"],
            opened_at=r["opened_at"],
            seller_answer_by=r["seller_answer_by"],
            escalate_from=r["escalate_from"],
            negotiation_ends_at=r["negotiation_ends_at"],
            decided_at=r["decided_at"],
            appeal_by=r["appeal_by"],
            appealed_at=r["appealed_at"],
            accepted_by=list(r["decision_accepted_by"] or []),
            decision=r["decision"],
            outcome=r["outcome"],
            closed_at=r["closed_at"],
            evidence=list(r["evidence"] or []),
        )
        for r in conn.execute(
            select(t.disputes).where(t.disputes.c.order_id == order_id).order_by(t.disputes.c.id)
        ).mappings()
    ]
    if disputes:
        last = disputes[-1]
        last.offers = [
            OfferFacts(r.seq, r.by_role, r.kind, r.amount_cents, r.status, r.reply_by)
            for r in conn.execute(
                select(t.dispute_offers)
                .where(t.dispute_offers.c.dispute_id == last.id)
                .order_by(t.dispute_offers.c.seq)
            )
        ]
        last.open_requests = [
            r.due_at
            for r in conn.execute(
                select(t.evidence_requests.c.due_at).where(
                    t.evidence_requests.c.dispute_id == last.id,
                    t.evidence_requests.c.status == "open",
                )
            )
        ]
    cancellation = conn.execute(
        select(t.cancellation_requests.c.status)
        .where(t.cancellation_requests.c.order_id == order_id)
        .order_by(t.cancellation_requests.c.id.desc())
        .limit(1)
    ).scalar()
    ret = conn.execute(
        select(t.returns.c.status, t.returns.c.refund_cents)
        .where(t.returns.c.order_id == order_id)
        .order_by(t.returns.c.id.desc())
        .limit(1)
    ).first()
    due = [
        str(k)
        for k in conn.execute(
            select(t.deadlines.c.kind).where(
                t.deadlines.c.order_id == order_id,
                t.deadlines.c.status.in_(("pending", "claimed")),
                t.deadlines.c.due_at <= now,
            )
        ).scalars()
    ]
    return Facts(
        id=order_id,
        now=now,
        state=o["state"],
        total=int(o["total_cents"]),
        buyer_id=int(o["buyer_id"]),
        seller_id=int(o["seller_id"]),
        paid_at=o["paid_at"],
        shipped_at=o["shipped_at"],
        delivered_at=o["delivered_at"],
        category=o["product_category"],
        is_choice=bool(o["is_choice"]),
        protection_ends_at=o["protection_ends_at"],
        previous_numbers=list(o["previous_tracking_numbers"] or []),
        money=money,
        disputes=disputes,
        cancellation_open=cancellation == "open",
        return_status=ret.status if ret else None,
        return_refund=int(ret.refund_cents) if ret else None,
        due=due,
    )


def money_by_order_one(conn: Any, order_id: int) -> Money:
    m = Money()
    accounts = {
        "buyer_payment": "paid",
        "escrow": "held",
        "seller": "released",
        "buyer_refund": "refunded",
        "clearing": "clearing",
    }
    rows = conn.execute(
        text(
            "SELECT account, SUM(amount) AS balance FROM ("
            " SELECT credit_account AS account, amount_cents AS amount FROM ledger_entries"
            "  WHERE order_id = :o"
            " UNION ALL"
            " SELECT debit_account AS account, -amount_cents AS amount FROM ledger_entries"
            "  WHERE order_id = :o) AS moves GROUP BY account"
        ),
        {"o": order_id},
    )
    for r in rows:
        name = accounts[r.account]
        setattr(m, name, -int(r.balance) if name == "paid" else int(r.balance))
    count, total, largest = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(t.refunds.c.amount_cents), 0),
            func.coalesce(func.max(t.refunds.c.amount_cents), 0),
        ).where(t.refunds.c.order_id == order_id)
    ).one()
    m.refund_rows, m.refund_rows_total, m.largest_refund_row = int(count), int(total), int(largest)
    return m
