"""Loading many orders fast for ``garant bench scale`` (PostgreSQL only): a few template
orders are built through the services (``tools.bench_seed``), then cloned by COPY.

Cloning rather than inventing rows keeps every row one the rules would produce, and picks up
new columns, and new tables keyed by ``order_id`` (a projection, say), without change here:
the templates' rows are read back with ``COPY … TO STDOUT`` and written again with ``COPY …
FROM STDIN``, only the keys rewritten: order and shipment ids, buyer and seller, tracking
numbers. Orders are spread so that every buyer has 20 orders over 10,000 consecutive ids
(500 buyers per 10,000 orders, whatever N) and 100 sellers share everything (so a seller's
list grows with N: its deep pages are the keyset test).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Table

from garant.carriers.numbers import s10_check_digit
from garant.store import schema as t

BUYERS_PER_BLOCK = 500
BLOCK = 10_000  # orders; a buyer's 20 orders lie within one block
SELLERS = 100
_CHUNK = 20_000  # clones per COPY round
# Tables with an order_id that a read of an order or a list does not need, or whose rows
# cannot be cloned by key alone (a thread or a file is unique content).
_SKIP = {"outbox", "outbox_deliveries", "notifications", "evidence", "message_threads",
         "coupon_uses", "idempotency_keys"}
_SHIPMENT_TABLES = ("shipments", "shipment_numbers", "shipment_orders", "tracking_events")
NULL = r"\N"


@dataclass
class Layout:
    """Where clone k lives: its order id, buyer and seller."""

    first_order_id: int
    first_buyer_id: int
    first_seller_id: int

    def order_id(self, k: int) -> int:
        return self.first_order_id + k

    def buyer_id(self, k: int) -> int:
        return self.first_buyer_id + (k % BUYERS_PER_BLOCK) + BUYERS_PER_BLOCK * (k // BLOCK)

    def seller_id(self, k: int) -> int:
        return self.first_seller_id + k % SELLERS

    def seller_orders(self, seller_index: int, clones: int) -> list[int]:
        """Order ids of the seller, newest first."""
        ks = range(seller_index, clones, SELLERS)
        return [self.order_id(k) for k in reversed(ks)]


@dataclass
class _Template:
    """One template order's rows, as COPY lines with {placeholders} for the keys."""

    lines: dict[str, list[str]] = field(default_factory=dict)
    has_shipment: bool = False


def _tables() -> list[Table]:
    by_order = [tab for tab in t.metadata.sorted_tables
                if "order_id" in tab.c and tab.name not in _SKIP and tab.name != "shipment_orders"]
    shipments = [t.metadata.tables[name] for name in _SHIPMENT_TABLES]
    return [t.orders, *[x for x in by_order if x is not t.orders], *shipments]


def _columns(table: Table) -> list[str]:
    """Every column but an autoincrement id (the sequence gives clones theirs), except for
    orders and shipments, whose ids other rows point to."""
    keep_id = table.name in ("orders", "shipments")
    return [c.name for c in table.c
            if not (c.name == "id" and c.primary_key and c.autoincrement and not keep_id)]


def _placeholder(table: str, column: str, value: str, numbers: set[str]) -> str | None:
    """The placeholder that replaces this value in a clone, or None to keep it."""
    if table == "orders" and column == "id":
        return "{o}"
    if column == "order_id":
        return "{o}"
    if table == "shipments" and column == "id":
        return "{sh}"
    if column == "shipment_id":
        return "{sh}"
    if column == "buyer_id":
        return "{b}"
    if column == "seller_id":
        return "{s}"
    if column in ("external_ref", "checkout_id"):
        return NULL
    if column in ("tracking_number", "number") and value in numbers:
        return "{n}"
    return None


def read_templates(engine: Engine, order_ids: list[int]) -> list[_Template]:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SELECT shipment_id, order_id FROM shipment_orders WHERE order_id = ANY(%s)",
                    (order_ids,))
        shipment_of = {int(o): int(s) for s, o in cur.fetchall()}
        cur.execute("SELECT number FROM shipment_numbers")
        numbers = {n for (n,) in cur.fetchall()}
        templates = {o: _Template(has_shipment=o in shipment_of) for o in order_ids}
        owner = {s: o for o, s in shipment_of.items()}
        for table in _tables():
            cols = _columns(table)
            key = "shipment_id" if table.name in _SHIPMENT_TABLES else "order_id"
            if table.name in ("orders", "shipments"):
                key = "id"
            ids = list(shipment_of.values()) if table.name in _SHIPMENT_TABLES else order_ids
            sql = (f"COPY (SELECT {key}, {', '.join(cols)} FROM {table.name} "
                   f"WHERE {key} = ANY(ARRAY[{','.join(map(str, ids)) or 'NULL'}]::bigint[]) "
                   f"ORDER BY 1) TO STDOUT")
            with cur.copy(sql) as copy:
                data = b"".join(bytes(chunk) for chunk in copy).decode()
            for line in data.splitlines():
                owner_key, *values = line.split("\t")
                order = owner[int(owner_key)] if table.name in _SHIPMENT_TABLES else int(owner_key)
                fields = []
                for column, value in zip(cols, values, strict=True):
                    ph = _placeholder(table.name, column, value, numbers)
                    if ph is None:  # kept as it is: braces escaped for str.format
                        ph = value.replace("{", "{{").replace("}", "}}")
                    fields.append(ph)
                templates[order].lines.setdefault(table.name, []).append("\t".join(fields))
        return [templates[o] for o in order_ids]
    finally:
        raw.close()


def tracking_number(k: int) -> str:
    serial = f"{k % 100_000_000:08d}"
    return f"LB{serial}{s10_check_digit(serial)}CN"


def load_clones(
    engine: Engine,
    templates: list[_Template],
    layout: Layout,
    start: int,
    stop: int,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Clones start..stop-1 by COPY, one transaction; returns the rows written per table."""
    written: dict[str, int] = {}
    tables = _tables()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for chunk_start in range(start, stop, _CHUNK):
            chunk = range(chunk_start, min(chunk_start + _CHUNK, stop))
            buffers: dict[str, list[str]] = {tab.name: [] for tab in tables}
            for k in chunk:
                tpl = templates[k % len(templates)]
                keys: dict[str, Any] = {"o": layout.order_id(k), "b": layout.buyer_id(k),
                                        "s": layout.seller_id(k)}
                if tpl.has_shipment:
                    keys["sh"] = layout.order_id(k)  # one parcel per order: reuse the id
                    keys["n"] = tracking_number(k)
                for name, lines in tpl.lines.items():
                    buffers[name].extend(line.format(**keys) for line in lines)
            for tab in tables:
                rows = buffers[tab.name]
                if not rows:
                    continue
                with cur.copy(f"COPY {tab.name} ({', '.join(_columns(tab))}) FROM STDIN") as copy:
                    copy.write(("\n".join(rows) + "\n").encode())
                written[tab.name] = written.get(tab.name, 0) + len(rows)
            if progress:
                progress(chunk[-1] + 1 - start)
        for name in ("orders", "shipments"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT max(id) FROM {name}))")
        raw.commit()
    finally:
        raw.close()
    return written


def add_users(engine: Engine, buyers: int, now_iso: str) -> Layout:
    """``buyers`` buyers and the sellers, by COPY; the layout of the clones to come."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SELECT (SELECT coalesce(max(id), 0) FROM users), "
                    "(SELECT coalesce(max(id), 0) FROM orders)")
        top_user, top_order = cur.fetchall()[0]
        first, first_order = int(top_user) + 1, int(top_order) + 1
        with cur.copy("COPY users (id, name, email, role, locale, created_at) FROM STDIN") as copy:
            for i in range(buyers + SELLERS):
                role = "buyer" if i < buyers else "seller"
                copy.write_row((first + i, f"Scale {role} {i}", f"{role}{i}@scale.garant", role,
                                "fr", now_iso))
        cur.execute("SELECT setval(pg_get_serial_sequence('users', 'id'), "
                    "(SELECT max(id) FROM users))")
        raw.commit()
    finally:
        raw.close()
    return Layout(first_order, first, first + buyers)
