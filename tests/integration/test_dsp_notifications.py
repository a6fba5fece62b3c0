"""DSP-3..7, RET, PRT-1: each dispute step tells the other party (never the one who acted),
once, through the outbox written with the step; the relay delivers it by email (a real SMTP
server on 127.0.0.1) and in the app, in the recipient's language; on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update

from garant.app import Garant
from garant.clock import FixedClock
from garant.domain.errors import DomainError
from garant.domain.orders import Actor
from garant.notify.routing import relay_all
from garant.services import disputes as dispute_service
from garant.services.dispute_notifications import KINDS
from garant.services.users import create_user
from garant.store import schema as t

from .helpers import (
    Parties,
    act,
    create_paid_order,
    make_agent,
    make_operator,
    refund_rows,
    s10_number,
    snapshot,
    sweep_checked,
)
from .notify_world import Mailbox, body, free_port, notification_rows, smtp_server

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
ADDRESS = "Shenzhen Lamp Co., Retours\n12 Bao'an Road\n518000 Shenzhen, CN"
_serial = iter(range(20_000_000, 99_999_999, 7_919))


# ----------------------------------------------------------------------------- the world


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server(Mailbox(free_port())) as box:
        yield box


def person(app: Garant, role: str, locale: str) -> Actor:
    n = next(_serial)
    name = f"{'Acheteur' if role == 'buyer' else 'Vendeur'} {n}"
    if locale == "en":
        name = f"{role.title()} {n}"
    user = create_user(app, name=name, email=f"{role}{n}@example.test", role=role,
                       locale=locale)  # fmt: skip
    return Actor(user.role, user.id)


@pytest.fixture
def p(app: Garant) -> Parties:
    """A French buyer and an English seller."""
    return Parties(person(app, "buyer", "fr"), person(app, "seller", "en"), make_agent(app),
                   make_operator(app))  # fmt: skip


def uid(actor: Actor) -> int:
    assert actor.user_id is not None
    return actor.user_id


def delivered_order(app: Garant, clock: FixedClock, p: Parties, **kw: Any) -> int:
    """Paid now, shipped a day later, delivered on day 10."""
    order_id = create_paid_order(app, p, external_ref=f"AE-{next(_serial)}", **kw)
    clock.advance(DAY)
    act(app, order_id, p.seller, "ship", tracking_number=s10_number(f"{next(_serial):08d}"))
    clock.advance(9 * DAY)
    act(app, order_id, p.agent, "record_delivery", where="Lyon, point relais")
    return order_id


def open_dispute(app: Garant, p: Parties, order_id: int, kind: str = "full_refund",
                 **resolution: Any) -> None:  # fmt: skip
    dispute_service.open_dispute(
        app, actor=p.buyer, order_id=order_id, reason="damaged",
        description="Le carton est écrasé, la lampe est cassée",
        resolution={"kind": kind, **resolution},
    )  # fmt: skip


def step(app: Garant, order_id: int, actor: Actor, action: str, **params: Any) -> None:
    dispute_service.act(app, actor=actor, order_id=order_id, action=action, params=params)


def add_evidence(app: Garant, uploader: Actor, order_id: int) -> int:
    """An evidence row as an upload leaves it (the file itself is not needed here)."""
    with app.engine.begin() as conn:
        return int(conn.execute(
            insert(t.evidence).values(
                sha256="a" * 64, shown_sha256="b" * 64, size_bytes=1234, shown_size_bytes=1200,
                content_type="image/jpeg", kind="photo", filename="photo.jpg",
                uploader_id=uid(uploader), uploader_role=uploader.role.value,
                order_id=order_id, stripped=[], created_at=app.clock.now(),
            ).returning(t.evidence.c.id)
        ).scalar_one())  # fmt: skip


def last_outbox_id(app: Garant) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(t.outbox.c.id), 0))).scalar_one())


def notes(app: Garant, after: int = 0) -> list[Any]:
    """The notify.* messages written after outbox id ``after``, oldest first."""
    with app.engine.connect() as conn:
        return list(conn.execute(
            select(t.outbox).where(t.outbox.c.topic.startswith("notify."), t.outbox.c.id > after)
            .order_by(t.outbox.c.id)))  # fmt: skip


def told(app: Garant, after: int) -> list[tuple[str, int]]:
    """(kind, user id) of each message written after ``after``."""
    return [(r.payload["kind"], r.payload["user_id"]) for r in notes(app, after)]


def iso(value: datetime | date) -> str:
    return value.isoformat()


def prt5(granted: datetime) -> tuple[str, str]:
    """PRT-5: a refund granted through a dispute arrives within 15-30 days."""
    return iso(granted.date() + 15 * DAY), iso(granted.date() + 30 * DAY)


# ----------------------------------------------------------------------------- who is told


def test_dsp_opening_tells_the_seller_only_with_the_answer_deadline(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = delivered_order(app, clock, p)
    before = last_outbox_id(app)

    open_dispute(app, p, order_id, "partial_refund", amount="10.00")

    [row] = notes(app, before)
    assert (row.topic, row.order_id) == ("notify.dispute_opened", order_id)
    payload = row.payload
    assert (payload["kind"], payload["user_id"], payload["role"]) == (
        "dispute_opened",
        uid(p.seller),
        "seller",
    )
    assert payload["status"]["code"] == "awaiting_seller"
    assert payload["details"] == {
        "reason": "damaged",
        "detail": None,
        "requested": {"kind": "partial_refund", "amount": "10.00"},
        "message": "Le carton est écrasé, la lampe est cassée",
        "answer_by": iso(clock.now() + timedelta(hours=120)),
    }


def test_dsp_each_offer_tells_its_addressee_never_its_author(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = delivered_order(app, clock, p)
    open_dispute(app, p, order_id)

    clock.advance(HOUR)
    before = last_outbox_id(app)
    step(
        app,
        order_id,
        p.seller,
        "make_offer",
        resolution={"kind": "partial_refund", "amount": "8.00"},
        message="Geste commercial",
    )
    [answer] = notes(app, before)
    assert (answer.payload["kind"], answer.payload["user_id"]) == ("dispute_answered", uid(p.buyer))
    details = answer.payload["details"]
    assert (details["answer"], details["resolution"], details["reply_by"]) == (
        "offer",
        {"kind": "partial_refund", "amount": "8.00"},
        iso(clock.now() + 72 * HOUR),
    )

    clock.advance(HOUR)
    before = last_outbox_id(app)
    step(
        app,
        order_id,
        p.buyer,
        "make_offer",
        resolution={"kind": "partial_refund", "amount": "15.00"},
    )
    assert told(app, before) == [("dispute_offer", uid(p.seller))]
    [counter] = notes(app, before)
    assert (counter.payload["details"]["event"], counter.payload["details"]["by"]) == (
        "made",
        "buyer",
    )

    clock.advance(HOUR)
    before = last_outbox_id(app)
    step(
        app,
        order_id,
        p.seller,
        "make_offer",
        resolution={"kind": "partial_refund", "amount": "12.00"},
    )  # the counter-offer
    assert told(app, before) == [("dispute_offer", uid(p.buyer))]

    before = last_outbox_id(app)
    step(app, order_id, p.buyer, "reject_offer", message="Non")
    assert told(app, before) == [("dispute_offer", uid(p.seller))]
    assert notes(app, before)[0].payload["details"]["event"] == "rejected"


def test_dsp_a_contest_tells_the_buyer(app: Garant, clock: FixedClock, p: Parties) -> None:
    order_id = delivered_order(app, clock, p)
    open_dispute(app, p, order_id)
    photo = add_evidence(app, p.seller, order_id)
    before = last_outbox_id(app)

    step(app, order_id, p.seller, "contest", message="Emballé avec soin", evidence=[photo])

    [row] = notes(app, before)
    assert (row.payload["kind"], row.payload["user_id"]) == ("dispute_answered", uid(p.buyer))
    assert row.payload["details"]["answer"] == "contested"


def _negotiating(app: Garant, clock: FixedClock, p: Parties) -> tuple[int, datetime]:
    order_id = delivered_order(app, clock, p)
    opened = clock.now()
    open_dispute(app, p, order_id)
    step(app, order_id, p.seller, "make_offer", resolution={"kind": "reshipment"})
    step(app, order_id, p.buyer, "reject_offer")
    return order_id, opened


def test_dsp_escalation_tells_the_other_party_and_the_deadline_both(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    by_buyer, _ = _negotiating(app, clock, p)
    clock.advance(72 * HOUR)
    before = last_outbox_id(app)
    step(app, by_buyer, p.buyer, "escalate", message="Pas d'accord")
    assert told(app, before) == [("dispute_escalated", uid(p.seller))]

    _, opened = _negotiating(app, clock, p)
    clock.advance(opened + 10 * DAY - clock.now())
    before = last_outbox_id(app)
    assert sweep_checked(app).applied == 1
    assert told(app, before) == [
        ("dispute_escalated", uid(p.buyer)),
        ("dispute_escalated", uid(p.seller)),
    ]
    assert {r.payload["details"]["by"] for r in notes(app, before)} == {"system"}
    assert {r.payload["status"]["code"] for r in notes(app, before)} == {"escalated"}

    before = last_outbox_id(app)
    assert sweep_checked(app).claimed == 0  # a deadline takes effect once: told once
    assert notes(app, before) == []


def test_dsp_evidence_request_tells_the_party_asked_with_the_due_date(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id, _ = _negotiating(app, clock, p)
    clock.advance(72 * HOUR)
    step(app, order_id, p.seller, "escalate")
    before = last_outbox_id(app)

    step(
        app,
        order_id,
        p.agent,
        "request_evidence",
        party="buyer",
        note="Une photo du colis à réception",
        hours=48,
    )

    [row] = notes(app, before)
    assert (row.payload["kind"], row.payload["user_id"]) == (
        "dispute_evidence_requested",
        uid(p.buyer),
    )
    assert row.payload["details"] == {
        "note": "Une photo du colis à réception",
        "due_at": iso(clock.now() + 48 * HOUR),
    }


def _decided(app: Garant, clock: FixedClock, p: Parties) -> tuple[int, datetime]:
    order_id, _ = _negotiating(app, clock, p)
    clock.advance(72 * HOUR)
    step(app, order_id, p.buyer, "escalate")
    clock.advance(DAY)
    return order_id, clock.now()


def test_dsp_decision_tells_both_with_the_appeal_date_then_closing_both_with_the_refund(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id, decided = _decided(app, clock, p)
    before = last_outbox_id(app)

    step(
        app,
        order_id,
        p.agent,
        "decide",
        in_favour_of="split",
        amount="12.00",
        note="Dommage partiel",
    )

    assert told(app, before) == [
        ("dispute_decided", uid(p.buyer)),
        ("dispute_decided", uid(p.seller)),
    ]
    for row in notes(app, before):
        assert row.payload["details"] == {
            "in_favour_of": "split",
            "resolution": {"kind": "partial_refund", "amount": "12.00"},
            "note": "Dommage partiel",
            "appeal_by": iso(decided + 7 * DAY),
        }

    # No appeal: the decision is carried out at the end of the window, and both are told.
    clock.advance(7 * DAY)
    before = last_outbox_id(app)
    assert sweep_checked(app).applied == 1
    assert told(app, before) == [
        ("dispute_closed", uid(p.buyer)),
        ("dispute_closed", uid(p.seller)),
    ]
    [refund] = refund_rows(app, order_id)
    expected_from, expected_to = prt5(clock.now())
    assert (iso(refund["expected_from"]), iso(refund["expected_to"])) == (
        expected_from,
        expected_to,
    )
    for row in notes(app, before):
        details = row.payload["details"]
        assert row.payload["status"]["code"] == "resolved"
        assert (details["how"], details["trigger"]) == ("decision", "finalize_decision")
        assert details["resolution"] == {"kind": "partial_refund", "amount": "12.00"}
        assert details["refund"] == {
            "amount": "12.00",
            "expected_from": expected_from,
            "expected_to": expected_to,
        }
        assert details["released"] == "13.00"


def test_dsp_seller_accepting_tells_the_buyer_of_the_refund_once(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = delivered_order(app, clock, p)
    open_dispute(app, p, order_id)
    clock.advance(DAY)
    before = last_outbox_id(app)

    step(app, order_id, p.seller, "accept_request")

    # One message for the step (not one per timeline entry), to the buyer only.
    [row] = notes(app, before)
    assert (row.payload["kind"], row.payload["user_id"]) == ("dispute_closed", uid(p.buyer))
    expected_from, expected_to = prt5(clock.now())
    assert row.payload["details"]["refund"] == {
        "amount": "25.00",
        "expected_from": expected_from,
        "expected_to": expected_to,
    }
    assert row.payload["details"]["trigger"] == "accept_request"


def test_dsp_a_deadline_met_by_a_late_caller_is_told_once_and_the_refused_action_not_at_all(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = delivered_order(app, clock, p)
    open_dispute(app, p, order_id)
    clock.advance(120 * HOUR)
    before = last_outbox_id(app)

    # The seller answers too late: the request was granted at the deadline, then the
    # answer is refused. The grant is told to both (the system acted), the refusal to nobody.
    with pytest.raises(DomainError):
        step(app, order_id, p.seller, "accept_request")

    assert told(app, before) == [
        ("dispute_closed", uid(p.buyer)),
        ("dispute_closed", uid(p.seller)),
    ]
    assert {r.payload["details"]["how"] for r in notes(app, before)} == {"seller_silent"}
    before = last_outbox_id(app)
    assert sweep_checked(app).claimed == 0
    assert notes(app, before) == []


def test_dsp_withdrawal_tells_the_seller(app: Garant, clock: FixedClock, p: Parties) -> None:
    order_id = delivered_order(app, clock, p)
    open_dispute(app, p, order_id)
    before = last_outbox_id(app)

    step(app, order_id, p.buyer, "withdraw_dispute", message="Reçu finalement")

    assert told(app, before) == [("dispute_closed", uid(p.seller))]
    assert notes(app, before)[0].payload["details"]["how"] == "withdrawn"


def test_dsp_refused_actions_write_no_message(app: Garant, clock: FixedClock, p: Parties) -> None:
    order_id = delivered_order(app, clock, p)
    open_dispute(app, p, order_id)
    before = snapshot(app, order_id)

    refused: list[tuple[Actor, str, dict[str, Any]]] = [
        (p.buyer, "accept_request", {}),  # the seller's to give
        (p.seller, "escalate", {}),  # nothing to escalate yet
        (p.seller, "contest", {"message": "Non"}),  # contesting needs evidence
        (p.seller, "make_offer", {"resolution": {"kind": "partial_refund", "amount": "99.00"}}),
        (p.agent, "decide", {"in_favour_of": "buyer", "note": "Trop tôt"}),
    ]
    for actor, action, params in refused:
        with pytest.raises(DomainError):
            step(app, order_id, actor, action, **params)
    with pytest.raises(DomainError):
        open_dispute(app, p, order_id)  # one at a time

    assert snapshot(app, order_id) == before  # no outbox row, nothing else either


# ----------------------------------------------------------------------------- the return


def test_dsp_return_tells_the_buyer_where_and_by_when_then_each_side_its_part(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    with app.engine.begin() as conn:
        conn.execute(update(t.users).where(t.users.c.id == uid(p.seller))
                     .values(return_address=ADDRESS))  # fmt: skip
    order_id = delivered_order(app, clock, p)
    open_dispute(app, p, order_id, "return_and_refund")
    clock.advance(DAY)
    accepted = clock.now()

    before = last_outbox_id(app)
    step(app, order_id, p.seller, "accept_request")
    [row] = notes(app, before)
    assert (row.payload["kind"], row.payload["user_id"]) == ("return_started", uid(p.buyer))
    assert row.payload["details"]["return"] == {
        "address": ADDRESS,
        "ship_back_by": iso(accepted + 15 * DAY),
        "refund": "25.00",
    }

    clock.advance(2 * DAY)
    before = last_outbox_id(app)
    act(app, order_id, p.buyer, "ship_return", tracking_number="RR987654321FR", carrier="laposte")
    [row] = notes(app, before)
    assert (row.payload["kind"], row.payload["user_id"]) == ("return_shipped", uid(p.seller))
    assert row.payload["details"] == {
        "tracking_number": "RR987654321FR",
        "carrier": "laposte",
        "confirm_by": iso(clock.now() + 15 * DAY),
    }

    clock.advance(3 * DAY)
    before = last_outbox_id(app)
    act(app, order_id, p.seller, "confirm_return_received")
    [row] = notes(app, before)
    assert (row.payload["kind"], row.payload["user_id"]) == ("return_closed", uid(p.buyer))
    expected_from, expected_to = prt5(clock.now())
    assert row.payload["details"]["result"] == "received"
    assert row.payload["details"]["refund"] == {
        "amount": "25.00",
        "expected_from": expected_from,
        "expected_to": expected_to,
    }


def test_prt1_protection_end_tells_the_buyer_receipt_was_confirmed(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = delivered_order(app, clock, p)
    with app.engine.connect() as conn:
        due = conn.execute(
            select(t.deadlines.c.due_at).where(
                t.deadlines.c.order_id == order_id, t.deadlines.c.kind == "protection_end"
            )
        ).scalar_one()
    clock.advance(due - clock.now())
    before = last_outbox_id(app)

    assert sweep_checked(app).applied == 1

    [row] = notes(app, before)
    assert (row.payload["kind"], row.payload["user_id"]) == ("auto_confirmed", uid(p.buyer))
    assert row.payload["details"]["released"] == "25.00"


# ----------------------------------------------------------------------------- delivery


def _email_of(app: Garant, actor: Actor) -> str:
    with app.engine.connect() as conn:
        return str(conn.execute(select(t.users.c.email).where(t.users.c.id == uid(actor)))
                   .scalar_one())  # fmt: skip


def test_dsp_relay_mails_each_party_in_their_language_once(
    app: Garant, clock: FixedClock, p: Parties, mailbox: Mailbox
) -> None:
    order_id = delivered_order(app, clock, p)
    opened = clock.now()
    ref = f"AE-{order_id}"
    with app.engine.begin() as conn:
        conn.execute(update(t.orders).where(t.orders.c.id == order_id).values(external_ref=ref))
    open_dispute(app, p, order_id)
    clock.advance(HOUR)
    step(
        app,
        order_id,
        p.seller,
        "make_offer",
        resolution={"kind": "partial_refund", "amount": "10.00"},
        message="Geste commercial",
    )

    first = relay_all(app, "w1", smtp=mailbox.settings)
    again = relay_all(app, "w2", smtp=mailbox.settings)

    # shipped (TRK-9, the buyer), opened (the seller), answered (the buyer): each by email
    # and in the app; the relay running again sends nothing more.
    assert (first.delivered, first.failed, first.dead) == (6, 0, 0)
    assert (again.delivered, again.failed) == (0, 0)
    [to_seller] = mailbox.to(_email_of(app, p.seller))
    assert str(to_seller["Subject"]) == f"Dispute opened on your order {ref}"
    assert to_seller["Content-Language"] == "en"
    text = body(to_seller, "plain")
    assert text.startswith("Hello Seller ")
    # 2026-11-12 09:00 UTC + 120 h = Tuesday 17 November, 10:00 in Paris (UTC+1).
    assert opened + timedelta(hours=120) == datetime.fromisoformat("2026-11-17T09:00:00+00:00")
    assert (
        "Answer by Tuesday 17 November 2026 at 10:00 (Paris time): accept the request, "
        "make a counter-offer or contest it with evidence."
    ) in text
    assert "Reason: Item damaged." in text.splitlines()
    for line in (f"Order: {ref}", "Status: Waiting for the seller"):
        assert line in text.splitlines()
    assert "Tracking number" not in text and "Track your parcel" not in text
    html = body(to_seller, "html")
    assert '<html lang="en">' in html and "href=" not in html

    fr_mails = mailbox.to(_email_of(app, p.buyer))
    [answered] = [m for m in fr_mails if "litige" in str(m["Subject"])]
    assert str(answered["Subject"]) == f"Le vendeur a répondu à votre litige (commande {ref})"
    assert answered["Content-Language"] == "fr"
    text = body(answered, "plain")
    assert text.startswith("Bonjour Acheteur ")
    assert (
        f"Le vendeur répond à votre litige sur la commande {ref} par une proposition : "
        "remboursement partiel de 10,00\xa0€."
    ) in text
    assert "Son message : « Geste commercial »" in text
    assert "avant le dimanche 15 novembre 2026 à 11 h 00 (heure de Paris)" in text
    assert "Statut : Négociation en cours" in text.splitlines()
    assert "Numéro de suivi" not in text and "Suivre votre colis" not in text

    inapp = {(n.user_id, n.kind): n for n in notification_rows(app)}
    seller_note = inapp[(uid(p.seller), "dispute_opened")]
    assert (seller_note.order_id, seller_note.title_fr, seller_note.title_en) == (
        order_id,
        f"Litige ouvert sur votre commande {ref}",
        f"Dispute opened on your order {ref}",
    )
    assert (uid(p.seller), "dispute_answered") not in inapp  # the seller made the offer
    assert inapp[(uid(p.buyer), "dispute_answered")].body_fr.startswith("Le vendeur répond")
    assert {kind for _, kind in inapp} <= KINDS | {"shipped"}
