"""The reads behind an order aggregate and its full view, each a fixed number of statements.

One statement reads the order rows with their one-to-one parts (latest cancellation request,
latest dispute, latest return, the seller's return address, the policy's text, ledger sums,
refunds still pending and, for the view, the current parcel). The view adds one statement for
the timeline and refunds together and one for the parcel's events and numbers together:
``UNION ALL`` of rows shaped alike, so the number of statements stays fixed whatever the
order holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Connection,
    Date,
    RowMapping,
    Select,
    String,
    Text,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY

from garant.domain.money import EntryKind
from garant.domain.tracking import TrackingEvent
from garant.store import schema as t
from garant.store.schema import UTCDateTime
from garant.store.tracking import event_from_row


def id_in(conn: Connection, column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """``column IN ids``: one array parameter on PostgreSQL (``= ANY``), so a batch of a
    thousand ids is one bound value and one cached plan, not a thousand placeholders."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(BigInteger)))
    return column.in_(list(ids))


def _prefixed(table: Any, prefix: str) -> list[Any]:
    return [c.label(prefix + c.name) for c in table.c]


def _in_ids(dialect: str, column: Any) -> ColumnElement[bool]:
    """``column IN :ids`` with the ids given at execution (``{"ids": [...]}``): one array on
    PostgreSQL, an expanding list on SQLite."""
    if dialect == "postgresql":
        return column == any_(bindparam("ids", type_=ARRAY(BigInteger)))
    return column.in_(bindparam("ids", expanding=True))


def aggregates(
    conn: Connection, ids: Sequence[int], *, with_parcel: bool = False
) -> Sequence[RowMapping]:
    """Every order of ``ids`` with what an ``Order`` is built from, one row each, by id."""
    query = _aggregate_query(conn.dialect.name, with_parcel)
    return conn.execute(query, {"ids": list(ids)}).mappings().all()


# Built once per database kind: a statement this size costs more to build (and to key for
# SQLAlchemy's compiled cache) than to run, so it is built once and given its ids as a
# parameter.
@lru_cache(maxsize=4)
def _aggregate_query(dialect: str, with_parcel: bool) -> Select[Any]:
    o = t.orders
    cr, d, r = t.cancellation_requests, t.disputes, t.returns
    seller = t.users.alias("seller")

    def latest(table: Any, name: str) -> Any:
        # The newest child per order (a new dispute only after a reshipment, and so on).
        return (
            select(table.c.order_id, func.max(table.c.id).label("id"))
            .where(_in_ids(dialect, table.c.order_id))
            .group_by(table.c.order_id)
            .subquery(name)
        )

    last_cr, last_d, last_r = latest(cr, "last_cr"), latest(d, "last_d"), latest(r, "last_r")
    le = t.ledger_entries
    sums = (
        select(
            le.c.order_id,
            *[
                func.sum(case((le.c.kind == kind.value, le.c.amount_cents), else_=0)).label(
                    f"sum_{kind.value}"
                )
                for kind in EntryKind
            ],
        )
        .where(_in_ids(dialect, le.c.order_id))
        .group_by(le.c.order_id)
        .subquery("sums")
    )
    rf = t.refunds
    pending = (
        select(rf.c.order_id, func.count().label("refunds_pending"))
        .where(_in_ids(dialect, rf.c.order_id), rf.c.settled_at.is_(None))
        .group_by(rf.c.order_id)
        .subquery("pending")
    )
    columns: list[Any] = [
        *o.c,
        # The policy's stored text: parsed once per distinct text in this process
        # (``policies.policy_from_text``), read here at no extra statement.
        cast(t.policies.c.body, Text).label("policy_text"),
        *_prefixed(cr, "cr_"),
        *_prefixed(d, "d_"),
        *_prefixed(r, "r_"),
        seller.c.return_address.label("seller_return_address"),
        *[sums.c[f"sum_{kind.value}"] for kind in EntryKind],
        pending.c.refunds_pending,
    ]
    joined = (
        o.join(t.policies, t.policies.c.version == o.c.policy_version)
        .join(seller, seller.c.id == o.c.seller_id)
        .outerjoin(last_cr, last_cr.c.order_id == o.c.id)
        .outerjoin(cr, cr.c.id == last_cr.c.id)
        .outerjoin(last_d, last_d.c.order_id == o.c.id)
        .outerjoin(d, d.c.id == last_d.c.id)
        .outerjoin(last_r, last_r.c.order_id == o.c.id)
        .outerjoin(r, r.c.id == last_r.c.id)
        .outerjoin(sums, sums.c.order_id == o.c.id)
        .outerjoin(pending, pending.c.order_id == o.c.id)
    )
    if with_parcel:
        so, s = t.shipment_orders, t.shipments
        # The order's current parcel: the latest one, after a reshipment.
        parcel = (
            select(so.c.order_id, func.max(so.c.shipment_id).label("id"))
            .where(_in_ids(dialect, so.c.order_id))
            .group_by(so.c.order_id)
            .subquery("parcel")
        )
        joined = joined.outerjoin(parcel, parcel.c.order_id == o.c.id).outerjoin(
            s, s.c.id == parcel.c.id
        )
        columns += _prefixed(s, "s_")
    return select(*columns).select_from(joined).where(_in_ids(dialect, o.c.id)).order_by(o.c.id)


# ----------------------------------------------------------------------------- the view's reads


@dataclass
class History:
    """An order's timeline and refunds, oldest first, as ``timeline_of``/``refunds_of``
    give them."""

    timeline: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)


@lru_cache(maxsize=1)
def _history_query() -> Select[Any]:
    tl, rf = t.timeline, t.refunds
    timeline = select(
        literal_column("'t'", String).label("src"),
        tl.c.id,
        tl.c.at.label("at"),
        tl.c.actor_role,
        tl.c.actor_id,
        tl.c.action,
        tl.c.status_code,
        tl.c.reason,
        tl.c.data,
        cast(null(), BigInteger).label("amount_cents"),
        cast(null(), Date).label("expected_from"),
        cast(null(), Date).label("expected_to"),
        cast(null(), UTCDateTime()).label("settled_at"),
    ).where(tl.c.order_id == bindparam("order_id"))
    refunds = select(
        literal_column("'r'", String),
        rf.c.id,
        rf.c.created_at,
        cast(null(), String),
        cast(null(), BigInteger),
        cast(null(), String),
        cast(null(), String),
        rf.c.reason,
        cast(null(), JSON),
        rf.c.amount_cents,
        rf.c.expected_from,
        rf.c.expected_to,
        rf.c.settled_at,
    ).where(rf.c.order_id == bindparam("order_id"))
    both = timeline.union_all(refunds).subquery("history")
    return select(both).order_by(both.c.src, both.c.id)


def history_of(conn: Connection, order_id: int) -> History:
    """Timeline and refunds in one statement (rows shaped alike, told apart by ``src``)."""
    rows = conn.execute(_history_query(), {"order_id": order_id}).mappings().all()
    out = History()
    for row in rows:
        if row["src"] == "t":
            out.timeline.append(
                {
                    "id": row["id"],
                    "order_id": order_id,
                    "at": row["at"],
                    "actor_role": row["actor_role"],
                    "actor_id": row["actor_id"],
                    "action": row["action"],
                    "status_code": row["status_code"],
                    "reason": row["reason"],
                    "data": row["data"],
                }
            )
        else:
            out.refunds.append(
                {
                    "id": row["id"],
                    "order_id": order_id,
                    "amount_cents": row["amount_cents"],
                    "reason": row["reason"],
                    "expected_from": _date(row["expected_from"]),
                    "expected_to": _date(row["expected_to"]),
                    "created_at": row["at"],
                    "settled_at": row["settled_at"],
                }
            )
    return out


def _date(value: Any) -> date:
    # A DATE inside a UNION comes back as text on SQLite (the union's type is the first
    # branch's, a NULL there).
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@lru_cache(maxsize=1)
def _parcel_query() -> Any:
    ev, sn = t.tracking_events, t.shipment_numbers
    events = select(
        literal_column("'e'", String).label("src"),
        ev.c.id,
        ev.c.tracking_number,
        ev.c.carrier,
        ev.c.occurred_at,
        ev.c.utc_offset_minutes,
        ev.c.status,
        ev.c.sub_status,
        ev.c.raw_code,
        ev.c.raw_text,
        ev.c.country,
        ev.c.city,
        ev.c.postcode,
        ev.c.location_text,
        ev.c.leg,
    ).where(ev.c.shipment_id == bindparam("shipment_id"))
    text_null = cast(null(), String)
    numbers = select(
        literal_column("'n'", String),
        cast(null(), BigInteger),
        sn.c.number,
        sn.c.carrier,
        sn.c.added_at,
        cast(null(), BigInteger),
        text_null,
        text_null,
        text_null,
        text_null,
        text_null,
        text_null,
        text_null,
        text_null,
        text_null,
    ).where(sn.c.shipment_id == bindparam("shipment_id"))
    return events.union_all(numbers)


def parcel_of(
    conn: Connection, shipment_id: int
) -> tuple[list[TrackingEvent], list[tuple[str, str]]]:
    """A parcel's events (by time) and numbers (in the order they were added), in one
    statement, as ``tracking.events_of``/``numbers_of`` give them."""
    rows = conn.execute(_parcel_query(), {"shipment_id": shipment_id}).mappings().all()
    found = sorted((r for r in rows if r["src"] == "e"), key=lambda r: (r["occurred_at"], r["id"]))
    numbers_rows = sorted(
        (r for r in rows if r["src"] == "n"),
        key=lambda r: (r["occurred_at"], r["tracking_number"]),
    )
    return (
        [event_from_row(r) for r in found],
        [(r["tracking_number"], r["carrier"]) for r in numbers_rows],
    )


def parcel_row(row: Any) -> dict[str, Any] | None:
    """The parcel's own columns from an ``aggregate_query(with_parcel=True)`` row."""
    if row["s_id"] is None:
        return None
    return {c.name: row["s_" + c.name] for c in t.shipments.c}
