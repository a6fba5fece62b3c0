"""The machine's plumbing, shared by every action: the example's database, clock, app and
people; picking an order and a person; trying an action and checking it against the model
(ORD-3: a refusal changes nothing, ORD-4: a success leaves a version and a timeline entry);
checking a remedy was carried out. The actions and invariants are mixins over this class."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hypothesis.stateful import RuleBasedStateMachine
from sqlalchemy import func, insert, select, update

from garant.app import Garant
from garant.clock import FixedClock
from garant.domain.errors import DomainError
from garant.domain.orders import Actor
from garant.domain.transitions import Role
from garant.services import disputes as dispute_service
from garant.services import orders as order_service
from garant.services.users import create_user
from garant.settings import Settings
from garant.store import schema as t
from garant.tools.protection_check.choice import FITS, Seen
from garant.tools.protection_check.databases import Databases
from garant.tools.protection_check.expect import Expect, ModelViolation
from garant.tools.protection_check.facts import Facts, read_facts
from garant.tools.protection_check.report import Report
from garant.tools.protection_check.vocab import (
    AGENT,
    BUYER,
    OPERATOR,
    PARTIES,
    POLICY,
    SELLER,
    START,
    days,
)


@dataclass
class Run:
    """What every example of one run shares."""

    databases: Databases
    report: Report
    evidence_service: bool


class MachineCore(RuleBasedStateMachine):
    """One example's world and the helpers every action uses; no rules of its own."""

    def __init__(self, run: Run) -> None:
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

    def _perform(
        self, order_id: int, actor: Actor, action: str, params: dict[str, Any] | None = None
    ) -> None:
        order_service.perform(
            self.app, order_id=order_id, actor=actor, action=action, params=params or {}
        )

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
