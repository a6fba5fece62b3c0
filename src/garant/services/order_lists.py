"""Lists of orders as summaries: what a list row shows, read for a whole page at once.

A summary is not the full view (no timeline, parcel, money detail): a list page costs a fixed
number of statements whatever its size, and each row links to the full view.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from garant.app import Garant
from garant.domain.cancellation import BUYER_REASONS
from garant.domain.errors import InvalidInput
from garant.domain.money import to_str
from garant.domain.order_core import display_status_of
from garant.domain.orders import Actor, DeadlineKind
from garant.domain.statuses import status
from garant.domain.transitions import OrderState, Role
from garant.services.views import DEADLINE_EFFECTS
from garant.store import projections
from garant.store.db import reading


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parties(actor: Actor) -> dict[str, int | None]:
    """A buyer sees only their orders, a seller only theirs; staff see all."""
    if actor.role is Role.BUYER:
        return {"buyer_id": actor.user_id}
    if actor.role is Role.SELLER:
        return {"seller_id": actor.user_id}
    return {}


def check_states(states: Sequence[str] | None) -> None:
    for state in states or ():
        try:
            OrderState(state)
        except ValueError:
            raise InvalidInput(f"unknown state '{state}'") from None


def order_summaries(
    app: Garant,
    *,
    actor: Actor,
    limit: int = 20,
    cursor: int | None = None,
    states: Sequence[str] | None = None,
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of summaries, newest first; the cursor is the last id of the page."""
    if not 1 <= limit <= 500:
        raise InvalidInput("limit must be between 1 and 500")
    check_states(states)
    now = app.clock.now()
    with reading(app.engine) as conn:
        rows = projections.order_page(
            conn, states=states, before=cursor, limit=limit + 1, **_parties(actor)
        )
    items = [summary_json(r, now) for r in rows[:limit]]
    return items, (items[-1]["id"] if len(rows) > limit else None)


def summaries_of(app: Garant, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The summaries of orders the caller already may see (found by a search), newest first."""
    now = app.clock.now()
    with reading(app.engine) as conn:
        rows = projections.summaries_of(conn, ids)
    return [summary_json(r, now) for r in rows]


def summary_json(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    state = OrderState(row["state"])
    shown = display_status_of(
        state,
        shipment_status=row["shipment_status"],
        previous_total_cents=row["previous_total_cents"],
        refunded_cents=int(row["refunded_cents"] or 0),
        refunds_pending=int(row["refunds_pending"] or 0),
    )
    order_id = int(row["id"])
    return {
        "id": order_id,
        "external_ref": row["external_ref"],
        "version": row["version"],
        "state": state.value,
        "status": shown.to_json(),
        "buyer_id": row["buyer_id"],
        "seller_id": row["seller_id"],
        "total": to_str(row["total_cents"]),
        "currency": row["currency"] or "EUR",
        "items": [{**i, "unit_price": to_str(i["unit_price_cents"])} for i in row["items"]],
        "created_at": _iso(row["created_at"]),
        "ship_by": _iso(row["ship_by"]),
        "tracking": {
            "number": row["tracking_number"],
            "status": status(row["shipment_status"]).to_json() if row["shipment_status"] else None,
        },
        "next_deadline": _deadline(row, now),
        "dispute_open": bool(row["dispute_open"]),
        "cancellation_request": _request(row),
        "return": _return(row),
        "links": {"self": f"/api/v1/orders/{order_id}"},
    }


def _deadline(row: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    due: datetime | None = row["next_deadline_at"]
    if due is None or row["next_deadline_kind"] is None:
        return None
    kind = DeadlineKind(row["next_deadline_kind"])
    effect, fr, en = DEADLINE_EFFECTS[kind]
    return {
        "kind": kind.value,
        "due_at": due.isoformat(),
        "seconds_left": max(0, int((due - now).total_seconds())),
        "effect": effect,
        "fr": fr,
        "en": en,
    }


def _request(row: dict[str, Any]) -> dict[str, Any] | None:
    if row["cr_status"] is None:
        return None
    reason = BUYER_REASONS.get(row["cr_reason"])
    return {
        "reason": row["cr_reason"],
        "reason_fr": reason.fr if reason else row["cr_reason"],
        "reason_en": reason.en if reason else row["cr_reason"],
        "note": row["cr_note"],
        "status": row["cr_status"],
        "requested_at": _iso(row["cr_requested_at"]),
        "answer_by": _iso(row["cr_answer_by"]),
        "answered_at": _iso(row["cr_answered_at"]),
    }


def _return(row: dict[str, Any]) -> dict[str, Any] | None:
    if row["r_status"] is None:
        return None
    return {
        "status": row["r_status"],
        "refund": to_str(row["r_refund_cents"]),
        "tracking_number": row["r_tracking_number"],
        "ship_back_by": _iso(row["r_ship_back_by"]),
        "confirm_by": _iso(row["r_confirm_by"]),
    }
