"""Factories and SQL-level checks for integration tests (both databases).

Everything here reads the database directly (never the domain's own sums), so a test that
uses these helpers checks what was really stored.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text

from garant.app import Garant
from garant.carriers.numbers import s10_check_digit
from garant.domain.orders import Actor
from garant.services import orders as order_service
from garant.services.deadlines import SweepStats, sweep
from garant.services.users import create_user
from garant.store import schema as t

_serial = itertools.count(1)


# ----------------------------------------------------------------------------- people


def make_user(app: Garant, role: str, name: str | None = None) -> Actor:
    """A user of the given role (buyer, seller, agent, operator), as an Actor."""
    n = next(_serial)
    user = create_user(
        app, name=name or f"{role.title()} {n}", email=f"{role}{n}@example.test", role=role
    )
    return Actor(user.role, user.id)


def make_buyer(app: Garant) -> Actor:
    return make_user(app, "buyer")


def make_seller(app: Garant) -> Actor:
    return make_user(app, "seller")


def make_agent(app: Garant) -> Actor:
    return make_user(app, "agent")


def make_operator(app: Garant) -> Actor:
    return make_user(app, "operator")


@dataclass(frozen=True)
class Parties:
    buyer: Actor
    seller: Actor
    agent: Actor
    operator: Actor


def make_parties(app: Garant) -> Parties:
    return Parties(make_buyer(app), make_seller(app), make_agent(app), make_operator(app))


# ----------------------------------------------------------------------------- orders


def create_order(
    app: Garant,
    p: Parties,
    *,
    total: str = "25.00",
    shipping_method: str = "aliexpress_standard",
    buyer: Actor | None = None,
    coupons: list[dict[str, Any]] | None = None,
    checkout_id: str | None = None,
    **extra: Any,
) -> int:
    """An unpaid order (state received) placed by the marketplace's integration."""
    buyer_id = (buyer or p.buyer).user_id
    assert buyer_id is not None and p.seller.user_id is not None
    return order_service.create_order(
        app,
        actor=p.operator,
        buyer_id=buyer_id,
        seller_id=p.seller.user_id,
        items=[{"sku": "SKU-1", "title": "Lampe", "quantity": 1, "unit_price": total}],
        total=total,
        shipping_method=shipping_method,
        coupons_used=coupons,
        checkout_id=checkout_id,
        **extra,
    )


def pay(app: Garant, p: Parties, order_id: int, *, verified: bool = True) -> None:
    cents = int(order_row(app, order_id)["total_cents"])
    act(
        app,
        order_id,
        p.operator,
        "pay",
        amount=f"{cents // 100}.{cents % 100:02d}",
        verified=verified,
    )


def create_paid_order(app: Garant, p: Parties, *, verified: bool = True, **kw: Any) -> int:
    """Paid (and by default verified: state paid, ship-by running)."""
    order_id = create_order(app, p, **kw)
    pay(app, p, order_id, verified=verified)
    return order_id


def act(app: Garant, order_id: int, actor: Actor, action: str, **params: Any) -> None:
    """``perform`` one action, then check PRT-6 on what the database now holds."""
    order_service.perform(app, order_id=order_id, actor=actor, action=action, params=params)
    assert_ledger_balanced(app, order_id)


def sweep_checked(app: Garant, worker: str = "w1") -> SweepStats:
    """One sweep; then PRT-6 holds for every order."""
    stats = sweep(app, worker)
    for order_id in all_order_ids(app):
        assert_ledger_balanced(app, order_id)
    return stats


def s10_number(serial8: str = "12345678", prefix: str = "RR", country: str = "CN") -> str:
    """A valid UPU S10 tracking number (check digit computed)."""
    return f"{prefix}{serial8}{s10_check_digit(serial8)}{country}"


# ----------------------------------------------------------------------------- reading rows


def all_order_ids(app: Garant) -> list[int]:
    with app.engine.connect() as conn:
        return [
            int(i) for i in conn.execute(select(t.orders.c.id).order_by(t.orders.c.id)).scalars()
        ]


def order_row(app: Garant, order_id: int) -> dict[str, Any]:
    with app.engine.connect() as conn:
        row = conn.execute(select(t.orders).where(t.orders.c.id == order_id)).mappings().one()
    return dict(row)


def timeline_actions(app: Garant, order_id: int) -> list[str]:
    with app.engine.connect() as conn:
        return list(
            conn.execute(
                select(t.timeline.c.action)
                .where(t.timeline.c.order_id == order_id)
                .order_by(t.timeline.c.id)
            ).scalars()
        )


def outbox_topics(app: Garant, order_id: int) -> list[str]:
    with app.engine.connect() as conn:
        return list(
            conn.execute(
                select(t.outbox.c.topic)
                .where(t.outbox.c.order_id == order_id)
                .order_by(t.outbox.c.id)
            ).scalars()
        )


def refund_rows(app: Garant, order_id: int) -> list[dict[str, Any]]:
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(t.refunds).where(t.refunds.c.order_id == order_id).order_by(t.refunds.c.id)
        ).mappings()
        return [dict(r) for r in rows]


def deadline_rows(app: Garant, order_id: int) -> dict[str, tuple[str, datetime]]:
    """kind → (status, due_at)."""
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(t.deadlines.c.kind, t.deadlines.c.status, t.deadlines.c.due_at).where(
                t.deadlines.c.order_id == order_id
            )
        ).all()
    return {r.kind: (r.status, r.due_at) for r in rows}


def coupon_status(app: Garant, code: str) -> str:
    with app.engine.connect() as conn:
        return str(
            conn.execute(select(t.coupons.c.status).where(t.coupons.c.code == code)).scalar_one()
        )


def count_rows(app: Garant, table: str, order_id: int) -> int:
    tab = t.metadata.tables[table]
    with app.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(tab).where(tab.c.order_id == order_id)
            ).scalar_one()
        )


@dataclass(frozen=True)
class Snapshot:
    """Everything an action may change about one order; equal snapshots = nothing changed."""

    row: tuple[Any, ...]
    timeline: int
    ledger: int
    refunds: int
    outbox: int
    deadlines: tuple[tuple[Any, ...], ...]
    requests: tuple[tuple[Any, ...], ...]
    coupons: tuple[tuple[Any, ...], ...]
    # DSP: the order's disputes, their offers and evidence requests, and its returns.
    disputes: tuple[tuple[Any, ...], ...] = ()
    dispute_offers: tuple[tuple[Any, ...], ...] = ()
    evidence_requests: tuple[tuple[Any, ...], ...] = ()
    returns: tuple[tuple[Any, ...], ...] = ()


def snapshot(app: Garant, order_id: int) -> Snapshot:
    def count(table: Any) -> Any:
        return (
            select(func.count())
            .select_from(table)
            .where(table.c.order_id == order_id)
            .scalar_subquery()
        )

    with app.engine.connect() as conn:
        row = conn.execute(select(t.orders).where(t.orders.c.id == order_id)).one()
        counts = conn.execute(
            select(count(t.timeline), count(t.ledger_entries), count(t.refunds), count(t.outbox))
        ).one()
        deadlines = conn.execute(
            select(t.deadlines).where(t.deadlines.c.order_id == order_id).order_by(t.deadlines.c.id)
        ).all()
        requests = conn.execute(
            select(t.cancellation_requests)
            .where(t.cancellation_requests.c.order_id == order_id)
            .order_by(t.cancellation_requests.c.id)
        ).all()
        coupons = conn.execute(select(t.coupons).order_by(t.coupons.c.id)).all()
        dispute_ids = select(t.disputes.c.id).where(t.disputes.c.order_id == order_id)
        disputes = conn.execute(
            select(t.disputes).where(t.disputes.c.order_id == order_id).order_by(t.disputes.c.id)
        ).all()
        offers = conn.execute(
            select(t.dispute_offers)
            .where(t.dispute_offers.c.dispute_id.in_(dispute_ids))
            .order_by(t.dispute_offers.c.id)
        ).all()
        evidence_requests = conn.execute(
            select(t.evidence_requests)
            .where(t.evidence_requests.c.dispute_id.in_(dispute_ids))
            .order_by(t.evidence_requests.c.id)
        ).all()
        returns = conn.execute(
            select(t.returns).where(t.returns.c.order_id == order_id).order_by(t.returns.c.id)
        ).all()
    return Snapshot(
        row=tuple(row),
        timeline=counts[0],
        ledger=counts[1],
        refunds=counts[2],
        outbox=counts[3],
        deadlines=tuple(tuple(r) for r in deadlines),
        requests=tuple(tuple(r) for r in requests),
        coupons=tuple(tuple(r) for r in coupons),
        disputes=tuple(tuple(r) for r in disputes),
        dispute_offers=tuple(tuple(r) for r in offers),
        evidence_requests=tuple(tuple(r) for r in evidence_requests),
        returns=tuple(tuple(r) for r in returns),
    )


# ----------------------------------------------------------------------------- PRT-6 from SQL

_ACCOUNT_BALANCES = text(
    """
    SELECT account, SUM(amount) AS balance FROM (
        SELECT credit_account AS account, amount_cents AS amount
          FROM ledger_entries WHERE order_id = :order_id
        UNION ALL
        SELECT debit_account AS account, -amount_cents AS amount
          FROM ledger_entries WHERE order_id = :order_id
    ) AS moves
    GROUP BY account
    """
)


@dataclass(frozen=True)
class LedgerSums:
    paid: int
    held: int
    released: int
    refunded: int
    in_clearing: int
    refund_rows_total: int
    largest_refund_row: int


def ledger_sums(app: Garant, order_id: int) -> LedgerSums:
    """Balances per account, summed by the database over the double entries."""
    with app.engine.connect() as conn:
        balances = {
            r.account: int(r.balance)
            for r in conn.execute(_ACCOUNT_BALANCES, {"order_id": order_id})
        }
        refund_total, refund_max = conn.execute(
            text(
                "SELECT COALESCE(SUM(amount_cents), 0), COALESCE(MAX(amount_cents), 0) "
                "FROM refunds WHERE order_id = :order_id"
            ),
            {"order_id": order_id},
        ).one()
    return LedgerSums(
        paid=-balances.get("buyer_payment", 0),
        held=balances.get("escrow", 0),
        released=balances.get("seller", 0),
        refunded=balances.get("buyer_refund", 0),
        in_clearing=balances.get("clearing", 0),
        refund_rows_total=int(refund_total),
        largest_refund_row=int(refund_max),
    )


def assert_ledger_balanced(app: Garant, order_id: int) -> LedgerSums:
    """PRT-6: paid = held + released + refunded, nothing negative, no refund above paid."""
    s = ledger_sums(app, order_id)
    assert s.paid == s.held + s.released + s.refunded, s
    assert s.in_clearing == 0, s
    assert min(s.paid, s.held, s.released, s.refunded) >= 0, s
    assert s.refunded <= s.paid, s
    assert s.largest_refund_row <= s.paid, s
    assert s.refund_rows_total == s.refunded, s
    return s
