"""The API's contract on both databases: authorization, bad input, idempotency, versions,
pagination. Every refusal is problem+json with a stable code, and changes nothing."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from garant.app import Garant
from garant.services import users
from garant.store import schema as t

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from garant.asgi import create_app

S10 = "RR123456785CN"  # a valid UPU S10 number (check digit 5)


@dataclass
class World:
    http: TestClient
    app: Garant
    op: dict[str, str]
    buyer: dict[str, str]
    other_buyer: dict[str, str]
    seller: dict[str, str]
    other_seller: dict[str, str]
    agent: dict[str, str]
    buyer_id: int
    seller_id: int
    other_seller_id: int

    def order(self, *, paid: bool = True, seller_id: int | None = None) -> int:
        r = self.http.post("/api/v1/orders", headers=self.op, json={
            "buyer_id": self.buyer_id, "seller_id": seller_id or self.seller_id,
            "total": "30.00", "shipping_method": "ems",
            "items": [{"title": "Montre", "quantity": 1, "unit_price": "30.00"}]})
        assert r.status_code == 201, r.text
        order_id: int = r.json()["id"]
        if paid:
            r = self.act(order_id, "pay", self.op, amount="30.00", verified=True)
            assert r.status_code == 200, r.text
        return order_id

    def act(self, order_id: int, action: str, who: dict[str, str], **body: Any) -> Any:
        return self.http.post(f"/api/v1/orders/{order_id}/actions/{action}", headers=who,
                              json=body)

    def counts(self) -> dict[str, int]:
        with self.app.engine.connect() as conn:
            out = {name: conn.execute(select(func.count()).select_from(getattr(t, name)))
                   .scalar_one() for name in ("timeline", "ledger_entries", "refunds", "outbox",
                                "cancellation_requests")}
            out["versions"] = conn.execute(select(func.sum(t.orders.c.version))).scalar() or 0
        return out


@pytest.fixture
def world(app: Garant) -> Iterator[World]:
    tokens: dict[str, tuple[int, dict[str, str]]] = {}
    for key, role in [("op", "operator"), ("buyer", "buyer"), ("other_buyer", "buyer"),
                      ("seller", "seller"), ("other_seller", "seller"), ("agent", "agent")]:
        user = users.create_user(app, name=key, email=f"{key}@t.test", role=role)
        tokens[key] = (user.id, {"Authorization": f"Bearer {users.issue_token(app, user.id)}"})
    with TestClient(create_app(app), raise_server_exceptions=False) as http:
        yield World(http, app, *(tokens[k][1] for k in ("op", "buyer", "other_buyer", "seller",
                                                         "other_seller", "agent")),
                    buyer_id=tokens["buyer"][0], seller_id=tokens["seller"][0],
                    other_seller_id=tokens["other_seller"][0])


def _problem(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["code"] == code and body["status"] == status and body["detail"]
    return body


# ----------------------------------------------------------------- authorization


def test_ord_buyer_cannot_read_or_act_on_another_buyers_order(world: World) -> None:
    order_id = world.order()
    before = world.counts()
    _problem(world.http.get(f"/api/v1/orders/{order_id}", headers=world.other_buyer),
             404, "not_found")
    _problem(world.act(order_id, "request_cancellation", world.other_buyer,
                       reason="other_reasons"), 404, "not_found")
    assert world.counts() == before
    listed = world.http.get("/api/v1/orders", headers=world.other_buyer).json()
    assert listed["items"] == []


def test_can3_seller_cannot_answer_another_sellers_request(world: World) -> None:
    order_id = world.order()
    assert world.act(order_id, "request_cancellation", world.buyer,
                     reason="no_longer_needed").status_code == 200
    before = world.counts()
    _problem(world.act(order_id, "approve_cancellation", world.other_seller), 404, "not_found")
    assert world.counts() == before
    assert world.http.get(f"/api/v1/orders/{order_id}", headers=world.buyer).json()[
        "cancellation_request"]["status"] == "open"


def test_ord3_buyer_cannot_do_a_sellers_action(world: World) -> None:
    order_id = world.order()
    before = world.counts()
    body = _problem(world.act(order_id, "ship", world.buyer, tracking_number=S10), 403,
                    "role_not_allowed")
    assert body["state"] == "paid"
    assert body["allowed_actions"] == ["request_cancellation"]
    assert world.counts() == before


def test_can9_seller_cannot_cancel_unilaterally(world: World) -> None:
    order_id = world.order()
    before = world.counts()
    _problem(world.act(order_id, "cancel", world.seller, confirm=True), 403, "role_not_allowed")
    _problem(world.act(order_id, "approve_cancellation", world.seller), 409,
             "illegal_transition")
    assert world.counts() == before


def test_unauthenticated_and_unknown_token_get_401(world: World) -> None:
    _problem(world.http.get("/api/v1/orders"), 401, "unauthenticated")
    r = world.http.get("/api/v1/orders", headers={"Authorization": "Bearer nope"})
    _problem(r, 401, "unauthenticated")
    assert r.headers["www-authenticate"] == "Bearer"


def test_only_operator_creates_orders_and_moves_the_clock(world: World) -> None:
    before = world.counts()
    r = world.http.post("/api/v1/orders", headers=world.buyer, json={
        "buyer_id": world.buyer_id, "seller_id": world.seller_id, "total": "1.00",
        "shipping_method": "ems", "items": [{"title": "x", "quantity": 1, "unit_price": "1"}]})
    _problem(r, 404, "not_found")
    _problem(world.http.post("/api/v1/sandbox/clock/advance", headers=world.agent,
                             json={"by": "1h"}), 403, "forbidden")
    assert world.counts() == before


# ----------------------------------------------------------------- bad input


def test_ord3_unknown_order_is_404(world: World) -> None:
    _problem(world.http.get("/api/v1/orders/999999", headers=world.op), 404, "not_found")
    _problem(world.act(999999, "pay", world.op, amount="1.00"), 404, "not_found")


@pytest.mark.parametrize("amount", ["-5.00", "30.001", "abc", "NaN", "1e400"])
def test_prt6_bad_amounts_are_refused_and_change_nothing(world: World, amount: str) -> None:
    order_id = world.order(paid=False)
    before = world.counts()
    r = world.act(order_id, "pay", world.op, amount=amount, verified=True)
    assert r.status_code == 422, r.text
    assert r.json()["code"] in ("invalid_input", "invalid_request")
    assert world.counts() == before


def test_ord3_malformed_body_is_422_and_changes_nothing(world: World) -> None:
    order_id = world.order()
    before = world.counts()
    r = world.http.post(f"/api/v1/orders/{order_id}/actions/request_cancellation",
                        headers={**world.buyer, "Content-Type": "application/json"},
                        content=b"{not json")
    _problem(r, 422, "invalid_request")
    body = _problem(world.act(order_id, "request_cancellation", world.buyer, reason="x",
                              colour="red"), 422, "invalid_request")
    assert any(e["field"] == "colour" for e in body["errors"])
    assert world.counts() == before


def test_can2_unknown_reason_code_is_refused(world: World) -> None:
    order_id = world.order()
    before = world.counts()
    body = _problem(world.act(order_id, "request_cancellation", world.buyer,
                              reason="changed_my_mind"), 422, "invalid_input")
    assert "other_reasons" in body["detail"] and body["state"] == "paid"
    assert world.counts() == before


def test_ord3_illegal_transition_names_state_and_allowed_actions(world: World) -> None:
    order_id = world.order()
    assert world.act(order_id, "ship", world.seller, tracking_number=S10).status_code == 200
    before = world.counts()
    body = _problem(world.act(order_id, "request_cancellation", world.buyer,
                              reason="no_longer_needed"), 409,
                    "cancellation_impossible_after_shipment")
    assert body["state"] == "shipped"
    assert body["allowed_actions"] == ["confirm_receipt"]
    assert body["remedies"] == ["contact_seller", "return", "dispute"]
    assert world.counts() == before


def test_can5_decline_with_unknown_tracking_format_is_refused(world: World) -> None:
    order_id = world.order()
    world.act(order_id, "request_cancellation", world.buyer, reason="no_longer_needed")
    before = world.counts()
    _problem(world.act(order_id, "decline_cancellation", world.seller,
                       tracking_number="HELLO"), 422, "invalid_input")
    assert world.counts() == before


def test_can5_probable_typo_is_a_warning_not_a_refusal(world: World) -> None:
    order_id = world.order()
    r = world.act(order_id, "ship", world.seller, tracking_number="rr 123 456 786 cn")
    assert r.status_code == 200, r.text
    shipped = r.json()["timeline"][-1]
    assert shipped["data"]["tracking_number"] == "RR123456786CN"
    assert any("typo" in w for w in shipped["data"]["warnings"])


# ----------------------------------------------------------------- conventions


def test_idempotency_key_replays_the_first_response(world: World) -> None:
    order_id = world.order()
    headers = {**world.buyer, "Idempotency-Key": "cancel-1"}
    first = world.http.post(f"/api/v1/orders/{order_id}/actions/request_cancellation",
                            headers=headers, json={"reason": "no_longer_needed"})
    assert first.status_code == 200
    before = world.counts()
    again = world.http.post(f"/api/v1/orders/{order_id}/actions/request_cancellation",
                            headers=headers, json={"reason": "no_longer_needed"})
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert world.counts() == before
    other = world.http.post(f"/api/v1/orders/{order_id}/actions/request_cancellation",
                            headers=headers, json={"reason": "other_reasons"})
    _problem(other, 422, "idempotency_key_reused")
    assert world.counts() == before


def test_version_conflict_is_409_and_changes_nothing(world: World) -> None:
    order_id = world.order()
    version = world.http.get(f"/api/v1/orders/{order_id}", headers=world.seller).json()["version"]
    assert world.act(order_id, "mark_prepared", world.seller).status_code == 200
    before = world.counts()
    r = world.http.post(f"/api/v1/orders/{order_id}/actions/request_extension",
                        headers={**world.seller, "If-Match": f'"{version}"'},
                        json={"days": 3, "reason": "stock arriving"})
    body = _problem(r, 409, "version_conflict")
    assert body["state"] == "prepared" and body["version"] == version + 1
    assert world.counts() == before


def test_cursor_pagination_walks_every_order_once(world: World) -> None:
    ids = [world.order(paid=False) for _ in range(5)]
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = world.http.get("/api/v1/orders", headers=world.buyer, params=params).json()
        seen += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)


def test_ord1_every_order_response_carries_status_timeline_actions_deadlines(world: World
                                                                            ) -> None:
    order_id = world.order()
    body = world.http.get(f"/api/v1/orders/{order_id}", headers=world.buyer).json()
    assert body["status"] == {"code": "purchased", "fr": "Achat effectué",
                              "en": "Purchase complete"}
    assert [e["action"] for e in body["timeline"]] == ["order_placed", "pay", "verify_payment"]
    assert body["allowed_actions"] == ["request_cancellation"]
    assert [d["kind"] for d in body["deadlines"]] == ["ship_by"]
    assert body["deadlines"][0]["effect"] == "cancel_and_refund"


def test_can7_sandbox_clock_refused_when_sandbox_off(world: World) -> None:
    world.app.settings.sandbox = False
    _problem(world.http.post("/api/v1/sandbox/clock/advance", headers=world.op,
                             json={"by": "73h"}), 409, "sandbox_disabled")


def test_openapi_documents_every_action(world: World) -> None:
    paths = world.http.get("/api/openapi.json").json()["paths"]
    assert "/api/v1/orders/{order_id}/actions/request_cancellation" in paths
    assert world.http.get("/api/docs").status_code == 200
