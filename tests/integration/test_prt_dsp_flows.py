"""PRT (escrow, windows) and DSP (disputes) flows end to end, on SQLite and PostgreSQL.

Orders move through ``perform`` (helpers.act), disputes through ``services.disputes``, and
deadlines through the worker's ``sweep``. After every step the ledger is checked from SQL
(PRT-6). Refusals are checked to change nothing: no refund, no outbox row, no state change.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from garant.app import Garant
from garant.clock import FixedClock
from garant.domain.errors import (
    IllegalTransition,
    InvalidInput,
    OutsideDisputeWindow,
)
from garant.domain.orders import Actor
from garant.services import disputes as dispute_service
from garant.store import schema as t

from .helpers import (
    Parties,
    act,
    assert_ledger_balanced,
    create_paid_order,
    deadline_rows,
    make_parties,
    order_row,
    outbox_topics,
    refund_rows,
    s10_number,
    snapshot,
    sweep_checked,
    timeline_actions,
)

DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)
PAID_STEPS = ["order_placed", "pay", "verify_payment"]


# ----------------------------------------------------------------------------- helpers


@pytest.fixture
def p(app: Garant) -> Parties:
    return make_parties(app)


def uid(actor: Actor) -> int:
    assert actor.user_id is not None
    return actor.user_id


@pytest.fixture(autouse=True)
def evidence_service(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``services.evidence.attachable`` when the module exists; otherwise a stand-in with its
    signature that accepts the caller's own evidence rows of this order, as the real one."""
    try:
        import garant.services.evidence  # noqa: F401
    except ModuleNotFoundError:

        def attachable(
            conn: Any,
            ids: list[int],
            actor: Actor,
            *,
            order_id: int | None = None,
            seller_id: int | None = None,
        ) -> list[int]:
            ev = t.evidence
            mine = set(
                conn.execute(
                    select(ev.c.id).where(
                        ev.c.id.in_(ids),
                        ev.c.order_id == order_id,
                        ev.c.uploader_id == actor.user_id,
                    )
                ).scalars()
            )
            unknown = [i for i in ids if i not in mine]
            if unknown:
                raise InvalidInput(f"evidence {unknown[0]} cannot be attached here")
            return list(ids)

        monkeypatch.setitem(
            sys.modules, "garant.services.evidence", SimpleNamespace(attachable=attachable)
        )
    yield


def add_evidence(app: Garant, uploader: Actor, order_id: int, name: str = "photo.jpg") -> int:
    """An evidence row as an upload leaves it (the file itself is not needed here)."""
    with app.engine.begin() as conn:
        return int(
            conn.execute(
                insert(t.evidence)
                .values(
                    sha256="a" * 64,
                    shown_sha256="b" * 64,
                    size_bytes=1234,
                    shown_size_bytes=1200,
                    content_type="image/jpeg",
                    kind="photo",
                    filename=name,
                    uploader_id=uid(uploader),
                    uploader_role=uploader.role.value,
                    order_id=order_id,
                    stripped=[],
                    created_at=app.clock.now(),
                )
                .returning(t.evidence.c.id)
            ).scalar_one()
        )


def set_return_address(app: Garant, seller: Actor, address: str) -> None:
    with app.engine.begin() as conn:
        conn.execute(
            update(t.users).where(t.users.c.id == uid(seller)).values(return_address=address)
        )


def ship(app: Garant, p: Parties, order_id: int, serial: str = "12345678") -> str:
    number = s10_number(serial)
    act(app, order_id, p.seller, "ship", tracking_number=number)
    return number


def deliver(app: Garant, p: Parties, order_id: int) -> None:
    act(app, order_id, p.agent, "record_delivery", where="Lyon, point relais")


def shipped_order(app: Garant, clock: FixedClock, p: Parties, **kw: Any) -> int:
    """Paid now, shipped a day later."""
    order_id = create_paid_order(app, p, **kw)
    clock.advance(DAY)
    ship(app, p, order_id)
    return order_id


def delivered_order(app: Garant, clock: FixedClock, p: Parties, **kw: Any) -> int:
    """Paid now, shipped on day 1, delivered on day 10."""
    order_id = shipped_order(app, clock, p, **kw)
    clock.advance(9 * DAY)
    deliver(app, p, order_id)
    return order_id


def open_dispute(
    app: Garant,
    p: Parties,
    order_id: int,
    *,
    reason: str = "damaged",
    kind: str = "full_refund",
    amount: str | None = None,
    description: str = "Le carton est écrasé, la lampe est cassée",
) -> None:
    resolution: dict[str, Any] = {"kind": kind}
    if amount is not None:
        resolution["amount"] = amount
    dispute_service.open_dispute(
        app,
        actor=p.buyer,
        order_id=order_id,
        reason=reason,
        description=description,
        resolution=resolution,
    )
    assert_ledger_balanced(app, order_id)


def step(app: Garant, order_id: int, actor: Actor, action: str, **params: Any) -> None:
    """One dispute action through the service's DISPATCH; then PRT-6 from SQL."""
    dispute_service.act(app, actor=actor, order_id=order_id, action=action, params=params)
    assert_ledger_balanced(app, order_id)


def dispute_row(app: Garant, order_id: int) -> dict[str, Any]:
    with app.engine.connect() as conn:
        row = (
            conn.execute(
                select(t.disputes)
                .where(t.disputes.c.order_id == order_id)
                .order_by(t.disputes.c.id.desc())
            )
            .mappings()
            .first()
        )
    assert row is not None
    return dict(row)


def offer_rows(app: Garant, order_id: int) -> list[tuple[Any, ...]]:
    """(seq, by, kind, amount_cents, status) of the order's dispute offers."""
    o = t.dispute_offers
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(o.c.seq, o.c.by_role, o.c.kind, o.c.amount_cents, o.c.status)
            .join(t.disputes, t.disputes.c.id == o.c.dispute_id)
            .where(t.disputes.c.order_id == order_id)
            .order_by(o.c.id)
        ).all()
    return [tuple(r) for r in rows]


def request_rows(app: Garant, order_id: int) -> list[tuple[Any, ...]]:
    """(seq, party, status, due_at) of the order's evidence requests."""
    r = t.evidence_requests
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(r.c.seq, r.c.party, r.c.status, r.c.due_at)
            .join(t.disputes, t.disputes.c.id == r.c.dispute_id)
            .where(t.disputes.c.order_id == order_id)
            .order_by(r.c.id)
        ).all()
    return [tuple(x) for x in rows]


def return_row(app: Garant, order_id: int) -> dict[str, Any]:
    with app.engine.connect() as conn:
        row = conn.execute(select(t.returns).where(t.returns.c.order_id == order_id)).mappings()
        return dict(row.one())


def ledger_kinds(app: Garant, order_id: int) -> list[tuple[str, int]]:
    le = t.ledger_entries
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(le.c.kind, le.c.amount_cents).where(le.c.order_id == order_id).order_by(le.c.id)
        ).all()
    return [(str(k), int(a)) for k, a in rows]


def money(app: Garant, order_id: int) -> tuple[int, int, int, int]:
    """(paid, held, released, refunded), from SQL."""
    s = assert_ledger_balanced(app, order_id)
    return s.paid, s.held, s.released, s.refunded


def refunds(app: Garant, order_id: int) -> list[tuple[int, date, date]]:
    """(amount_cents, expected_from, expected_to) of every refund row."""
    return [
        (r["amount_cents"], r["expected_from"], r["expected_to"])
        for r in refund_rows(app, order_id)
    ]


def prt5(granted: datetime, amount: int) -> tuple[int, date, date]:
    """PRT-5: a refund granted through a dispute arrives within 15-30 days."""
    day = granted.date()
    return amount, day + timedelta(days=15), day + timedelta(days=30)


def kinds_status(app: Garant, order_id: int) -> dict[str, str]:
    return {k: s for k, (s, _) in deadline_rows(app, order_id).items()}


def topics(actions: list[str]) -> list[str]:
    """One ``order.*`` outbox message per timeline entry (the ``notify.*`` messages to people
    are the notification rules' own, tested with them)."""
    return [f"order.{a}" for a in actions]


def order_topics(app: Garant, order_id: int) -> list[str]:
    return [x for x in outbox_topics(app, order_id) if x.startswith("order.")]


def move_to(clock: FixedClock, when: datetime) -> None:
    assert when >= clock.now()
    clock.advance(when - clock.now())


def assert_unchanged(app: Garant, order_id: int, before: Any) -> None:
    assert snapshot(app, order_id) == before


# ----------------------------------------------------------------------------- PRT-1


def test_prt1_buyer_confirms_receipt_then_the_seller_is_paid(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = delivered_order(app, clock, p)
    assert money(app, order_id) == (2500, 2500, 0, 0)
    clock.advance(DAY)

    act(app, order_id, p.buyer, "confirm_receipt")

    row = order_row(app, order_id)
    assert (row["state"], row["completed_at"]) == ("completed", clock.now())
    expected = [
        *PAID_STEPS,
        "ship",
        "record_delivery",
        "confirm_receipt",
        "funds_released",
    ]
    assert timeline_actions(app, order_id) == expected
    assert order_topics(app, order_id) == topics(expected)
    assert money(app, order_id) == (2500, 0, 2500, 0)
    assert ledger_kinds(app, order_id) == [("capture", 2500), ("hold", 2500), ("release", 2500)]
    assert refund_rows(app, order_id) == []
    assert kinds_status(app, order_id) == {
        "abandon_unpaid": "cancelled",
        "ship_by": "cancelled",
        "protection_end": "cancelled",
    }
    clock.advance(90 * DAY)
    assert sweep_checked(app).claimed == 0
    assert money(app, order_id) == (2500, 0, 2500, 0)


@pytest.mark.parametrize(("category", "days"), [("default", 60), ("electronics", 90)])
def test_prt1_prt2_protection_end_releases_once_without_a_dispute(
    app: Garant, clock: FixedClock, p: Parties, category: str, days: int
) -> None:
    paid_at = clock.now()
    order_id = shipped_order(app, clock, p, product_category=category)
    end = paid_at + timedelta(days=days)
    assert deadline_rows(app, order_id)["protection_end"] == ("pending", end)

    move_to(clock, end - MINUTE)
    assert sweep_checked(app).applied == 0
    assert order_row(app, order_id)["state"] == "shipped"
    assert money(app, order_id) == (2500, 2500, 0, 0)

    clock.advance(MINUTE)
    stats = sweep_checked(app)
    assert (stats.claimed, stats.applied) == (1, 1)
    again = sweep_checked(app)
    assert (again.claimed, again.applied) == (0, 0)

    row = order_row(app, order_id)
    assert (row["state"], row["completed_at"]) == ("completed", end)
    expected = [*PAID_STEPS, "ship", "auto_confirm_receipt", "funds_released"]
    assert timeline_actions(app, order_id) == expected
    assert order_topics(app, order_id) == topics(expected)
    assert money(app, order_id) == (2500, 0, 2500, 0)
    assert ledger_kinds(app, order_id) == [("capture", 2500), ("hold", 2500), ("release", 2500)]
    assert refund_rows(app, order_id) == []
    assert deadline_rows(app, order_id)["protection_end"] == ("done", end)


# ----------------------------------------------------------------------------- PRT-3


def test_prt3_choice_order_not_delivered_in_30_days_refunded_in_full_once(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    paid_at = clock.now()
    order_id = shipped_order(app, clock, p, is_choice=True, shipping_method="aliexpress_choice")
    due = paid_at + timedelta(days=30)
    assert deadline_rows(app, order_id)["choice_guarantee"] == ("pending", due)

    move_to(clock, due - MINUTE)
    assert sweep_checked(app).applied == 0
    assert order_row(app, order_id)["state"] == "shipped"

    clock.advance(MINUTE)
    assert sweep_checked(app).applied == 1
    assert sweep_checked(app).claimed == 0

    row = order_row(app, order_id)
    assert (row["state"], row["close_reason"], row["close_fault"]) == (
        "cancelled",
        "choice_not_delivered",
        "seller",
    )
    expected = [*PAID_STEPS, "ship", "refund_late_choice", "refund_started"]
    assert timeline_actions(app, order_id) == expected
    assert order_topics(app, order_id) == topics(expected)
    assert money(app, order_id) == (2500, 0, 0, 2500)
    # Not a dispute: the refund starts within CAN-11's 7-15 business days (France).
    assert refunds(app, order_id) == [(2500, date(2026, 12, 11), date(2026, 12, 23))]
    assert [r["reason"] for r in refund_rows(app, order_id)] == [
        "Choice order not delivered within 30 days"
    ]
    assert kinds_status(app, order_id) == {
        "abandon_unpaid": "cancelled",
        "ship_by": "cancelled",
        "protection_end": "cancelled",
        "choice_guarantee": "done",
    }


def test_prt3_choice_guarantee_closes_an_open_not_received_dispute(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    paid_at = clock.now()
    order_id = shipped_order(app, clock, p, is_choice=True, shipping_method="aliexpress_choice")
    move_to(clock, paid_at + timedelta(days=27))
    open_dispute(app, p, order_id, reason="not_received", description="Rien reçu")

    move_to(clock, paid_at + timedelta(days=30))
    assert sweep_checked(app).applied == 1
    move_to(clock, paid_at + timedelta(days=40))  # past the seller's 5 days: nothing more
    assert sweep_checked(app).claimed == 0

    d = dispute_row(app, order_id)
    assert d["state"] == "resolved"
    assert (d["outcome"]["kind"], d["outcome"]["how"]) == ("full_refund", "choice_guarantee")
    assert order_row(app, order_id)["state"] == "cancelled"
    assert timeline_actions(app, order_id)[4:] == [
        "open_dispute",
        "dispute_resolved",
        "refund_late_choice",
        "refund_started",
    ]
    assert money(app, order_id) == (2500, 0, 0, 2500)
    assert [r[0] for r in refunds(app, order_id)] == [2500]
    assert kinds_status(app, order_id)["dispute_seller_answer"] == "cancelled"


# ----------------------------------------------------------------------------- PRT-4


def test_prt4_dispute_window_closes_15_days_after_delivery(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    shipped_at = clock.now() + DAY
    first = shipped_order(app, clock, p)
    second = create_paid_order(app, p)
    ship(app, p, second, serial="87654321")
    clock.advance(9 * DAY)
    delivered_at = clock.now()
    deliver(app, p, first)
    deliver(app, p, second)

    move_to(clock, delivered_at + timedelta(days=15))
    open_dispute(app, p, first)  # the last moment still counts
    assert dispute_row(app, first)["state"] == "awaiting_seller"

    clock.advance(MINUTE)
    before = snapshot(app, second)
    with pytest.raises(OutsideDisputeWindow) as e:
        open_dispute(app, p, second)
    closes = delivered_at + timedelta(days=15)
    assert e.value.context == {
        "state": "delivered",
        "window_opens": shipped_at.isoformat(),
        "window_closes": closes.isoformat(),
        "basis": "delivery",
    }
    assert closes.isoformat() in e.value.message
    assert f"delivery on {delivered_at.isoformat()}" in e.value.message
    assert_unchanged(app, second, before)
    assert refund_rows(app, second) == []


def test_prt4_dispute_before_shipment_is_refused(app: Garant, p: Parties) -> None:
    order_id = create_paid_order(app, p)
    before = snapshot(app, order_id)
    with pytest.raises(IllegalTransition, match="has been shipped") as e:
        open_dispute(app, p, order_id, reason="not_received")
    assert e.value.context["state"] == "paid"
    assert_unchanged(app, order_id, before)


def test_prt4_never_arrived_window_runs_15_days_after_protection_and_recovers_funds(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    paid_at = clock.now()
    late = create_paid_order(app, p)
    on_time = create_paid_order(app, p)
    clock.advance(DAY)
    shipped_at = clock.now()
    ship(app, p, late, serial="11111111")
    ship(app, p, on_time, serial="22222222")
    end = paid_at + timedelta(days=60)
    move_to(clock, end)
    assert sweep_checked(app).applied == 2  # PRT-1: both released to the seller
    assert money(app, on_time) == (2500, 0, 2500, 0)

    move_to(clock, end + timedelta(days=15))
    open_dispute(app, p, on_time, reason="not_received", description="Jamais arrivé")
    # PRT-4: the money already went to the seller; the dispute freezes it again.
    assert money(app, on_time) == (2500, 2500, 0, 0)
    assert ledger_kinds(app, on_time)[-1] == ("recover", 2500)
    assert timeline_actions(app, on_time)[-2:] == ["open_dispute", "funds_frozen"]
    assert dispute_row(app, on_time)["recovered_cents"] == 2500

    clock.advance(MINUTE)
    before = snapshot(app, late)
    with pytest.raises(OutsideDisputeWindow) as e:
        open_dispute(app, p, late, reason="not_received", description="Jamais arrivé")
    assert e.value.context == {
        "state": "completed",
        "window_opens": shipped_at.isoformat(),
        "window_closes": (end + timedelta(days=15)).isoformat(),
        "basis": "protection_end",
    }
    assert_unchanged(app, late, before)


def test_prt4_dispute_on_a_released_order_recovers_then_pays_the_agreed_split(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = delivered_order(app, clock, p)
    act(app, order_id, p.buyer, "confirm_receipt")
    assert money(app, order_id) == (2500, 0, 2500, 0)
    clock.advance(2 * DAY)

    open_dispute(app, p, order_id, reason="defective", description="Ne s'allume plus")
    assert money(app, order_id) == (2500, 2500, 0, 0)
    assert order_row(app, order_id)["state"] == "completed"
    # While the dispute is open, nothing releases the money by itself.
    assert "protection_end" not in {
        k for k, (s, _) in deadline_rows(app, order_id).items() if s == "pending"
    }

    clock.advance(DAY)
    step(
        app,
        order_id,
        p.seller,
        "make_offer",
        resolution={"kind": "partial_refund", "amount": "10.00"},
        message="Geste commercial",
    )
    clock.advance(DAY)
    agreed = clock.now()
    step(app, order_id, p.buyer, "accept_offer")

    expected = [
        *PAID_STEPS,
        "ship",
        "record_delivery",
        "confirm_receipt",
        "funds_released",
        "open_dispute",
        "funds_frozen",
        "make_offer",
        "accept_offer",
        "dispute_resolved",
        "refund_started",
        "funds_released",
    ]
    assert timeline_actions(app, order_id) == expected
    assert order_topics(app, order_id) == topics(expected)
    assert ledger_kinds(app, order_id) == [
        ("capture", 2500),
        ("hold", 2500),
        ("release", 2500),
        ("recover", 2500),
        ("refund", 1000),
        ("release", 1500),
    ]
    assert money(app, order_id) == (2500, 0, 1500, 1000)
    assert refunds(app, order_id) == [prt5(agreed, 1000)]
    d = dispute_row(app, order_id)
    assert (d["state"], d["closed_at"]) == ("resolved", agreed)
    assert d["outcome"] == {
        "kind": "partial_refund",
        "amount": "10.00",
        "amount_cents": 1000,
        "how": "accepted",
        "in_favour_of": "agreement",
        "by": "buyer",
    }
    assert offer_rows(app, order_id) == [(1, "seller", "partial_refund", 1000, "accepted")]
    assert order_row(app, order_id)["state"] == "completed"
    assert sweep_checked(app).claimed == 0


# ----------------------------------------------------------------------------- DSP-4


def test_dsp4_seller_silent_5_days_grants_the_buyers_request_once(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = delivered_order(app, clock, p)
    clock.advance(DAY)
    opened = clock.now()
    open_dispute(app, p, order_id)
    answer_by = opened + timedelta(hours=120)
    assert deadline_rows(app, order_id)["dispute_seller_answer"] == ("pending", answer_by)
    assert kinds_status(app, order_id)["protection_end"] == "cancelled"

    move_to(clock, answer_by - MINUTE)
    assert sweep_checked(app).applied == 0
    assert dispute_row(app, order_id)["state"] == "awaiting_seller"

    clock.advance(MINUTE)
    assert sweep_checked(app).applied == 1
    assert sweep_checked(app).claimed == 0

    expected = [
        *PAID_STEPS,
        "ship",
        "record_delivery",
        "open_dispute",
        "grant_by_default",
        "dispute_resolved",
        "refund_started",
        "order_completed",
    ]
    assert timeline_actions(app, order_id) == expected
    assert order_topics(app, order_id) == topics(expected)
    assert money(app, order_id) == (2500, 0, 0, 2500)
    assert refunds(app, order_id) == [prt5(answer_by, 2500)]
    d = dispute_row(app, order_id)
    assert (d["state"], d["closed_at"], d["seller_answered_at"]) == ("resolved", answer_by, None)
    assert (d["outcome"]["kind"], d["outcome"]["how"], d["outcome"]["in_favour_of"]) == (
        "full_refund",
        "seller_silent",
        "buyer",
    )
    assert order_row(app, order_id)["state"] == "completed"
    assert deadline_rows(app, order_id)["dispute_seller_answer"] == ("done", answer_by)
    # The seller's late answer finds the case closed.
    before = snapshot(app, order_id)
    with pytest.raises(IllegalTransition, match="closed"):
        step(app, order_id, p.seller, "accept_request")
    assert_unchanged(app, order_id, before)


def test_dsp4_a_late_answer_finds_the_request_already_granted_without_a_sweep(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = delivered_order(app, clock, p)
    open_dispute(app, p, order_id)
    answer_by = clock.now() + timedelta(hours=120)
    move_to(clock, answer_by + MINUTE)  # no worker has run yet

    with pytest.raises(IllegalTransition, match="closed"):
        step(
            app,
            order_id,
            p.seller,
            "make_offer",
            resolution={"kind": "partial_refund", "amount": "5.00"},
        )

    # The deadline took effect at its time, once; the late offer did not.
    assert timeline_actions(app, order_id)[-5:] == [
        "open_dispute",
        "grant_by_default",
        "dispute_resolved",
        "refund_started",
        "order_completed",
    ]
    assert offer_rows(app, order_id) == []
    assert refunds(app, order_id) == [prt5(answer_by + MINUTE, 2500)]
    assert sweep_checked(app).claimed == 0
    assert money(app, order_id) == (2500, 0, 0, 2500)


# ----------------------------------------------------------------------------- DSP-5


ADDRESS = "Shenzhen Lamp Co., Retours, 12 Bao'an Road, 518000 Shenzhen, CN"


def _agreed_return(app: Garant, clock: FixedClock, p: Parties) -> tuple[int, datetime]:
    """A damaged item; the buyer asks for return and refund; the seller accepts."""
    set_return_address(app, p.seller, ADDRESS)
    order_id = delivered_order(app, clock, p)
    clock.advance(DAY)
    open_dispute(app, p, order_id, kind="return_and_refund")
    clock.advance(DAY)
    accepted = clock.now()
    step(app, order_id, p.seller, "accept_request")
    return order_id, accepted


def test_dsp5_return_and_refund_goes_to_the_sellers_address_then_refunds(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id, accepted = _agreed_return(app, clock, p)
    ship_back_by = accepted + timedelta(days=15)
    assert order_row(app, order_id)["state"] == "returning"
    rr = return_row(app, order_id)
    assert (rr["status"], rr["return_address"], rr["refund_cents"], rr["ship_back_by"]) == (
        "awaiting_shipment",
        ADDRESS,
        2500,
        ship_back_by,
    )
    assert rr["dispute_id"] == dispute_row(app, order_id)["id"]
    assert money(app, order_id) == (2500, 2500, 0, 0)  # the money waits for the item
    assert refund_rows(app, order_id) == []
    assert deadline_rows(app, order_id)["return_ship_back"] == ("pending", ship_back_by)

    clock.advance(2 * DAY)
    act(app, order_id, p.buyer, "ship_return", tracking_number="RR987654321FR", carrier="laposte")
    confirm_by = clock.now() + timedelta(days=15)
    rr = return_row(app, order_id)
    assert (rr["status"], rr["tracking_number"], rr["confirm_by"]) == (
        "shipped_back",
        "RR987654321FR",
        confirm_by,
    )
    assert kinds_status(app, order_id)["return_ship_back"] == "cancelled"
    assert deadline_rows(app, order_id)["return_confirm"] == ("pending", confirm_by)

    clock.advance(5 * DAY)
    received = clock.now()
    act(app, order_id, p.seller, "confirm_return_received")

    expected = [
        *PAID_STEPS,
        "ship",
        "record_delivery",
        "open_dispute",
        "accept_request",
        "dispute_resolved",
        "return_started",
        "ship_return",
        "confirm_return_received",
        "refund_started",
    ]
    assert timeline_actions(app, order_id) == expected
    assert order_topics(app, order_id) == topics(expected)
    assert order_row(app, order_id)["state"] == "completed"
    assert money(app, order_id) == (2500, 0, 0, 2500)
    assert refunds(app, order_id) == [prt5(received, 2500)]
    rr = return_row(app, order_id)
    assert (rr["status"], rr["received_at"], rr["closed_at"]) == ("received", received, received)
    assert kinds_status(app, order_id)["return_confirm"] == "cancelled"
    clock.advance(30 * DAY)
    assert sweep_checked(app).claimed == 0
    assert money(app, order_id) == (2500, 0, 0, 2500)


def test_dsp5_return_not_sent_back_in_time_pays_the_seller(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id, accepted = _agreed_return(app, clock, p)
    before = snapshot(app, order_id)
    # Only the buyer sends it back, and only the seller confirms what it has not received.
    with pytest.raises(IllegalTransition):
        act(app, order_id, p.seller, "ship_return", tracking_number="RR987654321FR")
    assert_unchanged(app, order_id, before)

    move_to(clock, accepted + timedelta(days=15))
    assert sweep_checked(app).applied == 1
    assert sweep_checked(app).claimed == 0

    assert timeline_actions(app, order_id)[-3:] == [
        "return_started",
        "lapse_return",
        "funds_released",
    ]
    assert order_row(app, order_id)["state"] == "completed"
    assert money(app, order_id) == (2500, 0, 2500, 0)
    assert refund_rows(app, order_id) == []
    assert return_row(app, order_id)["status"] == "lapsed"
    assert deadline_rows(app, order_id)["return_ship_back"] == (
        "done",
        accepted + timedelta(days=15),
    )


def test_dsp5_ret5_return_the_seller_never_confirms_refunds_the_buyer(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id, _ = _agreed_return(app, clock, p)
    act(app, order_id, p.buyer, "ship_return", tracking_number="RR987654321FR")
    confirm_by = clock.now() + timedelta(days=15)

    move_to(clock, confirm_by)
    assert sweep_checked(app).applied == 1
    assert sweep_checked(app).claimed == 0

    assert timeline_actions(app, order_id)[-3:] == [
        "ship_return",
        "refund_unconfirmed_return",
        "refund_started",
    ]
    assert money(app, order_id) == (2500, 0, 0, 2500)
    assert refunds(app, order_id) == [prt5(confirm_by, 2500)]
    assert return_row(app, order_id)["status"] == "unconfirmed"


def test_dsp5_return_without_an_address_on_file_says_to_ask_the_seller(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = delivered_order(app, clock, p)
    open_dispute(app, p, order_id, reason="wrong_item", kind="return_and_refund", amount="20.00")
    step(app, order_id, p.seller, "accept_request")
    rr = return_row(app, order_id)
    assert (rr["return_address"], rr["refund_cents"]) == (
        "ask the seller for the return address in the order's messages",
        2000,
    )
    act(app, order_id, p.buyer, "ship_return", tracking_number="RR987654321FR")
    act(app, order_id, p.seller, "confirm_return_received")
    assert money(app, order_id) == (2500, 0, 500, 2000)
    assert timeline_actions(app, order_id)[-3:] == [
        "confirm_return_received",
        "refund_started",
        "funds_released",
    ]


def test_dsp5_reshipment_agreed_then_shipped_again_delivered_and_released(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    paid_at = clock.now()
    order_id = shipped_order(app, clock, p)
    old_number = order_row(app, order_id)["tracking_number"]
    clock.advance(20 * DAY)
    open_dispute(app, p, order_id, reason="not_received", kind="reshipment", description="Rien")
    clock.advance(DAY)
    step(
        app,
        order_id,
        p.seller,
        "make_offer",
        resolution={"kind": "reshipment"},
        message="Je renvoie un colis",
    )
    clock.advance(DAY)
    agreed = clock.now()
    step(app, order_id, p.buyer, "accept_offer")

    row = order_row(app, order_id)
    ship_by = agreed + timedelta(hours=120)  # aliexpress_standard handling time
    assert (row["state"], row["ship_by"], row["tracking_number"]) == ("paid", ship_by, None)
    assert row["previous_tracking_numbers"] == [old_number]
    # PRT-2: the protection period starts again with the new parcel.
    assert row["protection_ends_at"] == agreed + timedelta(days=60)
    assert row["protection_ends_at"] != paid_at + timedelta(days=60)
    assert deadline_rows(app, order_id)["ship_by"] == ("pending", ship_by)
    assert money(app, order_id) == (2500, 2500, 0, 0)
    assert refund_rows(app, order_id) == []
    assert dispute_row(app, order_id)["outcome"]["kind"] == "reshipment"

    before = snapshot(app, order_id)
    with pytest.raises(InvalidInput, match="new tracking number"):
        act(app, order_id, p.seller, "ship", tracking_number=old_number)
    assert_unchanged(app, order_id, before)

    clock.advance(DAY)
    new_number = ship(app, p, order_id, serial="55555555")
    clock.advance(8 * DAY)
    deliver(app, p, order_id)
    act(app, order_id, p.buyer, "confirm_receipt")

    expected = [
        *PAID_STEPS,
        "ship",
        "open_dispute",
        "make_offer",
        "accept_offer",
        "dispute_resolved",
        "reshipment_agreed",
        "ship",
        "record_delivery",
        "confirm_receipt",
        "funds_released",
    ]
    assert timeline_actions(app, order_id) == expected
    assert order_topics(app, order_id) == topics(expected)
    row = order_row(app, order_id)
    assert (row["state"], row["tracking_number"]) == ("completed", new_number)
    assert money(app, order_id) == (2500, 0, 2500, 0)
    assert refund_rows(app, order_id) == []


# ----------------------------------------------------------------------------- DSP-6


def _negotiating(app: Garant, clock: FixedClock, p: Parties) -> tuple[int, datetime]:
    """Delivered, disputed on day 11, the seller's partial offer refused by the buyer."""
    order_id = delivered_order(app, clock, p)
    clock.advance(DAY)
    opened = clock.now()
    open_dispute(app, p, order_id)
    clock.advance(DAY)
    step(
        app,
        order_id,
        p.seller,
        "make_offer",
        resolution={"kind": "partial_refund", "amount": "5.00"},
        message="5 EUR",
    )
    clock.advance(DAY)
    step(app, order_id, p.buyer, "reject_offer", message="Non")
    return order_id, opened


def test_dsp6_escalation_evidence_decision_appeal_final_decision(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id, opened = _negotiating(app, clock, p)
    ends = opened + timedelta(days=10)
    assert deadline_rows(app, order_id)["dispute_escalation"] == ("pending", ends)
    assert dispute_service.list_disputes(app, actor=p.agent)[0] == []

    move_to(clock, ends)
    assert sweep_checked(app).applied == 1
    assert sweep_checked(app).claimed == 0
    d = dispute_row(app, order_id)
    assert (d["state"], d["escalated_at"], d["escalated_by"]) == ("escalated", ends, "system")

    queue, cursor = dispute_service.list_disputes(app, actor=p.agent)
    assert cursor is None
    assert [(i["order_id"], i["state"], i["open_evidence_requests"]) for i in queue] == [
        (order_id, "escalated", 0)
    ]

    step(
        app,
        order_id,
        p.agent,
        "request_evidence",
        party="seller",
        note="Photo of the parcel before shipping",
        hours=48,
    )
    due = ends + timedelta(hours=48)
    assert request_rows(app, order_id) == [(1, "seller", "open", due)]
    assert deadline_rows(app, order_id)["dispute_evidence_due"] == ("pending", due)
    queue, _ = dispute_service.list_disputes(app, actor=p.agent)
    assert [(i["order_id"], i["open_evidence_requests"], i["agent_id"]) for i in queue] == [
        (order_id, 1, uid(p.agent))
    ]

    move_to(clock, due)
    assert sweep_checked(app).applied == 1
    assert request_rows(app, order_id) == [(1, "seller", "overdue", due)]
    assert dispute_service.list_disputes(app, actor=p.agent)[0][0]["open_evidence_requests"] == 0

    clock.advance(DAY)
    decided = clock.now()
    step(
        app,
        order_id,
        p.agent,
        "decide",
        in_favour_of="split",
        amount="12.00",
        note="Dommage partiel",
    )
    d = dispute_row(app, order_id)
    appeal_by = decided + timedelta(days=7)
    assert (d["state"], d["appeal_by"]) == ("decided", appeal_by)
    assert d["decision"]["resolution"]["amount_cents"] == 1200
    assert d["decision"]["final"] is False
    assert deadline_rows(app, order_id)["dispute_appeal_window"] == ("pending", appeal_by)
    assert money(app, order_id) == (2500, 2500, 0, 0)  # nothing carried out yet
    assert dispute_service.list_disputes(app, actor=p.agent)[0] == []

    clock.advance(DAY)
    video = add_evidence(app, p.buyer, order_id, "unboxing.mp4")
    step(app, order_id, p.buyer, "appeal", note="La vidéo du déballage", evidence=[video])
    d = dispute_row(app, order_id)
    assert (d["state"], d["appealed_by"], d["appeal"]["evidence"]) == ("appealed", "buyer", [video])
    assert kinds_status(app, order_id)["dispute_appeal_window"] == "cancelled"
    queue, _ = dispute_service.list_disputes(app, actor=p.agent)
    assert [(i["order_id"], i["state"]) for i in queue] == [(order_id, "appealed")]

    clock.advance(DAY)
    final_at = clock.now()
    step(app, order_id, p.agent, "decide", in_favour_of="split", amount="20.00", note="Vu la vidéo")

    d = dispute_row(app, order_id)
    assert (d["state"], d["closed_at"], d["appeal_by"]) == ("resolved", final_at, None)
    assert d["decision"]["final"] is True
    assert (d["outcome"]["kind"], d["outcome"]["amount_cents"], d["outcome"]["how"]) == (
        "partial_refund",
        2000,
        "decision",
    )
    expected = [
        *PAID_STEPS,
        "ship",
        "record_delivery",
        "open_dispute",
        "make_offer",
        "reject_offer",
        "auto_escalate",
        "request_evidence",
        "mark_evidence_overdue",
        "decide",
        "appeal",
        "decide",
        "dispute_resolved",
        "refund_started",
        "funds_released",
        "order_completed",
    ]
    assert timeline_actions(app, order_id) == expected
    assert order_topics(app, order_id) == topics(expected)
    assert money(app, order_id) == (2500, 0, 500, 2000)
    assert refunds(app, order_id) == [prt5(final_at, 2000)]
    assert order_row(app, order_id)["state"] == "completed"

    # One appeal only: the second is refused and changes nothing.
    other = add_evidence(app, p.seller, order_id, "receipt.pdf")
    before = snapshot(app, order_id)
    with pytest.raises(IllegalTransition, match="closed") as e:
        step(app, order_id, p.seller, "appeal", note="Encore", evidence=[other])
    assert e.value.context["allowed_actions"] == []
    assert_unchanged(app, order_id, before)
    move_to(clock, appeal_by + DAY)
    assert sweep_checked(app).claimed == 0
    assert money(app, order_id) == (2500, 0, 500, 2000)


def test_dsp6_appeal_needs_new_evidence_and_comes_within_the_window(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id, opened = _negotiating(app, clock, p)
    move_to(clock, opened + timedelta(days=10))
    sweep_checked(app)
    step(app, order_id, p.agent, "decide", in_favour_of="seller", note="Pas de preuve")
    before = snapshot(app, order_id)
    with pytest.raises(InvalidInput, match="new evidence"):
        step(app, order_id, p.buyer, "appeal", note="Relisez", evidence=[])
    assert_unchanged(app, order_id, before)

    appeal_by = dispute_row(app, order_id)["appeal_by"]
    move_to(clock, appeal_by)
    # The window has ended: the decision is carried out first, then the appeal is too late.
    late = add_evidence(app, p.buyer, order_id)
    with pytest.raises(IllegalTransition, match="closed"):
        step(app, order_id, p.buyer, "appeal", note="Trop tard", evidence=[late])
    d = dispute_row(app, order_id)
    assert (d["state"], d["outcome"]["kind"], d["outcome"]["how"]) == (
        "resolved",
        "no_refund",
        "decision",
    )
    assert timeline_actions(app, order_id)[-5:] == [
        "decide",
        "finalize_decision",
        "dispute_resolved",
        "funds_released",
        "order_completed",
    ]
    assert money(app, order_id) == (2500, 0, 2500, 0)
    assert refund_rows(app, order_id) == []
    assert sweep_checked(app).claimed == 0
    # DSP-8: closed against the buyer, who is shown the outside remedies.
    view = dispute_service.dispute_view(app, actor=p.buyer, order_id=order_id)
    assert (view["lost_by_buyer"], view["allowed_actions"], view["deadlines"]) == (True, [], [])


def test_dsp6_both_parties_accept_the_decision_it_is_carried_out_at_once(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id, opened = _negotiating(app, clock, p)
    before = snapshot(app, order_id)
    with pytest.raises(IllegalTransition, match="escalation is possible from"):
        step(app, order_id, p.buyer, "escalate")
    assert_unchanged(app, order_id, before)
    move_to(clock, opened + timedelta(hours=72))
    step(app, order_id, p.buyer, "escalate", message="Le vendeur ne propose rien de sérieux")
    d = dispute_row(app, order_id)
    assert (d["state"], d["escalated_by"]) == ("escalated", "buyer")
    assert kinds_status(app, order_id)["dispute_escalation"] == "cancelled"

    clock.advance(DAY)
    step(app, order_id, p.agent, "take_case")
    step(app, order_id, p.agent, "decide", in_favour_of="buyer", note="Casse avérée")
    appeal_by = clock.now() + timedelta(days=7)
    clock.advance(DAY)
    step(app, order_id, p.seller, "accept_decision")
    assert dispute_row(app, order_id)["state"] == "decided"
    assert money(app, order_id) == (2500, 2500, 0, 0)
    before = snapshot(app, order_id)
    with pytest.raises(IllegalTransition, match="already accepted"):
        step(app, order_id, p.seller, "accept_decision")
    assert_unchanged(app, order_id, before)

    clock.advance(DAY)
    accepted = clock.now()
    step(app, order_id, p.buyer, "accept_decision")

    assert accepted < appeal_by
    d = dispute_row(app, order_id)
    assert (d["state"], d["closed_at"], d["decision_accepted_by"]) == (
        "resolved",
        accepted,
        ["seller", "buyer"],
    )
    assert (d["outcome"]["kind"], d["outcome"]["how"]) == ("full_refund", "decision_accepted")
    assert timeline_actions(app, order_id)[-8:] == [
        "escalate",
        "take_case",
        "decide",
        "accept_decision",
        "accept_decision",
        "dispute_resolved",
        "refund_started",
        "order_completed",
    ]
    assert money(app, order_id) == (2500, 0, 0, 2500)
    assert refunds(app, order_id) == [prt5(accepted, 2500)]
    assert kinds_status(app, order_id)["dispute_appeal_window"] == "cancelled"
    move_to(clock, appeal_by + DAY)
    assert sweep_checked(app).claimed == 0
    assert [r[0] for r in refunds(app, order_id)] == [2500]


# ----------------------------------------------------------------------------- withdrawal


def test_prt4_withdrawn_dispute_on_a_released_order_gives_the_money_back_to_the_seller(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = delivered_order(app, clock, p)
    act(app, order_id, p.buyer, "confirm_receipt")
    open_dispute(app, p, order_id, reason="defective")
    assert money(app, order_id) == (2500, 2500, 0, 0)
    clock.advance(DAY)
    step(app, order_id, p.buyer, "withdraw_dispute", message="Ça marche finalement")

    assert timeline_actions(app, order_id)[-4:] == [
        "open_dispute",
        "funds_frozen",
        "withdraw_dispute",
        "funds_released",
    ]
    assert ledger_kinds(app, order_id)[-2:] == [("recover", 2500), ("release", 2500)]
    assert money(app, order_id) == (2500, 0, 2500, 0)
    assert refund_rows(app, order_id) == []
    d = dispute_row(app, order_id)
    assert (d["state"], d["outcome"]["how"]) == ("withdrawn", "withdrawn")
    view = dispute_service.dispute_view(app, actor=p.buyer, order_id=order_id)
    assert view["lost_by_buyer"] is False  # the buyer's own choice
    before = snapshot(app, order_id)
    with pytest.raises(IllegalTransition, match="outcome is final"):
        open_dispute(app, p, order_id, reason="defective")
    assert_unchanged(app, order_id, before)


def test_prt1_protection_resumes_after_a_withdrawn_dispute_and_releases_once(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    paid_at = clock.now()
    order_id = shipped_order(app, clock, p)
    end = paid_at + timedelta(days=60)
    move_to(clock, paid_at + timedelta(days=55))
    open_dispute(app, p, order_id, reason="not_received", description="Toujours rien")
    clock.advance(DAY)
    step(app, order_id, p.seller, "make_offer", resolution={"kind": "reshipment"}, message="")

    move_to(clock, end + DAY)  # the protection period ended while the dispute was open
    assert sweep_checked(app).applied == 1  # only the offer lapsed (72 h)
    assert timeline_actions(app, order_id)[-1] == "expire_offer"
    assert money(app, order_id) == (2500, 2500, 0, 0)
    assert kinds_status(app, order_id)["protection_end"] == "cancelled"

    step(app, order_id, p.buyer, "withdraw_dispute", message="Colis arrivé")
    assert deadline_rows(app, order_id)["protection_end"] == ("pending", end)
    assert sweep_checked(app).applied == 1
    assert sweep_checked(app).claimed == 0

    assert timeline_actions(app, order_id)[-5:] == [
        "make_offer",
        "expire_offer",
        "withdraw_dispute",
        "auto_confirm_receipt",
        "funds_released",
    ]
    assert order_row(app, order_id)["state"] == "completed"
    assert money(app, order_id) == (2500, 0, 2500, 0)
    assert refund_rows(app, order_id) == []


# ----------------------------------------------------------------------------- the order closes


def test_dsp_open_dispute_ends_when_the_order_is_refunded_another_way(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    """CAN-13 after a not-received dispute was opened: the parcel went back to the seller and
    the buyer chose the refund. The dispute has nothing left to decide; its deadline must not
    fire on the cancelled order (it failed every sweep, refunding 0 EUR)."""
    order_id = shipped_order(app, clock, p)
    clock.advance(20 * DAY)
    opened = clock.now()
    open_dispute(app, p, order_id, reason="not_received", description="Rien reçu")
    act(app, order_id, p.agent, "mark_returned_to_sender", reason="address_incorrect")
    clock.advance(DAY)
    act(app, order_id, p.buyer, "choose_refund")

    d = dispute_row(app, order_id)
    assert (d["state"], d["closed_at"]) == ("resolved", clock.now())
    assert (d["outcome"]["kind"], d["outcome"]["how"], d["outcome"]["in_favour_of"]) == (
        "full_refund",
        "order_closed",
        "buyer",
    )
    assert order_row(app, order_id)["state"] == "cancelled"
    assert timeline_actions(app, order_id)[4:] == [
        "open_dispute",
        "mark_returned_to_sender",
        "choose_refund",
        "dispute_resolved",
        "refund_started",
    ]
    assert money(app, order_id) == (2500, 0, 0, 2500)
    assert kinds_status(app, order_id)["dispute_seller_answer"] == "cancelled"

    move_to(clock, opened + 6 * DAY)
    stats = sweep_checked(app)
    assert (stats.claimed, stats.errors) == (0, 0)
    before = snapshot(app, order_id)
    with pytest.raises(IllegalTransition, match="closed"):
        step(app, order_id, p.seller, "accept_request")
    assert_unchanged(app, order_id, before)
    assert [r[0] for r in refunds(app, order_id)] == [2500]
