"""Disputes over HTTP (FastAPI TestClient), on SQLite and PostgreSQL: PRT-4's window, what
each party may do and by when (DSP-4..6), the agent's queue, and refusals that are
problem+json with a stable code and change nothing (no refund, no outbox row, no state
change)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from garant.app import Garant
from garant.clock import FixedClock
from garant.domain.orders import Actor
from garant.domain.transitions import Role
from garant.services import users
from garant.store import schema as t

from .helpers import (
    assert_ledger_balanced,
    refund_rows,
    s10_number,
    snapshot,
    sweep_checked,
    timeline_actions,
)
from .test_prt_dsp_flows import add_evidence, evidence_service  # noqa: F401 (autouse fixture)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from garant.asgi import create_app

DAY = timedelta(days=1)
Headers = dict[str, str]


@dataclass
class World:
    http: TestClient
    app: Garant
    clock: FixedClock
    ids: dict[str, int]
    tokens: dict[str, Headers]

    def __getattr__(self, name: str) -> Headers:  # world.buyer, world.seller, world.agent…
        try:
            return self.tokens[name]
        except KeyError:
            raise AttributeError(name) from None

    def actor(self, name: str, role: Role) -> Actor:
        return Actor(role, self.ids[name])

    # ------------------------------------------------------------- orders

    def order(
        self, *, seller: str = "seller", shipped: bool = True, delivered: bool = True, **extra: Any
    ) -> int:
        """Paid now; shipped; delivered by the carrier (as an agent records it)."""
        r = self.http.post(
            "/api/v1/orders",
            headers=self.op,
            json={
                "buyer_id": self.ids["buyer"],
                "seller_id": self.ids[seller],
                "total": "25.00",
                "shipping_method": "aliexpress_standard",
                "items": [{"title": "Lampe", "quantity": 1, "unit_price": "25.00"}],
                **extra,
            },
        )
        assert r.status_code == 201, r.text
        order_id: int = r.json()["id"]
        self.ok(self.act(order_id, "pay", self.op, amount="25.00", verified=True))
        if shipped:
            serial = f"{order_id:08d}"
            self.ok(
                self.act(order_id, "ship", self.tokens[seller], tracking_number=s10_number(serial))
            )
        if delivered:
            self.ok(self.act(order_id, "record_delivery", self.agent, where="Lyon"))
        return order_id

    def act(self, order_id: int, action: str, who: Headers, **body: Any) -> Any:
        return self.http.post(f"/api/v1/orders/{order_id}/actions/{action}", headers=who, json=body)

    # ------------------------------------------------------------- disputes

    def open(
        self,
        order_id: int,
        who: Headers | None = None,
        *,
        reason: str = "damaged",
        kind: str = "full_refund",
        amount: str | None = None,
    ) -> Any:
        resolution: dict[str, Any] = {"kind": kind}
        if amount is not None:
            resolution["amount"] = amount
        return self.http.post(
            f"/api/v1/orders/{order_id}/dispute",
            headers=who or self.buyer,
            json={"reason": reason, "description": "Lampe cassée", "resolution": resolution},
        )

    def do(
        self,
        order_id: int,
        action: str,
        who: Headers,
        extra_headers: Headers | None = None,
        **body: Any,
    ) -> Any:
        return self.http.post(
            f"/api/v1/orders/{order_id}/dispute/actions/{action}",
            headers={**who, **(extra_headers or {})},
            json=body,
        )

    def view(self, order_id: int, who: Headers) -> dict[str, Any]:
        r = self.http.get(f"/api/v1/orders/{order_id}/dispute", headers=who)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def ok(self, r: Any, status: int = 200) -> dict[str, Any]:
        assert r.status_code == status, r.text
        body: dict[str, Any] = r.json()
        if "order_id" in body or "id" in body:
            assert_ledger_balanced(self.app, body.get("order_id") or body["id"])
        return body

    def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)


@pytest.fixture
def world(app: Garant, clock: FixedClock) -> Iterator[World]:
    ids: dict[str, int] = {}
    tokens: dict[str, Headers] = {}
    for key, role in [
        ("op", "operator"),
        ("buyer", "buyer"),
        ("other_buyer", "buyer"),
        ("seller", "seller"),
        ("other_seller", "seller"),
        ("agent", "agent"),
    ]:
        user = users.create_user(app, name=key, email=f"{key}@t.test", role=role)
        ids[key] = user.id
        tokens[key] = {"Authorization": f"Bearer {users.issue_token(app, user.id)}"}
    with TestClient(create_app(app), raise_server_exceptions=False) as http:
        yield World(http, app, clock, ids, tokens)


def problem(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["code"] == code and body["status"] == status and body["detail"]
    return body


def whats(view: dict[str, Any]) -> list[str]:
    return [d["what"] for d in view["deadlines"]]


def seen_by(world: World, order_id: int) -> dict[str, tuple[list[str], list[str]]]:
    """role → (allowed_actions, deadline 'what's) as GET …/dispute shows them."""
    out = {}
    for name in ("buyer", "seller", "agent"):
        v = world.view(order_id, world.tokens[name])
        out[name] = (v["allowed_actions"], whats(v))
    return out


# ----------------------------------------------------------------- PRT-4 / DSP-3: opening


def test_prt4_dispute_16_days_after_delivery_is_409_with_the_dates(world: World) -> None:
    world.clock.advance(DAY)
    shipped_at = world.clock.now()
    order_id = world.order(delivered=False)
    world.advance(9 * DAY)
    delivered_at = world.clock.now()
    world.ok(world.act(order_id, "record_delivery", world.agent, where="Lyon"))
    world.advance(16 * DAY)
    before = snapshot(world.app, order_id)

    body = problem(world.open(order_id), 409, "outside_dispute_window")

    closes = delivered_at + timedelta(days=15)
    assert body["window_opens"] == shipped_at.isoformat()
    assert body["window_closes"] == closes.isoformat()
    assert (body["basis"], body["state"]) == ("delivery", "delivered")
    assert closes.isoformat() in body["detail"] and world.clock.now().isoformat() in body["detail"]
    assert snapshot(world.app, order_id) == before
    problem(
        world.http.get(f"/api/v1/orders/{order_id}/dispute", headers=world.buyer), 404, "not_found"
    )


def test_dsp3_open_dispute_answers_201_with_the_buyers_view(world: World) -> None:
    order_id = world.order()
    r = world.open(order_id, reason="not_as_described", kind="partial_refund", amount="8.50")
    problem(r, 422, "invalid_input")  # not_as_described needs a detail
    r = world.http.post(
        f"/api/v1/orders/{order_id}/dispute",
        headers=world.buyer,
        json={
            "reason": "not_as_described",
            "detail": "colour",
            "description": "Rouge, pas bleue",
            "resolution": {"kind": "partial_refund", "amount": "8.50"},
        },
    )
    view = world.ok(r, 201)
    opened = world.clock.now()
    assert r.headers["etag"] == f'"{view["order_version"]}"'
    assert (view["state"], view["is_open"], view["order_id"]) == ("awaiting_seller", True, order_id)
    assert view["status"] == {
        "code": "awaiting_seller",
        "fr": "En attente de la réponse du vendeur",
        "en": "Waiting for the seller",
    }
    assert view["reason"]["code"] == "not_as_described"
    assert view["detail"] == {"code": "colour", "fr": "Couleur", "en": "Colour"}
    assert (view["requested"]["kind"], view["requested"]["amount"]) == ("partial_refund", "8.50")
    assert view["money"] == {
        "paid": "25.00",
        "held": "25.00",
        "refunded": "0.00",
        "frozen_from_seller": "0.00",
    }
    assert view["allowed_actions"] == ["withdraw_dispute", "provide_evidence"]
    assert view["deadlines"] == [
        {
            "what": "seller_answer",
            "who": "seller",
            "due_at": (opened + timedelta(hours=120)).isoformat(),
            "then": "the buyer's request is granted",
        }
    ]
    assert timeline_actions(world.app, order_id)[-1] == "open_dispute"


def test_dsp2_reasons_and_resolutions_are_listed(world: World) -> None:
    body = world.http.get("/api/v1/dispute-reasons", headers=world.buyer).json()
    assert [r["code"] for r in body["reasons"]] == [
        "not_received",
        "delivered_not_received",
        "damaged",
        "defective",
        "not_as_described",
        "wrong_item",
        "payment_problem",
    ]
    assert [d["code"] for d in body["reasons"][4]["details"]] == [
        "colour",
        "size",
        "model",
        "other",
    ]
    assert [r["code"] for r in body["resolutions"]] == [
        "full_refund",
        "partial_refund",
        "reshipment",
        "return_and_refund",
        "no_refund",
    ]
    assert {r["action"] for r in body["rules"]} >= {"accept_request", "decide", "appeal"}


# ----------------------------------------------------------------- DSP-4..6: who may do what


def test_dsp4_6_each_party_sees_its_actions_and_deadlines_in_every_state(world: World) -> None:
    order_id = world.order()
    world.ok(world.open(order_id), 201)
    # awaiting_seller
    assert seen_by(world, order_id) == {
        "buyer": (["withdraw_dispute", "provide_evidence"], ["seller_answer"]),
        "seller": (
            ["accept_request", "make_offer", "contest", "provide_evidence"],
            ["seller_answer"],
        ),
        "agent": ([], []),
    }

    world.advance(DAY)
    world.ok(
        world.do(
            order_id,
            "make_offer",
            world.seller,
            message="Moitié",
            resolution={"kind": "partial_refund", "amount": "12.50"},
        )
    )
    talking = ["offer_reply", "negotiation_end", "escalation_possible"]
    assert seen_by(world, order_id) == {
        "buyer": (
            ["make_offer", "accept_offer", "reject_offer", "withdraw_dispute", "provide_evidence"],
            talking,
        ),
        "seller": (["make_offer", "provide_evidence"], talking),
        "agent": ([], talking),
    }
    offer_reply = world.view(order_id, world.buyer)["deadlines"][0]
    assert (offer_reply["who"], offer_reply["due_at"]) == (
        "buyer",
        (world.clock.now() + timedelta(hours=72)).isoformat(),
    )

    world.advance(2 * DAY)  # 72 h after the opening: either party may escalate
    world.ok(world.do(order_id, "reject_offer", world.buyer, message="Non"))
    assert seen_by(world, order_id) == {
        "buyer": (
            ["make_offer", "escalate", "withdraw_dispute", "provide_evidence"],
            ["negotiation_end", "escalation_possible"],
        ),
        "seller": (
            ["make_offer", "escalate", "provide_evidence"],
            ["negotiation_end", "escalation_possible"],
        ),
        "agent": ([], ["negotiation_end", "escalation_possible"]),
    }

    world.ok(world.do(order_id, "escalate", world.seller, message="Médiation"))
    assert seen_by(world, order_id) == {
        "buyer": (["make_offer", "withdraw_dispute", "provide_evidence"], []),
        "seller": (["make_offer", "provide_evidence"], []),
        "agent": (["take_case", "request_evidence", "decide"], []),
    }
    world.ok(
        world.do(
            order_id,
            "request_evidence",
            world.agent,
            party="buyer",
            note="Photo du carton",
            hours=48,
        )
    )
    assert seen_by(world, order_id)["buyer"] == (
        ["make_offer", "withdraw_dispute", "provide_evidence"],
        ["evidence"],
    )
    assert world.view(order_id, world.agent)["allowed_actions"] == ["request_evidence", "decide"]

    world.ok(
        world.do(
            order_id, "decide", world.agent, in_favour_of="split", amount="10.00", note="Partage"
        )
    )
    assert seen_by(world, order_id) == {
        "buyer": (["accept_decision", "appeal"], ["appeal"]),
        "seller": (["accept_decision", "appeal"], ["appeal"]),
        "agent": ([], ["appeal"]),
    }
    view = world.view(order_id, world.seller)
    assert view["deadlines"][0]["due_at"] == (world.clock.now() + timedelta(days=7)).isoformat()
    assert view["decision"]["resolution"]["amount"] == "10.00"
    assert view["money"]["held"] == "25.00" and refund_rows(world.app, order_id) == []


# ----------------------------------------------------------------- refusals change nothing


def test_prt6_offer_above_the_amount_paid_is_422(world: World) -> None:
    order_id = world.order()
    problem(world.open(order_id, kind="partial_refund", amount="25.00"), 422, "invalid_input")
    world.ok(world.open(order_id), 201)
    before = snapshot(world.app, order_id)
    body = problem(
        world.do(
            order_id,
            "make_offer",
            world.seller,
            message="Trop",
            resolution={"kind": "partial_refund", "amount": "30.00"},
        ),
        422,
        "invalid_input",
    )
    assert (body["paid"], body["refundable"], body["field"]) == (
        "25.00",
        "25.00",
        "resolution.amount",
    )
    assert "25.00 EUR paid" in body["detail"]
    body = problem(
        world.do(
            order_id,
            "make_offer",
            world.seller,
            message="Retour",
            resolution={"kind": "return_and_refund", "amount": "25.01"},
        ),
        422,
        "invalid_input",
    )
    assert snapshot(world.app, order_id) == before


def test_dsp5_any_action_after_the_dispute_closed_is_409(world: World) -> None:
    order_id = world.order()
    world.ok(world.open(order_id), 201)
    world.ok(world.do(order_id, "accept_request", world.seller))
    assert refund_rows(world.app, order_id)[0]["amount_cents"] == 2500
    before = snapshot(world.app, order_id)
    late: list[tuple[str, Headers, dict[str, Any]]] = [
        ("accept_request", world.seller, {}),
        ("make_offer", world.buyer, {"resolution": {"kind": "full_refund"}}),
        ("withdraw_dispute", world.buyer, {}),
        ("decide", world.agent, {"in_favour_of": "seller", "note": "Trop tard"}),
    ]
    for action, who, params in late:
        body = problem(world.do(order_id, action, who, **params), 409, "illegal_transition")
        assert (body["subject"], body["state"], body["allowed_actions"]) == (
            "dispute",
            "resolved",
            [],
        )
        assert "the dispute is 'resolved' (the dispute is closed" in body["detail"]
        assert "Allowed now: none" in body["detail"]
    # …and no second dispute on an order whose dispute ended in a refund.
    body = problem(world.open(order_id), 409, "illegal_transition")
    assert "outcome is final" in body["detail"]
    assert snapshot(world.app, order_id) == before


def test_dsp_seller_cannot_see_or_act_on_another_sellers_dispute(world: World) -> None:
    order_id = world.order()
    world.ok(world.open(order_id), 201)
    before = snapshot(world.app, order_id)
    problem(
        world.http.get(f"/api/v1/orders/{order_id}/dispute", headers=world.other_seller),
        404,
        "not_found",
    )
    for action in ("accept_request", "make_offer"):
        body = {"resolution": {"kind": "reshipment"}} if action == "make_offer" else {}
        r = world.do(order_id, action, world.other_seller, **body)
        assert "dispute" not in problem(r, 404, "not_found")["detail"]
    problem(world.open(order_id, world.other_buyer), 404, "not_found")
    listed = world.http.get("/api/v1/disputes", headers=world.other_seller).json()
    assert listed == {"items": [], "next_cursor": None}
    assert snapshot(world.app, order_id) == before


def test_dsp_second_dispute_while_one_is_open_is_409(world: World) -> None:
    order_id = world.order()
    first = world.ok(world.open(order_id), 201)
    before = snapshot(world.app, order_id)
    body = problem(world.open(order_id, reason="defective"), 409, "dispute_already_open")
    assert (body["state"], body["allowed_actions"]) == (
        "awaiting_seller",
        ["withdraw_dispute", "provide_evidence"],
    )
    assert first["opened_at"] in body["detail"]
    assert snapshot(world.app, order_id) == before


def test_dsp6_buyer_cannot_take_an_agents_action(world: World) -> None:
    order_id = world.order()
    world.ok(world.open(order_id), 201)
    world.ok(
        world.do(
            order_id,
            "make_offer",
            world.seller,
            resolution={"kind": "partial_refund", "amount": "5.00"},
        )
    )
    world.advance(3 * DAY)  # the offer lapses (72 h); escalation is open
    world.ok(world.do(order_id, "escalate", world.buyer))
    before = snapshot(world.app, order_id)
    body = problem(
        world.do(order_id, "decide", world.buyer, in_favour_of="buyer", note="Moi"),
        403,
        "role_not_allowed",
    )
    assert (body["subject"], body["state"], body["allowed_actions"]) == (
        "dispute",
        "escalated",
        ["make_offer", "withdraw_dispute", "provide_evidence"],
    )
    assert "a buyer cannot do this" in body["detail"]
    problem(
        world.do(order_id, "request_evidence", world.seller, party="buyer", note="x"),
        403,
        "role_not_allowed",
    )
    problem(world.do(order_id, "accept_request", world.buyer), 403, "role_not_allowed")
    assert snapshot(world.app, order_id) == before


def test_dsp_unknown_dispute_action_is_404_from_the_router(world: World) -> None:
    order_id = world.order()
    world.ok(world.open(order_id), 201)
    before = snapshot(world.app, order_id)
    problem(world.do(order_id, "refund_everything", world.buyer), 404, "not_found")
    # Worker-only steps have no route either.
    problem(world.do(order_id, "grant_by_default", world.buyer), 404, "not_found")
    assert snapshot(world.app, order_id) == before


def test_dsp_stale_if_match_is_409_and_changes_nothing(world: World) -> None:
    order_id = world.order()
    version = world.ok(world.open(order_id), 201)["order_version"]
    world.ok(
        world.do(
            order_id,
            "provide_evidence",
            world.buyer,
            evidence=[add_evidence(world.app, world.actor("buyer", Role.BUYER), order_id)],
        )
    )
    before = snapshot(world.app, order_id)
    r = world.do(order_id, "accept_request", world.seller, {"If-Match": f'"{version}"'})
    body = problem(r, 409, "version_conflict")
    assert (body["state"], body["version"]) == ("delivered", version + 1)
    assert snapshot(world.app, order_id) == before
    r = world.do(order_id, "accept_request", world.seller, {"If-Match": f'"{version + 1}"'})
    assert world.ok(r)["state"] == "resolved"


def test_dsp_malformed_bodies_are_422_and_change_nothing(world: World) -> None:
    order_id = world.order()
    world.ok(world.open(order_id), 201)
    before = snapshot(world.app, order_id)
    problem(
        world.do(order_id, "make_offer", world.seller, resolution={"kind": "voucher"}),
        422,
        "invalid_input",
    )
    problem(world.do(order_id, "contest", world.seller, message="Faux"), 422, "invalid_request")
    problem(
        world.do(order_id, "contest", world.seller, message="Faux", evidence=[999999]),
        422,
        "invalid_input",
    )
    problem(world.do(order_id, "accept_request", world.seller, note="x"), 422, "invalid_request")
    assert snapshot(world.app, order_id) == before


# ----------------------------------------------------------------- DSP-6: the agent's queue


def _escalate(world: World, order_id: int) -> None:
    """Opened, a seller's offer, escalated by the buyer 72 h later."""
    world.ok(world.open(order_id), 201)
    world.ok(
        world.do(
            order_id,
            "make_offer",
            world.seller,
            resolution={"kind": "partial_refund", "amount": "5.00"},
        )
    )
    world.advance(3 * DAY)
    world.ok(world.do(order_id, "escalate", world.buyer))


def test_dsp6_agent_queue_oldest_escalation_first_with_evidence_counts(world: World) -> None:
    first = world.order()  # the lower id, escalated last
    second = world.order()
    world.ok(world.open(first), 201)
    _escalate(world, second)
    second_at = world.clock.now()
    world.advance(DAY)
    world.ok(world.do(first, "make_offer", world.seller, resolution={"kind": "reshipment"}))
    world.advance(2 * DAY)
    world.ok(world.do(first, "escalate", world.seller))
    first_at = world.clock.now()
    quiet = world.order()
    world.ok(world.open(quiet), 201)  # awaiting the seller: not the platform's yet
    world.ok(
        world.do(first, "request_evidence", world.agent, party="seller", note="Preuve", hours=48)
    )
    world.ok(world.do(first, "request_evidence", world.agent, party="buyer", note="Photo"))

    page = world.http.get("/api/v1/disputes", headers=world.agent).json()
    assert [
        (i["order_id"], i["state"], i["escalated_at"], i["open_evidence_requests"])
        for i in page["items"]
    ] == [
        (second, "escalated", second_at.isoformat(), 0),
        (first, "escalated", first_at.isoformat(), 2),
    ]
    assert page["next_cursor"] is None
    item = page["items"][1]
    assert (item["agent_id"], item["requested"], item["total"]) == (
        world.ids["agent"],
        {"kind": "full_refund", "amount": None},
        "25.00",
    )

    # One page at a time, every case exactly once, in the same order.
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        r = world.http.get("/api/v1/disputes", headers=world.agent, params=params)
        assert r.status_code == 200, r.text
        seen += [i["order_id"] for i in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [second, first]

    mine = world.http.get("/api/v1/disputes", headers=world.buyer).json()["items"]
    assert [i["order_id"] for i in mine] == [quiet, second, first]  # newest first
    waiting = world.http.get(
        "/api/v1/disputes", headers=world.agent, params={"state": "awaiting_seller"}
    ).json()["items"]
    assert [i["order_id"] for i in waiting] == [quiet]
    problem(
        world.http.get("/api/v1/disputes", headers=world.agent, params={"state": "lost"}),
        422,
        "invalid_input",
    )


# ----------------------------------------------------------------- DSP-5/6 end to end over HTTP


ADDRESS = "Shenzhen Lamp Co., Retours, 12 Bao'an Road, 518000 Shenzhen, CN"


def test_dsp5_return_through_the_order_actions(world: World) -> None:
    with world.app.engine.begin() as conn:
        conn.execute(
            update(t.users)
            .where(t.users.c.id == world.ids["seller"])
            .values(return_address=ADDRESS)
        )
    order_id = world.order()
    world.ok(world.open(order_id, reason="damaged", kind="return_and_refund"), 201)
    view = world.ok(world.do(order_id, "accept_request", world.seller))
    assert (view["state"], view["outcome"]["kind"]) == ("resolved", "return_and_refund")

    order = world.ok(world.http.get(f"/api/v1/orders/{order_id}", headers=world.buyer))
    assert order["state"] == "returning"
    assert order["allowed_actions"] == ["ship_return"]
    assert (order["return"]["return_address"], order["return"]["refund"]) == (ADDRESS, "25.00")
    seller_order = world.http.get(f"/api/v1/orders/{order_id}", headers=world.seller).json()
    assert "confirm_return_received" in seller_order["allowed_actions"]

    before = snapshot(world.app, order_id)
    problem(
        world.act(order_id, "ship_return", world.seller, tracking_number="RR987654321FR"),
        403,
        "role_not_allowed",
    )
    problem(
        world.act(order_id, "ship_return", world.buyer, tracking_number=""), 422, "invalid_request"
    )
    assert snapshot(world.app, order_id) == before

    world.advance(3 * DAY)
    order = world.ok(
        world.act(
            order_id, "ship_return", world.buyer, tracking_number="RR987654321FR", carrier="laposte"
        )
    )
    assert (order["return"]["status"], order["return"]["tracking_number"]) == (
        "shipped_back",
        "RR987654321FR",
    )
    before = snapshot(world.app, order_id)
    problem(
        world.act(order_id, "ship_return", world.buyer, tracking_number="RR987654321FR"),
        409,
        "illegal_transition",
    )
    assert snapshot(world.app, order_id) == before

    world.advance(4 * DAY)
    order = world.ok(world.act(order_id, "confirm_return_received", world.seller))
    assert (order["state"], order["return"]["status"]) == ("completed", "received")
    granted = world.clock.now().date()
    assert [
        (r["amount_cents"], r["expected_from"], r["expected_to"])
        for r in refund_rows(world.app, order_id)
    ] == [(2500, granted + timedelta(days=15), granted + timedelta(days=30))]


def test_dsp6_negotiation_ends_agent_decides_appeal_final_over_http(world: World) -> None:
    order_id = world.order()
    opened = world.ok(world.open(order_id), 201)["opened_at"]
    world.ok(
        world.do(
            order_id,
            "contest",
            world.seller,
            message="Emballé avec soin",
            evidence=[add_evidence(world.app, world.actor("seller", Role.SELLER), order_id)],
        )
    )
    assert world.view(order_id, world.buyer)["state"] == "negotiating"

    world.clock.advance(datetime.fromisoformat(opened) + 10 * DAY - world.clock.now())
    assert sweep_checked(world.app).applied == 1
    assert world.view(order_id, world.agent)["escalated_by"] == "system"
    queue = world.http.get("/api/v1/disputes", headers=world.agent).json()["items"]
    assert [(i["order_id"], i["open_evidence_requests"]) for i in queue] == [(order_id, 0)]

    view = world.ok(
        world.do(
            order_id,
            "request_evidence",
            world.agent,
            party="seller",
            note="Photo avant envoi",
            hours=48,
        )
    )
    assert [(r["party"], r["status"]) for r in view["evidence_requests"]] == [("seller", "open")]
    problem(
        world.do(order_id, "request_evidence", world.agent, party="seller", note="x", hours=241),
        422,
        "invalid_input",
    )
    world.advance(48 * timedelta(hours=1))
    assert sweep_checked(world.app).applied == 1
    view = world.view(order_id, world.agent)
    assert [r["status"] for r in view["evidence_requests"]] == ["overdue"]

    view = world.ok(
        world.do(
            order_id, "decide", world.agent, in_favour_of="split", amount="12.00", note="Partage"
        )
    )
    assert (view["state"], view["decision"]["final"]) == ("decided", False)
    video = add_evidence(world.app, world.actor("buyer", Role.BUYER), order_id, "unboxing.mp4")
    world.advance(DAY)
    view = world.ok(world.do(order_id, "appeal", world.buyer, note="Vidéo", evidence=[video]))
    assert (view["state"], view["appeal"]["evidence"]) == ("appealed", [video])
    # The agent who decided keeps the case (no take_case); any other agent could take it.
    assert world.view(order_id, world.agent)["allowed_actions"] == ["request_evidence", "decide"]

    view = world.ok(
        world.do(
            order_id, "decide", world.agent, in_favour_of="split", amount="12.00", note="Confirmé"
        )
    )
    assert (view["state"], view["is_open"], view["decision"]["final"]) == ("resolved", False, True)
    assert view["money"] == {
        "paid": "25.00",
        "held": "0.00",
        "refunded": "12.00",
        "frozen_from_seller": "0.00",
    }
    assert view["lost_by_buyer"] is False
    before = snapshot(world.app, order_id)
    other = add_evidence(world.app, world.actor("seller", Role.SELLER), order_id, "b.pdf")
    body = problem(
        world.do(order_id, "appeal", world.seller, note="Encore", evidence=[other]),
        409,
        "illegal_transition",
    )
    assert body["allowed_actions"] == []
    assert snapshot(world.app, order_id) == before


def test_dsp3_idempotency_key_replays_the_opening(world: World) -> None:
    order_id = world.order()
    headers = {**world.buyer, "Idempotency-Key": "dispute-1"}
    body = {"reason": "damaged", "description": "Cassée", "resolution": {"kind": "full_refund"}}
    first = world.http.post(f"/api/v1/orders/{order_id}/dispute", headers=headers, json=body)
    assert first.status_code == 201, first.text
    before = snapshot(world.app, order_id)
    again = world.http.post(f"/api/v1/orders/{order_id}/dispute", headers=headers, json=body)
    assert (again.status_code, again.headers["idempotent-replayed"]) == (201, "true")
    assert again.json() == first.json()
    assert snapshot(world.app, order_id) == before
