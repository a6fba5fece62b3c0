"""TRK-6: a parcel with no movement for longer than is normal for its stage is told to its buyer
once per stall — what to do and when the protection window closes — through the outbox, by
email and in the app; on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from garant.app import Garant
from garant.clock import FixedClock
from garant.domain.tracking import SubStatus, TrackingStatus
from garant.notify.routing import relay_all
from garant.services.notifications import list_notifications
from garant.services.stalls import notify_stalls, stall_key
from garant.store import orders as order_store
from garant.store import schema as t
from garant.store import tracking as tracking_store

from .helpers import make_parties
from .notify_world import (
    Mailbox,
    arrived_in_france,
    body,
    buyer,
    days,
    departed,
    feed,
    free_port,
    outbox_rows,
    scan,
    shipped_order,
    smtp_server,
    with_public_url,
)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server(Mailbox(free_port())) as box:
        yield box


def _stalled(app: Garant) -> list[Any]:
    return outbox_rows(app, "notify.stalled")


def _shipment(app: Garant, number: str) -> dict[str, Any]:
    with app.engine.connect() as conn:
        shipment_id = tracking_store.shipment_id_for(conn, number)
        assert shipment_id is not None
        return tracking_store.shipment_row(conn, shipment_id)


def _protection_end(app: Garant, order_id: int) -> Any:
    with app.engine.connect() as conn:
        order = order_store.load(conn, order_id)
    return order.created_at + order.policy.protection_period(order.product_category)


def test_trk6_stalled_parcel_is_told_once_per_stall(app: Garant, clock: FixedClock) -> None:
    order_id, number = shipped_order(app, who=buyer(app, "fr"))  # standard: 20 days in transit
    feed(app, departed(number, clock.now() - days(1)))
    assert notify_stalls(app) == 0

    clock.advance(days(20))  # 21 days without a scan
    assert notify_stalls(app) == 1
    assert notify_stalls(app) == 0
    clock.advance(days(3))  # still the same stall
    assert notify_stalls(app) == 0

    [message] = _stalled(app)
    row = _shipment(app, number)
    assert message.order_id == order_id and message.payload["kind"] == "stalled"
    assert message.payload["stall"]["stage"] == "international_transit"
    assert message.payload["stall"]["last_event_at"] == row["last_event_at"].isoformat()
    assert stall_key(order_id, row["last_event_at"]) in row["notified"]


def test_trk6_a_new_stall_after_movement_is_told_again(app: Garant, clock: FixedClock) -> None:
    order_id, number = shipped_order(app, who=buyer(app, "fr"))
    feed(app, departed(number, clock.now() - days(1)))
    clock.advance(days(20))
    assert notify_stalls(app) == 1

    feed(app, arrived_in_france(number, clock.now() - timedelta(hours=1)))  # it moves
    assert notify_stalls(app) == 0
    clock.advance(days(6))  # customs normally within 7 days
    assert notify_stalls(app) == 0
    clock.advance(days(2))
    assert notify_stalls(app) == 1
    assert notify_stalls(app) == 0

    first, second = _stalled(app)
    assert [first.payload["stall"]["stage"], second.payload["stall"]["stage"]] == [
        "international_transit", "awaiting_customs"]
    assert first.payload["stall"]["last_event_at"] != second.payload["stall"]["last_event_at"]
    assert sum(key.startswith(f"{order_id}:stalled:")
               for key in _shipment(app, number)["notified"]) == 2


def test_trk6_stall_message_says_what_to_do_and_when_protection_ends_in_each_language(
        app: Garant, clock: FixedClock, mailbox: Mailbox) -> None:
    app = with_public_url(app)
    p = make_parties(app)
    fr, en = buyer(app, "fr"), buyer(app, "en")
    assert fr.user_id is not None and en.user_id is not None
    fr_order, fr_number = shipped_order(app, p, who=fr, external_ref="AE-S-FR")
    en_order, en_number = shipped_order(app, p, who=en, external_ref="AE-S-EN",
                                        product_category="electronics")
    for number in (fr_number, en_number):
        feed(app, departed(number, clock.now() - days(1)))
    clock.advance(days(25))

    assert notify_stalls(app) == 2
    relay_all(app, "w1", smtp=mailbox.settings)

    fr_ends, en_ends = _protection_end(app, fr_order), _protection_end(app, en_order)
    assert (en_ends - fr_ends) == days(30)  # electronics are protected 90 days, not 60
    notes, _ = list_notifications(app, user_id=fr.user_id)
    assert [n.kind for n in notes] == ["stalled", "shipped"]
    note = notes[0]
    assert note.order_id == fr_order
    assert note.title_fr == "Colis bloqué : votre commande AE-S-FR ne bouge plus"
    assert note.body_fr.startswith("Aucun mouvement depuis le ")
    assert "- Contactez le vendeur depuis la commande" in note.body_fr
    assert f"ouvrez un litige avant le {fr_ends:%d/%m/%Y}" in note.body_fr
    assert note.body_fr.endswith(
        f"La protection acheteur de cette commande prend fin le {fr_ends:%d/%m/%Y}.")
    assert note.title_en == "Parcel stuck: your order AE-S-FR is not moving"

    [fr_mail] = [m for m in mailbox.received if "Colis bloqué" in str(m["Subject"])]
    assert fr_mail["Subject"] == "Colis bloqué : votre commande AE-S-FR ne bouge plus"
    text = body(fr_mail, "plain")
    assert "Que faire :" in text and f"Numéro de suivi : {fr_number}" in text
    assert "Statut : En transit international" in text
    assert f"prend fin le {fr_ends:%d/%m/%Y}." in text
    assert "<li>Contactez le vendeur depuis la commande" in body(fr_mail, "html")

    [en_mail] = [m for m in mailbox.received if "Parcel stuck" in str(m["Subject"])]
    assert en_mail["Subject"] == "Parcel stuck: your order AE-S-EN is not moving"
    text = body(en_mail, "plain")
    assert "What to do:" in text and "- Contact the seller from the order" in text
    assert f"Buyer protection for this order ends on {en_ends.date().isoformat()}." in text
    assert f"open a dispute before {en_ends.date().isoformat()}" in text


def test_trk6_moving_delivered_and_fresh_parcels_are_not_told(
        app: Garant, clock: FixedClock) -> None:
    p = make_parties(app)
    who = buyer(app, "fr")
    _, moving = shipped_order(app, p, who=who)
    delivered_id, delivered = shipped_order(app, p, who=who)
    shipped_order(app, p, who=who)  # no scan at all yet: TRK-4's "not found", not a stall
    feed(app, departed(delivered, clock.now() - days(3)),
         scan(delivered, clock.now() - days(1), TrackingStatus.DELIVERED, SubStatus.LETTER_BOX,
              "FR", "Lyon"))

    for _ in range(6):
        clock.advance(days(5))
        feed(app, departed(moving, clock.now() - days(1)),
             scan(moving, clock.now() - timedelta(hours=2), TrackingStatus.IN_TRANSIT,
                  SubStatus.IN_TRANSIT_OTHER, "KZ", f"Hub {clock.now():%d}"))
        assert notify_stalls(app) == 0

    with app.engine.connect() as conn:
        state = conn.execute(select(t.orders.c.state).where(t.orders.c.id == delivered_id))
        assert state.scalar_one() == "delivered"
    assert _stalled(app) == []


def test_trk6_every_stalled_parcel_is_reached_page_by_page(
        app: Garant, clock: FixedClock) -> None:
    p = make_parties(app)
    who = buyer(app, "en")
    numbers = [shipped_order(app, p, who=who)[1] for _ in range(4)]
    for number in numbers:
        feed(app, departed(number, clock.now() - days(1)))
    clock.advance(days(21))
    with app.engine.begin() as conn:  # the first one was told already (an earlier pass)
        shipment_id = tracking_store.shipment_id_for(conn, numbers[0])
        assert shipment_id is not None
        row = tracking_store.shipment_row(conn, shipment_id)
        [order_id] = tracking_store.order_ids(conn, shipment_id)
        tracking_store.update_shipment(conn, shipment_id, {"notified": [
            *row["notified"], stall_key(order_id, row["last_event_at"].astimezone(UTC))]})

    assert notify_stalls(app, limit=1) == 3
    assert notify_stalls(app, limit=1) == 0
    assert sorted(m.payload["tracking_number"] for m in _stalled(app)) == sorted(numbers[1:])
