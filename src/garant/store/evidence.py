"""Evidence files (DSP-1, DSP-3): their rows, and what deciding who sees one needs to read.

The bytes live in the blob store (``store.blobs``); a row names them by hash.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select

from garant.store import schema as t

_ev = t.evidence


def add(conn: Connection, values: dict[str, Any]) -> RowMapping:
    """Keep one file's row (the columns of ``evidence`` but its id); return the row stored."""
    return conn.execute(insert(_ev).values(**values).returning(*_ev.c)).mappings().one()


def row(conn: Connection, evidence_id: int) -> RowMapping | None:
    return conn.execute(select(_ev).where(_ev.c.id == evidence_id)).mappings().first()


def rows(conn: Connection, evidence_ids: Iterable[int]) -> dict[int, RowMapping]:
    """id → row for those of the ids that exist (one query)."""
    ids = sorted(set(evidence_ids))
    if not ids:
        return {}
    return {int(r["id"]): r for r in conn.execute(select(_ev).where(_ev.c.id.in_(ids))).mappings()}


def order_parties(conn: Connection, order_id: int) -> tuple[int, int] | None:
    """(buyer id, seller id) of the order, or None when there is no such order: who besides
    the uploader and staff may see its evidence."""
    found = conn.execute(
        select(t.orders.c.buyer_id, t.orders.c.seller_id).where(t.orders.c.id == order_id)
    ).first()
    return None if found is None else (int(found.buyer_id), int(found.seller_id))


def sent_to_buyer(conn: Connection, evidence_id: int, buyer_id: int, seller_id: int) -> bool:
    """Whether the file is attached to a message of this buyer's conversation with the shop
    (outside any order): a shop's file is uploaded for the shop, so only the message says
    which buyer got it."""
    th, m = t.message_threads, t.messages
    attachments = conn.execute(
        select(m.c.attachments)
        .join(th, th.c.id == m.c.thread_id)
        .where(th.c.buyer_id == buyer_id, th.c.seller_id == seller_id, th.c.order_id.is_(None))
    ).scalars()
    return any(evidence_id in (ids or []) for ids in attachments)
