"""What the TRK-9 / TRK-6 notification tests share: a real SMTP server on 127.0.0.1 (aiosmtpd),
buyers in each language, shipped orders and carrier events.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select

from garant.app import Garant
from garant.domain.orders import Actor
from garant.domain.tracking import Location, SubStatus, TrackingEvent, TrackingStatus
from garant.notify.settings import SmtpSettings
from garant.services.tracking import ingest
from garant.services.users import create_user
from garant.store import schema as t

from .helpers import Parties, act, create_paid_order, make_parties, s10_number

PUBLIC_URL = "https://garant.example"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """Messages the SMTP server accepted, parsed; ``settings`` point the email sink at it."""

    port: int
    received: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def settings(self) -> SmtpSettings:
        return SmtpSettings(host="127.0.0.1", port=self.port, timeout=5.0,
                            from_address="Garant <noreply@garant.example>")

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content,
                                          policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.received.append(parsed)
            self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if address in str(m["To"])]


@contextmanager
def smtp_server(mailbox: Mailbox) -> Iterator[Mailbox]:
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    content: str = part.get_content()
    return content


def with_public_url(app: Garant) -> Garant:
    """The app with GARANT_PUBLIC_URL set, so the links in messages are known."""
    settings = app.settings.model_copy(update={"public_url": PUBLIC_URL})
    return Garant(settings=settings, engine=app.engine, clock=app.clock)


_serial = iter(range(10_000_000, 99_999_999, 7919))


def buyer(app: Garant, locale: str, email_address: str | None = None) -> Actor:
    n = next(_serial)
    user = create_user(app, name=f"Acheteur {n}" if locale == "fr" else f"Buyer {n}",
                       email=email_address or f"buyer{n}@example.test", role="buyer",
                       locale=locale)
    return Actor(user.role, user.id)


def shipped_order(app: Garant, p: Parties | None = None, *, who: Actor | None = None,
                  method: str = "aliexpress_standard", **extra: Any) -> tuple[int, str]:
    """A paid order shipped by its seller: (order id, tracking number)."""
    p = p or make_parties(app)
    number = s10_number(f"{next(_serial) % 100_000_000:08d}")
    order_id = create_paid_order(app, p, buyer=who, shipping_method=method, **extra)
    act(app, order_id, p.seller, "ship", tracking_number=number)
    return order_id, number


def scan(number: str, at: datetime, status: TrackingStatus, sub: SubStatus,
         country: str | None = None, city: str | None = None) -> TrackingEvent:
    return TrackingEvent(carrier="china_post", tracking_number=number, occurred_at=at,
                         status=status, sub_status=sub, raw_code=None,
                         raw_text=f"{status.value} {sub.value}",
                         location=Location(country=country, city=city))


def departed(number: str, at: datetime) -> TrackingEvent:
    return scan(number, at, TrackingStatus.IN_TRANSIT, SubStatus.DEPARTED_ORIGIN_COUNTRY,
                "CN", "Guangzhou")


def arrived_in_france(number: str, at: datetime) -> TrackingEvent:
    return scan(number, at, TrackingStatus.IN_TRANSIT, SubStatus.ARRIVED_DESTINATION_COUNTRY,
                "FR", "Roissy")


def feed(app: Garant, *events: TrackingEvent) -> None:
    ingest(app, events, source="sandbox")


def outbox_rows(app: Garant, topic_prefix: str = "notify.") -> list[Any]:
    with app.engine.connect() as conn:
        return list(conn.execute(
            select(t.outbox).where(t.outbox.c.topic.startswith(topic_prefix))
            .order_by(t.outbox.c.id)))


def deliveries(app: Garant, sink_prefix: str = "") -> list[Any]:
    d = t.outbox_deliveries
    with app.engine.connect() as conn:
        return list(conn.execute(
            select(d).where(d.c.sink.startswith(sink_prefix)).order_by(d.c.id)))


def notification_rows(app: Garant) -> list[Any]:
    with app.engine.connect() as conn:
        return list(conn.execute(select(t.notifications).order_by(t.notifications.c.id)))


def days(n: float) -> timedelta:
    return timedelta(days=n)
