"""Summaries for list pages: one statement per page whatever its size.

A page of ids is chosen first (keyset: newest first, ``id < cursor``, through the indexes of
migration 0004), then each of its rows is completed with what a list shows (latest
cancellation request, latest return, ledger refunds, pending refunds, the next deadline, an
open dispute) by subqueries bounded by the page, never by the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    Select,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
)

from garant.domain.disputes import OPEN_STATES
from garant.domain.money import EntryKind
from garant.store import schema as t
from garant.store.order_reads import id_in

# Deadline rows whose effect still applies (a failed one is retried by an operator).
_LIVE_DEADLINES = ("pending", "claimed", "failed")


def _summary_select(page: Any) -> Select[Any]:
    """The summary columns of the orders whose ids ``page`` (a subquery with ``id``) holds."""
    o, cr, rr, le, rf, dl, d = (
        t.orders,
        t.cancellation_requests,
        t.returns,
        t.ledger_entries,
        t.refunds,
        t.deadlines,
        t.disputes,
    )
    cr_last = (
        select(func.max(cr.c.id)).where(cr.c.order_id == o.c.id).correlate(o).scalar_subquery()
    )
    rr_last = (
        select(func.max(rr.c.id)).where(rr.c.order_id == o.c.id).correlate(o).scalar_subquery()
    )
    refunded = (
        select(func.coalesce(func.sum(le.c.amount_cents), 0))
        .where(le.c.order_id == o.c.id, le.c.kind == EntryKind.REFUND.value)
        .correlate(o)
        .scalar_subquery()
    )
    pending = (
        select(func.count())
        .select_from(rf)
        .where(rf.c.order_id == o.c.id, rf.c.settled_at.is_(None))
        .correlate(o)
        .scalar_subquery()
    )
    live = and_(dl.c.order_id == o.c.id, dl.c.status.in_(_LIVE_DEADLINES))
    next_kind = (
        (select(dl.c.kind).where(live).order_by(dl.c.due_at, dl.c.kind).limit(1))
        .correlate(o)
        .scalar_subquery()
    )
    next_due = select(func.min(dl.c.due_at)).where(live).correlate(o).scalar_subquery()
    dispute_open = exists(
        select(d.c.id).where(d.c.order_id == o.c.id, d.c.state.in_([s.value for s in OPEN_STATES]))
    ).correlate(o)
    return (
        select(
            o.c.id,
            o.c.external_ref,
            o.c.version,
            o.c.state,
            o.c.total_cents,
            o.c.previous_total_cents,
            o.c.currency,
            o.c.buyer_id,
            o.c.seller_id,
            o.c["items"],
            o.c.tracking_number,
            o.c.shipment_status,
            o.c.created_at,
            o.c.ship_by,
            refunded.label("refunded_cents"),
            pending.label("refunds_pending"),
            next_kind.label("next_deadline_kind"),
            next_due.label("next_deadline_at"),
            dispute_open.label("dispute_open"),
            cr.c.reason.label("cr_reason"),
            cr.c.note.label("cr_note"),
            cr.c.status.label("cr_status"),
            cr.c.requested_at.label("cr_requested_at"),
            cr.c.answer_by.label("cr_answer_by"),
            cr.c.answered_at.label("cr_answered_at"),
            rr.c.status.label("r_status"),
            rr.c.refund_cents.label("r_refund_cents"),
            rr.c.tracking_number.label("r_tracking_number"),
            rr.c.ship_back_by.label("r_ship_back_by"),
            rr.c.confirm_by.label("r_confirm_by"),
        )
        .select_from(
            page.join(o, o.c.id == page.c.id)
            .outerjoin(cr, cr.c.id == cr_last)
            .outerjoin(rr, rr.c.id == rr_last)
        )
        .order_by(o.c.id.desc())
    )


def order_page(
    conn: Connection,
    *,
    buyer_id: int | None = None,
    seller_id: int | None = None,
    states: Sequence[str] | None = None,
    before: int | None = None,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to ``limit`` summaries, newest first, below the id ``before``: one statement."""
    given = {
        "buyer_id": buyer_id,
        "seller_id": seller_id,
        "states": list(states) if states else None,
        "before": before,
    }
    query = _order_page_query(**{f"by_{k}": v is not None for k, v in given.items()})
    params = {k: v for k, v in given.items() if v is not None}
    rows = conn.execute(query, {**params, "limit": limit}).mappings().all()
    return [dict(r) for r in rows]


# One statement per shape of filter, built once: building this select costs more than
# running it, and a statement built once is keyed once for SQLAlchemy's compiled cache.
@lru_cache(maxsize=32)
def _order_page_query(
    *, by_buyer_id: bool, by_seller_id: bool, by_states: bool, by_before: bool
) -> Select[Any]:
    o = t.orders
    ids = select(o.c.id).order_by(o.c.id.desc()).limit(bindparam("limit"))
    if by_buyer_id:
        ids = ids.where(o.c.buyer_id == bindparam("buyer_id"))
    if by_seller_id:
        ids = ids.where(o.c.seller_id == bindparam("seller_id"))
    if by_states:
        ids = ids.where(o.c.state.in_(bindparam("states", expanding=True)))
    if by_before:
        ids = ids.where(o.c.id < bindparam("before"))
    return _summary_select(ids.subquery("page"))


def summaries_of(conn: Connection, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The summaries of these orders, newest first: one statement."""
    if not ids:
        return []
    o = t.orders
    page = select(o.c.id).where(id_in(conn, o.c.id, ids)).subquery("page")
    return [dict(r) for r in conn.execute(_summary_select(page)).mappings().all()]


def search_batch(
    conn: Connection,
    *,
    buyer_id: int | None,
    seller_id: int | None,
    states: Sequence[str] | None,
    before: int | None,
    limit: int,
) -> list[Any]:
    """The few columns the buyer's search matches words against, newest first."""
    o = t.orders
    # ``o.c.items`` would be the column collection's own method: the column is read by key.
    query = select(o.c.id, o.c.external_ref, o.c.tracking_number, o.c["items"]).order_by(
        o.c.id.desc()
    )
    if buyer_id is not None:
        query = query.where(o.c.buyer_id == buyer_id)
    if seller_id is not None:
        query = query.where(o.c.seller_id == seller_id)
    if states:
        query = query.where(o.c.state.in_(list(states)))
    if before is not None:
        query = query.where(o.c.id < before)
    return list(conn.execute(query.limit(limit)).all())


# ----------------------------------------------------------------------------- disputes


def dispute_page(
    conn: Connection,
    *,
    buyer_id: int | None = None,
    seller_id: int | None = None,
    states: Sequence[str] | None = None,
    agent_id: int | None = None,
    queue: bool = False,
    cursor: int | None = None,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to ``limit`` disputes with their order's parties and total, the parties' and the
    agent's names and the count of open evidence requests: one statement.

    ``queue``: oldest escalation first, keyset on (escalated_at, id); else newest first."""
    d, o, er = t.disputes, t.orders, t.evidence_requests
    buyer, seller, agent = t.users.alias("buyer"), t.users.alias("seller"), t.users.alias("agent")
    open_requests = (
        select(func.count())
        .select_from(er)
        .where(er.c.dispute_id == d.c.id, er.c.status == "open")
        .correlate(d)
        .scalar_subquery()
    )
    query = (
        select(
            d.c.id,
            d.c.order_id,
            d.c.state,
            d.c.reason,
            d.c.opened_at,
            d.c.escalated_at,
            d.c.agent_id,
            d.c.requested_kind,
            d.c.requested_amount_cents,
            o.c.buyer_id,
            o.c.seller_id,
            o.c.total_cents,
            buyer.c.name.label("buyer_name"),
            seller.c.name.label("seller_name"),
            agent.c.name.label("agent_name"),
            open_requests.label("open_evidence_requests"),
        )
        .select_from(
            d.join(o, o.c.id == d.c.order_id)
            .join(buyer, buyer.c.id == o.c.buyer_id)
            .join(seller, seller.c.id == o.c.seller_id)
            .outerjoin(agent, agent.c.id == d.c.agent_id)
        )
        .limit(limit)
    )
    if states:
        query = query.where(d.c.state.in_(list(states)))
    if buyer_id is not None:
        query = query.where(o.c.buyer_id == buyer_id)
    if seller_id is not None:
        query = query.where(o.c.seller_id == seller_id)
    if agent_id is not None:
        query = query.where(d.c.agent_id == agent_id)
    if queue:
        query = query.order_by(d.c.escalated_at, d.c.id)
        if cursor is not None:
            # Keyset on the sort order (escalated_at, id): an id alone would skip every case
            # escalated later than the cursor's but opened before it.
            seen = t.disputes.alias("seen")  # an alias: the outer disputes would correlate
            after = select(seen.c.escalated_at).where(seen.c.id == cursor).scalar_subquery()
            query = query.where(
                or_(d.c.escalated_at > after, and_(d.c.escalated_at == after, d.c.id > cursor))
            )
    else:
        query = query.order_by(d.c.id.desc())
        if cursor is not None:
            query = query.where(d.c.id < cursor)
    return [dict(r) for r in conn.execute(query).mappings().all()]


def security_review_page(
    conn: Connection, cancellable_states: Sequence[str], limit: int
) -> list[RowMapping]:
    """Orders flagged for a security review (CAN-10) still in a state that allows the
    security cancellation, oldest first: one statement for the page."""
    o = t.orders
    return list(
        conn.execute(
            select(
                o.c.id,
                o.c.external_ref,
                o.c.state,
                o.c.security_flag,
                o.c.total_cents,
                o.c.created_at,
                o.c.buyer_id,
                o.c.seller_id,
            )
            .where(o.c.security_flag.is_not(None), o.c.state.in_(list(cancellable_states)))
            .order_by(o.c.created_at, o.c.id)
            .limit(limit)
        )
        .mappings()
        .all()
    )
