"""Signed webhooks in the Standard Webhooks format (https://www.standardwebhooks.com/).

A receiver checks three headers: ``webhook-id`` (the outbox message, ``msg_<id>``, the same on
every retry and for every endpoint, so it can drop the rare duplicate), ``webhook-timestamp``
(unix seconds, to refuse replays) and ``webhook-signature`` (``v1,<base64 HMAC-SHA256>`` of
``"{id}.{timestamp}.{body}"`` with the key inside the ``whsec_`` secret).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Connection, select

from garant.app import Garant
from garant.clock import Clock, SystemClock
from garant.notify.sinks import DeliveryFailed, Sink, SinkGone
from garant.store.schema import webhook_endpoints

SECRET_PREFIX = "whsec_"
SINK_PREFIX = "webhook:"
DEFAULT_TOLERANCE = timedelta(minutes=5)
# Enough of an error page to tell "maintenance" from "bad route"; the rest is not kept.
_REASON_BODY_BYTES = 200
_USER_AGENT = "Garant-Webhooks/1"


class WebhookVerificationError(Exception):
    """The request is not a genuine, fresh webhook from the holder of the secret."""


def new_secret() -> str:
    # 32 random bytes: the HMAC-SHA256 block needs no more, and Standard Webhooks asks 24–64.
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _key(secret: str) -> bytes:
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error as exc:
        raise ValueError(
            "a webhook secret is 'whsec_' followed by base64; create one with new_secret()"
        ) from exc
    if not key:
        raise ValueError("the webhook secret is empty; create one with new_secret()")
    return key


def _signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body`` sent at ``timestamp`` (unix seconds)."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"v1,{_signature(_key(secret), msg_id, timestamp, body)}",
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> None:
    """Raise ``WebhookVerificationError`` unless one ``v1`` signature matches and the timestamp
    is within ``tolerance`` of ``now`` either way (a clock far ahead is as suspect as a replay).
    """
    lower = {k.lower(): v for k, v in headers.items()}
    missing = [h for h in ("webhook-id", "webhook-timestamp", "webhook-signature")
               if not lower.get(h)]
    if missing:
        raise WebhookVerificationError(f"missing header(s): {', '.join(missing)}")
    msg_id = lower["webhook-id"]
    try:
        timestamp = int(lower["webhook-timestamp"])
    except ValueError as exc:
        raise WebhookVerificationError("webhook-timestamp is not unix seconds") from exc
    age = now.timestamp() - timestamp
    if age > tolerance.total_seconds():
        raise WebhookVerificationError(f"timestamp too old ({int(age)}s)")
    if -age > tolerance.total_seconds():
        raise WebhookVerificationError(f"timestamp too new ({int(-age)}s ahead)")
    expected = _signature(_key(secret), msg_id, timestamp, body).encode("ascii")
    # Several signatures may be sent while a secret is rotated; other versions (v1a…) are
    # not ours to check. compare_digest keeps the time independent of where bytes differ.
    for entry in lower["webhook-signature"].split():
        version, _, value = entry.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode("utf-8"), expected):
            return
    raise WebhookVerificationError("no valid v1 signature")


def encode_body(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def webhook_id(outbox_id: int) -> str:
    return f"msg_{outbox_id}"


def sink_name(endpoint_id: int) -> str:
    return f"{SINK_PREFIX}{endpoint_id}"


def _short(text: str, limit: int = 300) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


@dataclass(frozen=True)
class WebhookSink:
    """POSTs one message to one endpoint. Any 2xx is success; a redirect is not followed (the
    endpoint URL is what its owner registered), so 3xx counts as a failure like 4xx and 5xx.
    """

    endpoint_id: int
    url: str
    secret: str = field(repr=False)
    timeout: float
    # The signature timestamp is for the receiver, who compares it with its own wall clock:
    # a sandbox clock moved days ahead would make every webhook "too new". Scheduling (leases,
    # backoff) uses the app clock; this header does not.
    wall_clock: Clock = field(default_factory=SystemClock)

    @property
    def name(self) -> str:
        return sink_name(self.endpoint_id)

    def send(self, message_id: int, payload: dict[str, Any]) -> None:
        body = encode_body(payload)
        timestamp = int(self.wall_clock.now().timestamp())
        headers = sign(self.secret, webhook_id(message_id), timestamp, body)
        headers |= {"content-type": "application/json", "user-agent": _USER_AGENT}
        try:
            # Streamed so a hostile endpoint cannot make us read a huge body.
            with httpx.stream("POST", self.url, content=body, headers=headers,
                              timeout=self.timeout, follow_redirects=False) as response:
                if response.is_success:
                    return
                head = b""
                for chunk in response.iter_bytes():
                    head += chunk
                    if len(head) >= _REASON_BODY_BYTES:
                        break
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise DeliveryFailed(_short(f"{type(exc).__name__}: {exc}")) from exc
        text = head[:_REASON_BODY_BYTES].decode("utf-8", errors="replace")
        raise DeliveryFailed(_short(f"HTTP {response.status_code} {text}".strip()))


def active_endpoint_sinks(conn: Connection, topic: str) -> list[str]:
    """Fan-out targets: every active endpoint gets every topic (no per-topic filter yet)."""
    ids = conn.execute(
        select(webhook_endpoints.c.id).where(webhook_endpoints.c.active.is_(True))
        .order_by(webhook_endpoints.c.id)
    ).scalars()
    return [sink_name(i) for i in ids]


class WebhookResolver:
    """Turns ``webhook:<id>`` into a ``WebhookSink``, reading each endpoint once per relay pass.

    A disabled or deleted endpoint is gone for good (its pending deliveries die, visibly); a
    name of another kind is not this resolver's to judge, so it fails and is retried.
    """

    def __init__(self, app: Garant, wall_clock: Clock | None = None) -> None:
        self._app = app
        self._wall_clock = wall_clock or SystemClock()
        self._cache: dict[str, Sink] = {}

    def __call__(self, name: str) -> Sink:
        if name in self._cache:
            return self._cache[name]
        if not name.startswith(SINK_PREFIX):
            raise DeliveryFailed(f"this worker has no sink for '{name}'")
        try:
            endpoint_id = int(name.removeprefix(SINK_PREFIX))
        except ValueError as exc:
            raise SinkGone(f"'{name}' names no webhook endpoint") from exc
        with self._app.engine.connect() as conn:
            row = conn.execute(
                select(webhook_endpoints.c.url, webhook_endpoints.c.secret,
                       webhook_endpoints.c.active)
                .where(webhook_endpoints.c.id == endpoint_id)
            ).first()
        if row is None:
            raise SinkGone(f"webhook endpoint {endpoint_id} no longer exists")
        if not row.active:
            raise SinkGone(f"webhook endpoint {endpoint_id} is disabled")
        sink = WebhookSink(endpoint_id=endpoint_id, url=row.url, secret=row.secret,
                           timeout=self._app.settings.webhook_timeout_seconds,
                           wall_clock=self._wall_clock)
        self._cache[name] = sink
        return sink
