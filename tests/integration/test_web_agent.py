"""The agent console on both databases: the queue of escalated disputes, a whole case with
its original evidence, taking the case, asking for evidence, deciding (with a review step),
refusals in French with nothing changed, and security cancellations (CAN-10)."""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from PIL import ExifTags, Image

from garant.app import Garant
from garant.clock import FixedClock
from garant.domain.orders import Actor
from garant.services import disputes, users
from garant.services import evidence as evidence_service
from garant.services.deadlines import sweep

from .helpers import (
    Parties,
    act,
    create_order,
    create_paid_order,
    make_parties,
    order_row,
    s10_number,
    snapshot,
)
from .test_web_foundation import Browser, csrf_of, main_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from garant.asgi import create_app

DAY = timedelta(days=1)


def photo_with_gps() -> bytes:
    """A camera photo that says where it was taken: the original keeps it, the shown copy not."""
    image = Image.new("RGB", (40, 30), (180, 60, 60))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 21.0, 7.0),
    }
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def token_of(app: Garant, actor: Actor) -> str:
    assert actor.user_id is not None
    return users.issue_token(app, actor.user_id)


def name_of(app: Garant, actor: Actor) -> str:
    assert actor.user_id is not None
    return users.get_user(app, actor.user_id).name


@dataclass
class Case:
    p: Parties
    order_id: int
    photo: bytes
    evidence_id: int


def escalated_case(app: Garant, clock: FixedClock, p: Parties) -> Case:
    """Delivered, a damaged-item dispute with a photo, contested, escalated by the clock."""
    order_id = create_paid_order(app, p)
    clock.advance(DAY)
    act(app, order_id, p.seller, "ship", tracking_number=s10_number("20251234"))
    clock.advance(DAY)
    act(app, order_id, p.agent, "record_delivery", where="Lyon, point relais")
    photo = photo_with_gps()
    uploaded = evidence_service.upload(
        app, actor=p.buyer, data=photo, filename="carton.jpg", order_id=order_id
    )
    disputes.open_dispute(
        app,
        actor=p.buyer,
        order_id=order_id,
        reason="damaged",
        description="Le carton est écrasé, la lampe est cassée",
        resolution={"kind": "full_refund"},
        evidence=[uploaded["id"]],
    )
    packed = io.BytesIO()
    Image.new("RGB", (20, 20), (40, 160, 40)).save(packed, "PNG")
    proof = evidence_service.upload(
        app, actor=p.seller, data=packed.getvalue(), filename="emballage.png", order_id=order_id
    )
    disputes.act(
        app, actor=p.seller, order_id=order_id, action="contest",
        params={"message": "Emballage soigné, photo à l'appui", "evidence": [proof["id"]]},
    )  # fmt: skip
    clock.advance(11 * DAY)
    sweep(app, "w1")
    assert disputes.dispute_view(app, actor=p.agent, order_id=order_id)["state"] == "escalated"
    return Case(p, order_id, photo, int(uploaded["id"]))


@pytest.fixture
def p(app: Garant) -> Parties:
    return make_parties(app)


@pytest.fixture
def http(app: Garant) -> Iterator[TestClient]:
    with TestClient(create_app(app)) as client:
        yield client


@pytest.fixture
def case(app: Garant, clock: FixedClock, p: Parties) -> Case:
    return escalated_case(app, clock, p)


@pytest.fixture
def agent(app: Garant, http: TestClient, p: Parties) -> Browser:
    browser = Browser(http)
    assert browser.sign_in(token_of(app, p.agent)) == "/agent"
    return browser


def post(
    browser: Browser, path: str, data: dict[str, str], page: str | None = None
) -> httpx.Response:
    """A form sent as a browser does: with the CSRF token of the page it is on."""
    token = browser.csrf(page or path)
    return browser.http.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def view(app: Garant, case: Case) -> dict[str, Any]:
    return disputes.dispute_view(app, actor=case.p.agent, order_id=case.order_id)


# ------------------------------------------------------------------ the queue


def test_the_queue_lists_the_escalated_case_with_its_parties(
    app: Garant, clock: FixedClock, agent: Browser, case: Case
) -> None:
    clock.advance(DAY)
    r = agent.http.get("/agent")
    assert r.status_code == 200
    body = main_of(r.text)
    assert f'href="/agent/litiges/{case.order_id}"' in body
    assert "Médiation par la plateforme" in body  # the dispute's state, in the domain's words
    assert "Article endommagé" in body and "Remboursement intégral" in body
    assert name_of(app, case.p.buyer) in body and name_of(app, case.p.seller) in body
    assert "pas encore pris en charge" in body
    assert "il y a 1 j" in body  # escalated a day ago: the longest waiting first
    # "Mine" is empty until the agent takes the case.
    assert f"/agent/litiges/{case.order_id}" not in main_of(agent.http.get("/agent?vue=mine").text)
    assert post(agent, f"/agent/litiges/{case.order_id}/prise-en-charge", {},
                page=f"/agent/litiges/{case.order_id}").status_code == 303  # fmt: skip
    mine = main_of(agent.http.get("/agent?vue=mine").text)
    assert f"/agent/litiges/{case.order_id}" in mine and name_of(app, case.p.agent) in mine
    assert f"/agent/litiges/{case.order_id}" not in main_of(
        agent.http.get("/agent?vue=appealed").text
    )


def test_the_queue_is_oldest_escalation_first(
    app: Garant, clock: FixedClock, agent: Browser, case: Case
) -> None:
    later = escalated_case(app, clock, make_parties(app))
    body = main_of(agent.http.get("/agent").text)
    assert body.index(f'/agent/litiges/{case.order_id}"') < body.index(
        f'/agent/litiges/{later.order_id}"'
    )


def test_buyers_and_sellers_are_kept_out_of_the_console(
    app: Garant, http: TestClient, case: Case
) -> None:
    browser = Browser(http)
    assert browser.location("/agent").startswith("/connexion?next=")
    for who in (case.p.buyer, case.p.seller):
        browser.sign_in(token_of(app, who))
        for path in ("/agent", f"/agent/litiges/{case.order_id}",
                     f"/agent/litiges/{case.order_id}/preuves/{case.evidence_id}"):  # fmt: skip
            r = http.get(path)
            assert r.status_code == 403, path
            assert "Cette page est réservée à un autre type de compte." in main_of(r.text)
        before = snapshot(app, case.order_id)
        r = post(browser, f"/agent/litiges/{case.order_id}/prise-en-charge", {}, page="/suivi")
        assert r.status_code in (403, 303)
        assert snapshot(app, case.order_id) == before


# ------------------------------------------------------------------ the case


def test_the_case_page_shows_the_whole_case_with_the_originals(
    app: Garant, agent: Browser, case: Case
) -> None:
    r = agent.http.get(f"/agent/litiges/{case.order_id}")
    assert r.status_code == 200
    body = main_of(r.text)
    assert f"Litige : commande n° {case.order_id}" in body
    assert "Le carton est écrasé, la lampe est cassée" in body
    assert "Emballage soigné, photo à l'appui" in body  # the seller's contest, in the timeline
    assert "Litige contesté" in body
    assert "Prendre le dossier" in body and "Demander des preuves" in body
    original = hashlib.sha256(case.photo).hexdigest()
    assert original in body  # the original's SHA-256
    assert "localisation (GPS)" in body  # what the other party's copy no longer has
    assert f"/agent/litiges/{case.order_id}/preuves/{case.evidence_id}" in body
    assert "25,00 €" in body  # money
    assert "Télécharger le dossier (PDF)" in body


def test_the_original_evidence_is_served_to_the_agent(
    app: Garant, clock: FixedClock, agent: Browser, case: Case
) -> None:
    r = agent.http.get(f"/agent/litiges/{case.order_id}/preuves/{case.evidence_id}")
    assert r.status_code == 200
    assert r.content == case.photo  # the original, GPS and all
    assert r.headers["x-evidence-sha256"] == hashlib.sha256(case.photo).hexdigest()
    assert r.headers["content-type"] == "image/jpeg"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in r.headers["content-security-policy"]
    # An evidence id of no file of this case is "not found", even for an agent.
    other = escalated_case(app, clock, make_parties(app))
    r = agent.http.get(f"/agent/litiges/{case.order_id}/preuves/{other.evidence_id}")
    assert r.status_code == 404


def test_take_the_case_ask_for_evidence_then_decide_a_split(
    app: Garant, agent: Browser, case: Case
) -> None:
    page = f"/agent/litiges/{case.order_id}"
    r = post(agent, f"{page}/prise-en-charge", {}, page=page)
    assert (r.status_code, r.headers["location"]) == (303, page)
    assert view(app, case)["agent_id"] == case.p.agent.user_id
    assert "Le dossier est à vous" in main_of(agent.http.get(page).text)

    asked = {"party": "seller", "note": "Photo du colis avant l'envoi", "hours": "48"}
    r = post(agent, f"{page}/demande-de-preuves", asked, page=page)
    assert r.status_code == 303
    [request] = view(app, case)["evidence_requests"]
    assert (request["party"], request["status"], request["note"]) == (
        "seller", "open", "Photo du colis avant l'envoi",
    )  # fmt: skip
    body = main_of(agent.http.get(page).text)
    assert "Demandées au vendeur" in body and "Photo du colis avant l'envoi" in body

    # Step 1: the review, nothing recorded yet.
    before = snapshot(app, case.order_id)
    data = {"in_favour_of": "split", "amount": "12,00", "note": "Dommage partiel, photo à l'appui"}
    r = post(agent, f"{page}/decision", data)
    assert r.status_code == 200
    review = main_of(r.text)
    assert "Vérifiez la décision" in review and "12,00 €" in review
    assert "Confirmer la décision" in review
    assert snapshot(app, case.order_id) == before
    # "Change it" goes back to the form with what was typed.
    r = post(agent, f"{page}/decision", {**data, "confirm": "edit"})
    assert 'value="12,00"' in r.text and "Dommage partiel" in r.text
    # Step 2: decided.
    r = post(agent, f"{page}/decision", {**data, "confirm": "yes"})
    assert (r.status_code, r.headers["location"]) == (303, f"{page}#decision")
    decided = view(app, case)
    assert decided["state"] == "decided"
    assert decided["decision"]["in_favour_of"] == "split"
    assert decided["decision"]["resolution"]["amount"] == "12.00"
    assert decided["decision"]["note"] == "Dommage partiel, photo à l'appui"
    body = main_of(agent.http.get(page).text)
    assert "Décision enregistrée" in body
    assert "Partage" in body and "Dommage partiel, photo à l'appui" in body
    assert f"/agent/litiges/{case.order_id}" not in main_of(agent.http.get("/agent").text)


def test_a_decision_without_a_note_is_refused_in_french_and_changes_nothing(
    app: Garant, agent: Browser, case: Case
) -> None:
    before = snapshot(app, case.order_id)
    data = {"in_favour_of": "split", "amount": "12.00", "note": "  ", "confirm": "yes"}
    r = post(agent, f"/agent/litiges/{case.order_id}/decision", data)
    assert r.status_code == 422
    body = main_of(r.text)
    assert "Des informations manquent ou ne sont pas valides." in body
    assert 'id="f-note-error"' in body and "Écrivez une note" in body
    assert 'name="in_favour_of"' in body  # the form again, as it was
    assert snapshot(app, case.order_id) == before
    assert view(app, case)["state"] == "escalated"


def test_a_split_above_what_can_be_refunded_is_refused_next_to_the_amount(
    app: Garant, agent: Browser, case: Case
) -> None:
    before = snapshot(app, case.order_id)
    data = {"in_favour_of": "split", "amount": "90", "note": "Trop", "confirm": "yes"}
    r = post(agent, f"/agent/litiges/{case.order_id}/decision", data)
    assert r.status_code == 422
    assert 'id="f-amount-error"' in r.text
    assert snapshot(app, case.order_id) == before


def test_the_review_step_needs_a_choice(app: Garant, agent: Browser, case: Case) -> None:
    r = post(agent, f"/agent/litiges/{case.order_id}/decision", {"note": "x"})
    assert r.status_code == 422
    assert 'id="f-in_favour_of-error"' in r.text


def test_an_evidence_request_without_a_note_is_refused(
    app: Garant, agent: Browser, case: Case
) -> None:
    page = f"/agent/litiges/{case.order_id}"
    before = snapshot(app, case.order_id)
    r = post(agent, f"{page}/demande-de-preuves", {"party": "buyer", "note": "", "hours": "24"},
             page=page)  # fmt: skip
    assert r.status_code == 422
    assert 'id="f-note-error"' in r.text and 'value="24"' in r.text
    assert snapshot(app, case.order_id) == before


def test_the_agent_writes_to_both_parties(app: Garant, agent: Browser, case: Case) -> None:
    page = f"/agent/litiges/{case.order_id}"
    r = post(agent, f"{page}/messages", {"body": "Bonjour, j'examine votre dossier."}, page=page)
    assert (r.status_code, r.headers["location"]) == (303, f"{page}#messages")
    from garant.services.messages import order_thread

    thread = order_thread(app, actor=case.p.buyer, order_id=case.order_id)
    assert [m["body"] for m in thread["messages"]] == ["Bonjour, j'examine votre dossier."]
    assert "Bonjour, j'examine votre dossier." in main_of(agent.http.get(page).text)


def test_the_case_file_pdf_downloads(agent: Browser, case: Case) -> None:
    r = agent.http.get(f"/agent/litiges/{case.order_id}/dossier.pdf")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")


def test_the_case_in_english(agent: Browser, case: Case) -> None:
    body = main_of(agent.http.get(f"/agent/litiges/{case.order_id}?lang=en").text)
    assert f"Case: order #{case.order_id}" in body
    assert "Take the case" in body and "Mediation by the platform" in body
    assert "Item damaged" in body and "location (GPS)" in body


def test_an_operator_reads_the_case_but_cannot_act(
    app: Garant, http: TestClient, case: Case
) -> None:
    browser = Browser(http)
    assert browser.sign_in(token_of(app, case.p.operator)) == "/agent"
    page = f"/agent/litiges/{case.order_id}"
    body = main_of(http.get(page).text)
    assert "Le carton est écrasé" in body and "Prendre le dossier" not in body
    before = snapshot(app, case.order_id)
    r = post(browser, f"{page}/prise-en-charge", {}, page=page)
    assert r.status_code == 403
    assert "Votre compte ne peut pas effectuer cette action." in main_of(r.text)
    assert snapshot(app, case.order_id) == before


def test_an_order_without_a_dispute_has_no_case(agent: Browser, p: Parties, app: Garant) -> None:
    order_id = create_paid_order(app, p)
    r = agent.http.get(f"/agent/litiges/{order_id}")
    assert r.status_code == 404


# ------------------------------------------------------------------ security (CAN-10)


def flagged_order(app: Garant, p: Parties) -> int:
    coupon = {"code": "PROMO10", "kind": "seller", "amount": "10.00"}
    create_order(app, p, coupons=[coupon], checkout_id="A")
    order_id = create_order(app, p, coupons=[coupon], checkout_id="B")
    act(app, order_id, p.operator, "pay", amount="25.00", verified=True)
    assert order_row(app, order_id)["security_flag"] == "promo_code_reused"
    return order_id


def test_a_flagged_order_is_cancelled_for_security_after_a_confirmation(
    app: Garant, agent: Browser, p: Parties
) -> None:
    order_id = flagged_order(app, p)
    body = main_of(agent.http.get("/agent").text)
    section = body[body.index('id="security"') :]
    assert f"Commande n° {order_id}" in section
    assert "Le code promo a déjà été utilisé sur une autre commande." in section
    assert f'action="/agent/securite/{order_id}"' in section

    before = snapshot(app, order_id)
    r = post(agent, f"/agent/securite/{order_id}", {"reason": "promo_code_reused"}, page="/agent")
    assert r.status_code == 422
    assert "Cette étape est irréversible : merci de la confirmer." in main_of(r.text)
    assert 'id="f-confirm-error"' in r.text
    assert snapshot(app, order_id) == before

    r = post(agent, f"/agent/securite/{order_id}",
             {"reason": "promo_code_reused", "confirm": "yes"}, page="/agent")  # fmt: skip
    assert (r.status_code, r.headers["location"]) == (303, "/agent#security")
    row = order_row(app, order_id)
    assert (row["state"], row["close_reason"]) == ("cancelled", "security:promo_code_reused")
    body = main_of(agent.http.get("/agent").text)
    assert f"Commande n° {order_id} annulée pour raison de sécurité" in body
    assert f'action="/agent/securite/{order_id}"' not in body


def test_a_security_cancel_with_an_unknown_reason_is_refused(
    app: Garant, agent: Browser, p: Parties
) -> None:
    order_id = flagged_order(app, p)
    before = snapshot(app, order_id)
    r = post(agent, f"/agent/securite/{order_id}", {"reason": "bored", "confirm": "yes"},
             page=f"/agent/securite/{order_id}")  # fmt: skip
    assert r.status_code == 422
    assert "Des informations manquent ou ne sont pas valides." in main_of(r.text)
    assert snapshot(app, order_id) == before


def test_a_post_without_the_csrf_token_changes_nothing(
    app: Garant, agent: Browser, case: Case
) -> None:
    before = snapshot(app, case.order_id)
    r = agent.http.post(f"/agent/litiges/{case.order_id}/prise-en-charge", data={},
                        follow_redirects=False)  # fmt: skip
    assert r.status_code == 403
    assert snapshot(app, case.order_id) == before


def test_the_console_pages_have_no_inline_styles_or_scripts(agent: Browser, case: Case) -> None:
    for path in ("/agent", f"/agent/litiges/{case.order_id}",
                 f"/agent/litiges/{case.order_id}/decision"):  # fmt: skip
        html = agent.http.get(path).text
        assert " style=" not in html and "<script" not in html
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), "an id is used twice"
        assert csrf_of(html)
