"""End to end over HTTP, against a real server process and the real worker command.

CAN-2/CAN-4: create → pay → request cancellation → 71 h later still waiting → 2 h more and
the worker runs: cancelled and refunded, on the timeline and in the ledger.
"""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from garant.app import Garant
from garant.services import users
from garant.settings import Settings
from garant.store import schema as t

from .conftest import Server


def _bootstrap(db_url: str) -> dict[str, str]:
    """The installation's first operator is made on the command line, as an operator would."""
    app = Garant.from_settings(Settings(database_url=db_url, sandbox=True))
    op = users.create_user(app, name="Ops", email="ops@shop.test", role="operator")
    token = users.issue_token(app, op.id)
    app.engine.dispose()
    return {"Authorization": f"Bearer {token}"}


def _ledger(db_url: str, order_id: int) -> dict[str, int]:
    app = Garant.from_settings(Settings(database_url=db_url))
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(t.ledger_entries.c.kind, func.sum(t.ledger_entries.c.amount_cents))
            .where(t.ledger_entries.c.order_id == order_id).group_by(t.ledger_entries.c.kind)
        ).all()
    app.engine.dispose()
    return {k: int(v) for k, v in rows}


def test_can4_http_request_cancellation_then_auto_cancel_after_72h(server: Server,
                                                                   db_url: str) -> None:
    op = _bootstrap(db_url)
    with httpx.Client(base_url=server.url, timeout=10) as http:
        def user(name: str, role: str) -> tuple[int, dict[str, str]]:
            r = http.post("/api/v1/users", headers=op,
                          json={"name": name, "email": f"{role}@shop.test", "role": role})
            assert r.status_code == 201, r.text
            return r.json()["id"], {"Authorization": f"Bearer {r.json()['token']}"}

        buyer_id, buyer = user("Camille", "buyer")
        seller_id, seller = user("Shenzhen Lamps", "seller")

        r = http.post("/api/v1/orders", headers={**op, "Idempotency-Key": "order-1"}, json={
            "buyer_id": buyer_id, "seller_id": seller_id, "total": "24.90",
            "shipping_method": "aliexpress_standard",
            "items": [{"title": "Lampe LED", "quantity": 2, "unit_price": "12.45"}],
        })
        assert r.status_code == 201, r.text
        order_id = r.json()["id"]
        assert r.json()["status"] == {"code": "received", "fr": "Commande reçue",
                                      "en": "Order received"}

        r = http.post(f"/api/v1/orders/{order_id}/actions/pay", headers=op,
                      json={"amount": "24.90", "verified": True})
        assert r.status_code == 200, r.text
        assert r.json()["status"]["fr"] == "Achat effectué"

        r = http.post(f"/api/v1/orders/{order_id}/actions/request_cancellation", headers=buyer,
                      json={"reason": "no_longer_needed"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["cancellation_request"]["status"] == "open"
        assert body["deadlines"][0]["kind"] == "seller_answer"
        # Real time runs on under the sandbox offset: allow the seconds this test takes.
        assert 72 * 3600 - 60 <= body["deadlines"][0]["seconds_left"] <= 72 * 3600
        # The seller now sees the two answers it can give.
        r = http.get(f"/api/v1/orders/{order_id}", headers=seller)
        seller_can = r.json()["allowed_actions"]
        assert {"approve_cancellation", "decline_cancellation"} <= set(seller_can)
        assert "ship" not in seller_can  # the request must be answered first

        advance = http.post("/api/v1/sandbox/clock/advance", headers=op, json={"by": "71h"})
        assert advance.status_code == 200, advance.text
        worker = server.garant("worker", "--once")
        assert worker.returncode == 0, worker.stderr
        r = http.get(f"/api/v1/orders/{order_id}", headers=buyer)
        assert r.json()["state"] == "paid"
        assert 3600 - 60 <= r.json()["deadlines"][0]["seconds_left"] <= 3600
        assert _ledger(db_url, order_id) == {"capture": 2490, "hold": 2490}

        http.post("/api/v1/sandbox/clock/advance", headers=op, json={"by": "2h"})
        worker = server.garant("worker", "--once")
        assert worker.returncode == 0, worker.stderr

        r = http.get(f"/api/v1/orders/{order_id}", headers=buyer)
        order = r.json()
        assert order["state"] == "cancelled"
        assert order["status"]["fr"] == "Commande annulée"
        assert order["money"] == {"paid": "24.90", "held": "0.00", "released": "0.00",
                                  "refunded": "24.90"}
        assert len(order["refunds"]) == 1 and order["refunds"][0]["amount"] == "24.90"
        actions = [e["action"] for e in order["timeline"]]
        assert actions == ["order_placed", "pay", "verify_payment", "request_cancellation",
                           "expire_cancellation_request", "refund_started"]
        expired = order["timeline"][4]
        assert expired["actor"]["role"] == "system"
        assert expired["status"]["fr"] == "Commande annulée"
        assert order["allowed_actions"] == [] and order["deadlines"] == []
        assert _ledger(db_url, order_id) == {"capture": 2490, "hold": 2490, "refund": 2490}

        # Once the payment provider confirms, the buyer reads "Commande remboursée".
        refund_id = order["refunds"][0]["id"]
        r = http.post(f"/api/v1/refunds/{refund_id}/settle", headers=op)
        assert r.status_code == 200, r.text
        assert r.json()["status"]["fr"] == "Commande remboursée"
