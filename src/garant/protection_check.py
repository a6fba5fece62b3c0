"""`garant bench protection` and its test: random buyer-protection histories on a real database.

A hypothesis ``RuleBasedStateMachine`` drives the real services — ``services.orders``
(create_order, perform, settle_refund), ``services.disputes`` (open_dispute, act) and
``services.deadlines.sweep`` — on a real database (a SQLite file by default, PostgreSQL when
given a URL), with a ``FixedClock`` the machine moves by one hour to forty days at a time.

Each example starts on an empty database (a copy of a migrated SQLite template, or the
PostgreSQL database emptied) with two buyers, two sellers, an agent and an operator; orders are
created and paid as the steps go. Every rule picks an order (mostly one where the action makes
sense, sometimes any) and tries one action through the service layer as the right person,
sometimes as a role that may not do it or as a buyer or seller of another order. An attempt
either succeeds or is refused with a garant ``DomainError``; any other exception fails the run.

The machine keeps its own model of the windows and amounts, computed from the rows it reads
back (paid_at, shipped_at, delivered_at, the dispute's opened_at, appeal_by, the ledger) and the
policy's numbers — never from the domain's own answers — and checks each attempt against it:
what must be refused (PRT-4's window has closed, an offer above what can still be refunded,
an escalation before opened + 72 h, an appeal after appeal_by, any step on a closed dispute,
confirming receipt while a dispute is open, a wrong person) and what must succeed (the right
person, in the right state, inside its window, with valid input, no deadline due). After every
step the invariants are checked by SQL over the double entries (PRT-6) and the rows; after
every sweep, that nothing late was left undone.

hypothesis is a development dependency: this module imports it, so the CLI imports this module
only inside its command and says so when hypothesis is missing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import math
import os
import platform
import random
import shutil
import tempfile
import textwrap
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.reporting import with_reporter
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, func, insert, select, text, update
from sqlalchemy.engine import make_url

from garant.app import Garant
from garant.carriers.numbers import s10_check_digit
from garant.clock import FixedClock
from garant.domain.errors import DomainError
from garant.domain.orders import Actor
from garant.domain.policy import DEFAULT_POLICY, SHIPPING_METHODS
from garant.domain.transitions import Role
from garant.services import disputes as dispute_service
from garant.services import orders as order_service
from garant.services.deadlines import sweep
from garant.services.users import create_user
from garant.settings import Settings
from garant.store import schema as t
from garant.store.db import make_engine
from garant.store.migrate import upgrade

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
WORKER = "protection-check"
POLICY = DEFAULT_POLICY  # a fresh database runs on the default policy (version 1)

# The model's own vocabulary (SPEC ORD/DSP), not the domain's sets.
NOT_SHIPPED = frozenset({"paid", "prepared", "consolidated"})
DISPUTABLE = frozenset({"shipped", "delivered", "completed"})
CLOSED_WITHOUT_DELIVERY = frozenset({"cancelled", "unfulfillable", "abandoned"})
# Paid, and nothing may have left escrow yet (PRT-1).
ALL_HELD = frozenset(
    {
        "payment_processing",
        "paid",
        "prepared",
        "consolidated",
        "shipped",
        "delivered",
        "shipment_cancelled",
        "returned_to_sender",
    }
)
PARCEL_BACK = frozenset({"shipment_cancelled", "returned_to_sender"})  # CAN-13, TRK-5
OPEN_DISPUTE = frozenset({"awaiting_seller", "negotiating", "escalated", "decided", "appealed"})
TALKING = frozenset({"negotiating", "escalated"})
MEDIATION = frozenset({"escalated", "appealed"})
REASONS = (
    "not_received",
    "delivered_not_received",
    "damaged",
    "defective",
    "not_as_described",
    "wrong_item",
    "payment_problem",
)
DETAILS = {
    "not_as_described": ("colour", "size", "model", "other"),
    "payment_problem": ("unauthorised_fee", "overcharge"),
}
ITEM_IN_HAND = frozenset({"damaged", "defective", "not_as_described", "wrong_item"})
KINDS = ("full_refund", "partial_refund", "reshipment", "return_and_refund")
CANCEL_REASONS = ("no_longer_needed", "found_cheaper", "seller_out_of_stock", "bogus")
CATEGORIES = ("default", "fashion", "home", "electronics", "toys")  # toys: no own period

BUYER, SELLER, AGENT, OPERATOR = Role.BUYER, Role.SELLER, Role.AGENT, Role.OPERATOR
PARTIES = frozenset({BUYER, SELLER})
TRACKERS = frozenset({AGENT, OPERATOR, Role.SYSTEM})


def hours(n: int) -> timedelta:
    return timedelta(hours=n)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def cents_text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def s10(serial: int) -> str:
    """A valid UPU S10 tracking number (its check digit computed)."""
    digits = f"{serial % 100_000_000:08d}"
    return f"RR{digits}{s10_check_digit(digits)}CN"


# ------------------------------------------------------------------------------ the report


@dataclass
class ActionCount:
    tried: int = 0
    succeeded: int = 0
    refused: int = 0
    refusals: Counter[str] = field(default_factory=Counter)  # by error code


@dataclass
class Report:
    database: str
    seed: int
    seed_given: bool
    steps_asked: int
    steps_per_example: int
    max_examples: int
    evidence: str = ""
    steps: int = 0
    examples: int = 0
    invariant_checks: int = 0
    must_refuse_checked: int = 0
    must_succeed_checked: int = 0
    sweeps: int = 0
    deadlines_applied: int = 0
    deadlines_obsolete: int = 0
    actions: dict[str, ActionCount] = field(default_factory=dict)
    orders: int = 0
    order_states: Counter[str] = field(default_factory=Counter)
    disputes: Counter[str] = field(default_factory=Counter)  # final states
    refunds: int = 0
    refunds_settled: int = 0
    elapsed: float = 0.0
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.elapsed if self.elapsed > 0 else 0.0

    def count(self, action: str) -> ActionCount:
        return self.actions.setdefault(action, ActionCount())


# ------------------------------------------------------------------------------ databases


class _Databases:
    """A fresh, empty, migrated database for each example."""

    name = ""

    def fresh(self) -> tuple[str, Engine]:
        raise NotImplementedError

    def done(self, url: str, engine: Engine) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _SqliteCopies(_Databases):
    """A migrated template file, copied for each example (cheap, and every example starts
    from the same bytes)."""

    def __init__(self, template_url: str | None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="garant-protection-"))
        self.serial = itertools.count(1)
        if template_url is None:
            self.template = self.dir / "template.db"
            self.name = "SQLite (a temporary file, copied fresh for each example)"
        else:
            database = make_url(template_url).database
            if not database:
                raise ValueError("give a SQLite file, not an in-memory database")
            self.template = Path(database)
            self.name = (
                f"SQLite {self.template} (migrated if needed, left empty; each example runs "
                "on a copy of it in a temporary directory)"
            )
        engine = make_engine(f"sqlite:///{self.template}")
        try:
            upgrade(engine)
            _require_empty(engine)
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        finally:
            engine.dispose()  # the last connection closed folds the WAL into the file

    def fresh(self) -> tuple[str, Engine]:
        path = self.dir / f"example-{next(self.serial)}.db"
        shutil.copyfile(self.template, path)
        wal = Path(f"{self.template}-wal")
        if wal.exists():
            shutil.copyfile(wal, f"{path}-wal")
        url = f"sqlite:///{path}"
        return url, make_engine(url)

    def done(self, url: str, engine: Engine) -> None:
        engine.dispose()
        path = make_url(url).database
        assert path is not None
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class _PostgresEmptied(_Databases):
    """The given (empty) PostgreSQL database, migrated once and emptied before each example
    and at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        try:
            upgrade(self.engine)
            _require_empty(self.engine)
            with self.engine.connect() as conn:
                version = str(conn.execute(text("SHOW server_version")).scalar())
        except BaseException:
            self.engine.dispose()
            raise
        safe = make_url(self.engine.url).render_as_string(hide_password=True)
        self.name = (
            f"PostgreSQL {version} at {safe} (must be empty; emptied before each example "
            "and at the end)"
        )

    def _empty(self) -> None:
        names = ", ".join(f'"{table.name}"' for table in t.metadata.sorted_tables)
        with self.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))

    def fresh(self) -> tuple[str, Engine]:
        self._empty()
        return self.url, self.engine

    def done(self, url: str, engine: Engine) -> None:
        pass

    def close(self) -> None:
        try:
            self._empty()
        finally:
            self.engine.dispose()


class NotEmpty(Exception):
    """The database given already holds data: the check empties it, so it refuses."""


def _require_empty(engine: Engine) -> None:
    with engine.connect() as conn:
        users = conn.execute(select(func.count()).select_from(t.users)).scalar_one()
        orders = conn.execute(select(func.count()).select_from(t.orders)).scalar_one()
    if users or orders:
        raise NotEmpty(
            f"the database holds {users} users and {orders} orders; the check empties its "
            "database between examples, so give it an empty scratch database"
        )


def _databases(database_url: str | None) -> _Databases:
    if database_url is None or database_url.startswith("sqlite"):
        return _SqliteCopies(database_url)
    return _PostgresEmptied(database_url)


# ------------------------------------------------------------------------------ reading rows

_BALANCES = text(
    """
    SELECT order_id, account, SUM(amount) AS balance FROM (
        SELECT order_id, credit_account AS account, amount_cents AS amount FROM ledger_entries
        UNION ALL
        SELECT order_id, debit_account AS account, -amount_cents AS amount FROM ledger_entries
    ) AS moves
    GROUP BY order_id, account
    """
)


@dataclass
class Money:
    """An order's accounts, summed by the database over the double entries (PRT-6)."""

    paid: int = 0
    held: int = 0
    released: int = 0
    refunded: int = 0
    clearing: int = 0
    refund_rows: int = 0
    refund_rows_total: int = 0
    largest_refund_row: int = 0

    @property
    def refundable(self) -> int:
        return self.paid - self.refunded


def money_by_order(conn: Any) -> dict[int, Money]:
    out: dict[int, Money] = {}
    accounts = {
        "buyer_payment": "paid",
        "escrow": "held",
        "seller": "released",
        "buyer_refund": "refunded",
        "clearing": "clearing",
    }
    for r in conn.execute(_BALANCES):
        m = out.setdefault(int(r.order_id), Money())
        name = accounts[r.account]
        value = int(r.balance)
        setattr(m, name, -value if name == "paid" else value)
    refunds = conn.execute(
        select(
            t.refunds.c.order_id,
            func.count(),
            func.sum(t.refunds.c.amount_cents),
            func.max(t.refunds.c.amount_cents),
        ).group_by(t.refunds.c.order_id)
    )
    for order_id, count, total, largest in refunds:
        m = out.setdefault(int(order_id), Money())
        m.refund_rows, m.refund_rows_total, m.largest_refund_row = (
            int(count),
            int(total),
            int(largest),
        )
    return out


@dataclass
class OfferFacts:
    seq: int
    by_role: str
    kind: str
    amount: int | None
    status: str
    reply_by: datetime | None


@dataclass
class DisputeFacts:
    id: int
    state: str
    reason: str
    requested_kind: str
    requested_amount: int | None
    opened_at: datetime
    seller_answer_by: datetime
    escalate_from: datetime
    negotiation_ends_at: datetime
    decided_at: datetime | None
    appeal_by: datetime | None
    appealed_at: datetime | None
    accepted_by: list[str]
    decision: dict[str, Any] | None
    outcome: dict[str, Any] | None
    closed_at: datetime | None
    evidence: list[int]
    offers: list[OfferFacts] = field(default_factory=list)
    open_requests: list[datetime] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_DISPUTE

    @property
    def pending_offer(self) -> OfferFacts | None:
        pending = [o for o in self.offers if o.status == "pending"]
        return pending[-1] if pending else None


@dataclass
class Facts:
    """One order as the database holds it, read before and after an attempt."""

    id: int
    now: datetime
    state: str
    total: int
    buyer_id: int
    seller_id: int
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    category: str
    is_choice: bool
    protection_ends_at: datetime | None
    previous_numbers: list[str]
    money: Money
    disputes: list[DisputeFacts]  # oldest first
    cancellation_open: bool
    return_status: str | None
    return_refund: int | None
    due: list[str]  # deadlines pending (or claimed) whose time has come

    @property
    def dispute(self) -> DisputeFacts | None:
        return self.disputes[-1] if self.disputes else None

    @property
    def open_dispute(self) -> DisputeFacts | None:
        d = self.dispute
        return d if d is not None and d.is_open else None

    def protection_end(self) -> datetime | None:
        """PRT-2: purchase + the category's period; a reshipment agreed in a dispute starts it
        again (Garant's choice)."""
        if self.paid_at is None:
            return None
        start = self.paid_at
        for d in self.disputes:
            if d.outcome and d.outcome.get("kind") == "reshipment" and d.closed_at:
                start = d.closed_at
        period = POLICY.protection_days.get(self.category, POLICY.protection_days["default"])
        return start + days(period)

    def window_closes(self) -> datetime | None:
        """PRT-4: 15 days after the delivery, or 15 days after the protection period when
        the parcel never arrived."""
        if self.shipped_at is None:
            return None
        if self.delivered_at is not None:
            return self.delivered_at + days(POLICY.dispute_after_delivery_days)
        end = self.protection_end()
        assert end is not None
        return end + days(POLICY.dispute_after_protection_days)


def read_facts(conn: Any, order_id: int, now: datetime) -> Facts:
    o = conn.execute(select(t.orders).where(t.orders.c.id == order_id)).mappings().one()
    money = money_by_order_one(conn, order_id)
    disputes = [
        DisputeFacts(
            id=int(r["id"]),
            state=r["state"],
            reason=r["reason"],
            requested_kind=r["requested_kind"],
            requested_amount=r["requested_amount_cents"],
            opened_at=r["opened_at"],
            seller_answer_by=r["seller_answer_by"],
            escalate_from=r["escalate_from"],
            negotiation_ends_at=r["negotiation_ends_at"],
            decided_at=r["decided_at"],
            appeal_by=r["appeal_by"],
            appealed_at=r["appealed_at"],
            accepted_by=list(r["decision_accepted_by"] or []),
            decision=r["decision"],
            outcome=r["outcome"],
            closed_at=r["closed_at"],
            evidence=list(r["evidence"] or []),
        )
        for r in conn.execute(
            select(t.disputes).where(t.disputes.c.order_id == order_id).order_by(t.disputes.c.id)
        ).mappings()
    ]
    if disputes:
        last = disputes[-1]
        last.offers = [
            OfferFacts(r.seq, r.by_role, r.kind, r.amount_cents, r.status, r.reply_by)
            for r in conn.execute(
                select(t.dispute_offers)
                .where(t.dispute_offers.c.dispute_id == last.id)
                .order_by(t.dispute_offers.c.seq)
            )
        ]
        last.open_requests = [
            r.due_at
            for r in conn.execute(
                select(t.evidence_requests.c.due_at).where(
                    t.evidence_requests.c.dispute_id == last.id,
                    t.evidence_requests.c.status == "open",
                )
            )
        ]
    cancellation = conn.execute(
        select(t.cancellation_requests.c.status)
        .where(t.cancellation_requests.c.order_id == order_id)
        .order_by(t.cancellation_requests.c.id.desc())
        .limit(1)
    ).scalar()
    ret = conn.execute(
        select(t.returns.c.status, t.returns.c.refund_cents)
        .where(t.returns.c.order_id == order_id)
        .order_by(t.returns.c.id.desc())
        .limit(1)
    ).first()
    due = [
        str(k)
        for k in conn.execute(
            select(t.deadlines.c.kind).where(
                t.deadlines.c.order_id == order_id,
                t.deadlines.c.status.in_(("pending", "claimed")),
                t.deadlines.c.due_at <= now,
            )
        ).scalars()
    ]
    return Facts(
        id=order_id,
        now=now,
        state=o["state"],
        total=int(o["total_cents"]),
        buyer_id=int(o["buyer_id"]),
        seller_id=int(o["seller_id"]),
        paid_at=o["paid_at"],
        shipped_at=o["shipped_at"],
        delivered_at=o["delivered_at"],
        category=o["product_category"],
        is_choice=bool(o["is_choice"]),
        protection_ends_at=o["protection_ends_at"],
        previous_numbers=list(o["previous_tracking_numbers"] or []),
        money=money,
        disputes=disputes,
        cancellation_open=cancellation == "open",
        return_status=ret.status if ret else None,
        return_refund=int(ret.refund_cents) if ret else None,
        due=due,
    )


def money_by_order_one(conn: Any, order_id: int) -> Money:
    m = Money()
    accounts = {
        "buyer_payment": "paid",
        "escrow": "held",
        "seller": "released",
        "buyer_refund": "refunded",
        "clearing": "clearing",
    }
    rows = conn.execute(
        text(
            "SELECT account, SUM(amount) AS balance FROM ("
            " SELECT credit_account AS account, amount_cents AS amount FROM ledger_entries"
            "  WHERE order_id = :o"
            " UNION ALL"
            " SELECT debit_account AS account, -amount_cents AS amount FROM ledger_entries"
            "  WHERE order_id = :o) AS moves GROUP BY account"
        ),
        {"o": order_id},
    )
    for r in rows:
        name = accounts[r.account]
        setattr(m, name, -int(r.balance) if name == "paid" else int(r.balance))
    count, total, largest = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(t.refunds.c.amount_cents), 0),
            func.coalesce(func.max(t.refunds.c.amount_cents), 0),
        ).where(t.refunds.c.order_id == order_id)
    ).one()
    m.refund_rows, m.refund_rows_total, m.largest_refund_row = int(count), int(total), int(largest)
    return m


# ------------------------------------------------------------------------------ predictions


class Expect:
    """What the model says about one attempt: reasons it must be refused, and (only when
    nothing stands in the way) why it must succeed. A reason marked ``robust`` holds even if
    a deadline is due and the service applies it first (nothing due can make it possible
    again); the others, and every must-succeed, are dropped when a deadline is due."""

    def __init__(self) -> None:
        self.refuse: list[tuple[str, bool]] = []
        self.success: str | None = None

    def must_refuse(self, why: str, *, robust: bool = True) -> None:
        self.refuse.append((why, robust))

    def must_succeed(self, why: str) -> None:
        self.success = why

    def settle(self, due: list[str]) -> tuple[list[str], str | None]:
        if due:
            refuse = [why for why, robust in self.refuse if robust]
            return refuse, None
        refuse = [why for why, _ in self.refuse]
        return refuse, (None if refuse else self.success)


class ModelViolation(AssertionError):
    """The implementation did something the model says it must not."""


# ------------------------------------------------------------------------------ the machine

_POINTER = st.integers(min_value=0, max_value=2**16)
_WHO = st.integers(min_value=0, max_value=9)  # 0-7 the right person, 8 a wrong role, 9 stranger
_AIM = st.integers(min_value=0, max_value=9)  # 0-7 an order where it makes sense, 8-9 any


_ORDER: dict[str, st.SearchStrategy[Any]] = {"pointer": _POINTER, "aim": _AIM, "who": _WHO}
_PARTY = st.sampled_from((SELLER, BUYER))  # the seller first: it answers a request
_AMOUNT = st.one_of(st.none(), st.integers(min_value=1, max_value=50_000))
_SHARE = st.integers(min_value=0, max_value=12)  # tenths of the total: 0 none, up to 120 %
_FILES = st.integers(min_value=0, max_value=9)  # 7: no file (not an end: ends come often)

# action → (weight, its parameters). The weights lean towards what moves orders and disputes
# forward, so a 50-step example gets through shipping, a dispute and its mediation.
ACTIONS: dict[str, tuple[int, dict[str, st.SearchStrategy[Any]]]] = {
    "record_delivery": (3, _ORDER),
    "escalate": (4, {**_ORDER, "by": _PARTY}),
    "decide": (
        5,
        {
            **_ORDER,
            "favour": st.sampled_from(("buyer", "seller", "split", "bogus")),
            "amount": _AMOUNT,
            "share": _SHARE,
        },
    ),
    "appeal": (4, {**_ORDER, "by": _PARTY, "files": _FILES}),
    "make_offer": (
        3,
        {
            **_ORDER,
            "by": _PARTY,
            "kind": st.sampled_from((*KINDS, "no_refund")),
            "amount": _AMOUNT,
            "share": _SHARE,
        },
    ),
    "open_dispute": (
        4,
        {
            **_ORDER,
            "reason": st.sampled_from((*REASONS, "bogus")),
            "detail": st.integers(0, 4),
            "kind": st.sampled_from((*KINDS, "no_refund")),
            "amount": _AMOUNT,
            "share": _SHARE,
        },
    ),
    "ship": (3, {**_ORDER, "reuse": st.integers(0, 9)}),
    "pay": (1, {**_ORDER, "exact": st.integers(0, 5), "verified": st.booleans()}),
    "contest": (2, {**_ORDER, "files": _FILES}),
    "answer_offer": (2, {**_ORDER, "side": st.integers(0, 9), "reply": st.integers(0, 9)}),
    "accept_decision": (3, {**_ORDER, "by": _PARTY}),
    "request_evidence": (
        2,
        {
            **_ORDER,
            "party": st.sampled_from(("buyer", "seller", "agent")),
            "given": st.one_of(st.none(), st.integers(min_value=0, max_value=300)),
        },
    ),
    "provide_evidence": (1, {**_ORDER, "by": _PARTY, "files": _FILES}),
    "confirm_receipt": (1, _ORDER),
    "request_cancellation": (1, {**_ORDER, "reason": st.sampled_from(CANCEL_REASONS)}),
    "approve_cancellation": (1, _ORDER),
    "accept_request": (1, _ORDER),
    "withdraw": (1, _ORDER),
    "parcel_back": (1, {**_ORDER, "returned": st.booleans()}),
    "choose_after_parcel_back": (2, {**_ORDER, "refund": st.booleans()}),
    "ship_return": (2, {**_ORDER, "blank": st.integers(0, 9)}),
    "confirm_return": (2, _ORDER),
    "create_and_pay": (
        1,
        {
            "total": st.integers(min_value=100, max_value=40_000),
            "method": st.sampled_from(SHIPPING_METHODS),
            "category": st.sampled_from(CATEGORIES),
            "choice": st.booleans(),
            "pair": st.integers(min_value=0, max_value=3),
            "pay": st.sampled_from(("verified", "verified", "unverified", "unpaid")),
            "who": _WHO,
        },
    ),
    "settle_refund": (2, _ORDER),
    "advance_clock": (
        3,
        {
            "hours_": st.one_of(
                st.integers(min_value=1, max_value=24),
                st.integers(min_value=1, max_value=96),
                st.integers(min_value=1, max_value=960),
            )
        },
    ),
    "advance_to": (
        2,
        {"pointer": _POINTER, "offset": st.sampled_from((0, 1, -1))},
    ),
    "run_sweep": (3, {}),
}
_WEIGHTED = [name for name, (weight, _) in ACTIONS.items() for _ in range(weight)]


def _turn(items: list[Any], n: int) -> list[Any]:
    k = n % len(items)
    return items[k:] + items[:k]


# What guided steps do when they do not act on an order: mostly let time pass and sweep.
_TIMES = [
    *["advance_to"] * 4,
    *["advance_clock"] * 3,
    *["run_sweep"] * 4,
    *["create_and_pay"] * 2,
    *["settle_refund"] * 2,
]


@dataclass(frozen=True)
class Seen:
    """An order at a glance, for choosing where an action makes sense."""

    state: str
    dispute: str | None  # the latest dispute's state
    window_open: bool  # PRT-4 by the model, or closed within the last two days


# action → where it makes sense
FITS: dict[str, Callable[[Seen], bool]] = {
    "record_delivery": lambda o: o.state == "shipped",
    "pay": lambda o: o.state in ("received", "payment_processing"),
    "ship": lambda o: o.state in NOT_SHIPPED,
    "confirm_receipt": lambda o: o.state in ("shipped", "delivered"),
    "request_cancellation": lambda o: o.state in NOT_SHIPPED,
    "approve_cancellation": lambda o: o.state in NOT_SHIPPED,
    "open_dispute": lambda o: o.state in DISPUTABLE and o.dispute is None and o.window_open,
    "accept_request": lambda o: o.dispute == "awaiting_seller",
    "contest": lambda o: o.dispute == "awaiting_seller",
    "make_offer": lambda o: o.dispute in ("awaiting_seller", "negotiating", "escalated"),
    "answer_offer": lambda o: o.dispute in TALKING,
    "escalate": lambda o: o.dispute == "negotiating",
    "withdraw": lambda o: o.dispute in ("awaiting_seller", "negotiating", "escalated"),
    "provide_evidence": lambda o: o.dispute in MEDIATION,
    "request_evidence": lambda o: o.dispute in MEDIATION,
    "decide": lambda o: o.dispute in MEDIATION,
    "accept_decision": lambda o: o.dispute == "decided",
    "appeal": lambda o: o.dispute == "decided",
    "parcel_back": lambda o: o.state == "shipped",
    "choose_after_parcel_back": lambda o: o.state in PARCEL_BACK,
    "ship_return": lambda o: o.state == "returning",
    "confirm_return": lambda o: o.state == "returning",
}


@dataclass
class _Run:
    databases: _Databases
    report: Report
    evidence_service: bool


def _machine_factory(run: _Run) -> Callable[[], RuleBasedStateMachine]:
    def factory() -> RuleBasedStateMachine:
        return ProtectionMachine(run)

    return factory


class ProtectionMachine(RuleBasedStateMachine):
    def __init__(self, run: _Run) -> None:
        super().__init__()
        self.run = run
        self.report = run.report
        self.report.examples += 1
        self.url, self.engine = run.databases.fresh()
        self.clock = FixedClock(START)
        self.app = Garant(
            settings=Settings(database_url=self.url, sandbox=False),
            engine=self.engine,
            clock=self.clock,
        )
        people = itertools.count(1)

        def person(role: str) -> Actor:
            n = next(people)
            user = create_user(
                self.app, name=f"{role} {n}", email=f"{role}{n}@check.test", role=role
            )
            return Actor(user.role, user.id)

        self.buyers = [person("buyer"), person("buyer")]
        self.sellers = [person("seller"), person("seller")]
        self.agent = person("agent")
        self.operator = person("operator")
        # One seller has a return address on file; the other leaves the buyer to ask.
        with self.engine.begin() as conn:
            conn.execute(
                update(t.users)
                .where(t.users.c.id == self.sellers[0].user_id)
                .values(return_address="Entrepôt retours, 1 rue de la Gare, 69001 Lyon")
            )
        self.serials = itertools.count(10_000_000)
        self.files = itertools.count(1)
        self.target: int | None = None  # the order a guided step acts on
        self.steps_run = 0  # in this example

    # ------------------------------------------------------------------ plumbing

    def teardown(self) -> None:
        try:
            with self.engine.connect() as conn:
                for state, n in conn.execute(
                    select(t.orders.c.state, func.count()).group_by(t.orders.c.state)
                ):
                    self.report.order_states[state] += int(n)
                    self.report.orders += int(n)
                for state, n in conn.execute(
                    select(t.disputes.c.state, func.count()).group_by(t.disputes.c.state)
                ):
                    self.report.disputes[state] += int(n)
                self.report.refunds += conn.execute(
                    select(func.count()).select_from(t.refunds)
                ).scalar_one()
                self.report.refunds_settled += conn.execute(
                    select(func.count()).where(t.refunds.c.settled_at.is_not(None))
                ).scalar_one()
        finally:
            self.run.databases.done(self.url, self.engine)

    def _step(self) -> None:
        self.report.steps += 1

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def _order_ids(self) -> list[int]:
        with self.engine.connect() as conn:
            return [
                int(i)
                for i in conn.execute(select(t.orders.c.id).order_by(t.orders.c.id)).scalars()
            ]

    def _view(self) -> dict[int, Seen]:
        """Every order at a glance: its state, its latest dispute's state, and whether
        PRT-4's window (delivery + 15 d, or protection end + 15 d) is open or just closed."""
        p = POLICY
        with self.engine.connect() as conn:
            latest: dict[int, str] = {}
            for order_id, state in conn.execute(
                select(t.disputes.c.order_id, t.disputes.c.state).order_by(t.disputes.c.id)
            ):
                latest[int(order_id)] = state
            rows = conn.execute(
                select(
                    t.orders.c.id,
                    t.orders.c.state,
                    t.orders.c.shipped_at,
                    t.orders.c.delivered_at,
                    t.orders.c.protection_ends_at,
                ).order_by(t.orders.c.id)
            ).all()
        view: dict[int, Seen] = {}
        for r in rows:
            if r.delivered_at is not None:
                closes = r.delivered_at + days(p.dispute_after_delivery_days)
            elif r.shipped_at is not None and r.protection_ends_at is not None:
                closes = r.protection_ends_at + days(p.dispute_after_protection_days)
            else:
                closes = None
            # open, or closed within the last two days (to try a little too late, too)
            window_open = closes is not None and self.now <= closes + days(2)
            view[int(r.id)] = Seen(r.state, latest.get(int(r.id)), window_open)
        return view

    def _pick(self, pointer: int, aim: int, action: str) -> int:
        """Mostly an order where the action makes sense (by order state and its latest
        dispute's state), sometimes any order."""
        if self.target is not None:
            return self.target
        view = self._view()
        fits = FITS[action]
        fitting = [i for i, seen in view.items() if fits(seen)]
        pool = fitting if fitting and aim < 8 else list(view)
        return pool[pointer % len(pool)]

    def _facts(self, order_id: int) -> Facts:
        with self.engine.connect() as conn:
            return read_facts(conn, order_id, self.now)

    def _actor(
        self, f: Facts, right: Role, allowed: frozenset[Role], who: int, pointer: int
    ) -> tuple[Actor, str | None]:
        """The right person (who 0-7), someone whose role may not do this (8), or a buyer or
        seller of another order (9). Returns the actor and why it must be refused."""
        buyer = Actor(BUYER, f.buyer_id)
        seller = Actor(SELLER, f.seller_id)
        cast = {BUYER: buyer, SELLER: seller, AGENT: self.agent, OPERATOR: self.operator}
        if who <= 7:
            return cast[right], None
        if who == 9 and right in PARTIES:
            pool = self.buyers if right is BUYER else self.sellers
            stranger = next(a for a in pool if a.user_id != cast[right].user_id)
            return stranger, f"a {right.value} who is not this order's"
        wrong = [a for a in (buyer, seller, self.agent, self.operator) if a.role not in allowed]
        return wrong[pointer % len(wrong)], "a role that may not do this"

    def _evidence(self, actor: Actor, order_id: int) -> list[int]:
        """A file uploaded by the actor about this order (a row, as the upload would leave)."""
        if not self.run.evidence_service or actor.user_id is None:
            return []
        n = next(self.files)
        digest = hashlib.sha256(f"{self.url}:{order_id}:{n}".encode()).hexdigest()
        with self.engine.begin() as conn:
            evidence_id = conn.execute(
                insert(t.evidence)
                .values(
                    sha256=digest,
                    shown_sha256=digest,
                    size_bytes=2048,
                    shown_size_bytes=2048,
                    content_type="image/jpeg",
                    kind="photo",
                    filename=f"photo-{n}.jpg",
                    uploader_id=actor.user_id,
                    uploader_role=actor.role.value,
                    order_id=order_id,
                    seller_id=None,
                    stripped=[],
                    created_at=self.now,
                )
                .returning(t.evidence.c.id)
            ).scalar_one()
        return [int(evidence_id)]

    def _attempt(
        self, name: str, before: Facts | None, expect: Expect, call: Callable[[], object]
    ) -> bool:
        """Try the action; check it against the model. True when it succeeded."""
        count = self.report.count(name)
        count.tried += 1
        refuse, succeed = expect.settle(before.due if before is not None else [])
        where = f"order {before.id} ({before.state})" if before is not None else ""
        mark = self._footprint(before.id) if before is not None else None
        try:
            call()
        except DomainError as err:
            count.refused += 1
            count.refusals[err.code] += 1
            if refuse:
                self.report.must_refuse_checked += 1
            if succeed is not None:
                raise ModelViolation(
                    f"{name} on {where} at {self.now.isoformat()} was refused "
                    f"({err.code}: {err.message}) though it must succeed: {succeed}"
                ) from err
            if before is not None and not before.due:
                self._check(
                    self._footprint(before.id) == mark,
                    f"ORD-3: {name} on {where} was refused ({err.code}) yet changed the order: "
                    f"{mark} -> {self._footprint(before.id)}",
                )
            return False
        count.succeeded += 1
        if refuse:
            raise ModelViolation(
                f"{name} on {where} at {self.now.isoformat()} succeeded though it must be "
                f"refused: {'; '.join(refuse)}"
            )
        if succeed is not None:
            self.report.must_succeed_checked += 1
        if before is not None and mark is not None:
            after = self._footprint(before.id)
            self._check(
                after[0] > mark[0] and after[1] > mark[1],
                f"ORD-4: {name} on {where} succeeded without a new version and timeline entry: "
                f"{mark} -> {after}",
            )
        return True

    def _footprint(self, order_id: int) -> tuple[int, ...]:
        """What any change to an order leaves: its version, and its rows in the timeline,
        the ledger, the refunds, the outbox, the deadlines (with their times and states)."""

        def count(table: Any) -> Any:
            return (
                select(func.count())
                .select_from(table)
                .where(table.c.order_id == order_id)
                .scalar_subquery()
            )

        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    t.orders.c.version,
                    count(t.timeline),
                    count(t.ledger_entries),
                    count(t.refunds),
                    count(t.outbox),
                    count(t.disputes),
                ).where(t.orders.c.id == order_id)
            ).one()
            deadlines = conn.execute(
                select(t.deadlines.c.kind, t.deadlines.c.status, t.deadlines.c.due_at).where(
                    t.deadlines.c.order_id == order_id
                )
            ).all()
        return (*(int(v) for v in row), hash(frozenset(tuple(d) for d in deadlines)))

    def _check(self, condition: bool, what: str) -> None:
        if not condition:
            raise ModelViolation(what)

    # ------------------------------------------------------------------ the one rule

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        """One action with its own parameters. Guided (8 times in 10): an order and one of
        the actions that make sense for it now — so an example follows an order through
        shipping, a dispute and its mediation — or time passing, a sweep, a new order, a
        refund settled. Otherwise any action by weight, on an order picked by the action's
        own parameters (mostly one where it makes sense, sometimes any). One rule rather
        than one per action: hypothesis' swarm testing switches rules off per example, and
        an example without shipping never gets far."""
        self._step()
        self.steps_run += 1
        self.target = None
        action = ""
        # 3 and 6 (not the ends, which hypothesis draws more often): 2 steps in 10 unguided
        if data.draw(st.integers(min_value=0, max_value=9), label="guided") not in (3, 6):
            focus = data.draw(st.integers(min_value=0, max_value=99), label="focus")
            if focus % 10 < 7:  # 7 in 10 on an order, 3 in 10 time, sweep, a new order…
                view = self._view()
                menu = {
                    order_id: [n for n in _WEIGHTED if n in FITS and FITS[n](seen)]
                    for order_id, seen in view.items()
                }
                menu = {order_id: names for order_id, names in menu.items() if names}
                if menu:
                    # orders with a dispute under way come up three times as often
                    disputed = [i for i in sorted(menu) if view[i].dispute in OPEN_DISPUTE]
                    orders = sorted(menu) + disputed * 2
                    # Hypothesis favours the first item of a list: turning the lists with the
                    # example's step count spreads that favour over every order and action.
                    self.target = data.draw(
                        st.sampled_from(_turn(orders, self.steps_run)), label="order"
                    )
                    action = data.draw(
                        st.sampled_from(_turn(menu[self.target], self.steps_run)), label="action"
                    )
            if not action:
                action = _TIMES[focus % len(_TIMES)]
        else:
            action = data.draw(st.sampled_from(_WEIGHTED), label="action")
        params = ACTIONS[action][1]
        kwargs = {name: data.draw(strategy, label=name) for name, strategy in params.items()}
        try:
            getattr(self, action)(**kwargs)
        finally:
            self.target = None

    # ------------------------------------------------------------------ orders

    def create_and_pay(
        self, total: int, method: str, category: str, choice: bool, pair: int, pay: str, who: int
    ) -> None:
        """The marketplace's integration (the operator) places the order, then pays it."""
        buyer, seller = self.buyers[pair % 2], self.sellers[pair // 2]
        creator = self.operator if who <= 8 else buyer
        expect = Expect()
        if creator is not self.operator:
            expect.must_refuse("only the operator creates orders")
        else:
            expect.must_succeed("the operator places a valid order")
        created: list[int] = []

        def create() -> None:
            assert buyer.user_id is not None and seller.user_id is not None
            created.append(
                order_service.create_order(
                    self.app,
                    actor=creator,
                    buyer_id=buyer.user_id,
                    seller_id=seller.user_id,
                    items=[
                        {
                            "sku": "SKU",
                            "title": "Lampe",
                            "quantity": 1,
                            "unit_price": cents_text(total),
                        }
                    ],
                    total=cents_text(total),
                    shipping_method=method,
                    product_category=category,
                    is_choice=choice,
                )
            )

        if not self._attempt("create_order", None, expect, create):
            return
        if pay == "unpaid":
            return
        self._pay(created[0], exact=True, verified=pay == "verified", who=0, pointer=0)

    @initialize(
        orders=st.lists(
            st.tuples(
                st.integers(min_value=100, max_value=40_000),
                st.sampled_from(("paid", "shipped", "delivered", "delivered")),
            ),
            min_size=2,
            max_size=4,
        ),
        method=st.sampled_from(SHIPPING_METHODS),
        choice=st.booleans(),
    )
    def first_orders(self, orders: list[tuple[int, str]], method: str, choice: bool) -> None:
        """A few paid orders to begin with, some already shipped or delivered (the step rule
        adds more); made through the same services and checks as every other step."""
        self._step()
        for i, (total, stage) in enumerate(orders):
            self.create_and_pay(
                total, method, CATEGORIES[i % len(CATEGORIES)], choice and i == 0, i, "verified", 0
            )
            if stage != "paid":
                self.ship(pointer=i, aim=8, who=0, reuse=0)
            if stage == "delivered":
                self.record_delivery(pointer=i, aim=8, who=0)

    def pay(self, pointer: int, aim: int, who: int, exact: int, verified: bool) -> None:
        order_id = self._pick(pointer, aim, "pay")
        if self._facts(order_id).state == "payment_processing" and verified:
            self._verify(order_id, who, pointer)
        else:
            self._pay(order_id, exact=exact > 0, verified=verified, who=who, pointer=pointer)

    def _pay(self, order_id: int, *, exact: bool, verified: bool, who: int, pointer: int) -> None:
        f = self._facts(order_id)
        actor, wrong = self._actor(f, OPERATOR, frozenset({OPERATOR}), who, pointer)
        amount = f.total if exact else f.total + 1
        expect = Expect()
        if wrong:
            expect.must_refuse(f"paid by {wrong}")
        if not exact:
            expect.must_refuse("the payment must equal the total")
        if f.state != "received":
            expect.must_refuse(f"only a received order is paid, not a {f.state} one")
        expect.must_succeed("the operator pays a received order its total")
        params = {"amount": cents_text(amount), "verified": verified}
        if self._attempt("pay", f, expect, lambda: self._perform(order_id, actor, "pay", params)):
            after = self._facts(order_id)
            self._check(
                after.money.paid == after.money.held == f.total,
                f"after pay, order {order_id}: paid {after.money} for a total of {f.total}",
            )
            want = "paid" if verified else "payment_processing"
            self._check(after.state == want, f"after pay, order {order_id} is {after.state}")

    def _verify(self, order_id: int, who: int, pointer: int) -> None:
        f = self._facts(order_id)
        actor, wrong = self._actor(f, OPERATOR, frozenset({OPERATOR}), who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"verified by {wrong}")
        if f.state != "payment_processing":
            expect.must_refuse(f"nothing to verify on a {f.state} order", robust=False)
        expect.must_succeed("the operator verifies a payment")
        self._attempt(
            "verify_payment", f, expect, lambda: self._perform(order_id, actor, "verify_payment")
        )

    def _perform(
        self, order_id: int, actor: Actor, action: str, params: dict[str, Any] | None = None
    ) -> None:
        order_service.perform(
            self.app, order_id=order_id, actor=actor, action=action, params=params or {}
        )

    def ship(self, pointer: int, aim: int, who: int, reuse: int) -> None:
        """The seller hands the parcel over with a valid S10 number (declining an open
        cancellation request that way, CAN-5); sometimes the number of an earlier parcel."""
        order_id = self._pick(pointer, aim, "ship")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, SELLER, frozenset({SELLER}), who, pointer)
        old = reuse == 4 and bool(f.previous_numbers)
        number = f.previous_numbers[0] if old else s10(next(self.serials))
        action = "decline_cancellation" if f.cancellation_open else "ship"
        expect = Expect()
        if wrong:
            expect.must_refuse(f"shipped by {wrong}")
        if old:
            expect.must_refuse("a reshipment needs a new tracking number (CAN-13)")
        if f.state not in NOT_SHIPPED:
            expect.must_refuse(f"a {f.state} order is not waiting to be shipped", robust=False)
        expect.must_succeed("the seller ships a paid order with a new valid number")
        params = {"tracking_number": number}
        if self._attempt(action, f, expect, lambda: self._perform(order_id, actor, action, params)):
            after = self._facts(order_id)
            self._check(
                after.state == "shipped" and after.shipped_at == self.now,
                f"after {action}, order {order_id} is {after.state} shipped {after.shipped_at}",
            )

    def record_delivery(self, pointer: int, aim: int, who: int) -> None:
        order_id = self._pick(pointer, aim, "record_delivery")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, AGENT, TRACKERS, who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"delivery recorded by {wrong}")
        if f.state != "shipped":
            expect.must_refuse(f"a {f.state} order is not in transit", robust=False)
        expect.must_succeed("an agent records the delivery of a shipped order")
        if self._attempt(
            "record_delivery", f, expect, lambda: self._perform(order_id, actor, "record_delivery")
        ):
            after = self._facts(order_id)
            self._check(
                after.state == "delivered" and after.delivered_at == self.now,
                f"after delivery, order {order_id} is {after.state}",
            )

    def parcel_back(self, pointer: int, aim: int, who: int, returned: bool) -> None:
        """TRK-5 / CAN-13: tracking says the parcel went back to the seller, or the shipment
        was cancelled ("envoi annulé"); recorded by an agent, as tracking would."""
        order_id = self._pick(pointer, aim, "parcel_back")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, AGENT, TRACKERS, who, pointer)
        action = "mark_returned_to_sender" if returned else "report_shipment_cancelled"
        expect = Expect()
        if wrong:
            expect.must_refuse(f"recorded by {wrong}")
        if f.state != "shipped":
            expect.must_refuse(f"a {f.state} order is not in transit", robust=False)
        expect.must_succeed("tracking reports a parcel in transit back or cancelled")
        params = {"reason": "retour expéditeur"}
        if self._attempt(action, f, expect, lambda: self._perform(order_id, actor, action, params)):
            after = self._facts(order_id)
            want = "returned_to_sender" if returned else "shipment_cancelled"
            self._check(after.state == want, f"after {action}, order {order_id}: {after.state}")

    def choose_after_parcel_back(self, pointer: int, aim: int, who: int, refund: bool) -> None:
        """CAN-13: the parcel came back; the buyer chooses a new parcel or a full refund."""
        order_id = self._pick(pointer, aim, "choose_after_parcel_back")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, BUYER, frozenset({BUYER}), who, pointer)
        action = "choose_refund" if refund else "choose_reshipment"
        expect = Expect()
        if wrong:
            expect.must_refuse(f"chosen by {wrong}")
        if f.state not in PARCEL_BACK:
            expect.must_refuse(f"the parcel of a {f.state} order did not come back")
        if not refund and f.open_dispute is not None:
            expect.must_refuse("a dispute is open: withdraw it to choose a reshipment")
        expect.must_succeed("the buyer chooses after the parcel came back")
        if self._attempt(action, f, expect, lambda: self._perform(order_id, actor, action)):
            after = self._facts(order_id)
            m = after.money
            if refund:
                self._check(
                    after.state == "cancelled" and m.refunded == m.paid,
                    f"after choose_refund, order {order_id} is {after.state} with {m}",
                )
            else:
                self._check(after.state == "paid", f"after choose_reshipment: {after.state}")

    def confirm_receipt(self, pointer: int, aim: int, who: int) -> None:
        """PRT-1: the buyer confirms; the money held goes to the seller."""
        order_id = self._pick(pointer, aim, "confirm_receipt")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, BUYER, frozenset({BUYER}), who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"confirmed by {wrong}")
        if f.open_dispute is not None:
            expect.must_refuse(f"a dispute is open ({f.open_dispute.state})")
        if f.state not in ("shipped", "delivered"):
            expect.must_refuse(f"a {f.state} order cannot be confirmed")
        expect.must_succeed("the buyer confirms a shipped or delivered order")
        if self._attempt(
            "confirm_receipt", f, expect, lambda: self._perform(order_id, actor, "confirm_receipt")
        ):
            after = self._facts(order_id)
            m = after.money
            self._check(
                after.state == "completed" and m.held == 0 and m.released == m.paid,
                f"after confirm_receipt, order {order_id} is {after.state} with {m}",
            )

    def request_cancellation(self, pointer: int, aim: int, who: int, reason: str) -> None:
        """CAN-2: paid, not shipped; the seller has 72 h."""
        order_id = self._pick(pointer, aim, "request_cancellation")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, BUYER, frozenset({BUYER}), who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"asked by {wrong}")
        if reason == "bogus":
            expect.must_refuse("an unknown reason")
        if f.state not in NOT_SHIPPED:
            expect.must_refuse(f"a {f.state} order cannot be cancelled by request", robust=False)
        if f.cancellation_open:
            expect.must_refuse("a request is already open", robust=False)
        expect.must_succeed("the buyer asks to cancel a paid order not yet shipped")
        params = {"reason": reason}
        self._attempt(
            "request_cancellation",
            f,
            expect,
            lambda: self._perform(order_id, actor, "request_cancellation", params),
        )

    def approve_cancellation(self, pointer: int, aim: int, who: int) -> None:
        """CAN-3: the seller agrees; full refund."""
        order_id = self._pick(pointer, aim, "approve_cancellation")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, SELLER, frozenset({SELLER}), who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"approved by {wrong}")
        if not f.cancellation_open:
            expect.must_refuse("no cancellation request is open", robust=False)
        if f.state not in NOT_SHIPPED:
            expect.must_refuse(f"a {f.state} order", robust=False)
        expect.must_succeed("the seller approves an open request")
        if self._attempt(
            "approve_cancellation",
            f,
            expect,
            lambda: self._perform(order_id, actor, "approve_cancellation"),
        ):
            after = self._facts(order_id)
            m = after.money
            self._check(
                after.state == "cancelled" and m.refunded == m.paid and m.held == 0,
                f"after approve_cancellation, order {order_id} is {after.state} with {m}",
            )

    # ------------------------------------------------------------------ disputes

    def open_dispute(
        self,
        pointer: int,
        aim: int,
        who: int,
        reason: str,
        detail: int,
        kind: str,
        amount: int | None,
        share: int,
    ) -> None:
        """DSP-3 within PRT-4's window."""
        order_id = self._pick(pointer, aim, "open_dispute")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, BUYER, frozenset({BUYER}), who, pointer)
        # Mostly the reason that fits what the carrier said.
        if reason in ("not_received", "delivered_not_received") and detail < 4:
            reason = "delivered_not_received" if f.delivered_at else "not_received"
        choices = DETAILS.get(reason)
        chosen = choices[detail % len(choices)] if choices and detail < 4 else None
        if share:  # mostly a share of the total (1/10 … 12/10), sometimes any amount
            amount = max(1, f.total * share // 10)
        resolution: dict[str, Any] = {"kind": kind}
        if amount is not None and kind in ("partial_refund", "return_and_refund"):
            resolution["amount"] = cents_text(amount)
        given = resolution.get("amount") is not None
        expect = Expect()
        if wrong:
            expect.must_refuse(f"opened by {wrong}")
        self._window_rules(f, expect)
        self._reason_rules(f, reason, chosen, expect)
        self._resolution_rules(f, reason, kind, amount if given else None, expect)
        expect.must_succeed("the buyer opens a valid dispute inside PRT-4's window")

        def call() -> None:
            dispute_service.open_dispute(
                self.app,
                actor=actor,
                order_id=order_id,
                reason=reason,
                detail=chosen,
                description="Le colis pose problème.",
                resolution=resolution,
            )

        if self._attempt("open_dispute", f, expect, call):
            after = self._facts(order_id)
            d = after.dispute
            assert d is not None
            p = POLICY
            self._check(
                d.state == "awaiting_seller"
                and d.opened_at == self.now
                and d.seller_answer_by == self.now + hours(p.dispute_seller_answer_hours)
                and d.escalate_from == self.now + hours(p.dispute_escalate_after_hours)
                and d.negotiation_ends_at == self.now + days(p.dispute_negotiation_days),
                f"the dispute opened on order {order_id} has the wrong dates or state: {d}",
            )
            self._check(
                after.money.released == 0 and after.money.held == after.money.refundable,
                f"PRT-4: a dispute freezes the money; order {order_id} has {after.money}",
            )

    def _window_rules(self, f: Facts, expect: Expect) -> None:
        d = f.dispute
        if d is not None and d.is_open:
            expect.must_refuse(f"a dispute is already open ({d.state})")
        elif d is not None and (d.outcome or {}).get("kind") != "reshipment":
            expect.must_refuse("the order's dispute is closed and its outcome final")
        if f.state not in DISPUTABLE:
            expect.must_refuse(f"a {f.state} order cannot be disputed")
        closes = f.window_closes()
        if closes is not None and f.now > closes:
            expect.must_refuse(f"PRT-4: the window closed on {closes.isoformat()}")

    def _reason_rules(self, f: Facts, reason: str, detail: str | None, expect: Expect) -> None:
        if reason not in REASONS:
            expect.must_refuse(f"unknown reason {reason}")
            return
        if reason in DETAILS and detail is None:
            expect.must_refuse(f"{reason} needs a detail")
        if reason == "not_received" and f.delivered_at is not None:
            expect.must_refuse("the carrier shows it delivered")
        if reason == "delivered_not_received" and f.delivered_at is None:
            expect.must_refuse("it is not shown as delivered")

    def _resolution_rules(
        self, f: Facts, reason: str, kind: str, amount: int | None, expect: Expect
    ) -> None:
        refundable = f.money.refundable
        if kind not in KINDS:
            expect.must_refuse(f"{kind} cannot be asked for")
            return
        if kind == "partial_refund" and (amount is None or amount >= refundable):
            expect.must_refuse(
                f"PRT-6: a partial refund of {amount} is not below the {refundable} refundable"
            )
        if kind == "return_and_refund":
            if amount is not None and amount > refundable:
                expect.must_refuse(
                    f"PRT-6: a refund of {amount} after the return is above the {refundable} "
                    "refundable"
                )
            if reason in REASONS and reason not in ITEM_IN_HAND:
                expect.must_refuse(f"a return needs the item in hand, not '{reason}'")
        if kind == "reshipment" and reason == "payment_problem":
            expect.must_refuse("a payment problem is not settled by a reshipment")

    def _dispute_rules(
        self, f: Facts, sources: frozenset[str], expect: Expect, robust: bool = True
    ) -> DisputeFacts | None:
        d = f.dispute
        if d is None:
            expect.must_refuse("there is no dispute", robust=robust)
        elif not d.is_open:
            expect.must_refuse(f"the dispute is closed ({d.state}); nothing more on it")
        elif d.state not in sources:
            expect.must_refuse(f"the dispute is {d.state}", robust=robust)
        return d

    def _act(self, order_id: int, actor: Actor, action: str, **params: Any) -> None:
        dispute_service.act(self.app, actor=actor, order_id=order_id, action=action, params=params)

    def _check_carried_out(self, before: Facts, kind: str, amount: int | None, how: str) -> None:
        """DSP-5: the remedy agreed (or decided) is carried out at once."""
        after = self._facts(before.id)
        m, was = after.money, before.money
        d = after.dispute
        what = f"after {how} ({kind} {amount}), order {before.id} is {after.state} with {m}"
        self._check(d is not None and d.state == "resolved", f"{what}; dispute not resolved")
        if kind == "full_refund":
            self._check(after.state == "completed" and m.held == 0, what)
            self._check(m.refunded == m.paid and m.released == 0, what)
        elif kind == "partial_refund":
            assert amount is not None
            self._check(after.state == "completed" and m.held == 0, what)
            self._check(m.refunded == was.refunded + amount, what)
        elif kind == "no_refund":
            self._check(after.state == "completed" and m.held == 0, what)
            self._check(m.refunded == was.refunded, what)
        elif kind == "reshipment":
            self._check(after.state == "paid" and after.shipped_at is None, what)
            self._check(m.held == m.paid and m.refunded == 0, what)
        else:
            self._check(after.state == "returning" and after.return_status is not None, what)
            want = m.held if amount is None else min(amount, m.held)
            self._check(after.return_refund == want and m.released == 0, what)

    def accept_request(self, pointer: int, aim: int, who: int) -> None:
        """DSP-4: the seller grants the buyer's request."""
        order_id = self._pick(pointer, aim, "accept_request")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, SELLER, frozenset({SELLER}), who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"accepted by {wrong}")
        d = self._dispute_rules(f, frozenset({"awaiting_seller"}), expect)
        expect.must_succeed("the seller accepts the request it is waited for")
        if self._attempt(
            "accept_request", f, expect, lambda: self._act(order_id, actor, "accept_request")
        ):
            assert d is not None
            self._check_carried_out(f, d.requested_kind, d.requested_amount, "accept_request")

    def contest(self, pointer: int, aim: int, who: int, files: int) -> None:
        """DSP-4: the seller disagrees, with evidence."""
        order_id = self._pick(pointer, aim, "contest")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, SELLER, frozenset({SELLER}), who, pointer)
        evidence = self._evidence(actor, order_id) if files != 7 else []
        expect = Expect()
        if wrong:
            expect.must_refuse(f"contested by {wrong}")
        self._dispute_rules(f, frozenset({"awaiting_seller"}), expect)
        if not evidence:
            expect.must_refuse("contesting needs evidence")
        expect.must_succeed("the seller contests with evidence")
        if self._attempt(
            "contest",
            f,
            expect,
            lambda: self._act(
                order_id, actor, "contest", message="Livré conforme.", evidence=evidence
            ),
        ):
            after = self._facts(order_id)
            d = after.dispute
            self._check(d is not None and d.state == "negotiating", f"after contest: {d}")

    def make_offer(
        self, pointer: int, aim: int, who: int, by: Role, kind: str, amount: int | None, share: int
    ) -> None:
        """DSP-4/5: a proposal, sometimes above what can still be refunded."""
        order_id = self._pick(pointer, aim, "make_offer")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, by, PARTIES, who, pointer)
        if amount is None and kind in ("partial_refund", "return_and_refund") and share:
            # a share of what is paid: 1/10 … 12/10, so often right at or above the limit
            amount = max(1, f.total * share // 10)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"offered by {wrong}")
        d = self._dispute_rules(f, frozenset({"awaiting_seller", *TALKING}), expect)
        if d is not None and d.state == "awaiting_seller" and by is BUYER and not wrong:
            expect.must_refuse("the buyer's request is with the seller")
        reason = d.reason if d is not None else "damaged"
        self._resolution_rules(f, reason, kind, amount, expect)
        expect.must_succeed("a party makes a valid offer while the dispute is talking")
        resolution: dict[str, Any] = {"kind": kind}
        if amount is not None:
            resolution["amount"] = cents_text(amount)
        if kind in ("full_refund", "reshipment") and amount is not None:
            expect.must_refuse(f"a {kind} takes no amount")
        if self._attempt(
            "make_offer",
            f,
            expect,
            lambda: self._act(
                order_id, actor, "make_offer", resolution=resolution, message="Proposition"
            ),
        ):
            after = self._facts(order_id)
            d2 = after.dispute
            assert d2 is not None
            offer = d2.pending_offer
            self._check(
                offer is not None
                and offer.by_role == by.value
                and d2.state in TALKING
                and offer.reply_by == self.now + hours(POLICY.dispute_offer_reply_hours),
                f"after make_offer on order {order_id}: {d2.state}, {offer}",
            )

    def answer_offer(self, pointer: int, aim: int, who: int, side: int, reply: int) -> None:
        """DSP-5: accepting an offer closes the dispute and carries it out; rejecting it does
        not (reply 2, 5 or 8: rejected). Answered by the party it is addressed to (side 9:
        by its author)."""
        order_id = self._pick(pointer, aim, "answer_offer")
        f = self._facts(order_id)
        accept = reply not in (2, 5, 8)
        action = "accept_offer" if accept else "reject_offer"
        pending = f.dispute.pending_offer if f.dispute is not None else None
        author = Role(pending.by_role) if pending is not None else SELLER
        by = author if side == 9 else (BUYER if author is SELLER else SELLER)
        actor, wrong = self._actor(f, by, PARTIES, who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"answered by {wrong}")
        d = self._dispute_rules(f, TALKING, expect)
        offer = d.pending_offer if d is not None else None
        if d is not None and d.is_open:
            if offer is None:
                expect.must_refuse("no offer waits for an answer")
            elif offer.by_role == by.value and not wrong:
                expect.must_refuse("one does not answer one's own offer")
        expect.must_succeed("the party an offer is addressed to answers it")
        if self._attempt(action, f, expect, lambda: self._act(order_id, actor, action)):
            assert offer is not None
            if accept:
                self._check_carried_out(f, offer.kind, offer.amount, "accept_offer")
            else:
                after = self._facts(order_id)
                d2 = after.dispute
                self._check(
                    d2 is not None and d2.is_open and d2.pending_offer is None,
                    f"after reject_offer on order {order_id}: {d2}",
                )

    def escalate(self, pointer: int, aim: int, who: int, by: Role) -> None:
        """DSP-6: no agreement; not before opened + 72 h."""
        order_id = self._pick(pointer, aim, "escalate")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, by, PARTIES, who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"escalated by {wrong}")
        d = self._dispute_rules(f, frozenset({"negotiating"}), expect)
        if d is not None and d.is_open:
            earliest = d.opened_at + hours(POLICY.dispute_escalate_after_hours)
            if self.now < earliest:
                expect.must_refuse(f"DSP-6: escalation only from {earliest.isoformat()}")
        expect.must_succeed("a party escalates a negotiation after 72 h")
        if self._attempt("escalate", f, expect, lambda: self._act(order_id, actor, "escalate")):
            after = self._facts(order_id)
            d2 = after.dispute
            self._check(d2 is not None and d2.state == "escalated", f"after escalate: {d2}")

    def withdraw(self, pointer: int, aim: int, who: int) -> None:
        order_id = self._pick(pointer, aim, "withdraw")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, BUYER, frozenset({BUYER}), who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"withdrawn by {wrong}")
        self._dispute_rules(f, frozenset({"awaiting_seller", *TALKING}), expect)
        expect.must_succeed("the buyer withdraws a dispute not yet decided")
        if self._attempt(
            "withdraw_dispute", f, expect, lambda: self._act(order_id, actor, "withdraw_dispute")
        ):
            after = self._facts(order_id)
            m = after.money
            self._check(
                after.dispute is not None and after.dispute.state == "withdrawn",
                f"after withdraw on order {order_id}: {after.dispute}",
            )
            if after.state == "completed":
                self._check(m.held == 0, f"a withdrawn dispute gives back what it froze: {m}")

    def provide_evidence(self, pointer: int, aim: int, who: int, by: Role, files: int) -> None:
        order_id = self._pick(pointer, aim, "provide_evidence")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, by, PARTIES, who, pointer)
        evidence = self._evidence(actor, order_id) if files != 7 else []
        expect = Expect()
        if wrong:
            expect.must_refuse(f"given by {wrong}")
        self._dispute_rules(f, frozenset({"awaiting_seller", *TALKING, "appealed"}), expect)
        if not evidence:
            expect.must_refuse("no file attached")
        expect.must_succeed("a party adds a file to an open case")
        self._attempt(
            "provide_evidence",
            f,
            expect,
            lambda: self._act(order_id, actor, "provide_evidence", evidence=evidence, note="Photo"),
        )

    def request_evidence(
        self, pointer: int, aim: int, who: int, party: str, given: int | None
    ) -> None:
        """DSP-6: the agent asks a party for evidence, by a date."""
        order_id = self._pick(pointer, aim, "request_evidence")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, AGENT, frozenset({AGENT}), who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"asked by {wrong}")
        # a negotiation whose window ended is escalated first, when the deadline is due
        self._dispute_rules(f, MEDIATION, expect, robust=False)
        if party not in ("buyer", "seller"):
            expect.must_refuse("evidence is asked of the buyer or the seller")
        if given is not None and not 1 <= given <= POLICY.dispute_evidence_max_hours:
            expect.must_refuse(f"{given} h is not 1 to {POLICY.dispute_evidence_max_hours} h")
        expect.must_succeed("the agent asks a party for evidence in a mediated case")
        params: dict[str, Any] = {"party": party, "note": "Une photo du colis, svp."}
        if given is not None:
            params["hours"] = given
        self._attempt(
            "request_evidence",
            f,
            expect,
            lambda: self._act(order_id, actor, "request_evidence", **params),
        )

    def decide(
        self, pointer: int, aim: int, who: int, favour: str, amount: int | None, share: int
    ) -> None:
        """DSP-6: the platform decides; a decision after an appeal is final."""
        order_id = self._pick(pointer, aim, "decide")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, AGENT, frozenset({AGENT}), who, pointer)
        if favour != "split" and share != 11:
            amount = None  # mostly no amount where none belongs (share 11: give one anyway)
        if favour == "split" and amount is None and share:
            amount = max(1, f.total * share // 10)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"decided by {wrong}")
        d = self._dispute_rules(f, MEDIATION, expect, robust=False)
        refundable = f.money.refundable
        if favour == "bogus":
            expect.must_refuse("decided for nobody")
        elif favour == "split" and (amount is None or not 0 < amount < refundable):
            expect.must_refuse(f"a split of {amount} is not between 0 and {refundable}")
        elif favour != "split" and amount is not None:
            expect.must_refuse("only a split takes an amount")
        expect.must_succeed("the agent decides a mediated case")
        params: dict[str, Any] = {"in_favour_of": favour, "note": "Décision"}
        if amount is not None:
            params["amount"] = cents_text(amount)
        if not self._attempt(
            "decide", f, expect, lambda: self._act(order_id, actor, "decide", **params)
        ):
            return
        assert d is not None
        if favour == "buyer":
            kind, value = d.requested_kind, d.requested_amount
        elif favour == "seller":
            kind, value = "no_refund", None
        else:
            kind, value = "partial_refund", amount
        if d.state == "appealed":
            self._check_carried_out(f, kind, value, "a final decision")
            return
        after = self._facts(order_id)
        d2 = after.dispute
        assert d2 is not None
        self._check(
            d2.state == "decided" and d2.appeal_by == self.now + days(POLICY.dispute_appeal_days),
            f"after decide on order {order_id}: {d2.state}, appeal by {d2.appeal_by}",
        )

    def accept_decision(self, pointer: int, aim: int, who: int, by: Role) -> None:
        """DSP-6: carried out once both parties accept it."""
        order_id = self._pick(pointer, aim, "accept_decision")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, by, PARTIES, who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"accepted by {wrong}")
        d = self._dispute_rules(f, frozenset({"decided"}), expect)
        if d is not None and d.state == "decided" and by.value in d.accepted_by and not wrong:
            expect.must_refuse("already accepted by this party")
        expect.must_succeed("a party accepts the decision")
        if not self._attempt(
            "accept_decision", f, expect, lambda: self._act(order_id, actor, "accept_decision")
        ):
            return
        assert d is not None and d.decision is not None
        if {*d.accepted_by, by.value} >= {"buyer", "seller"}:
            res = d.decision["resolution"]
            self._check_carried_out(f, res["kind"], res.get("amount_cents"), "both accepted")

    def appeal(self, pointer: int, aim: int, who: int, by: Role, files: int) -> None:
        """DSP-6: one appeal, with new evidence, until appeal_by."""
        order_id = self._pick(pointer, aim, "appeal")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, by, PARTIES, who, pointer)
        evidence = self._evidence(actor, order_id) if files != 7 else []
        expect = Expect()
        if wrong:
            expect.must_refuse(f"appealed by {wrong}")
        d = self._dispute_rules(f, frozenset({"decided"}), expect)
        if d is not None and d.state == "decided":
            if by.value in d.accepted_by and not wrong:
                expect.must_refuse("this party accepted the decision")
            if d.appealed_at is not None:
                expect.must_refuse("the one appeal has been used")
            if d.appeal_by is not None and self.now >= d.appeal_by:
                expect.must_refuse(f"the appeal window closed on {d.appeal_by.isoformat()}")
        if not evidence:
            expect.must_refuse("an appeal needs new evidence")
        expect.must_succeed("a party appeals in time with new evidence")
        if self._attempt(
            "appeal",
            f,
            expect,
            lambda: self._act(order_id, actor, "appeal", note="Nouvelle preuve", evidence=evidence),
        ):
            after = self._facts(order_id)
            d2 = after.dispute
            self._check(d2 is not None and d2.state == "appealed", f"after appeal: {d2}")

    # ------------------------------------------------------------------ the return, refunds

    def ship_return(self, pointer: int, aim: int, who: int, blank: int) -> None:
        order_id = self._pick(pointer, aim, "ship_return")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, BUYER, frozenset({BUYER}), who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"sent back by {wrong}")
        if blank == 4:
            expect.must_refuse("no tracking number")
        if f.state != "returning":
            expect.must_refuse(f"a {f.state} order has no return under way")
        elif f.return_status != "awaiting_shipment":
            expect.must_refuse("the return has already been sent back")
        expect.must_succeed("the buyer sends the item back")
        params = {"tracking_number": "" if blank == 4 else s10(next(self.serials))}
        self._attempt(
            "ship_return", f, expect, lambda: self._perform(order_id, actor, "ship_return", params)
        )

    def confirm_return(self, pointer: int, aim: int, who: int) -> None:
        """RET-5: the seller has the item back; the agreed refund is made."""
        order_id = self._pick(pointer, aim, "confirm_return")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, SELLER, frozenset({SELLER}), who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"confirmed by {wrong}")
        if f.state != "returning":
            expect.must_refuse(f"a {f.state} order has no return under way")
        expect.must_succeed("the seller confirms the return")
        if self._attempt(
            "confirm_return_received",
            f,
            expect,
            lambda: self._perform(order_id, actor, "confirm_return_received"),
        ):
            after = self._facts(order_id)
            m = after.money
            self._check(
                after.state == "completed"
                and m.held == 0
                and m.refunded == f.money.refunded + (f.return_refund or 0),
                f"after the return, order {order_id} is {after.state} with {m}",
            )

    def settle_refund(self, pointer: int, aim: int, who: int) -> None:
        """PRT-5: the payment provider confirms a refund reached the buyer."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.refunds.c.id, t.refunds.c.settled_at).order_by(t.refunds.c.id)
            ).all()
        if not rows:
            return
        waiting = [r for r in rows if r.settled_at is None]
        pool = waiting if waiting and aim < 8 else rows
        row = pool[pointer % len(pool)]
        actor = self.operator if who <= 8 else self.buyers[0]
        expect = Expect()
        if actor is not self.operator:
            expect.must_refuse("only the operator records a settlement")
        if row.settled_at is not None:
            expect.must_refuse("already settled")
        expect.must_succeed("the operator settles a refund not yet settled")
        self._attempt(
            "settle_refund",
            None,
            expect,
            lambda: order_service.settle_refund(self.app, actor=actor, refund_id=int(row.id)),
        )

    # ------------------------------------------------------------------ time

    def advance_clock(self, hours_: int) -> None:
        """Time passes (one hour to forty days); nothing runs until someone acts or sweeps."""
        self.clock.advance(hours(hours_))

    def advance_to(self, pointer: int, offset: int) -> None:
        """Time jumps to a moment that matters — a pending deadline, the end of PRT-4's
        window, the moment escalation opens — or an hour either side of it."""
        moments: set[datetime] = set()
        with self.engine.connect() as conn:
            moments.update(
                conn.execute(
                    select(t.deadlines.c.due_at).where(t.deadlines.c.status == "pending")
                ).scalars()
            )
            order_ids = [int(i) for i in conn.execute(select(t.orders.c.id)).scalars()]
            for order_id in order_ids:
                f = read_facts(conn, order_id, self.now)
                closes = f.window_closes()
                if closes is not None:
                    moments.add(closes)
                d = f.open_dispute
                if d is not None:
                    moments.add(d.opened_at + hours(POLICY.dispute_escalate_after_hours))
        ahead = sorted(m for m in moments if m + hours(offset) > self.now)
        if not ahead:
            self.clock.advance(days(1))  # nothing ahead: a day passes
            return
        self.clock.advance(ahead[pointer % len(ahead)] + hours(offset) - self.now)

    def run_sweep(self) -> None:
        """The worker fires every due deadline; then nothing late may be left undone."""
        for _ in range(50):
            stats = sweep(self.app, WORKER)
            self.report.sweeps += 1
            self.report.deadlines_applied += stats.applied
            self.report.deadlines_obsolete += stats.obsolete
            if stats.errors:
                with self.engine.connect() as conn:
                    errors = conn.execute(
                        select(
                            t.deadlines.c.order_id, t.deadlines.c.kind, t.deadlines.c.last_error
                        ).where(t.deadlines.c.last_error.is_not(None))
                    ).all()
                raise ModelViolation(f"the sweep failed on deadlines: {errors}")
            if stats.claimed == 0:
                break
        else:
            raise ModelViolation("the sweep kept finding due deadlines after 50 rounds")
        for order_id in self._order_ids():
            self._nothing_late(self._facts(order_id))

    def _nothing_late(self, f: Facts) -> None:
        """After a sweep: every deadline the model knows of that has passed took effect."""
        now, p = f.now, POLICY
        where = f"order {f.id} ({f.state}) at {now.isoformat()}"
        d = f.open_dispute
        if d is not None:
            answer_by = d.opened_at + hours(p.dispute_seller_answer_hours)
            ends = d.opened_at + days(p.dispute_negotiation_days)
            self._check(
                not (d.state == "awaiting_seller" and now >= answer_by),
                f"DSP-4: {where}: the seller's time ran out at {answer_by.isoformat()} and the "
                "request was not granted",
            )
            self._check(
                not (d.state == "negotiating" and now >= ends),
                f"DSP-6: {where}: the negotiation ended at {ends.isoformat()}; not escalated",
            )
            self._check(
                not (d.state == "decided" and d.appeal_by is not None and now >= d.appeal_by),
                f"DSP-6: {where}: the appeal window ended; the decision was not carried out",
            )
            offer = d.pending_offer
            self._check(
                offer is None
                or offer.reply_by is None
                or now < offer.reply_by
                or d.state not in TALKING,
                f"DSP-5: {where}: offer {offer} outlived its reply time",
            )
        end = f.protection_end()
        if f.state in ("shipped", "delivered") and d is None and end is not None:
            self._check(now < end, f"PRT-1: {where}: the protection period ended at {end}")
        if f.is_choice and f.paid_at is not None and f.delivered_at is None:
            reshipped = any((x.outcome or {}).get("kind") == "reshipment" for x in f.disputes)
            late = f.paid_at + days(p.choice_refund_after_days)
            if f.state in (*NOT_SHIPPED, "shipped", *PARCEL_BACK) and not reshipped:
                self._check(now < late, f"PRT-3: {where}: a Choice order undelivered at {late}")

    # ------------------------------------------------------------------ invariants

    @invariant()
    def ledger_and_rows_agree(self) -> None:
        """PRT-6 and the rows' consistency, by SQL, for every order of this example."""
        if not hasattr(self, "engine"):
            return
        self.report.invariant_checks += 1
        with self.engine.connect() as conn:
            orders = conn.execute(
                select(
                    t.orders.c.id,
                    t.orders.c.state,
                    t.orders.c.total_cents,
                    t.orders.c.paid_at,
                    t.orders.c.protection_ends_at,
                )
            ).all()
            money = money_by_order(conn)
            disputes: dict[int, list[tuple[str, Any]]] = {}
            for order_id, state, outcome, closed_at in conn.execute(
                select(
                    t.disputes.c.order_id,
                    t.disputes.c.state,
                    t.disputes.c.outcome,
                    t.disputes.c.closed_at,
                ).order_by(t.disputes.c.id)
            ):
                disputes.setdefault(int(order_id), []).append((state, (outcome, closed_at)))
            pending: dict[int, list[str]] = {}
            for order_id, kind in conn.execute(
                select(t.deadlines.c.order_id, t.deadlines.c.kind).where(
                    t.deadlines.c.status.in_(("pending", "claimed", "failed"))
                )
            ):
                pending.setdefault(int(order_id), []).append(str(kind))
            failed = conn.execute(
                select(t.deadlines.c.order_id, t.deadlines.c.kind, t.deadlines.c.last_error).where(
                    t.deadlines.c.last_error.is_not(None)
                )
            ).all()
            returning = {
                int(r.order_id): r.status
                for r in conn.execute(
                    select(t.returns.c.order_id, t.returns.c.status).order_by(t.returns.c.id)
                )
            }
        self._check(not failed, f"a deadline failed: {failed}")
        for o in orders:
            m = money.get(int(o.id), Money())
            where = f"order {o.id} ({o.state})"
            ds = disputes.get(int(o.id), [])
            open_ds = [s for s, _ in ds if s in OPEN_DISPUTE]
            kinds = pending.get(int(o.id), [])
            self._check(
                m.paid == m.held + m.released + m.refunded,
                f"PRT-6: {where}: paid != held + released + refunded: {m}",
            )
            self._check(
                min(m.paid, m.held, m.released, m.refunded) >= 0,
                f"PRT-6: {where}: an account is negative: {m}",
            )
            self._check(m.clearing == 0, f"PRT-6: {where}: money left in clearing: {m}")
            self._check(
                m.refund_rows_total == m.refunded,
                f"PRT-6: {where}: refund rows total {m.refund_rows_total} != {m}",
            )
            self._check(
                m.refunded <= m.paid and m.largest_refund_row <= m.paid,
                f"PRT-6: {where}: more refunded than paid: {m}",
            )
            self._check(m.paid in (0, o.total_cents), f"{where}: paid {m.paid} of {o.total_cents}")
            self._check(len(open_ds) <= 1, f"{where}: {len(open_ds)} open disputes")
            if open_ds:
                self._check(
                    m.released == 0,
                    f"PRT-4: {where}: a dispute is open while {m.released} is released",
                )
            if o.state == "received":
                self._check(m.paid == 0, f"{where}: money on an unpaid order: {m}")
            if o.state in ALL_HELD:
                self._check(
                    m.held == m.paid == o.total_cents,
                    f"PRT-1: {where}: not everything paid is held: {m}",
                )
            if o.state in CLOSED_WITHOUT_DELIVERY:
                self._check(
                    m.held == 0 and m.released == 0,
                    f"{where}: a closed order still holds or paid out money: {m}",
                )
                self._check(not kinds, f"{where}: deadlines left on a closed order: {kinds}")
                self._check(not open_ds, f"{where}: a dispute is still open on a closed order")
            if o.state == "completed" and not open_ds:
                self._check(m.held == 0, f"{where}: completed, nothing disputed, yet held: {m}")
                self._check(not kinds, f"{where}: deadlines left on a completed order: {kinds}")
            if o.state == "returning":
                self._check(
                    m.released == 0 and m.held > 0,
                    f"{where}: a return is under way but the money is not held: {m}",
                )
                self._check(
                    returning.get(int(o.id)) in ("awaiting_shipment", "shipped_back"),
                    f"{where}: no open return row",
                )
            dispute_kinds = [k for k in kinds if k.startswith("dispute_")]
            self._check(
                not dispute_kinds or bool(open_ds),
                f"{where}: dispute deadlines {dispute_kinds} with no open dispute",
            )
            return_kinds = [k for k in kinds if k.startswith("return_")]
            self._check(
                not return_kinds or o.state == "returning",
                f"{where}: return deadlines {return_kinds} without a return",
            )
            if o.paid_at is not None:
                start = o.paid_at
                for _state, (outcome, closed_at) in ds:
                    if outcome and outcome.get("kind") == "reshipment" and closed_at:
                        start = closed_at
                # category from the row would need another query; the period is checked
                # against the ones the policy knows
                allowed_ends = {start + days(n) for n in POLICY.protection_days.values()}
                self._check(
                    o.protection_ends_at in allowed_ends,
                    f"PRT-2: {where}: protection ends {o.protection_ends_at}, "
                    f"not a policy period after {start}",
                )

    @invariant()
    def rows_agree_with_the_model(self) -> None:
        """What the rows must say besides the money: closed things are closed, and every
        deadline the model expects is pending, at the time the policy gives."""
        if not hasattr(self, "engine"):
            return
        p = POLICY
        with self.engine.connect() as conn:
            orders = {int(r.id): r for r in conn.execute(select(t.orders))}
            history: dict[int, list[Any]] = {}
            recovered: Counter[int] = Counter()
            for r in conn.execute(select(t.disputes).order_by(t.disputes.c.id)):
                history.setdefault(int(r.order_id), []).append(r)
                recovered[int(r.order_id)] += int(r.recovered_cents)
            recover_entries: Counter[int] = Counter()
            for order_id, amount in conn.execute(
                select(t.ledger_entries.c.order_id, t.ledger_entries.c.amount_cents).where(
                    t.ledger_entries.c.kind == "recover"
                )
            ):
                recover_entries[int(order_id)] += int(amount)
            offers: dict[int, list[Any]] = {}
            for r in conn.execute(select(t.dispute_offers).order_by(t.dispute_offers.c.seq)):
                offers.setdefault(int(r.dispute_id), []).append(r)
            open_requests = Counter(
                int(i)
                for i in conn.execute(
                    select(t.evidence_requests.c.dispute_id).where(
                        t.evidence_requests.c.status == "open"
                    )
                ).scalars()
            )
            due: dict[tuple[int, str], datetime] = {
                (int(r.order_id), str(r.kind)): r.due_at
                for r in conn.execute(
                    select(t.deadlines).where(t.deadlines.c.status.in_(("pending", "claimed")))
                )
            }
            returns = {
                int(r.order_id): r for r in conn.execute(select(t.returns).order_by(t.returns.c.id))
            }
            refunds = conn.execute(select(t.refunds)).all()
        for r in refunds:
            self._check(
                r.created_at.date() <= r.expected_from <= r.expected_to,
                f"PRT-5: refund {r.id} of order {r.order_id} expected from {r.expected_from} "
                f"to {r.expected_to}, made {r.created_at}",
            )
        for order_id, o in orders.items():
            where = f"order {order_id} ({o.state})"
            if o.state in CLOSED_WITHOUT_DELIVERY:
                self._check(o.closed_at is not None, f"{where}: closed without closed_at")
            if o.state == "completed":
                self._check(o.completed_at is not None, f"{where}: completed without a date")
            self._check(
                recovered[order_id] == recover_entries[order_id],
                f"PRT-4: {where}: disputes say {recovered[order_id]} was frozen from the "
                f"seller, the ledger {recover_entries[order_id]}",
            )
            want: dict[str, datetime | None] = {}
            d = history[order_id][-1] if order_id in history else None
            d_open = d is not None and d.state in OPEN_DISPUTE
            if d is not None:
                mine = offers.get(int(d.id), [])
                pending = [x for x in mine if x.status == "pending"]
                self._check(
                    len(pending) <= (1 if d_open else 0),
                    f"DSP-5: {where}: dispute {d.state} with pending offers {pending}",
                )
                self._check(
                    d_open or not open_requests[int(d.id)],
                    f"DSP-6: {where}: a {d.state} dispute has open evidence requests",
                )
                self._check(
                    (d.closed_at is None) == d_open and (d.outcome is None) == d_open,
                    f"{where}: dispute {d.state}, closed_at {d.closed_at}, outcome {d.outcome}",
                )
                if d.state == "awaiting_seller":
                    want["dispute_seller_answer"] = d.opened_at + hours(
                        p.dispute_seller_answer_hours
                    )
                if d.state == "negotiating":
                    want["dispute_escalation"] = d.opened_at + days(p.dispute_negotiation_days)
                if d.state == "decided":
                    assert d.decided_at is not None
                    want["dispute_appeal_window"] = d.decided_at + days(p.dispute_appeal_days)
                if d.state in TALKING and pending:
                    reply = pending[0].made_at + hours(p.dispute_offer_reply_hours)
                    want["dispute_offer_reply"] = reply
                if d.state in MEDIATION and open_requests[int(d.id)]:
                    want["dispute_evidence_due"] = None
            if o.state in ("shipped", "delivered") and not d_open:
                start = o.paid_at
                for x in history.get(order_id, []):
                    if x.outcome and x.outcome.get("kind") == "reshipment" and x.closed_at:
                        start = x.closed_at
                period = p.protection_days.get(o.product_category, p.protection_days["default"])
                want["protection_end"] = start + days(period)
            if o.state in NOT_SHIPPED:
                want["ship_by"] = None
            rr = returns.get(order_id)
            if o.state == "returning" and rr is not None:
                if rr.status == "awaiting_shipment":
                    want["return_ship_back"] = rr.created_at + days(p.return_ship_back_days)
                elif rr.status == "shipped_back":
                    want["return_confirm"] = rr.shipped_back_at + days(p.return_confirm_days)
            for kind, at in want.items():
                got = due.get((order_id, kind))
                self._check(
                    got is not None,
                    f"{where}: no pending '{kind}' deadline (the model expects one)",
                )
                self._check(
                    at is None or got == at, f"{where}: '{kind}' is due {got}, the policy says {at}"
                )


# ------------------------------------------------------------------------------ running it


def _evidence_service_present() -> bool:
    try:
        return importlib.util.find_spec("garant.services.evidence") is not None
    except ModuleNotFoundError:
        return False


def run_protection_check(
    database_url: str | None,
    steps: int,
    seed: int | None,
    *,
    steps_per_example: int | None = None,
    shrink: bool = True,
    on_start: Callable[[Report], None] | None = None,
) -> Report:
    """Run the state machine for about ``steps`` rule steps in total (``steps_per_example``
    each, default min(50, steps)). A seed makes the run reproducible; without one a random
    seed is drawn and reported. The report's ``failure`` holds hypothesis' shrunk failing
    sequence and the error when an invariant or a model check failed. ``on_start`` gets the
    report before the run (its method fields filled in)."""
    if steps < 1:
        raise ValueError("steps must be at least 1")
    per_example = steps_per_example or min(50, steps)
    examples = max(1, math.ceil(steps / per_example))
    chosen = seed if seed is not None else random.SystemRandom().randrange(2**32)
    databases = _databases(database_url)
    report = Report(
        database=databases.name,
        seed=chosen,
        seed_given=seed is not None,
        steps_asked=steps,
        steps_per_example=per_example,
        max_examples=examples,
    )
    present = _evidence_service_present()
    report.evidence = (
        "evidence rows inserted as uploaded by the acting party, attached through "
        "services.evidence.attachable"
        if present
        else "services.evidence absent: steps that need evidence (contest, provide_evidence, "
        "appeal) are only tried without it and must be refused"
    )
    run = _Run(databases=databases, report=report, evidence_service=present)
    if on_start is not None:
        on_start(report)  # the method, printed before the run
    phases = [Phase.generate, Phase.shrink] if shrink else [Phase.generate]
    settings = hsettings(
        max_examples=examples,
        stateful_step_count=per_example,
        deadline=None,
        database=None,
        derandomize=False,
        phases=phases,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.normal,
        report_multiple_bugs=False,
        print_blob=False,
    )
    factory = hypothesis.seed(chosen)(_machine_factory(run))
    lines: list[str] = []
    started = time.monotonic()
    try:
        with with_reporter(lambda value: lines.append(str(value))), _quiet_sweep_log():
            run_state_machine_as_test(factory, settings=settings)  # type: ignore[arg-type]
    except Exception as exc:  # the failure is the report's, printed by the caller
        notes = [n for n in getattr(exc, "__notes__", []) if n not in lines]
        if isinstance(exc, ModelViolation):
            where = traceback.extract_tb(exc.__traceback__)[-1]
            error = f"{type(exc).__name__}: {exc}\n  (raised at {where.filename}:{where.lineno})"
        else:  # a bug elsewhere: the whole traceback
            error = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        report.failure = "\n".join([*lines, *notes, error.rstrip()])
    finally:
        report.elapsed = time.monotonic() - started
        databases.close()
    return report


@contextmanager
def _quiet_sweep_log() -> Iterator[None]:
    """The sweep logs a deadline that failed with its traceback; the check reports it
    itself (and fails), so the log would only repeat it once per shrink attempt."""
    import logging

    log = logging.getLogger("garant.services.deadlines")
    before = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(before)


# ------------------------------------------------------------------------------ printing


def method_lines(report: Report) -> list[str]:
    seed = (
        f"{report.seed} (given)"
        if report.seed_given
        else f"{report.seed} (drawn at random; rerun with --seed {report.seed})"
    )
    paragraphs = [
        f"What runs: a hypothesis {hypothesis.__version__} RuleBasedStateMachine driving the "
        "real services (services.orders create_order / perform / settle_refund, "
        "services.disputes open_dispute / act, services.deadlines.sweep) on a real database, "
        "with a fixed clock that only the machine moves.",
        "Each example: an empty migrated database; 2 buyers, 2 sellers, an agent, an "
        "operator; 2-4 paid orders to begin with (some shipped or delivered), more created as "
        "the steps go (random total, shipping method, category, Choice or not).",
        "Actions: create+pay, verify, ship (valid S10 number; sometimes an earlier one), "
        "record_delivery, the parcel back (returned to sender / shipment cancelled) and the "
        "buyer's CAN-13 choice, confirm_receipt, request/approve cancellation, open_dispute "
        "(random reason, detail, resolution, amount), accept_request, contest, make_offer "
        "(amounts up to 120 % of the total), accept/reject offer, escalate, withdraw, "
        "provide/request evidence, decide (buyer/seller/split), accept_decision, appeal, "
        "ship/confirm the return, settle refunds, advance the clock (1 h to 40 days, or to "
        "the next deadline or window end, +-1 h), sweep the deadlines.",
        "Choice of step: 8 in 10 guided (an order and an action that makes sense for it now, "
        "orders with a dispute under way three times as often; or time, a sweep, a new "
        "order, a refund settled), 2 in 10 any action on any order. The person: mostly the "
        "right one; 1 in 10 a role that may not, 1 in 10 a buyer or seller of another order. "
        "Each attempt must succeed or be refused with a DomainError; anything else fails.",
        "Model (from the rows read back and the policy's numbers, not the domain's "
        "answers): must be refused - PRT-4 window closed (delivery + 15 d, or protection end "
        "+ 15 d), a second open dispute, a closed dispute's steps, an offer or decision above "
        "what can still be refunded, escalation before opened + 72 h, an appeal after "
        "appeal_by, without new evidence or after accepting, confirm_receipt while a dispute "
        "is open, a wrong person; must succeed - the right person, right state, inside the "
        "window, valid input, no deadline due. After a success: the money of each remedy, "
        "the dispute's dates.",
        "Invariants after every step (SQL over ledger_entries, refunds, disputes, offers, "
        "evidence requests, returns, deadlines, orders): PRT-6 paid = held + released + "
        "refunded, every account >= 0, clearing 0, refund rows total = refunded <= paid, paid "
        "0 or the total; everything held until receipt; closed orders hold nothing, have no "
        "deadline left and no open dispute; no released money while a dispute is open; at "
        "most one open dispute per order; money frozen by disputes = the ledger's recover "
        "entries; closed disputes closed (date, outcome, no pending offer or open request); "
        "every deadline the model expects pending at the policy's time (seller answer "
        "opened + 120 h, escalation opened + 10 d, offer reply + 72 h, appeal decided + 7 d, "
        "protection end, return ship-back / confirm + 15 d); refund windows well formed "
        "(PRT-5); no deadline failed. After every sweep: nothing left past its time.",
        f"Evidence: {report.evidence}.",
        f"Database: {report.database}",
        f"Steps: {report.steps_asked:,} asked = {report.max_examples} examples x "
        f"{report.steps_per_example} steps; seed {seed}",
        f"Machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores, "
        f"Python {platform.python_version()}",
    ]
    lines = ["Buyer-protection state machine (garant bench protection)"]
    for text_ in paragraphs:
        lines += textwrap.wrap(text_, width=100, initial_indent="  ", subsequent_indent="    ")
    return [*lines, ""]


def result_lines(report: Report) -> list[str]:
    lines = [
        f"Ran {report.steps:,} steps in {report.examples} examples in {report.elapsed:.1f} s "
        f"= {report.steps_per_second:,.1f} steps/s (all work counted: database setup per "
        "example, the actions, the model's reads and the invariants)",
        f"Invariants checked {report.invariant_checks:,} times; model predictions checked: "
        f"{report.must_refuse_checked:,} must-refuse, {report.must_succeed_checked:,} "
        "must-succeed",
        "",
    ]
    header = f"{'action':<24} {'tried':>7} {'succeeded':>10} {'refused':>8}  refusals by code"
    lines += [header, "-" * len(header)]
    for name, c in sorted(report.actions.items()):
        codes = ", ".join(f"{code} {n}" for code, n in c.refusals.most_common())
        lines.append(f"{name:<24} {c.tried:>7,} {c.succeeded:>10,} {c.refused:>8,}  {codes}")
    states = ", ".join(f"{s} {n}" for s, n in report.order_states.most_common())
    disputes = ", ".join(f"{s} {n}" for s, n in report.disputes.most_common()) or "none"
    lines += [
        "",
        f"Orders: {report.orders:,} (final states: {states})",
        f"Disputes: {sum(report.disputes.values()):,} (final states: {disputes})",
        f"Refunds: {report.refunds:,} rows, {report.refunds_settled:,} settled",
        f"Deadline sweeps: {report.sweeps:,} rounds, {report.deadlines_applied:,} deadlines "
        f"applied, {report.deadlines_obsolete:,} obsolete",
        "",
    ]
    if report.ok:
        lines.append("Result: OK — every invariant and model check held.")
    else:
        lines += ["Result: FAILED — the shrunk failing sequence:", "", report.failure or ""]
    return lines
