"""HTTP clients for the carrier APIs we parse (TRK-2 polling): ``fetch(slug, number) -> bytes``.

What comes back is the raw payload, for the carrier's adapter to read. The transport draws
one line between "the carrier answered" and "the carrier could not be asked":

* an answer is returned as it is, whatever its status, when it is the carrier speaking
  (404 "unknown number", 400 "malformed number", 401 "bad key" all come with the carrier's own
  error document, and the adapter turns them into TrackingNotFound or CarrierError);
* 429, 5xx, timeouts and network errors raise ``CarrierUnavailable`` with the carrier's
  Retry-After when it gave one, which also holds that carrier's rate limiter.

Every request of a carrier (OAuth token requests included) takes a turn from that carrier's
token bucket. One ``CarrierClients`` is meant to be shared by the threads of a process:
httpx's client, the limiter and the token cache are thread-safe.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple

import httpx

from garant.carriers.base import MAX_PAYLOAD_BYTES
from garant.carriers.endpoints import BUILDERS, TOKEN_CALLS, Call, polled_as
from garant.carriers.rate_limit import RateLimiter, Throttled
from garant.carriers.settings import CarrierSettings

__all__ = ["CarrierClients", "CarrierUnavailable", "RateLimited", "fetch", "polled_as"]

Fetch = Callable[[str, str], bytes]
_TOKEN_MARGIN = 60.0  # renew a token this long before it expires: a request takes time too


class Answer(NamedTuple):
    status: int
    body: bytes


class CarrierUnavailable(Exception):
    """The carrier could not be asked now (overloaded, down, unreachable): try again later."""

    def __init__(self, carrier: str, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(f"{carrier}: {message}")
        self.carrier = carrier
        self.retry_after = retry_after


class RateLimited(CarrierUnavailable):
    """Our own limit for this carrier: nothing was sent, and nothing is wrong with the parcel."""


class _TokenRefused(Exception):
    def __init__(self, answer: Answer) -> None:
        super().__init__(f"token refused with HTTP {answer.status}")
        self.answer = answer


def retry_after_seconds(value: str | None, *, cap: float) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - datetime.now(UTC)).total_seconds()), cap)


class CarrierClients:
    def __init__(
        self,
        settings: CarrierSettings | None = None,
        *,
        limiter: RateLimiter | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings or CarrierSettings()
        s = self.settings
        self.limiter = limiter or RateLimiter(s.rate_per_second, burst=s.burst, rates=s.rates)
        self.http = httpx.Client(
            timeout=httpx.Timeout(s.timeout_seconds),
            headers={"User-Agent": s.user_agent},
            follow_redirects=False,  # a carrier API that redirects is misconfigured here
            transport=transport,
        )
        self._tokens: dict[str, tuple[str, float]] = {}  # slug → (token, monotonic expiry)
        self._token_lock = threading.Lock()

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> CarrierClients:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def base_url(self, slug: str) -> str:
        name = "fourpx" if slug == "4px" else slug
        return str(getattr(self.settings, f"{name}_url")).rstrip("/")

    def fetch(self, slug: str, number: str) -> bytes:
        """The carrier's raw answer about ``number``; ``slug`` is an adapter's slug."""
        builder = BUILDERS.get(slug)
        if builder is None:
            raise LookupError(f"no tracking client for carrier {slug!r}")
        if slug not in TOKEN_CALLS:
            return self._send(slug, builder(self.settings, number, None)).body
        try:
            token, cached = self._token(slug)
            answer = self._send(slug, builder(self.settings, number, token))
            if answer.status == 401 and cached:
                # A cached token revoked or expired early: one fresh token, one more try.
                self._forget_token(slug)
                token, _ = self._token(slug)
                answer = self._send(slug, builder(self.settings, number, token))
        except _TokenRefused as refused:
            # The carrier's own words on our credentials are the most useful error to record.
            return refused.answer.body
        return answer.body

    # --- transport ---------------------------------------------------------------------------

    def _send(self, slug: str, call: Call) -> Answer:
        try:
            self.limiter.acquire(slug, self.settings.max_wait_seconds)
        except Throttled as exc:
            raise RateLimited(slug, "rate limit reached", retry_after=exc.wait) from None
        try:
            with self.http.stream(
                call.method,
                self.base_url(slug) + call.path,
                params=call.params or None,
                headers=call.headers,
                content=call.content,
            ) as response:
                body = self._read_capped(response)
        except httpx.TimeoutException as exc:
            raise CarrierUnavailable(slug, f"timed out ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise CarrierUnavailable(slug, f"unreachable ({type(exc).__name__}: {exc})") from None
        status = response.status_code
        if status == 429 or status >= 500:
            wait = retry_after_seconds(
                response.headers.get("Retry-After"), cap=self.settings.max_retry_after_seconds
            )
            if wait is not None:
                self.limiter.hold(slug, wait)
            raise CarrierUnavailable(slug, f"HTTP {status}", retry_after=wait)
        return Answer(status, body)

    @staticmethod
    def _read_capped(response: httpx.Response) -> bytes:
        # One byte over the adapters' limit is enough for them to refuse the payload; reading
        # more would only let a broken or hostile server fill our memory.
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_PAYLOAD_BYTES:
                break
        return b"".join(chunks)[: MAX_PAYLOAD_BYTES + 1]

    # --- OAuth client credentials ----------------------------------------------------------

    def _token(self, slug: str) -> tuple[str, bool]:
        """(token, whether it came from the cache); raises _TokenRefused."""
        with self._token_lock:
            cached = self._tokens.get(slug)
            if cached is not None and cached[1] > time.monotonic():
                return cached[0], True
        answer = self._send(slug, TOKEN_CALLS[slug](self.settings))
        data = _json_object(answer.body)
        token = data.get("access_token")
        if answer.status != 200 or not isinstance(token, str) or not token:
            raise _TokenRefused(answer)
        try:
            lifetime = float(data.get("expires_in", 0))  # UPS sends it as a string
        except (TypeError, ValueError):
            lifetime = 0.0
        with self._token_lock:
            self._tokens[slug] = (token, time.monotonic() + max(0.0, lifetime - _TOKEN_MARGIN))
        return token, False

    def _forget_token(self, slug: str) -> None:
        with self._token_lock:
            self._tokens.pop(slug, None)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return {}
    return data if isinstance(data, dict) else {}


_default: CarrierClients | None = None
_default_lock = threading.Lock()


def default_clients() -> CarrierClients:
    """The process's clients, built from the environment on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = CarrierClients()
        return _default


def fetch(slug: str, number: str) -> bytes:
    return default_clients().fetch(slug, number)
