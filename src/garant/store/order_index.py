"""Which order the marketplace's reference names (lists read ``store.projections``)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from garant.store import schema as t

_o = t.orders


def id_by_external_ref(conn: Connection, external_ref: str) -> int | None:
    found = conn.execute(select(_o.c.id).where(_o.c.external_ref == external_ref)).scalar()
    return None if found is None else int(found)
