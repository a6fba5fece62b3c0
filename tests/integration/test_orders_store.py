"""The store on both databases: migrations, the append-only audit trail (ORD-4), refusals that
change nothing (ORD-3), optimistic concurrency, policy versions, listings and views."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, inspect, select, text
from sqlalchemy.exc import DBAPIError

from garant.app import Garant
from garant.clock import FixedClock, SandboxClock, add_offset
from garant.domain.errors import (
    CancellationImpossible,
    ConfirmationRequired,
    Conflict,
    DomainError,
    IllegalTransition,
    InvalidInput,
    NotFound,
    RoleNotAllowed,
)
from garant.domain.policy import DEFAULT_POLICY
from garant.services.deadlines import sweep
from garant.services.order_lists import order_summaries
from garant.services.orders import perform
from garant.services.views import order_view
from garant.store import order_writes
from garant.store import orders as repo
from garant.store import schema as t
from garant.store.db import make_engine
from garant.store.migrate import alembic_config, upgrade
from garant.store.policies import publish_policy

from .helpers import (
    Parties,
    act,
    assert_ledger_balanced,
    create_order,
    create_paid_order,
    deadline_rows,
    make_buyer,
    make_parties,
    make_user,
    order_row,
    outbox_topics,
    s10_number,
    snapshot,
    timeline_actions,
)

APPEND_ONLY = ("timeline", "ledger_entries")
TRIGGERS = {
    "sqlite": {
        "timeline_no_update",
        "timeline_no_delete",
        "ledger_entries_no_update",
        "ledger_entries_no_delete",
        "messages_no_update",
        "messages_no_delete",
    },
    "postgresql": {"timeline_append_only", "ledger_entries_append_only", "messages_append_only"},
}


def _downgrade_to_base(engine: Engine) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")


def _triggers(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        return set(conn.execute(text(query)).scalars())


def _schema_drift(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, t.metadata))


# ----------------------------------------------------------------------------- migrations


def test_migrations_build_the_schema_from_an_empty_database(app: Garant, tmp_path: Any) -> None:
    """Upgrade head on an empty database gives exactly the tables of ``schema.py`` and the
    append-only triggers; downgrade base removes everything; upgrade head works again."""
    engine = app.engine
    dialect = engine.dialect.name
    expected_tables = {*t.metadata.tables, "alembic_version"}
    if dialect == "sqlite":
        # A brand-new file, never touched by the fixtures.
        fresh = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        assert inspect(fresh).get_table_names() == []
        upgrade(fresh)
        assert set(inspect(fresh).get_table_names()) == expected_tables
        assert _schema_drift(fresh) == []
        assert _triggers(fresh) == TRIGGERS["sqlite"]
        fresh.dispose()

    assert set(inspect(engine).get_table_names()) == expected_tables
    assert _schema_drift(engine) == []
    assert _triggers(engine) == TRIGGERS[dialect]

    _downgrade_to_base(engine)
    assert inspect(engine).get_table_names() == ["alembic_version"]
    assert _triggers(engine) == set()

    upgrade(engine)
    assert set(inspect(engine).get_table_names()) == expected_tables
    assert _schema_drift(engine) == []
    assert _triggers(engine) == TRIGGERS[dialect]
    with engine.connect() as conn:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head

    # The rebuilt schema works: an order can be placed, paid and its ledger is refused edits.
    p = make_parties(app)
    order_id = create_paid_order(app, p)
    assert order_row(app, order_id)["state"] == "paid"
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries"))


# ----------------------------------------------------------------------------- ORD-4


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_ord4_timeline_and_ledger_refuse_update_and_delete(app: Garant, table: str) -> None:
    p = make_parties(app)
    order_id = create_paid_order(app, p)
    column = "at" if table == "timeline" else "created_at"
    statements = [
        f"UPDATE {table} SET {column} = {column} WHERE order_id = :order_id",
        f"UPDATE {table} SET order_id = order_id",
        f"DELETE FROM {table} WHERE order_id = :order_id",
        f"DELETE FROM {table}",
    ]
    before = snapshot(app, order_id)
    with app.engine.connect() as conn:
        rows_before = conn.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
    assert len(rows_before) == (3 if table == "timeline" else 2)

    for statement in statements:
        with pytest.raises(DBAPIError, match=f"{table} is append-only"), app.engine.begin() as c:
            c.execute(text(statement), {"order_id": order_id})
        with app.engine.connect() as conn:
            assert conn.execute(text(f"SELECT * FROM {table} ORDER BY id")).all() == rows_before
    assert snapshot(app, order_id) == before


def test_ord4_every_change_appends_to_the_timeline_with_one_outbox_message(
    app: Garant, clock: FixedClock
) -> None:
    """Who, what, when, why: earlier entries never change; each entry has its outbox row."""
    p = make_parties(app)
    order_id = create_order(app, p)
    seen: list[dict[str, Any]] = []

    def check() -> None:
        with app.engine.connect() as conn:
            entries = repo.timeline_of(conn, order_id)
        assert entries[: len(seen)] == seen  # append-only: the past is untouched
        assert len(entries) > len(seen)
        seen[:] = entries
        assert outbox_topics(app, order_id) == [f"order.{e['action']}" for e in entries]

    check()
    clock.advance(timedelta(minutes=5))
    act(app, order_id, p.seller, "update_amount", new_total="30.00", reason="port")
    check()
    act(app, order_id, p.operator, "pay", amount="30.00", verified=True)
    check()
    clock.advance(timedelta(hours=1))
    act(app, order_id, p.buyer, "request_cancellation", reason="other_reasons", note="trop long")
    check()
    act(app, order_id, p.seller, "approve_cancellation")
    check()

    assert [(e["action"], e["actor_role"], e["actor_id"], e["at"]) for e in seen] == [
        (
            "order_placed",
            "operator",
            p.operator.user_id,
            clock.now() - timedelta(hours=1, minutes=5),
        ),
        ("update_amount", "seller", p.seller.user_id, clock.now() - timedelta(hours=1)),
        ("pay", "operator", p.operator.user_id, clock.now() - timedelta(hours=1)),
        ("verify_payment", "operator", p.operator.user_id, clock.now() - timedelta(hours=1)),
        ("request_cancellation", "buyer", p.buyer.user_id, clock.now()),
        ("approve_cancellation", "seller", p.seller.user_id, clock.now()),
        ("refund_started", "seller", p.seller.user_id, clock.now()),
    ]
    assert seen[1]["reason"] == "port"
    assert seen[1]["data"] == {"old_amount": "25.00", "new_amount": "30.00"}
    assert seen[4]["reason"] == "other_reasons"
    assert seen[4]["data"]["note"] == "trop long"
    with app.engine.connect() as conn:
        payloads = (
            conn.execute(
                select(t.outbox.c.payload)
                .where(t.outbox.c.order_id == order_id)
                .order_by(t.outbox.c.id)
            )
            .scalars()
            .all()
        )
    assert payloads[-1]["type"] == "order.refund_started"
    assert payloads[-1]["state"] == "cancelled"
    assert payloads[-1]["data"]["amount"] == "30.00"


def test_ord4_outbox_is_written_in_the_same_transaction(
    app: Garant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after the timeline and outbox rows were written rolls all of them back."""
    p = make_parties(app)
    order_id = create_paid_order(app, p)
    before = snapshot(app, order_id)

    def broken_sync(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("garant.store.deadlines.sync_many", broken_sync)
    with pytest.raises(RuntimeError, match="disk full"):
        act(app, order_id, p.buyer, "request_cancellation", reason="other_reasons")
    assert snapshot(app, order_id) == before

    monkeypatch.undo()
    act(app, order_id, p.buyer, "request_cancellation", reason="other_reasons")
    after = snapshot(app, order_id)
    assert (after.timeline, after.outbox) == (before.timeline + 1, before.outbox + 1)


# ----------------------------------------------------------------------------- ORD-3 refusals


@dataclass(frozen=True)
class Refusal:
    start: str  # unpaid | unverified | paid | requested | shipped
    who: str  # buyer | seller | agent | operator | other_buyer | other_seller
    action: str
    params: dict[str, Any]
    error: type[DomainError]
    code: str
    message: str


# fmt: off
REFUSALS = {
    # ORD-3: illegal transitions name the state and the allowed actions.
    "ord3_ship_unpaid": Refusal(
        "unpaid", "seller", "ship", {"tracking_number": s10_number()}, IllegalTransition,
        "illegal_transition", "'ship' is not allowed while the order is 'received'",
    ),
    "ord3_confirm_receipt_before_shipping": Refusal(
        "paid", "buyer", "confirm_receipt", {}, IllegalTransition, "illegal_transition",
        "Allowed now: request_cancellation.",
    ),
    "ord3_approve_without_request": Refusal(
        "paid", "seller", "approve_cancellation", {}, IllegalTransition, "illegal_transition",
        "there is no open cancellation request",
    ),
    "can2_second_request_while_one_is_open": Refusal(
        "requested", "buyer", "request_cancellation", {"reason": "other_reasons"},
        IllegalTransition, "illegal_transition", "already waiting for the seller",
    ),
    "can2_ship_while_request_open": Refusal(
        "requested", "seller", "ship", {"tracking_number": s10_number()}, IllegalTransition,
        "illegal_transition", "answer the buyer's cancellation request first",
    ),
    "can1_cancel_paid_order_directly": Refusal(
        "paid", "buyer", "cancel", {"confirm": True}, IllegalTransition, "illegal_transition",
        "'cancel' is not allowed while the order is 'paid'",
    ),
    "can1_cancel_without_confirmation": Refusal(
        "unpaid", "buyer", "cancel", {}, ConfirmationRequired, "confirmation_required",
        "confirm it",
    ),
    "can6_cancel_after_shipment": Refusal(
        "shipped", "buyer", "request_cancellation", {"reason": "other_reasons"},
        CancellationImpossible, "cancellation_impossible_after_shipment",
        "has already been shipped",
    ),
    # Wrong role.
    "can9_seller_cannot_cancel": Refusal(
        "paid", "seller", "cancel", {"confirm": True}, RoleNotAllowed, "role_not_allowed",
        "a seller cannot do this",
    ),
    "ord3_buyer_cannot_approve": Refusal(
        "requested", "buyer", "approve_cancellation", {}, RoleNotAllowed,
        "role_not_allowed", "a buyer cannot do this",
    ),
    "ord3_buyer_cannot_pay_for_the_platform": Refusal(
        "unpaid", "buyer", "pay", {"amount": "25.00"}, RoleNotAllowed, "role_not_allowed",
        "a buyer cannot do this",
    ),
    "can10_buyer_cannot_security_cancel": Refusal(
        "paid", "buyer", "security_cancel", {"reason": "payment_unverified"}, RoleNotAllowed,
        "role_not_allowed", "a buyer cannot do this",
    ),
    "can10_seller_cannot_security_cancel": Refusal(
        "unpaid", "seller", "security_cancel", {"reason": "payment_unverified"},
        RoleNotAllowed, "role_not_allowed", "a seller cannot do this",
    ),
    "system_only_action": Refusal(
        "requested", "seller", "expire_cancellation_request", {}, InvalidInput, "invalid_input",
        "happens automatically at its deadline",
    ),
    "unknown_action": Refusal(
        "paid", "seller", "teleport", {}, InvalidInput, "invalid_input", "unknown action",
    ),
    # Someone else's order: not found, never a hint that it exists.
    "other_buyers_order": Refusal(
        "requested", "other_buyer", "withdraw_cancellation", {}, NotFound, "not_found",
        "not found",
    ),
    "other_sellers_order": Refusal(
        "requested", "other_seller", "approve_cancellation", {}, NotFound, "not_found",
        "not found",
    ),
    # Bad amounts.
    "ord5_negative_amount": Refusal(
        "unpaid", "seller", "update_amount", {"new_total": "-5.00"}, InvalidInput,
        "invalid_input", "cannot be negative",
    ),
    "ord5_three_decimals": Refusal(
        "unpaid", "seller", "update_amount", {"new_total": "12.345"}, InvalidInput,
        "invalid_input", "at most two decimals",
    ),
    "ord5_float_amount": Refusal(
        "unpaid", "seller", "update_amount", {"new_total": 12.5}, InvalidInput, "invalid_input",
        "give the amount as a string",
    ),
    "prt6_payment_three_decimals": Refusal(
        "unpaid", "operator", "pay", {"amount": "25.001"}, InvalidInput, "invalid_input",
        "at most two decimals",
    ),
    "prt6_payment_not_the_total": Refusal(
        "unpaid", "operator", "pay", {"amount": "24.99"}, InvalidInput, "invalid_input",
        "must equal the order total",
    ),
    # Unknown reason codes.
    "can2_unknown_reason": Refusal(
        "paid", "buyer", "request_cancellation", {"reason": "bored"}, InvalidInput,
        "invalid_input", "unknown reason 'bored'",
    ),
    "can10_unknown_security_reason": Refusal(
        "paid", "agent", "security_cancel", {"reason": "vibes"}, InvalidInput, "invalid_input",
        "unknown security reason 'vibes'",
    ),
    "ord5_unknown_unfulfillable_reason": Refusal(
        "paid", "seller", "mark_unfulfillable", {"reason": "lazy"}, InvalidInput,
        "invalid_input", "unknown reason 'lazy'",
    ),
    # Bad tracking numbers and extensions.
    "can5_decline_without_a_real_tracking_number": Refusal(
        "requested", "seller", "decline_cancellation", {"tracking_number": "HELLO"},
        InvalidInput, "invalid_input", "not a tracking number",
    ),
    "can8_extension_of_zero_days": Refusal(
        "paid", "seller", "request_extension", {"days": 0}, InvalidInput, "invalid_input",
        "an extension is 1 to 30 days",
    ),
    "can8_extension_too_long": Refusal(
        "paid", "seller", "request_extension", {"days": 31}, InvalidInput, "invalid_input",
        "an extension is 1 to 30 days",
    ),
    "can8_buyer_accepts_nothing": Refusal(
        "paid", "buyer", "accept_extension", {}, IllegalTransition, "illegal_transition",
        "the seller has not asked for an extension",
    ),
}
# fmt: on


def _start(app: Garant, p: Parties, start: str) -> int:
    if start == "unpaid":
        return create_order(app, p)
    order_id = create_paid_order(app, p, verified=start != "unverified")
    if start == "requested":
        act(app, order_id, p.buyer, "request_cancellation", reason="no_longer_needed")
    elif start == "shipped":
        act(app, order_id, p.seller, "ship", tracking_number=s10_number())
    return order_id


STARTS = sorted({case.start for case in REFUSALS.values()})


@pytest.mark.parametrize("start", STARTS)
def test_ord3_refusals_change_nothing(app: Garant, start: str) -> None:
    """Every refusal of ``REFUSALS`` that starts from this state: the exact error, and the
    order row, timeline, ledger, refunds, outbox, deadlines, request and coupons untouched."""
    p = make_parties(app)
    order_id = _start(app, p, start)
    cases = {name: case for name, case in REFUSALS.items() if case.start == start}
    strangers = {case.who for case in cases.values()} & {"other_buyer", "other_seller"}
    actors = {
        "buyer": p.buyer,
        "seller": p.seller,
        "agent": p.agent,
        "operator": p.operator,
        **{who: make_user(app, who.removeprefix("other_")) for who in strangers},
    }
    before = snapshot(app, order_id)

    for name, case in cases.items():
        with pytest.raises(case.error, match=re.escape(case.message)) as e:
            perform(
                app,
                order_id=order_id,
                actor=actors[case.who],
                action=case.action,
                params=case.params,
            )
        assert type(e.value) is case.error, name
        assert e.value.code == case.code, name
        if isinstance(e.value, IllegalTransition):
            assert e.value.state == order_row(app, order_id)["state"], name
            assert e.value.context["allowed_actions"] == e.value.allowed, name
        if isinstance(e.value, CancellationImpossible):
            assert e.value.context["remedies"] == ["contact_seller", "return", "dispute"], name
        assert snapshot(app, order_id) == before, name
    assert_ledger_balanced(app, order_id)


def test_ord3_unknown_order_is_not_found_for_everyone(app: Garant) -> None:
    p = make_parties(app)
    for actor in (p.buyer, p.seller, p.agent, p.operator):
        with pytest.raises(NotFound, match="order 999 not found"):
            perform(app, order_id=999, actor=actor, action="cancel", params={"confirm": True})
        with pytest.raises(NotFound, match="order 999 not found"):
            order_view(app, 999, actor)


# ----------------------------------------------------------------------------- concurrency


def test_ord3_stale_expected_version_is_a_conflict_and_changes_nothing(app: Garant) -> None:
    p = make_parties(app)
    order_id = create_paid_order(app, p)
    seen = order_view(app, order_id, p.seller)["version"]
    act(app, order_id, p.buyer, "request_cancellation", reason="other_reasons")
    before = snapshot(app, order_id)
    current = order_row(app, order_id)["version"]
    assert current == seen + 1

    with pytest.raises(Conflict) as e:
        perform(
            app,
            order_id=order_id,
            actor=p.seller,
            action="approve_cancellation",
            params={},
            expected_version=seen,
        )
    assert e.value.code == "version_conflict"
    assert e.value.http_status == 409
    assert e.value.context == {
        "state": "paid",
        "version": current,
        "allowed_actions": [
            "request_details",
            "mark_unfulfillable",
            "mark_prepared",
            "consolidate",
            "publish_invoice",
            "approve_cancellation",
            "decline_cancellation",
            "request_extension",
        ],
    }
    assert snapshot(app, order_id) == before

    # With the version it really read, the same call goes through.
    perform(
        app,
        order_id=order_id,
        actor=p.seller,
        action="approve_cancellation",
        params={},
        expected_version=current,
    )
    assert order_row(app, order_id)["version"] == current + 1
    assert order_row(app, order_id)["state"] == "cancelled"


def test_ord3_repository_refuses_to_save_a_stale_order(app: Garant, clock: FixedClock) -> None:
    """Two readers, one writer wins: the second save raises VersionConflict, writes nothing."""
    p = make_parties(app)
    order_id = create_paid_order(app, p)
    with app.engine.connect() as conn:
        stale = repo.load(conn, order_id)
    act(app, order_id, p.seller, "mark_prepared")
    before = snapshot(app, order_id)

    stale.request_cancellation(p.buyer, clock.now(), "other_reasons")
    with pytest.raises(repo.VersionConflict) as e, app.engine.begin() as conn:
        order_writes.save_many(conn, [stale], clock.now())
    assert (e.value.expected, e.value.current) == (2, 3)
    assert snapshot(app, order_id) == before


# ----------------------------------------------------------------------------- policy


def test_can2_new_policy_applies_to_new_orders_running_order_keeps_72h(
    app: Garant, clock: FixedClock
) -> None:
    p = make_parties(app)
    running = create_paid_order(app, p)
    with app.engine.begin() as conn:
        publish_policy(conn, DEFAULT_POLICY.with_changes(seller_answer_hours=48), clock.now())
    new = create_paid_order(app, p)
    assert order_row(app, running)["policy_version"] == 1
    assert order_row(app, new)["policy_version"] == 2

    requested_at = clock.now()
    act(app, running, p.buyer, "request_cancellation", reason="other_reasons")
    act(app, new, p.buyer, "request_cancellation", reason="other_reasons")
    assert deadline_rows(app, running)["seller_answer"] == (
        "pending",
        requested_at + timedelta(hours=72),
    )
    assert deadline_rows(app, new)["seller_answer"] == (
        "pending",
        requested_at + timedelta(hours=48),
    )
    assert order_view(app, new, p.buyer)["policy_version"] == 2

    clock.advance(timedelta(hours=48))
    assert sweep(app, "w1").applied == 1
    assert order_row(app, new)["state"] == "cancelled"
    assert order_row(app, running)["state"] == "paid"
    clock.advance(timedelta(hours=24))
    assert sweep(app, "w1").applied == 1
    assert order_row(app, running)["state"] == "cancelled"


def test_policy_versions_are_read_from_the_database_they_belong_to(
    app: Garant, clock: FixedClock
) -> None:
    """A rebuilt database may hold a different policy under the same version number: orders
    must follow what the database says, not what an earlier read of another database said."""
    p = make_parties(app)
    with app.engine.begin() as conn:
        publish_policy(conn, DEFAULT_POLICY.with_changes(seller_answer_hours=48), clock.now())
    first = create_paid_order(app, p)
    act(app, first, p.buyer, "request_cancellation", reason="other_reasons")
    assert deadline_rows(app, first)["seller_answer"][1] == clock.now() + timedelta(hours=48)

    _downgrade_to_base(app.engine)
    upgrade(app.engine)

    p = make_parties(app)
    with app.engine.begin() as conn:
        publish_policy(conn, DEFAULT_POLICY.with_changes(seller_answer_hours=24), clock.now())
    second = create_paid_order(app, p)
    assert order_row(app, second)["policy_version"] == 2
    act(app, second, p.buyer, "request_cancellation", reason="other_reasons")
    assert deadline_rows(app, second)["seller_answer"][1] == clock.now() + timedelta(hours=24)


# ----------------------------------------------------------------------------- reading


def list_orders(app: Garant, **kw: Any) -> tuple[list[int], int | None]:
    """The ids of one page of summaries, and its cursor."""
    state = kw.pop("state", None)
    items, cursor = order_summaries(app, states=[state] if state else None, **kw)
    return [i["id"] for i in items], cursor


def test_list_orders_shows_each_party_only_its_own_newest_first(app: Garant) -> None:
    p = make_parties(app)
    other_buyer = make_buyer(app)
    mine = [create_order(app, p) for _ in range(3)]
    theirs = create_order(app, p, buyer=other_buyer)
    act(app, mine[0], p.buyer, "cancel", confirm=True)

    assert list_orders(app, actor=p.buyer, limit=2) == ([mine[2], mine[1]], mine[1])
    assert list_orders(app, actor=p.buyer, limit=2, cursor=mine[1]) == ([mine[0]], None)
    assert list_orders(app, actor=p.buyer, state="cancelled") == ([mine[0]], None)
    assert list_orders(app, actor=other_buyer) == ([theirs], None)
    assert list_orders(app, actor=p.seller) == ([theirs, *reversed(mine)], None)
    assert list_orders(app, actor=p.agent) == ([theirs, *reversed(mine)], None)
    with pytest.raises(InvalidInput, match="unknown state 'lost'"):
        list_orders(app, actor=p.buyer, state="lost")
    with pytest.raises(InvalidInput, match="limit must be between 1 and 500"):
        list_orders(app, actor=p.buyer, limit=0)
    with pytest.raises(NotFound):
        order_view(app, theirs, p.buyer)


VIEWS: dict[str, Callable[[Garant, Parties], int]] = {
    "unpaid": lambda app, p: create_order(app, p),
    "paid": lambda app, p: create_paid_order(app, p),
}


@pytest.mark.parametrize("start", VIEWS)
def test_ord2_view_shows_status_allowed_actions_and_deadlines(
    app: Garant, clock: FixedClock, start: str
) -> None:
    p = make_parties(app)
    order_id = VIEWS[start](app, p)
    view = order_view(app, order_id, p.buyer)
    if start == "unpaid":
        assert view["status"]["code"] == "received"
        assert view["allowed_actions"] == ["cancel"]
        assert [(d["kind"], d["due_at"]) for d in view["deadlines"]] == [
            ("abandon_unpaid", (clock.now() + timedelta(hours=72)).isoformat())
        ]
        assert view["money"] == {
            "paid": "0.00",
            "held": "0.00",
            "released": "0.00",
            "refunded": "0.00",
        }
    else:
        assert view["status"] == {
            "code": "purchased",
            "fr": "Achat effectué",
            "en": "Purchase complete",
        }
        assert view["allowed_actions"] == ["request_cancellation"]
        assert [(d["kind"], d["seconds_left"]) for d in view["deadlines"]] == [
            ("ship_by", 120 * 3600)
        ]
        assert view["money"] == {
            "paid": "25.00",
            "held": "25.00",
            "released": "0.00",
            "refunded": "0.00",
        }


# ----------------------------------------------------------------------------- sandbox clock


def test_services_run_on_the_sandbox_clock_and_follow_its_offset(app: Garant, db_url: str) -> None:
    """The sandbox clock reads its offset from the database: no service may ask for the time
    while its own transaction holds SQLite's write lock (it would wait for itself)."""
    engine = make_engine(db_url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _fail_fast(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA busy_timeout=2000")  # 2 s, not 30, to fail fast

    sandbox = Garant(settings=app.settings, engine=engine, clock=SandboxClock(engine))
    try:
        p = make_parties(sandbox)
        order_id = create_paid_order(sandbox, p)
        act(sandbox, order_id, p.buyer, "request_cancellation", reason="other_reasons")
        view = order_view(sandbox, order_id, p.buyer)
        assert view["cancellation_request"]["status"] == "open"
        answer_by = datetime.fromisoformat(view["cancellation_request"]["answer_by"])

        with engine.begin() as conn:  # what `garant clock advance 73h` does
            add_offset(conn, timedelta(hours=73))
        assert sandbox.clock.now() > answer_by
        assert sweep(sandbox, "w1").applied == 1
        assert order_view(sandbox, order_id, p.buyer)["state"] == "cancelled"
        assert timeline_actions(sandbox, order_id)[-2:] == [
            "expire_cancellation_request",
            "refund_started",
        ]
    finally:
        engine.dispose()
