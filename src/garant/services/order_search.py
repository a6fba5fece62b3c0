"""Finding a caller's orders by state and by words (an order number, the marketplace's
reference, an item's title, a tracking number), newest first, a page at a time.

Accents and case do not matter ('lampe ete' finds 'Lampe Été'): that folding has no portable
SQL form, so the matching reads only the few columns it needs, in batches, and stops after
``SCAN_LIMIT`` orders.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from garant.app import Garant
from garant.domain.errors import InvalidInput
from garant.domain.orders import Actor
from garant.domain.transitions import OrderState, Role
from garant.store import projections
from garant.store.db import reading

SCAN_BATCH = 200
SCAN_LIMIT = 1000  # orders looked through for one page of search results


def fold(text: str) -> str:
    """Lower case without accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _matches(row: Any, needle: str) -> bool:
    haystack = [f"#{row.id}", str(row.id), row.external_ref or "", row.tracking_number or ""]
    haystack += [str(item.get("title", "")) for item in row._mapping["items"] or []]
    return any(needle in fold(text) for text in haystack)


def search_orders(
    app: Garant,
    *,
    actor: Actor,
    states: Sequence[str] | None = None,
    query: str = "",
    limit: int = 20,
    cursor: int | None = None,
) -> tuple[list[int], int | None]:
    """One page of order ids (newest first) and the next page's cursor."""
    if not 1 <= limit <= 100:
        raise InvalidInput("limit must be between 1 and 100")
    for state in states or ():
        try:
            OrderState(state)
        except ValueError:
            raise InvalidInput(f"unknown state '{state}'") from None
    needle = fold(query.strip().lstrip("#"))
    parties = {
        "buyer_id": actor.user_id if actor.role is Role.BUYER else None,
        "seller_id": actor.user_id if actor.role is Role.SELLER else None,
    }
    found: list[int] = []
    below, scanned = cursor, 0
    with reading(app.engine) as conn:
        while scanned < SCAN_LIMIT:
            size = SCAN_BATCH if needle else limit + 1
            rows = projections.search_batch(
                conn, states=states, before=below, limit=size, **parties
            )
            for row in rows:
                scanned += 1
                if needle and not _matches(row, needle):
                    continue
                found.append(int(row.id))
                if len(found) > limit:
                    return found[:limit], found[limit - 1]
            if len(rows) < size:
                break  # the last batch: no need to ask for an empty one
            below = int(rows[-1].id)
    return found, None
