"""SEL-1 / CAN-9: a seller's figures, computed from the orders themselves."""

from __future__ import annotations

from datetime import datetime
from statistics import median
from typing import Any

from garant.app import Garant
from garant.domain.errors import NotFound
from garant.domain.orders import Actor
from garant.domain.transitions import Role
from garant.store import sellers as store
from garant.store import users as user_store
from garant.store.db import reading


def seller_metrics(app: Garant, *, actor: Actor, seller_id: int) -> dict[str, Any]:
    if actor.role is Role.SELLER and actor.user_id != seller_id:
        raise NotFound(f"seller {seller_id} not found")
    if actor.role is Role.BUYER:
        raise NotFound(f"seller {seller_id} not found")
    with reading(app.engine) as conn:
        if user_store.role_of(conn, seller_id) != Role.SELLER.value:
            raise NotFound(f"seller {seller_id} not found")
        counts = store.order_counts(conn, seller_id)
        disputes = store.disputes_of(conn, seller_id)
    paid_n, shipped_n, missed = counts.verified_paid, counts.shipped, counts.ship_by_missed
    seller_fault = counts.seller_fault_cancellations
    return {
        "seller_id": seller_id,
        "orders": counts.orders,
        "cancellations": counts.cancellations,
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
