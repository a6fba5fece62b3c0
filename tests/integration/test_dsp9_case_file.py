"""DSP-8, DSP-9, MSG-4 over HTTP: the case file of a real dispute as one PDF (with every
evidence hash), the French complaint letter, and the outside remedies once the buyer lost."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader

from garant.app import Garant
from garant.asgi import create_app
from garant.clock import FixedClock
from garant.services import disputes, evidence, messages, users

from .helpers import Parties, act, create_paid_order, make_parties


def _headers(app: Garant, actor: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {users.issue_token(app, actor.user_id)}"}


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def case(app: Garant, clock: FixedClock) -> Iterator[tuple[TestClient, Parties, int, str]]:
    """A 'not received' dispute decided for the seller, with a message and a photo."""
    p = make_parties(app)
    order_id = create_paid_order(app, p, total="24.90")
    act(app, order_id, p.seller, "ship", tracking_number="RR123456785CN", carrier=None)
    clock.advance(timedelta(days=20))
    messages.post_order_message(app, actor=p.buyer, order_id=order_id, body="Où est mon colis ?")
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(buf, format="PNG")
    photo = evidence.upload(
        app, actor=p.buyer, data=buf.getvalue(), filename="capture.png", order_id=order_id
    )
    disputes.open_dispute(
        app,
        actor=p.buyer,
        order_id=order_id,
        reason="not_received",
        description="Le suivi est bloqué depuis trois semaines.",
        resolution={"kind": "full_refund"},
        evidence=[photo["id"]],
    )
    disputes.act(
        app,
        actor=p.seller,
        order_id=order_id,
        action="make_offer",
        params={"resolution": {"kind": "partial_refund", "amount": "5.00"}, "message": "5 €"},
    )
    clock.advance(timedelta(days=11))
    disputes.act(app, actor=p.agent, order_id=order_id, action="take_case", params={})
    disputes.act(
        app,
        actor=p.agent,
        order_id=order_id,
        action="decide",
        params={"in_favour_of": "seller", "note": "Le colis est signalé livré."},
    )
    for who in (p.buyer, p.seller):
        disputes.act(app, actor=who, order_id=order_id, action="accept_decision", params={})
    with TestClient(create_app(app), raise_server_exceptions=False) as http:
        yield http, p, order_id, photo["sha256"]


def test_dsp9_case_file_is_one_pdf_with_the_evidence_hash(app: Garant, case: Any) -> None:
    http, p, order_id, sha = case
    r = http.get(f"/api/v1/orders/{order_id}/dispute/case-file.pdf", headers=_headers(app, p.buyer))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    text = _text(r.content)
    for expected in (
        "Le suivi est bloqué depuis trois semaines.",
        "Où est mon colis ?",
        "capture.png",
        sha,
        "24,90 €",
        "Le colis est signalé livré.",
    ):
        assert expected in text, expected


def test_msg4_complaint_letter_in_french_for_registered_mail(app: Garant, case: Any) -> None:
    http, p, order_id, _ = case
    r = http.get(
        f"/api/v1/orders/{order_id}/dispute/complaint-letter.txt",
        params={"sender": ["Camille Martin", "12 rue des Lilas", "69003 Lyon"]},
        headers=_headers(app, p.buyer),
    )
    assert r.status_code == 200, r.text
    letter = r.text
    assert "Alibaba France" in letter and "6 rue Ménars" in letter and "75002 Paris" in letter
    assert "recommandée avec accusé de réception" in letter
    assert "Camille Martin" in letter and "Lyon, le " in letter
    pdf = http.get(
        f"/api/v1/orders/{order_id}/dispute/complaint-letter.pdf", headers=_headers(app, p.buyer)
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_dsp8_remedies_shown_when_the_buyer_lost(app: Garant, case: Any) -> None:
    http, p, order_id, _ = case
    view = http.get(f"/api/v1/orders/{order_id}/dispute", headers=_headers(app, p.buyer)).json()
    assert view["lost_by_buyer"] is True
    assert view["outcome"]["how"] == "decision_accepted"
    body = http.get(
        f"/api/v1/orders/{order_id}/dispute/remedies", headers=_headers(app, p.buyer)
    ).json()
    codes = [r["code"] for r in body["remedies"]]
    assert codes == [
        "consumer_association",
        "registered_letter",
        "consumer_mediator",
        "european_consumer_centre",
        "export_case_file",
    ]
    letter = body["remedies"][1]
    assert letter["address_lines"] == ["Alibaba France", "6 rue Ménars", "75002 Paris"]


def test_dsp9_strangers_and_sellers_letters_refused(app: Garant, case: Any) -> None:
    http, p, order_id, _ = case
    stranger = users.create_user(app, name="Autre", email="autre@example.test", role="buyer")
    h = {"Authorization": f"Bearer {users.issue_token(app, stranger.id)}"}
    assert (
        http.get(f"/api/v1/orders/{order_id}/dispute/case-file.pdf", headers=h).status_code == 404
    )
    seller = _headers(app, p.seller)
    assert (
        http.get(f"/api/v1/orders/{order_id}/dispute/case-file.pdf", headers=seller).status_code
        == 200
    )
    r = http.get(f"/api/v1/orders/{order_id}/dispute/complaint-letter.pdf", headers=seller)
    assert r.status_code == 404  # the letter is the buyer's
