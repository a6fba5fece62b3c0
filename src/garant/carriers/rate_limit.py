"""Per-carrier request rate limits: a token bucket per carrier, shared by every thread.

The bucket is kept as a "theoretical arrival time" (the generic cell rate algorithm, an exact
equivalent of a token bucket): one number per carrier, so taking a turn is a constant-time
update under one lock and a waiting caller sleeps outside it. A caller that takes a turn in the
future has reserved it: concurrent callers get successive turns, never the same one.

``hold`` honours a carrier's Retry-After: no turn is given before it runs out, and requests
then resume one interval apart (no burst straight after being told to slow down).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


class Throttled(Exception):
    """The carrier's next turn is further away than the caller is willing to wait."""

    def __init__(self, carrier: str, wait: float) -> None:
        super().__init__(f"{carrier}: next request allowed in {wait:.1f}s")
        self.carrier = carrier
        self.wait = wait


@dataclass
class _Bucket:
    interval: float  # seconds between two requests at the sustained rate
    tolerance: float  # how far ahead of the schedule a burst may run
    tat: float = 0.0  # when the bucket is back to full


class RateLimiter:
    def __init__(
        self,
        rate_per_second: float = 2.0,
        *,
        burst: int = 1,
        rates: Mapping[str, float] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second <= 0 or burst < 1 or any(r <= 0 for r in (rates or {}).values()):
            raise ValueError("rates must be positive and burst at least 1")
        self._default = rate_per_second
        self._rates = dict(rates or {})
        self._burst = burst
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def _bucket(self, carrier: str) -> _Bucket:
        bucket = self._buckets.get(carrier)
        if bucket is None:
            interval = 1.0 / self._rates.get(carrier, self._default)
            bucket = _Bucket(interval, (self._burst - 1) * interval, self._monotonic())
            self._buckets[carrier] = bucket
        return bucket

    def reserve(self, carrier: str, max_wait: float = float("inf")) -> float:
        """Take the carrier's next turn and return how long to wait for it (0: go now).

        Raises ``Throttled`` without taking anything when the wait would exceed ``max_wait``.
        """
        with self._lock:
            bucket = self._bucket(carrier)
            now = self._monotonic()
            tat = max(bucket.tat, now)
            wait = max(0.0, tat - bucket.tolerance - now)
            if wait > max_wait:
                raise Throttled(carrier, wait)
            bucket.tat = tat + bucket.interval
            return wait

    def acquire(self, carrier: str, max_wait: float = float("inf")) -> None:
        """Block until the carrier's next turn (at most ``max_wait`` seconds, else Throttled)."""
        wait = self.reserve(carrier, max_wait)
        if wait > 0:
            self._sleep(wait)

    def hold(self, carrier: str, seconds: float) -> None:
        """The carrier said "retry after": no turn before ``seconds`` from now."""
        if seconds <= 0:
            return
        with self._lock:
            bucket = self._bucket(carrier)
            resume = self._monotonic() + seconds
            bucket.tat = max(bucket.tat, resume + bucket.tolerance)

    def delay(self, carrier: str) -> float:
        """How long the carrier's next turn is away, without taking it."""
        with self._lock:
            bucket = self._bucket(carrier)
            now = self._monotonic()
            return max(0.0, max(bucket.tat, now) - bucket.tolerance - now)
