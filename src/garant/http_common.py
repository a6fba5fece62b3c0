"""What the API and the web pages share at the HTTP edge, so neither imports the other.

- ``content_disposition``: how a stored file is offered for download.
- ``public_lookup_wait``: the one limiter of public tracking look-ups, shared by the API route
  and the page (a scraper gets no more numbers through one than through the other).
"""

from __future__ import annotations

import time
import unicodedata
from collections import deque
from threading import Lock
from urllib.parse import quote

from starlette.requests import Request

from garant.domain.errors import DomainError


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback for old clients, and the exact name in UTF-8."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = "".join(c if c.isprintable() and c not in '"\\%' else "_" for c in fallback)
    exact = quote(filename, safe="")
    return f"attachment; filename=\"{fallback or 'evidence'}\"; filename*=UTF-8''{exact}"


class SlidingMinute:
    """A sliding minute per client address: enough to keep a scraper from walking numbers."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = Lock()

    def allow(self, key: str, per_minute: int) -> float:
        """0 when allowed, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - 60:
                hits.popleft()
            if len(hits) >= per_minute:
                return 60 - (now - hits[0])
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle clients
                self._hits = {k: v for k, v in self._hits.items() if v}
            return 0.0


class TooManyRequests(DomainError):
    code = "rate_limited"
    http_status = 429


def public_lookup_wait(request: Request, per_minute: int) -> int:
    """0 when this client may look up one more number now, else the whole seconds to wait."""
    client = request.client.host if request.client else "unknown"
    limits = request.app.state.__dict__.setdefault("tracking_limits", SlidingMinute())
    wait = limits.allow(client, per_minute)
    return int(wait) + 1 if wait else 0
