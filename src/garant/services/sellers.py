"""SEL-1 / CAN-9: a seller's figures, computed from the orders themselves."""

from __future__ import annotations

from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import and_, case, func, select

from garant.app import Garant
from garant.domain.errors import NotFound
from garant.domain.orders import Actor
from garant.domain.transitions import OrderState, Role
from garant.store import schema as t


def seller_metrics(app: Garant, *, actor: Actor, seller_id: int) -> dict[str, Any]:
    if actor.role is Role.SELLER and actor.user_id != seller_id:
        raise NotFound(f"seller {seller_id} not found")
    if actor.role is Role.BUYER:
        raise NotFound(f"seller {seller_id} not found")
    o = t.orders
    cancelled = o.c.state.in_([OrderState.CANCELLED.value, OrderState.UNFULFILLABLE.value])
    shipped = o.c.shipped_at.is_not(None)
    on_time = and_(shipped, o.c.verified_at.is_not(None))
    with app.engine.connect() as conn:
        role = conn.execute(select(t.users.c.role).where(t.users.c.id == seller_id)).scalar()
        if role != Role.SELLER.value:
            raise NotFound(f"seller {seller_id} not found")
        row = conn.execute(
            select(
                func.count(),
                func.sum(case((cancelled, 1), else_=0)),
                func.sum(case((and_(cancelled, o.c.close_fault == "seller"), 1), else_=0)),
                func.sum(case((shipped, 1), else_=0)),
                func.sum(case((on_time, 1), else_=0)),
                func.sum(case((o.c.verified_at.is_not(None), 1), else_=0)),
                func.sum(case((o.c.close_reason == "ship_by_missed", 1), else_=0)),
            ).where(o.c.seller_id == seller_id)
        ).one()
        disputes = conn.execute(
            select(
                t.disputes.c.opened_at,
                t.disputes.c.seller_answered_at,
                t.disputes.c.closed_at,
                t.disputes.c.outcome,
            )
            .join(o, o.c.id == t.disputes.c.order_id)
            .where(o.c.seller_id == seller_id)
        ).all()
    total, cancels, seller_fault, shipped_n, _, paid_n, missed = (int(v or 0) for v in row)
    return {
        "seller_id": seller_id,
        "orders": total,
        "cancellations": cancels,
        # CAN-9: only cancellations that are the seller's fault count; "autres raisons" never.
        "seller_fault_cancellations": seller_fault,
        "seller_fault_cancellation_rate": round(seller_fault / paid_n, 4) if paid_n else 0.0,
        "shipped": shipped_n,
        "ship_by_missed": missed,
        "on_time_shipment_rate": round(shipped_n / (shipped_n + missed), 4)
        if shipped_n + missed
        else None,
        **dispute_figures(disputes, shipped_n),
    }


def dispute_figures(rows: Any, shipped: int) -> dict[str, Any]:
    """SEL-1 / DSP-7: how often buyers dispute, how fast the seller answers, and how much
    faster a case closes when the seller accepts (its request or an offer) instead of
    leaving it to silence or the platform."""
    answered = [_hours(r.opened_at, r.seller_answered_at) for r in rows if r.seller_answered_at]
    closed = [r for r in rows if r.closed_at is not None and r.outcome]
    accepted = [r for r in closed if r.outcome.get("how") == "accepted"]
    others = [r for r in closed if r.outcome.get("how") not in ("accepted", "withdrawn")]
    return {
        "disputes": len(rows),
        "dispute_rate": round(len(rows) / shipped, 4) if shipped else None,
        "disputes_open": len(rows) - len(closed),
        "disputes_settled_by_agreement": len(accepted),
        "dispute_acceptance_rate": round(len(accepted) / len(closed), 4) if closed else None,
        "median_dispute_answer_hours": _median(answered),
        "median_hours_to_close_when_accepted": _median(
            [_hours(r.opened_at, r.closed_at) for r in accepted]
        ),
        "median_hours_to_close_otherwise": _median(
            [_hours(r.opened_at, r.closed_at) for r in others]
        ),
    }


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def _median(values: list[float]) -> float | None:
    return round(median(values), 1) if values else None
