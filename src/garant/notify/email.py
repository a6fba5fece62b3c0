"""The email sink (TRK-9): ``email:<user_id>`` sends one buyer notification over SMTP, in the
buyer's language.

The relay calls ``send`` outside any transaction, and again after a failure. Every send of
one outbox message to one user carries the same ``Message-ID``, so a copy sent twice (a crash
between the send and its record) is recognisable as the same message by the receiving side.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from garant.app import Garant
from garant.notify import messages
from garant.notify.settings import SmtpSettings
from garant.notify.sinks import DeliveryFailed, Sink, SinkGone

SINK_PREFIX = "email:"
_REASON_CHARS = 300


def sink_name(user_id: int) -> str:
    return f"{SINK_PREFIX}{user_id}"


def message_id(outbox_id: int, user_id: int, from_address: str) -> str:
    """The same for every retry of one outbox message to one user, unique otherwise."""
    domain = parseaddr(from_address)[1].rpartition("@")[2] or "garant.local"
    return f"<outbox-{outbox_id}.user-{user_id}@{domain}>"


def _short(text: str) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= _REASON_CHARS else one_line[: _REASON_CHARS - 1] + "…"


def _header_safe(text: str) -> str:
    # A header must not carry a line break (it would start a new header).
    return " ".join(text.split())


@dataclass(frozen=True)
class EmailSink:
    app: Garant
    recipient: messages.Recipient
    smtp: SmtpSettings = field(repr=False)

    @property
    def name(self) -> str:
        return sink_name(self.recipient.user_id)

    def compose(self, outbox_id: int, payload: dict[str, Any]) -> EmailMessage:
        kind = str(payload.get("kind"))
        if kind not in messages.KINDS:
            # An older release may not know a newer kind: retry, a newer worker will.
            raise DeliveryFailed(f"no email template for the kind '{kind}'")
        who = self.recipient
        try:
            with self.app.engine.connect() as conn:
                destination = messages.destination_of(conn, payload)
        except SQLAlchemyError as exc:
            raise DeliveryFailed(_short(f"database: {type(exc).__name__}: {exc}")) from exc
        values = messages.context(payload, who.locale, name=who.name, destination=destination,
                                  base_url=self.app.settings.base_url)
        rendered = messages.render(kind, who.locale, values)
        mail = EmailMessage()
        mail["Subject"] = _header_safe(rendered.subject)
        mail["From"] = self.smtp.from_address
        mail["To"] = formataddr((_header_safe(who.name), who.email))
        mail["Message-ID"] = message_id(outbox_id, who.user_id, self.smtp.from_address)
        # The wall clock, not the app clock: a sandbox clock days ahead would date mail oddly.
        mail["Date"] = formatdate(usegmt=True)
        mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
        mail.set_content(rendered.text)
        mail.add_alternative(rendered.html, subtype="html")
        # After the body: setting content clears every Content-* header.
        mail["Content-Language"] = who.locale
        return mail

    def send(self, message_id: int, payload: dict[str, Any]) -> None:
        mail = self.compose(message_id, payload)
        s = self.smtp
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as client:
                if s.starttls:
                    client.starttls(context=ssl.create_default_context())
                if s.username:
                    secret = s.password.get_secret_value() if s.password else ""
                    client.login(s.username, secret)
                client.send_message(mail)
        except (smtplib.SMTPException, OSError) as exc:
            # Refused, unreachable, timed out: all worth another try later; the relay gives
            # up after its maximum attempts and shows the last reason to an operator.
            raise DeliveryFailed(_short(f"SMTP {type(exc).__name__}: {exc}")) from exc


class EmailResolver:
    """Turns ``email:<user_id>`` into an ``EmailSink``, reading each user once per relay pass.

    A user removed, or left without an address, will never get this mail: the delivery dies
    (visibly) rather than being retried.
    """

    def __init__(self, app: Garant, smtp: SmtpSettings | None = None) -> None:
        self._app = app
        self._smtp = smtp or SmtpSettings()
        self._cache: dict[str, Sink] = {}

    def __call__(self, name: str) -> Sink:
        if name in self._cache:
            return self._cache[name]
        if not name.startswith(SINK_PREFIX):
            raise DeliveryFailed(f"this worker has no sink for '{name}'")
        try:
            user_id = int(name.removeprefix(SINK_PREFIX))
        except ValueError as exc:
            raise SinkGone(f"'{name}' names no user") from exc
        with self._app.engine.connect() as conn:
            who = messages.recipient(conn, user_id)
        if who is None:
            raise SinkGone(f"user {user_id} no longer exists")
        if "@" not in who.email:
            raise SinkGone(f"user {user_id} has no email address")
        sink = EmailSink(self._app, who, self._smtp)
        self._cache[name] = sink
        return sink
