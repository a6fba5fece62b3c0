"""End to end over HTTP, against a real server process and the real worker command (DSP).

A "not received" dispute from its opening to a mediated partial refund, with messages and a
photo as evidence; and a "damaged" dispute accepted by the seller at once.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import httpx
from PIL import Image

from .conftest import Server
from .test_http_cancellation import _bootstrap, _ledger


class Shop:
    """The marketplace (operator), a buyer and a seller, over HTTP."""

    def __init__(self, http: httpx.Client, op: dict[str, str]) -> None:
        self.http = http
        self.op = op
        self.buyer_id, self.buyer = self._user("Camille Martin", "buyer")
        self.seller_id, self.seller = self._user("Boutique Lumière", "seller")
        self.agent_id, self.agent = self._user("Inès Moreau", "agent")

    def _user(self, name: str, role: str) -> tuple[int, dict[str, str]]:
        r = self.http.post("/api/v1/users", headers=self.op,
                           json={"name": name, "email": f"{role}@shop.test", "role": role})
        assert r.status_code == 201, r.text
        return r.json()["id"], {"Authorization": f"Bearer {r.json()['token']}"}

    def ok(self, method: str, path: str, who: dict[str, str], **kw: Any) -> dict[str, Any]:
        r = self.http.request(method, path, headers=who, **kw)
        assert r.status_code in (200, 201), r.text
        return dict(r.json())

    def shipped_order(self, ref: str, total: str) -> int:
        order = self.ok("POST", "/api/v1/orders", self.op, json={
            "buyer_id": self.buyer_id, "seller_id": self.seller_id, "total": total,
            "external_ref": ref, "shipping_method": "aliexpress_standard",
            "items": [{"title": "Lampe LED", "quantity": 1, "unit_price": total}],
        })
        oid = int(order["id"])
        self.ok("POST", f"/api/v1/orders/{oid}/actions/pay", self.op,
                json={"amount": total, "verified": True})
        self.ok("POST", f"/api/v1/orders/{oid}/actions/ship", self.seller,
                json={"tracking_number": "RR123456785CN"} if ref == "A" else
                {"tracking_number": "RR987654325CN"})  # fmt: skip
        return oid

    def photo(self, oid: int, who: dict[str, str], name: str) -> dict[str, Any]:
        buf = io.BytesIO()
        Image.new("RGB", (80, 60), (180, 40, 40)).save(buf, format="JPEG")
        return self.ok("POST", "/api/v1/evidence", who, data={"order_id": str(oid)},
                       files={"file": (name, buf.getvalue(), "image/jpeg")})

    def dispute(self, oid: int, who: dict[str, str], action: str, **body: Any) -> dict[str, Any]:
        return self.ok("POST", f"/api/v1/orders/{oid}/dispute/actions/{action}", who, json=body)


def _advance(server: Server, shop: Shop, by: str) -> None:
    assert shop.http.post("/api/v1/sandbox/clock/advance", headers=shop.op,
                          json={"by": by}).status_code == 200
    worker = server.garant("worker", "--once")
    assert worker.returncode == 0, worker.stderr


def test_dsp_http_not_received_to_mediated_partial_refund(server: Server, db_url: str) -> None:
    with httpx.Client(base_url=server.url, timeout=20) as http:
        shop = Shop(http, _bootstrap(db_url))
        oid = shop.shipped_order("A", "40.00")
        _advance(server, shop, "20d")

        # DSP-1: talk to the seller first; the thread is kept as evidence.
        shop.ok("POST", f"/api/v1/orders/{oid}/messages", shop.buyer,
                json={"body": "Bonjour, le suivi ne bouge plus depuis 15 jours."})
        shop.ok("POST", f"/api/v1/orders/{oid}/messages", shop.seller,
                json={"body": "Nous vérifions avec La Poste."})
        capture = shop.photo(oid, shop.buyer, "suivi-bloqué.jpg")

        opened = shop.ok("POST", f"/api/v1/orders/{oid}/dispute", shop.buyer, json={
            "reason": "not_received", "description": "Colis jamais reçu.",
            "resolution": {"kind": "full_refund"}, "evidence": [capture["id"]],
        })
        assert opened["state"] == "awaiting_seller"
        assert opened["allowed_actions"] == ["withdraw_dispute", "provide_evidence"]
        seller_view = shop.ok("GET", f"/api/v1/orders/{oid}/dispute", shop.seller)
        assert seller_view["allowed_actions"] == [
            "accept_request", "make_offer", "contest", "provide_evidence"]

        proof = shop.photo(oid, shop.seller, "dépôt.jpg")
        shop.dispute(oid, shop.seller, "contest", message="Remis au transporteur.",
                     evidence=[proof["id"]])
        # The buyer sees the seller's photo without its metadata, never the original.
        r = http.get(f"/api/v1/evidence/{proof['id']}", headers=shop.buyer)
        assert r.status_code == 200 and r.headers["x-evidence-sha256"] == proof["shown_sha256"]
        assert http.get(f"/api/v1/evidence/{proof['id']}/original",
                        headers=shop.buyer).status_code == 403

        _advance(server, shop, "11d")  # DSP-6: no agreement in the negotiation window
        queue = shop.ok("GET", "/api/v1/disputes", shop.agent)["items"]
        assert [d["order_id"] for d in queue] == [oid]
        shop.dispute(oid, shop.agent, "take_case")
        shop.dispute(oid, shop.agent, "request_evidence", party="seller",
                     note="Merci de joindre le reçu de dépôt.", hours=48)
        receipt = shop.photo(oid, shop.seller, "reçu.jpg")
        shop.dispute(oid, shop.seller, "provide_evidence", evidence=[receipt["id"]],
                     note="Reçu joint.")
        decided = shop.dispute(oid, shop.agent, "decide", in_favour_of="split",
                               amount="20.00", note="Dépôt prouvé, livraison non prouvée.")
        assert decided["state"] == "decided"
        for who in (shop.buyer, shop.seller):
            shop.dispute(oid, who, "accept_decision")

        final = shop.ok("GET", f"/api/v1/orders/{oid}/dispute", shop.buyer)
        assert final["state"] == "resolved"
        assert final["outcome"]["kind"] == "partial_refund"
        assert final["outcome"]["amount"] == "20.00"
        order = shop.ok("GET", f"/api/v1/orders/{oid}", shop.buyer)
        assert order["state"] == "completed"
        assert order["money"] == {"paid": "40.00", "held": "0.00", "released": "20.00",
                                  "refunded": "20.00"}
        assert [r["amount"] for r in order["refunds"]] == ["20.00"]
        assert _ledger(db_url, oid) == {"capture": 4000, "hold": 4000, "refund": 2000,
                                        "release": 2000}
        pdf = http.get(f"/api/v1/orders/{oid}/dispute/case-file.pdf", headers=shop.agent)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_dsp_http_damaged_item_accepted_by_the_seller(server: Server, db_url: str) -> None:
    with httpx.Client(base_url=server.url, timeout=20) as http:
        shop = Shop(http, _bootstrap(db_url))
        oid = shop.shipped_order("B", "24.90")
        shop.ok("POST", f"/api/v1/orders/{oid}/actions/record_delivery", shop.op,
                json={"where": "Boîte aux lettres"})
        broken = shop.photo(oid, shop.buyer, "lampe-cassée.jpg")
        shop.ok("POST", f"/api/v1/orders/{oid}/dispute", shop.buyer, json={
            "reason": "damaged", "description": "Le pied de la lampe est cassé.",
            "resolution": {"kind": "partial_refund", "amount": "10.00"},
            "evidence": [broken["id"]],
        })
        done = shop.dispute(oid, shop.seller, "accept_request")
        assert (done["state"], done["outcome"]["how"]) == ("resolved", "accepted")
        order = shop.ok("GET", f"/api/v1/orders/{oid}", shop.buyer)
        assert order["state"] == "completed"
        assert order["money"]["refunded"] == "10.00" and order["money"]["released"] == "14.90"
        refund = order["refunds"][0]
        assert (refund["amount"], refund["reason"]) == ("10.00",
                                                        "dispute (accepted): partial refund")
        # PRT-5: a dispute's refund arrives 15 to 30 days after it was granted.
        granted = next(e["at"] for e in order["timeline"] if e["action"] == "refund_started")
        days = [(date.fromisoformat(refund[k]) - date.fromisoformat(granted[:10])).days
                for k in ("expected_from", "expected_to")]
        assert days == [15, 30]
        # Nothing more can happen on a closed dispute, and nothing changes trying.
        r = http.post(f"/api/v1/orders/{oid}/dispute/actions/escalate", headers=shop.buyer,
                      json={})
        assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
        assert _ledger(db_url, oid) == {"capture": 2490, "hold": 2490, "refund": 1000,
                                        "release": 1490}
