"""The unit of work: every change to orders passes here.

It loads the orders under lock, lets due deadlines take effect first, runs the domain step,
collects what the step produced — coupon give-backs of orders that closed (CAN-12) and the
people to tell (``dispute_notifications``) — and saves it all with the versions checked
(``store.order_writes``). One order for a person's action (``act``), a whole batch for the
deadline sweep (``fire_claims``) and for tracking's order moves (``save_changes``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from garant.app import Garant
from garant.domain.errors import Conflict, NotFound
from garant.domain.orders import Actor, DeadlineKind, Order
from garant.domain.transitions import CLOSED, OrderState
from garant.services import coupons, dispute_notifications
from garant.store import deadlines as deadline_store
from garant.store import order_writes
from garant.store import orders as repo
from garant.store.db import Connection
from garant.store.deadlines import Claimed

Step = Callable[[Connection, Order, datetime], Any]

_CLOSED_UNDELIVERED = (OrderState.CANCELLED, OrderState.UNFULFILLABLE, OrderState.ABANDONED)
# Deadlines that fall due one after the other (a cancellation answer, then the ship-by…)
# are applied in rounds before an action; a state that kept calling for more is a bug.
_MAX_DEADLINE_ROUNDS = 5


@dataclass
class Loaded:
    """An order as loaded, with what the save needs to know of its state then."""

    order: Order
    was_closed: bool = field(init=False)
    row: dict[str, Any] = field(init=False)  # the order's columns as read

    def __post_init__(self) -> None:
        self.was_closed = self.order.state in CLOSED
        self.row = repo.row_values(self.order)


def load_visible(conn: Connection, order_id: int, actor: Actor, *, lock: bool = False) -> Order:
    """The order, if this caller may see it; otherwise NotFound (never a hint it exists)."""
    try:
        order = repo.load(conn, order_id, lock=lock)
    except repo.OrderNotFound:
        raise NotFound(f"order {order_id} not found") from None
    if not order.is_party(actor):
        raise NotFound(f"order {order_id} not found")
    return order


def save_changes(conn: Connection, loaded: Sequence[Loaded], now: datetime) -> None:
    """Collect what the steps produced and save the orders, in the caller's transaction."""
    if not loaded:
        return
    closing = [
        item.order
        for item in loaded
        if item.order.state in _CLOSED_UNDELIVERED and not item.was_closed
    ]
    coupons.give_back(conn, closing, now)  # its outcomes go on the timeline: before the notes
    messages = [
        message
        for item in loaded
        for message in dispute_notifications.messages_for(item.order, item.order.new_timeline)
    ]
    order_writes.save_many(
        conn,
        [item.order for item in loaded],
        now,
        messages,
        read_as={item.order.id: item.row for item in loaded if item.order.id is not None},
    )


def fire_due(order: Order, now: datetime) -> bool:
    """Let the deadlines already due take effect, in their order; True when one did."""
    due = sorted((d for d in order.deadlines() if d.due_at <= now), key=lambda d: d.due_at)
    applied = False
    for deadline in due:
        applied |= order.on_deadline(deadline.kind, now)
    return applied


def act(
    app: Garant,
    *,
    order_id: int,
    actor: Actor,
    expected_version: int | None,
    step: Step,
    after_save: Step | None = None,
) -> Any:
    """One caller's action on one order, in one transaction under the order's lock, saved with
    its version checked (409 on a race).

    A deadline takes effect at its time, not when a worker gets to it: when the action arrives
    after the 72 h (or the ship-by), the due effect is saved and committed first, and the
    action is then judged on the result (a late approval finds the order already cancelled).
    """
    now = app.clock.now()
    rounds = 0
    while True:
        with app.engine.begin() as conn:
            order = load_visible(conn, order_id, actor, lock=True)
            loaded = Loaded(order)
            if rounds < _MAX_DEADLINE_ROUNDS and fire_due(order, now):
                rounds += 1
                save_changes(conn, [loaded], now)
                if expected_version is not None:
                    expected_version += 1
                continue
            if expected_version is not None and expected_version != order.version:
                raise Conflict(
                    f"order {order_id} has changed (version {order.version}, you had "
                    f"{expected_version}); reload it and try again",
                    state=order.state.value,
                    version=order.version,
                    allowed_actions=order.allowed_actions(actor),
                )
            result = step(conn, order, now)
            try:
                save_changes(conn, [loaded], now)
            except repo.VersionConflict as exc:
                raise Conflict(str(exc), state=order.state.value) from None
            if after_save is not None:
                after_save(conn, order, now)
            return result


@dataclass
class BatchOutcome:
    """What became of each claimed deadline row of a batch."""

    applied: list[int] = field(default_factory=list)
    obsolete: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)  # another worker took the claim over
    failed: dict[int, str] = field(default_factory=dict)  # deadline id → error


def fire_claims(
    conn: Connection, claims: Sequence[Claimed], worker: str, now: datetime
) -> BatchOutcome:
    """Fire a batch of claimed deadlines in the caller's transaction, in a fixed number of
    statements: load every order at once under lock (the orders' locks before the deadline
    rows', as every API call takes them), keep the claims still ours, decide in the domain,
    save the changed orders together and settle the rows together.

    A step that raises leaves its order out of the save (its claims are reported failed);
    the rest of the batch goes on."""
    out = BatchOutcome()
    orders = repo.load_many(conn, [c.order_id for c in claims], lock=True)
    mine = deadline_store.still_mine(conn, [c.id for c in claims], worker)
    by_order: dict[int, list[Claimed]] = {}
    for claim in claims:
        if claim.id not in mine:
            out.lost.append(claim.id)
        else:
            by_order.setdefault(claim.order_id, []).append(claim)
    changed: list[Loaded] = []
    outcomes: dict[int, bool] = {}
    for order_id, order_claims in by_order.items():
        order = orders.get(order_id)
        if order is None:  # pragma: no cover - a deadline row outlives no order (foreign key)
            out.failed.update({c.id: f"order {order_id} not found" for c in order_claims})
            continue
        loaded = Loaded(order)
        try:
            fired = {c.id: order.on_deadline(DeadlineKind(c.kind), now) for c in order_claims}
        except Exception as exc:  # one bad order must not sink the batch
            out.failed.update({c.id: f"{type(exc).__name__}: {exc}" for c in order_claims})
            continue
        outcomes.update(fired)
        if any(fired.values()):
            changed.append(loaded)
    save_changes(conn, changed, now)
    if deadline_store.finish(conn, outcomes, worker, now) != len(outcomes):
        # Our rows are locked (PostgreSQL) or the database has one writer (SQLite): this
        # cannot happen unless something edits the rows behind the workers' backs.
        raise LostClaims(sorted(outcomes))
    for deadline_id, applied in outcomes.items():
        (out.applied if applied else out.obsolete).append(deadline_id)
    return out


class LostClaims(Exception):
    """Rolls the batch back: some of its claims are no longer ours."""


def orders_of(claims: Iterable[Claimed]) -> list[list[Claimed]]:
    """The claims grouped by order, for handling orders one at a time after a batch failed."""
    groups: dict[int, list[Claimed]] = {}
    for claim in claims:
        groups.setdefault(claim.order_id, []).append(claim)
    return list(groups.values())
