"""Services that work on a set cost a fixed number of statements, whatever its size; on
SQLite and PostgreSQL. (Counted with a SQLAlchemy event, never timed.)"""

from __future__ import annotations

from sqlalchemy import select

from garant.app import Garant
from garant.clock import FixedClock
from garant.services.stalls import notify_stalls
from garant.store import schema as t

from .helpers import Parties, act, create_order, create_paid_order, make_parties, s10_number
from .notify_world import days, departed, feed, outbox_rows
from .statement_count import count_statements


def _coupons(prefix: str, n: int) -> list[dict[str, str]]:
    return [{"code": f"{prefix}{i}", "kind": "platform", "amount": "1.00"} for i in range(n)]


def test_can10_coupons_of_a_new_order_cost_the_same_statements_for_one_and_five(
    app: Garant,
) -> None:
    p = make_parties(app)
    create_order(app, p, coupons=_coupons("WARM", 1))  # policies and caches read once
    with count_statements(app.engine) as one:
        first = create_order(app, p, coupons=_coupons("ONE", 1), checkout_id="C1")
    with count_statements(app.engine) as five:
        second = create_order(app, p, coupons=_coupons("FIVE", 5), checkout_id="C2")
    assert len(five) == len(one)
    with app.engine.connect() as conn:
        uses = conn.execute(
            select(t.coupon_uses.c.order_id, t.coupons.c.code)
            .join(t.coupons, t.coupons.c.id == t.coupon_uses.c.coupon_id)
            .where(t.coupon_uses.c.order_id.in_([first, second]))
            .order_by(t.coupon_uses.c.order_id, t.coupons.c.code)
        ).all()
    assert [tuple(u) for u in uses] == [(first, "ONE0")] + [(second, f"FIVE{i}") for i in range(5)]


def test_can10_a_code_reused_among_several_is_still_flagged(app: Garant) -> None:
    p = make_parties(app)
    create_order(app, p, coupons=_coupons("SHARED", 1), checkout_id="C1")
    reused = create_order(app, p, coupons=_coupons("SHARED", 3), checkout_id="C2")
    fresh = create_order(app, p, coupons=_coupons("NEW", 3), checkout_id="C3")
    with app.engine.connect() as conn:
        flags = dict(
            conn.execute(
                select(t.orders.c.id, t.orders.c.security_flag).where(
                    t.orders.c.id.in_([reused, fresh])
                )
            ).all()
        )
    assert flags == {reused: "promo_code_reused", fresh: None}


def _parcel_of(app: Garant, p: Parties, number: str, orders: int) -> list[int]:
    """``orders`` paid orders shipped together under one number."""
    ids = []
    for _ in range(orders):
        order_id = create_paid_order(app, p)
        act(app, order_id, p.seller, "ship", tracking_number=number)
        ids.append(order_id)
    return ids


def test_trk6_a_stalled_parcel_of_three_orders_costs_the_statements_of_one(
    app: Garant, clock: FixedClock
) -> None:
    p = make_parties(app)
    one_number, three_number = s10_number("00000001"), s10_number("00000002")
    alone = _parcel_of(app, p, one_number, 1)
    together = _parcel_of(app, p, three_number, 3)
    feed(app, departed(one_number, clock.now() - days(1)))
    clock.advance(days(21))
    with count_statements(app.engine) as one:
        assert notify_stalls(app) == 1
    feed(app, departed(three_number, clock.now() - days(1)))
    clock.advance(days(21))
    with count_statements(app.engine) as three:
        assert notify_stalls(app) == 3
    assert len(three) == len(one)
    assert [m.order_id for m in outbox_rows(app, "notify.stalled")] == alone + together


def test_trk6_an_order_reshipped_is_not_told_of_its_old_parcel_stalling(
    app: Garant, clock: FixedClock
) -> None:
    p = make_parties(app)
    old_number = s10_number("00000003")
    reshipped, stays = _parcel_of(app, p, old_number, 2)
    feed(app, departed(old_number, clock.now() - days(1)))
    act(app, reshipped, p.agent, "report_shipment_cancelled", reason="split parcel")
    act(app, reshipped, p.buyer, "choose_reshipment")
    act(app, reshipped, p.seller, "ship", tracking_number=s10_number("00000004"))
    clock.advance(days(21))
    assert notify_stalls(app) == 1
    assert [m.order_id for m in outbox_rows(app, "notify.stalled")] == [stays]
