"""Reads cost a fixed number of statements (issue 9, items 4 and 6), on both databases:
the full order view at most four, a batch of orders loaded whole the same for 1 as for 40,
and each list page the same for 5 orders as for 50."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from garant.app import Garant
from garant.clock import FixedClock
from garant.domain.orders import Actor
from garant.domain.tracking import Location, SubStatus, TrackingEvent, TrackingStatus
from garant.services import agent_queue, order_lists, users
from garant.services import disputes as dispute_service
from garant.services.order_search import search_orders
from garant.services.tracking import ingest
from garant.services.views import order_view
from garant.store import orders as order_store
from garant.store import schema as t

from .helpers import Parties, act, create_paid_order, make_parties, s10_number
from .statement_count import count_statements
from .test_web_foundation import csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from garant.asgi import create_app

DAY = timedelta(days=1)


@pytest.fixture
def p(app: Garant) -> Parties:
    return make_parties(app)


def _scan(number: str, at: datetime, sub: SubStatus, city: str) -> TrackingEvent:
    return TrackingEvent(
        carrier="china_post", tracking_number=number, occurred_at=at,
        status=TrackingStatus.IN_TRANSIT, sub_status=sub, raw_code=None,
        raw_text=f"{city}: {sub.value}", location=Location(country="CN", city=city),
    )  # fmt: skip


def _disputed_order(app: Garant, clock: FixedClock, p: Parties, serial: str) -> int:
    """Everything a view shows: a parcel with events, a delivery, a dispute with an offer,
    a refund, a long timeline."""
    order_id = create_paid_order(app, p)
    clock.advance(DAY)
    number = s10_number(serial)
    act(app, order_id, p.seller, "ship", tracking_number=number)
    at = clock.now()
    ingest(app, [
        _scan(number, at, SubStatus.ACCEPTED, "Shenzhen"),
        _scan(number, at + timedelta(hours=30), SubStatus.DEPARTED_ORIGIN_COUNTRY, "Guangzhou"),
    ], source="sandbox")  # fmt: skip
    clock.advance(5 * DAY)
    act(app, order_id, p.agent, "record_delivery", where="Lyon")
    dispute_service.open_dispute(
        app, actor=p.buyer, order_id=order_id, reason="damaged",
        description="Le carton est écrasé", resolution={"kind": "full_refund"},
    )  # fmt: skip
    clock.advance(DAY)
    dispute_service.act(
        app, actor=p.seller, order_id=order_id, action="make_offer",
        params={"resolution": {"kind": "partial_refund", "amount": "10.00"}, "message": "Geste"},
    )  # fmt: skip
    return order_id


def test_reads_order_view_in_at_most_four_statements(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = _disputed_order(app, clock, p, "10000001")
    with count_statements(app.engine) as seen:
        view = order_view(app, order_id, p.buyer)
    assert len(seen) <= 4, seen
    assert view["tracking"]["shipment"]["found"] is True
    assert len(view["tracking"]["shipment"]["events"]) == 2
    assert view["protection"]["dispute"]["state"] == "negotiating"
    assert [e["action"] for e in view["timeline"]][-2:] == ["open_dispute", "make_offer"]

    plain = create_paid_order(app, p)  # no parcel, no dispute: fewer still
    with count_statements(app.engine) as seen:
        order_view(app, plain, p.buyer)
    assert len(seen) == 2, seen


def test_reads_load_many_statements_do_not_grow_with_the_batch(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    disputed = [_disputed_order(app, clock, p, f"2000{n:04d}") for n in range(3)]
    plain = [create_paid_order(app, p) for _ in range(37)]
    counts = {}
    for size in (1, 40):
        ids = (disputed + plain)[:size]
        with app.engine.begin() as conn, count_statements(app.engine) as seen:
            found = order_store.load_many(conn, ids, lock=True)
        assert sorted(found) == sorted(ids)
        counts[size] = len(seen)
    locking = 1 if app.engine.dialect.name == "postgresql" else 0
    # The locks, the orders with their parts, the disputes' offers and requests.
    assert counts == {1: 2 + locking, 40: 2 + locking}
    with app.engine.connect() as conn:
        whole = order_store.load_many(conn, disputed)
    assert [len(whole[i].dispute.offers) for i in disputed] == [1, 1, 1]  # type: ignore[union-attr]


def test_reads_load_many_matches_load_of_each(app: Garant, clock: FixedClock, p: Parties) -> None:
    ids = [_disputed_order(app, clock, p, "30000001"), create_paid_order(app, p)]
    with app.engine.connect() as conn:
        many = order_store.load_many(conn, [*ids, 999_999])
        for order_id in ids:
            one = order_store.load(conn, order_id)
            assert many[order_id].__dict__ == one.__dict__
    assert sorted(many) == sorted(ids)  # an id that does not exist is left out
    with pytest.raises(order_store.OrderNotFound), app.engine.connect() as conn:
        order_store.load(conn, 999_999)



# ----------------------------------------------------------------------------- list pages


@pytest.fixture
def web(app: Garant) -> Iterator[TestClient]:
    with TestClient(create_app(app)) as http:
        yield http


def _signed_in(app: Garant, web: TestClient, who: Actor) -> TestClient:
    assert who.user_id is not None
    token = users.issue_token(app, who.user_id)
    csrf = csrf_of(web.get("/connexion").text)
    r = web.post(
        "/connexion",
        data={"token": token, "next": "", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return web


def _more_orders(app: Garant, clock: FixedClock, p: Parties, n: int) -> None:
    """Orders of every kind a list shows: paid (to ship), with an open cancellation request,
    cancelled and refunded."""
    for i in range(n):
        order_id = create_paid_order(app, p)
        if i % 3 == 1:
            act(app, order_id, p.buyer, "request_cancellation", reason="other_reasons")
        elif i % 3 == 2:
            act(app, order_id, p.buyer, "request_cancellation", reason="other_reasons")
            act(app, order_id, p.seller, "approve_cancellation")


def _escalate_all(app: Garant, p: Parties) -> None:
    """Every order without a dispute gets an escalated one (rows as the dispute service
    writes them; building 50 real escalations would only slow the test down)."""
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    with app.engine.begin() as conn:
        have = set(conn.execute(select(t.disputes.c.order_id)).scalars())
        for order_id in conn.execute(select(t.orders.c.id)).scalars():
            if order_id in have:
                continue
            conn.execute(insert(t.disputes).values(
                order_id=order_id, state="escalated", reason="damaged", description="",
                requested_kind="full_refund", evidence=[], opened_at=now,
                seller_answer_by=now, escalate_from=now, negotiation_ends_at=now,
                escalated_at=now, escalated_by="buyer", agent_id=p.agent.user_id,
                decision_accepted_by=[], recovered_cents=0,
            ))  # fmt: skip


def _counted(app: Garant, read: Callable[[], Any]) -> int:
    with count_statements(app.engine) as seen:
        read()
    return len(seen)


def test_reads_list_statements_constant_for_5_and_50_orders(
    app: Garant, clock: FixedClock, p: Parties, web: TestClient
) -> None:
    api = {"Authorization": f"Bearer {users.issue_token(app, p.buyer.user_id or 0)}"}

    def pages() -> dict[str, tuple[int, int]]:
        """Statements per page, and the rows it shows."""
        out: dict[str, tuple[int, int]] = {}
        with count_statements(app.engine) as seen:
            listed = web.get("/api/v1/orders", headers=api, params={"limit": 100}).json()
        out["api list"] = (len(seen), len(listed["items"]))
        items, _cursor = order_lists.order_summaries(app, actor=p.seller, limit=100)
        out["seller summaries"] = (
            _counted(app, lambda: order_lists.order_summaries(app, actor=p.seller, limit=100)),
            len(items),
        )
        queue, _cursor = agent_queue.queue(app, actor=p.agent, view="mine", limit=100)
        out["agent queue"] = (
            _counted(app, lambda: agent_queue.queue(app, actor=p.agent, view="mine", limit=100)),
            len(queue),
        )
        found, _cursor = search_orders(app, actor=p.buyer, query="lampe", limit=100)
        out["buyer search"] = (
            _counted(app, lambda: order_lists.summaries_of(
                app, search_orders(app, actor=p.buyer, query="lampe", limit=100)[0]
            )),
            len(found),
        )  # fmt: skip
        return out

    _more_orders(app, clock, p, 5)
    _escalate_all(app, p)
    few = pages()
    _more_orders(app, clock, p, 45)
    _escalate_all(app, p)
    many = pages()
    assert {k: rows for k, (_n, rows) in few.items()} == {
        "api list": 5, "seller summaries": 5, "agent queue": 5, "buyer search": 5
    }  # fmt: skip
    assert {k: rows for k, (_n, rows) in many.items()} == {
        "api list": 50, "seller summaries": 50, "agent queue": 50, "buyer search": 50
    }  # fmt: skip
    assert {k: n for k, (n, _rows) in few.items()} == {k: n for k, (n, _rows) in many.items()}
    # The list's own reads: the page (and the search's scan); the API adds its token check.
    assert many["seller summaries"][0] == 1
    assert many["agent queue"][0] == 1
    assert many["buyer search"][0] == 2


def test_reads_web_list_pages_statements_constant_for_5_and_50_orders(
    app: Garant, clock: FixedClock, p: Parties, web: TestClient
) -> None:
    seller = _signed_in(app, web, p.seller)
    paths = ["/vendeur", "/vendeur/commandes"]
    _more_orders(app, clock, p, 5)
    few = {path: _counted(app, lambda path=path: seller.get(path)) for path in paths}
    _more_orders(app, clock, p, 45)
    many = {path: _counted(app, lambda path=path: seller.get(path)) for path in paths}
    page = seller.get("/vendeur").text
    assert page.count("Annulation demandée") == 17  # every open request, on one page
    assert few == many

    web.cookies.clear()
    buyer = _signed_in(app, web, p.buyer)
    before = {q: _counted(app, lambda q=q: buyer.get("/commandes", params={"q": q}))
              for q in ("", "lampe")}  # fmt: skip
    _more_orders(app, clock, p, 50)
    after = {q: _counted(app, lambda q=q: buyer.get("/commandes", params={"q": q}))
             for q in ("", "lampe")}  # fmt: skip
    assert before == after
