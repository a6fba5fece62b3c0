"""Which orders: one found by the marketplace's reference, or a page of ids for a list."""

from __future__ import annotations

from sqlalchemy import Connection, select

from garant.store import schema as t

_o = t.orders


def id_by_external_ref(conn: Connection, external_ref: str) -> int | None:
    found = conn.execute(select(_o.c.id).where(_o.c.external_ref == external_ref)).scalar()
    return None if found is None else int(found)


def ids_page(
    conn: Connection,
    *,
    limit: int,
    buyer_id: int | None = None,
    seller_id: int | None = None,
    state: str | None = None,
    before_id: int | None = None,
) -> list[int]:
    """Up to ``limit`` order ids, newest first: a buyer's, a seller's or (neither given)
    every order's, in ``state`` when given, below ``before_id`` when given."""
    query = select(_o.c.id).order_by(_o.c.id.desc()).limit(limit)
    if buyer_id is not None:
        query = query.where(_o.c.buyer_id == buyer_id)
    if seller_id is not None:
        query = query.where(_o.c.seller_id == seller_id)
    if before_id is not None:
        query = query.where(_o.c.id < before_id)
    if state is not None:
        query = query.where(_o.c.state == state)
    return [int(i) for i in conn.execute(query).scalars()]
