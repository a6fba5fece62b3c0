"""DSP-1 on both databases: every order has a message thread kept as evidence, and a buyer can
write to a shop outside any order. Refusals are "not found" for what the caller may not see,
and change nothing: no message, no thread, no outbox row."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from garant.app import Garant
from garant.clock import FixedClock
from garant.domain.errors import InvalidInput, NotFound
from garant.domain.orders import Actor
from garant.notify.routing import relay_all, targets
from garant.services import messages as service
from garant.services import users
from garant.services.webhooks import add_endpoint
from garant.store import schema as t

from .helpers import (
    Parties,
    create_paid_order,
    make_buyer,
    make_parties,
    make_seller,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from garant.asgi import create_app

# ----------------------------------------------------------------------------- helpers


def counts(app: Garant) -> dict[str, int]:
    with app.engine.connect() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for name, table in (
                ("messages", t.messages),
                ("threads", t.message_threads),
                ("outbox", t.outbox),
                ("evidence", t.evidence),
            )
        }


def message_outbox(app: Garant) -> list[dict[str, Any]]:
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(t.outbox.c.order_id, t.outbox.c.payload)
            .where(t.outbox.c.topic == "message.posted")
            .order_by(t.outbox.c.id)
        ).all()
    return [{"order_id": r.order_id, **r.payload} for r in rows]


def uid(actor: Actor) -> int:
    assert actor.user_id is not None
    return actor.user_id


def name_of(app: Garant, actor: Actor) -> str:
    with app.engine.connect() as conn:
        return str(
            conn.execute(select(t.users.c.name).where(t.users.c.id == uid(actor))).scalar_one()
        )


def add_evidence(
    app: Garant, uploader: Actor, *, order_id: int | None = None, seller_id: int | None = None
) -> int:
    """An evidence row as an upload would leave it (the file itself is not needed here)."""
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
                    filename="colis.jpg",
                    uploader_id=uid(uploader),
                    uploader_role=uploader.role.value,
                    order_id=order_id,
                    seller_id=seller_id,
                    stripped=[],
                    created_at=app.clock.now(),
                )
                .returning(t.evidence.c.id)
            ).scalar_one()
        )


@dataclass
class Attachable:
    """A stand-in for ``services.evidence.attachable`` with its published signature: records
    what it was asked and accepts ids it knows, refusing the others like the real one."""

    known: set[int]
    calls: list[dict[str, Any]]

    def __call__(
        self,
        conn: Any,
        evidence_ids: list[int],
        actor: Actor,
        *,
        order_id: int | None = None,
        seller_id: int | None = None,
    ) -> list[int]:
        self.calls.append(
            {"ids": evidence_ids, "actor": actor, "order_id": order_id, "seller_id": seller_id}
        )
        unknown = [i for i in evidence_ids if i not in self.known]
        if unknown:
            raise InvalidInput(f"evidence {unknown[0]} cannot be attached here")
        return list(evidence_ids)


@pytest.fixture
def attachable(monkeypatch: pytest.MonkeyPatch) -> Attachable:
    fake = Attachable(known=set(), calls=[])
    monkeypatch.setitem(sys.modules, "garant.services.evidence", SimpleNamespace(attachable=fake))
    return fake


# ----------------------------------------------------------------------------- order threads


def test_dsp1_order_thread_between_buyer_and_seller(app: Garant, clock: FixedClock) -> None:
    p = make_parties(app)
    order_id = create_paid_order(app, p)
    empty = service.order_thread(app, actor=p.buyer, order_id=order_id)
    assert empty == {
        "thread_id": None,
        "key": f"order:{order_id}",
        "order_id": order_id,
        "buyer_id": uid(p.buyer),
        "seller_id": uid(p.seller),
        "participants": [
            {"id": uid(p.buyer), "role": "buyer", "name": name_of(app, p.buyer)},
            {"id": uid(p.seller), "role": "seller", "name": name_of(app, p.seller)},
        ],
        "messages": [],
    }
    assert counts(app)["threads"] == 0  # reading creates nothing

    first = service.post_order_message(
        app, actor=p.buyer, order_id=order_id, body="  Bonjour, quand partira ma lampe ?\n "
    )
    asked_at = clock.now()
    clock.advance(timedelta(hours=2))
    answer = service.post_order_message(
        app, actor=p.seller, order_id=order_id, body="Demain matin, par La Poste."
    )
    assert first["body"] == "Bonjour, quand partira ma lampe ?"  # trimmed
    assert first["thread_key"] == f"order:{order_id}"
    assert answer["thread_id"] == first["thread_id"]

    for reader in (p.buyer, p.seller):
        thread = service.order_thread(app, actor=reader, order_id=order_id)
        assert thread["thread_id"] == first["thread_id"]
        assert thread["participants"] == empty["participants"]
        assert thread["messages"] == [
            {
                "id": first["id"],
                "author_id": uid(p.buyer),
                "author_role": "buyer",
                "author_name": name_of(app, p.buyer),
                "body": "Bonjour, quand partira ma lampe ?",
                "attachments": [],
                "created_at": asked_at.isoformat(),
            },
            {
                "id": answer["id"],
                "author_id": uid(p.seller),
                "author_role": "seller",
                "author_name": name_of(app, p.seller),
                "body": "Demain matin, par La Poste.",
                "attachments": [],
                "created_at": clock.now().isoformat(),
            },
        ]
    assert counts(app)["threads"] == 1 and counts(app)["messages"] == 2
    with app.engine.connect() as conn:
        thread_row = conn.execute(select(t.message_threads)).mappings().one()
    assert thread_row["order_id"] == order_id
    assert thread_row["created_at"] == asked_at and thread_row["last_message_at"] == clock.now()

    # One outbox row per message, in its transaction, addressed to the other party.
    assert message_outbox(app) == [
        {
            "order_id": order_id,
            "type": "message.posted",
            "thread_key": f"order:{order_id}",
            "thread_id": first["thread_id"],
            "message_id": first["id"],
            "buyer_id": uid(p.buyer),
            "seller_id": uid(p.seller),
            "author": {"role": "buyer", "id": uid(p.buyer)},
            "recipient_ids": [uid(p.seller)],
            "excerpt": "Bonjour, quand partira ma lampe ?",
            "attachments": 0,
            "at": asked_at.isoformat(),
        },
        {
            "order_id": order_id,
            "type": "message.posted",
            "thread_key": f"order:{order_id}",
            "thread_id": first["thread_id"],
            "message_id": answer["id"],
            "buyer_id": uid(p.buyer),
            "seller_id": uid(p.seller),
            "author": {"role": "seller", "id": uid(p.seller)},
            "recipient_ids": [uid(p.buyer)],
            "excerpt": "Demain matin, par La Poste.",
            "attachments": 0,
            "at": clock.now().isoformat(),
        },
    ]


def test_dsp1_agent_joins_thread(app: Garant, clock: FixedClock) -> None:
    p = make_parties(app)
    order_id = create_paid_order(app, p)
    service.post_order_message(app, actor=p.buyer, order_id=order_id, body="Colis abîmé.")
    clock.advance(timedelta(minutes=5))
    service.post_order_message(app, actor=p.agent, order_id=order_id, body="Je regarde.")
    clock.advance(timedelta(minutes=5))
    service.post_order_message(app, actor=p.seller, order_id=order_id, body="Photo ?")
    clock.advance(timedelta(minutes=5))
    service.post_order_message(app, actor=p.operator, order_id=order_id, body="Noté.")

    thread = service.order_thread(app, actor=p.agent, order_id=order_id)
    assert [(x["id"], x["role"]) for x in thread["participants"]] == [
        (uid(p.buyer), "buyer"),
        (uid(p.seller), "seller"),
        (uid(p.agent), "agent"),
        (uid(p.operator), "operator"),
    ]
    assert [(m["author_role"], m["body"]) for m in thread["messages"]] == [
        ("buyer", "Colis abîmé."),
        ("agent", "Je regarde."),
        ("seller", "Photo ?"),
        ("operator", "Noté."),
    ]
    # Whoever has joined hears the rest; nobody is told of their own message.
    assert [m["recipient_ids"] for m in message_outbox(app)] == [
        [uid(p.seller)],
        [uid(p.buyer), uid(p.seller)],
        [uid(p.buyer), uid(p.agent)],
        [uid(p.buyer), uid(p.seller), uid(p.agent)],
    ]
    # The buyer and the seller see the agent in their thread too.
    assert service.order_thread(app, actor=p.buyer, order_id=order_id) == thread


def test_dsp1_stranger_sees_nothing(app: Garant) -> None:
    p = make_parties(app)
    order_id = create_paid_order(app, p)
    service.post_order_message(app, actor=p.buyer, order_id=order_id, body="Bonjour")
    other_buyer, other_seller = make_buyer(app), make_seller(app)
    before = counts(app)
    for stranger in (other_buyer, other_seller, Actor.system()):
        with pytest.raises(NotFound, match=f"order {order_id} not found"):
            service.order_thread(app, actor=stranger, order_id=order_id)
        with pytest.raises(NotFound, match=f"order {order_id} not found"):
            service.post_order_message(app, actor=stranger, order_id=order_id, body="Coucou")
        # Not even the body is judged: a bad one gets the same answer as a good one.
        with pytest.raises(NotFound, match=f"order {order_id} not found"):
            service.post_order_message(app, actor=stranger, order_id=order_id, body="")
    with pytest.raises(NotFound, match="order 999999 not found"):
        service.post_order_message(app, actor=p.agent, order_id=999_999, body="Bonjour")
    assert counts(app) == before
    assert service.list_threads(app, actor=other_buyer) == ([], None)
    assert service.list_threads(app, actor=other_seller) == ([], None)


def test_dsp1_empty_message_refused_nothing_written(app: Garant) -> None:
    p = make_parties(app)
    order_id = create_paid_order(app, p)
    before = counts(app)
    for body in ("", "   \n\t "):
        with pytest.raises(InvalidInput, match="needs text or at least one attachment"):
            service.post_order_message(app, actor=p.buyer, order_id=order_id, body=body)
    with pytest.raises(InvalidInput, match="at most 5000 characters; this one has 5001"):
        service.post_order_message(app, actor=p.buyer, order_id=order_id, body="x" * 5001)
    with pytest.raises(InvalidInput, match="whole numbers"):
        service.post_order_message(
            app,
            actor=p.buyer,
            order_id=order_id,
            body="Voir",
            attachments=["1"],  # type: ignore[list-item]
        )
    assert counts(app) == before

    longest = service.post_order_message(
        app, actor=p.buyer, order_id=order_id, body="  " + "é" * 5000 + "  "
    )
    assert len(longest["body"]) == 5000
    excerpt = message_outbox(app)[-1]["excerpt"]
    assert len(excerpt) == 200 and excerpt == "é" * 199 + "…"


def test_dsp1_messages_are_immutable(app: Garant) -> None:
    p = make_parties(app)
    order_id = create_paid_order(app, p)
    posted = service.post_order_message(app, actor=p.seller, order_id=order_id, body="Expédié.")
    messages = t.messages
    refusals = (
        update(messages).where(messages.c.id == posted["id"]).values(body="Jamais reçu."),
        delete(messages).where(messages.c.id == posted["id"]),
        text("DELETE FROM messages"),
    )
    for statement in refusals:
        with pytest.raises(DBAPIError, match="append-only"), app.engine.begin() as conn:
            conn.execute(statement)
    with app.engine.connect() as conn:
        stored = service.messages_for_order(conn, order_id)
    assert stored == [{k: posted[k] for k in posted if k not in ("thread_id", "thread_key")}]
    # Nor does the service offer a way to change one: its public functions only add and read.
    public = {
        name
        for name, f in vars(service).items()
        if callable(f) and getattr(f, "__module__", "") == service.__name__ and name[0] != "_"
    }
    assert public == {
        "post_order_message",
        "order_thread",
        "messages_for_order",
        "post_shop_message",
        "shop_thread",
        "list_threads",
        "order_thread_key",
        "shop_thread_key",
    }


def test_dsp1_messages_for_order_is_the_case_file(app: Garant, clock: FixedClock) -> None:
    p = make_parties(app)
    order_id = create_paid_order(app, p)
    quiet_order = create_paid_order(app, p)
    for who, body in ((p.buyer, "Pas reçu"), (p.seller, "Suivi : RR…"), (p.agent, "Vu")):
        service.post_order_message(app, actor=who, order_id=order_id, body=body)
        clock.advance(timedelta(minutes=1))
    thread = service.order_thread(app, actor=p.agent, order_id=order_id)
    with app.engine.connect() as conn:
        case_file = service.messages_for_order(conn, order_id)
        nothing = service.messages_for_order(conn, quiet_order)
    assert [m["body"] for m in case_file] == ["Pas reçu", "Suivi : RR…", "Vu"]
    assert case_file == thread["messages"]
    assert nothing == []


# ----------------------------------------------------------------------------- shop threads


def test_dsp1_buyer_contacts_shop_outside_any_order(app: Garant, clock: FixedClock) -> None:
    p = make_parties(app)
    seller = uid(p.seller)
    assert service.shop_thread(app, actor=p.buyer, seller_id=seller)["messages"] == []
    asked = service.post_shop_message(
        app, actor=p.buyer, seller_id=seller, body="Avez-vous cette lampe en bleu ?"
    )
    key = f"shop:{uid(p.buyer)}:{seller}"
    assert asked["thread_key"] == key
    clock.advance(timedelta(hours=1))
    answered = service.post_shop_message(
        app, actor=p.seller, seller_id=seller, buyer_id=uid(p.buyer), body="Oui, en stock."
    )
    assert answered["thread_id"] == asked["thread_id"]

    views = [
        service.shop_thread(app, actor=p.buyer, seller_id=seller),
        service.shop_thread(app, actor=p.buyer, seller_id=seller, buyer_id=uid(p.buyer)),
        service.shop_thread(app, actor=p.seller, seller_id=seller, buyer_id=uid(p.buyer)),
        service.shop_thread(app, actor=p.agent, seller_id=seller, buyer_id=uid(p.buyer)),
    ]
    for view in views:
        assert view == views[0]
    assert views[0]["key"] == key and views[0]["order_id"] is None
    assert [(m["author_role"], m["body"]) for m in views[0]["messages"]] == [
        ("buyer", "Avez-vous cette lampe en bleu ?"),
        ("seller", "Oui, en stock."),
    ]
    outbox = message_outbox(app)
    assert [(o["order_id"], o["thread_key"], o["recipient_ids"]) for o in outbox] == [
        (None, key, [seller]),
        (None, key, [uid(p.buyer)]),
    ]
    # An agent joins the conversation given both ids.
    service.post_shop_message(
        app, actor=p.agent, seller_id=seller, buyer_id=uid(p.buyer), body="Bonjour à tous."
    )
    assert message_outbox(app)[-1]["recipient_ids"] == [uid(p.buyer), seller]
    # The shop sees it in its list, with no order.
    items, _ = service.list_threads(app, actor=p.seller)
    assert [(i["kind"], i["order_id"], i["shop"]) for i in items] == [
        ("shop", None, {"seller_id": seller, "buyer_id": uid(p.buyer)})
    ]
    assert items[0]["last_message"]["preview"] == "Bonjour à tous."


def test_dsp1_seller_cannot_open_shop_thread(app: Garant) -> None:
    p = make_parties(app)
    other_shop = make_seller(app)
    seller, buyer = uid(p.seller), uid(p.buyer)
    before = counts(app)
    with pytest.raises(NotFound, match="a shop answers buyers who wrote to it first"):
        service.post_shop_message(
            app, actor=p.seller, seller_id=seller, buyer_id=buyer, body="Promo !"
        )
    with pytest.raises(NotFound, match="a shop answers buyers who wrote to it first"):
        service.shop_thread(app, actor=p.seller, seller_id=seller, buyer_id=buyer)
    with pytest.raises(NotFound, match="a shop answers buyers who wrote to it first"):
        service.post_shop_message(app, actor=p.agent, seller_id=seller, buyer_id=buyer, body="Hé")
    with pytest.raises(InvalidInput, match="give buyer_id"):
        service.post_shop_message(app, actor=p.seller, seller_id=seller, body="Promo !")
    with pytest.raises(NotFound, match=f"buyer {seller} not found"):
        service.shop_thread(app, actor=p.agent, seller_id=seller, buyer_id=seller)
    assert counts(app) == before

    # Once the buyer wrote, another shop still cannot read or answer in that thread.
    service.post_shop_message(app, actor=p.buyer, seller_id=seller, body="Bonjour")
    before = counts(app)
    with pytest.raises(NotFound, match=f"shop {seller} not found"):
        service.post_shop_message(
            app,
            actor=other_shop,
            seller_id=seller,
            buyer_id=buyer,
            body="Chez moi c'est moins cher",
        )
    with pytest.raises(NotFound, match=f"shop {seller} not found"):
        service.shop_thread(app, actor=other_shop, seller_id=seller, buyer_id=buyer)
    # Another buyer cannot read it by naming its buyer.
    with pytest.raises(NotFound, match="conversation not found"):
        service.shop_thread(app, actor=make_buyer(app), seller_id=seller, buyer_id=buyer)
    assert counts(app) == before


def test_dsp1_shop_must_be_a_seller(app: Garant) -> None:
    p = make_parties(app)
    before = counts(app)
    for not_a_shop in (uid(p.agent), uid(make_buyer(app)), 999_999):
        with pytest.raises(NotFound, match=f"shop {not_a_shop} not found"):
            service.post_shop_message(app, actor=p.buyer, seller_id=not_a_shop, body="Bonjour")
        with pytest.raises(NotFound, match=f"shop {not_a_shop} not found"):
            service.shop_thread(app, actor=p.buyer, seller_id=not_a_shop)
    assert counts(app) == before


# ----------------------------------------------------------------------------- attachments


def test_dsp1_attachments_are_checked_as_evidence_of_the_thread(
    app: Garant, attachable: Attachable
) -> None:
    p = make_parties(app)
    order_id = create_paid_order(app, p)
    photo = add_evidence(app, p.buyer, order_id=order_id)
    attachable.known.add(photo)
    before = counts(app)
    with pytest.raises(InvalidInput, match="evidence 424242 cannot be attached here"):
        service.post_order_message(
            app, actor=p.buyer, order_id=order_id, body="Voir", attachments=[photo, 424242]
        )
    assert counts(app) == before

    # A photo alone is a message.
    posted = service.post_order_message(
        app, actor=p.buyer, order_id=order_id, body=" ", attachments=[photo]
    )
    assert (posted["body"], posted["attachments"]) == ("", [photo])
    assert service.order_thread(app, actor=p.seller, order_id=order_id)["messages"][0][
        "attachments"
    ] == [photo]
    assert message_outbox(app)[-1]["attachments"] == 1
    with pytest.raises(InvalidInput, match="at most 10 attachments"):
        service.post_order_message(
            app, actor=p.buyer, order_id=order_id, body="x", attachments=[photo] * 11
        )

    shop_photo = add_evidence(app, p.buyer, seller_id=uid(p.seller))
    attachable.known.add(shop_photo)
    service.post_shop_message(
        app, actor=p.buyer, seller_id=uid(p.seller), body="Celle-ci", attachments=[shop_photo]
    )
    assert [(c["ids"], c["actor"], c["order_id"], c["seller_id"]) for c in attachable.calls] == [
        ([photo, 424242], p.buyer, order_id, None),
        ([photo], p.buyer, order_id, None),
        ([shop_photo], p.buyer, None, uid(p.seller)),
    ]


def test_dsp1_attachment_with_the_evidence_module(app: Garant) -> None:
    """The real ``attachable``, once ``services.evidence`` exists."""
    pytest.importorskip("garant.services.evidence")
    p = make_parties(app)
    order_id = create_paid_order(app, p)
    photo = add_evidence(app, p.buyer, order_id=order_id)
    posted = service.post_order_message(
        app, actor=p.buyer, order_id=order_id, body="Le carton", attachments=[photo]
    )
    assert posted["attachments"] == [photo]
    other_order = create_paid_order(app, p)
    before = counts(app)
    with pytest.raises(InvalidInput):
        service.post_order_message(
            app, actor=p.buyer, order_id=other_order, body="Le carton", attachments=[photo]
        )
    assert counts(app) == before


# ----------------------------------------------------------------------------- listing


def test_dsp1_threads_listed_newest_activity_first_with_a_cursor(
    app: Garant, clock: FixedClock
) -> None:
    p = make_parties(app)
    orders = [create_paid_order(app, p) for _ in range(3)]
    for order_id in orders:
        service.post_order_message(app, actor=p.buyer, order_id=order_id, body=f"#{order_id}")
        clock.advance(timedelta(minutes=1))
    service.post_shop_message(app, actor=p.buyer, seller_id=uid(p.seller), body="Hors commande")
    clock.advance(timedelta(minutes=1))
    # New activity in the oldest thread brings it to the top.
    service.post_order_message(app, actor=p.seller, order_id=orders[0], body="Réponse " * 40)

    first, cursor = service.list_threads(app, actor=p.buyer, limit=2)
    assert [i["order_id"] for i in first] == [orders[0], None]
    assert cursor is not None
    second, end = service.list_threads(app, actor=p.buyer, limit=2, cursor=cursor)
    assert [i["order_id"] for i in second] == [orders[2], orders[1]]
    assert end is None

    top = first[0]
    assert top["kind"] == "order" and top["shop"] is None
    assert top["buyer"] == {"id": uid(p.buyer), "name": name_of(app, p.buyer)}
    assert top["seller"] == {"id": uid(p.seller), "name": name_of(app, p.seller)}
    assert top["last_message_at"] == clock.now().isoformat()
    last = top["last_message"]
    assert (last["author_role"], last["author_id"]) == ("seller", uid(p.seller))
    assert last["preview"] == ("Réponse " * 40).strip()[:199] + "…"
    assert "body" not in last

    # Each sees their own: a new pair's threads are not the first buyer's or seller's.
    q = Parties(make_buyer(app), make_seller(app), p.agent, p.operator)
    theirs = create_paid_order(app, q)
    service.post_order_message(app, actor=q.buyer, order_id=theirs, body="Bonjour")
    mine = {i["order_id"] for i in service.list_threads(app, actor=p.buyer)[0]}
    assert mine == {*orders, None}
    assert {i["order_id"] for i in service.list_threads(app, actor=p.seller)[0]} == mine
    assert [i["order_id"] for i in service.list_threads(app, actor=q.seller)[0]] == [theirs]
    for staff in (p.agent, p.operator):
        assert len(service.list_threads(app, actor=staff, limit=100)[0]) == 5

    with pytest.raises(InvalidInput, match="cursor is not one this API gave"):
        service.list_threads(app, actor=p.buyer, cursor="yesterday")
    with pytest.raises(InvalidInput, match="limit must be between 1 and 100"):
        service.list_threads(app, actor=p.buyer, limit=0)


# ----------------------------------------------------------------------------- notify


def test_dsp1_message_topic_goes_to_webhooks_only_and_relays_cleanly(app: Garant) -> None:
    """``message.posted`` has no buyer-notification template: the relay must not try email or
    in-app with it (they would fail until they die), and it reaches the marketplace hooks."""
    p = make_parties(app)
    order_id = create_paid_order(app, p)
    with app.engine.begin() as conn:  # the order's own events are not what is checked here
        conn.execute(update(t.outbox).values(dispatched_at=datetime(2026, 1, 1, tzinfo=UTC)))
    service.post_order_message(app, actor=p.buyer, order_id=order_id, body="Bonjour")
    service.post_shop_message(app, actor=p.buyer, seller_id=uid(p.seller), body="Bonjour")
    payloads = message_outbox(app)
    with app.engine.connect() as conn:
        assert [targets(conn, "message.posted", pl) for pl in payloads] == [[], []]

    stats = relay_all(app, "w1")
    assert (stats.fanned_out, stats.delivered, stats.failed, stats.dead) == (2, 0, 0, 0)
    with app.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.outbox_deliveries)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(t.notifications)).scalar() == 0

    endpoint_id, _ = add_endpoint(app, "http://127.0.0.1:9/hooks")
    with app.engine.connect() as conn:
        assert targets(conn, "message.posted", payloads[0]) == [f"webhook:{endpoint_id}"]


# ----------------------------------------------------------------------------- API


@dataclass
class World:
    http: TestClient
    app: Garant
    ids: dict[str, int]
    headers: dict[str, dict[str, str]]

    def order(self) -> int:
        r = self.http.post(
            "/api/v1/orders",
            headers=self.headers["op"],
            json={
                "buyer_id": self.ids["buyer"],
                "seller_id": self.ids["seller"],
                "total": "30.00",
                "shipping_method": "ems",
                "items": [{"title": "Montre", "quantity": 1, "unit_price": "30.00"}],
            },
        )
        assert r.status_code == 201, r.text
        return int(r.json()["id"])


@pytest.fixture
def world(app: Garant) -> Iterator[World]:
    ids: dict[str, int] = {}
    headers: dict[str, dict[str, str]] = {}
    for key, role in [
        ("op", "operator"),
        ("buyer", "buyer"),
        ("other_buyer", "buyer"),
        ("seller", "seller"),
        ("agent", "agent"),
    ]:
        user = users.create_user(app, name=key.title(), email=f"{key}@msg.test", role=role)
        ids[key] = user.id
        headers[key] = {"Authorization": f"Bearer {users.issue_token(app, user.id)}"}
    with TestClient(create_app(app), raise_server_exceptions=False) as http:
        yield World(http, app, ids, headers)


def _problem(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["code"] == code and body["status"] == status and body["detail"]
    return body


def test_dsp1_api_order_thread(world: World) -> None:
    order_id = world.order()
    url = f"/api/v1/orders/{order_id}/messages"
    h = world.headers
    assert world.http.get(url, headers=h["buyer"]).json()["messages"] == []

    r = world.http.post(url, headers=h["buyer"], json={"body": "Bonjour !"})
    assert r.status_code == 201, r.text
    posted = r.json()
    assert (posted["author_id"], posted["author_role"], posted["author_name"]) == (
        world.ids["buyer"],
        "buyer",
        "Buyer",
    )
    assert posted["body"] == "Bonjour !" and posted["attachments"] == []
    r = world.http.post(url, headers=h["agent"], json={"body": "Je suis là.", "attachments": []})
    assert r.status_code == 201, r.text

    thread = world.http.get(url, headers=h["seller"]).json()
    assert [(m["author_role"], m["body"]) for m in thread["messages"]] == [
        ("buyer", "Bonjour !"),
        ("agent", "Je suis là."),
    ]
    assert [x["role"] for x in thread["participants"]] == ["buyer", "seller", "agent"]


def test_dsp1_api_refusals_change_nothing(world: World) -> None:
    order_id = world.order()
    url = f"/api/v1/orders/{order_id}/messages"
    h = world.headers
    before = counts(world.app)
    _problem(world.http.get(url, headers=h["other_buyer"]), 404, "not_found")
    _problem(world.http.post(url, headers=h["other_buyer"], json={"body": "Hé"}), 404, "not_found")
    _problem(world.http.post(url, headers=h["buyer"], json={"body": "  "}), 422, "invalid_input")
    _problem(world.http.post(url, headers=h["buyer"], json={}), 422, "invalid_request")
    _problem(
        world.http.post(url, headers=h["buyer"], json={"body": "x", "author_id": 1}),
        422,
        "invalid_request",
    )
    _problem(world.http.post(url, json={"body": "Bonjour"}), 401, "unauthenticated")
    _problem(
        world.http.post(
            f"/api/v1/shops/{world.ids['seller']}/messages",
            headers=h["seller"],
            json={"body": "Promo !", "buyer_id": world.ids["buyer"]},
        ),
        404,
        "not_found",
    )
    _problem(world.http.get("/api/v1/threads?cursor=abc", headers=h["buyer"]), 422, "invalid_input")
    assert counts(world.app) == before


def test_dsp1_api_shop_conversation_and_thread_list(world: World, clock: FixedClock) -> None:
    h, seller, buyer = world.headers, world.ids["seller"], world.ids["buyer"]
    url = f"/api/v1/shops/{seller}/messages"
    r = world.http.post(url, headers=h["buyer"], json={"body": "Livrez-vous en Belgique ?"})
    assert r.status_code == 201, r.text
    r = world.http.post(url, headers=h["seller"], json={"body": "Oui.", "buyer_id": buyer})
    assert r.status_code == 201, r.text
    for who, query in (
        ("buyer", ""),
        ("seller", f"?buyer_id={buyer}"),
        ("agent", f"?buyer_id={buyer}"),
    ):
        thread = world.http.get(url + query, headers=h[who]).json()
        assert [m["body"] for m in thread["messages"]] == ["Livrez-vous en Belgique ?", "Oui."]
    _problem(world.http.get(url, headers=h["seller"]), 422, "invalid_input")  # whose?

    order_id = world.order()
    clock.advance(timedelta(minutes=1))
    r = world.http.post(
        f"/api/v1/orders/{order_id}/messages", headers=h["seller"], json={"body": "Expédié"}
    )
    assert r.status_code == 201, r.text
    page = world.http.get("/api/v1/threads?limit=1", headers=h["buyer"]).json()
    assert [i["order_id"] for i in page["items"]] == [order_id]
    assert page["items"][0]["last_message"]["preview"] == "Expédié"
    rest = world.http.get(
        f"/api/v1/threads?limit=1&cursor={page['next_cursor']}", headers=h["buyer"]
    ).json()
    assert [i["kind"] for i in rest["items"]] == ["shop"] and rest["next_cursor"] is None
    assert world.http.get("/api/v1/threads", headers=h["other_buyer"]).json() == {
        "items": [],
        "next_cursor": None,
    }


def test_dsp1_api_idempotency_key_posts_one_message(world: World) -> None:
    order_id = world.order()
    url = f"/api/v1/orders/{order_id}/messages"
    headers = {**world.headers["buyer"], "Idempotency-Key": "msg-1"}
    first = world.http.post(url, headers=headers, json={"body": "Une seule fois"})
    again = world.http.post(url, headers=headers, json={"body": "Une seule fois"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert counts(world.app)["messages"] == 1
