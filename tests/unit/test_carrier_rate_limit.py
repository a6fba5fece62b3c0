"""Per-carrier rate limits for polling (TRK-2): token bucket, Retry-After, threads."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from garant.carriers.clients import retry_after_seconds
from garant.carriers.rate_limit import RateLimiter, Throttled


class FakeTime:
    """A monotonic clock that moves only when a caller sleeps or the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _limiter(
    time: FakeTime, rate: float = 2.0, burst: int = 1, rates: dict[str, float] | None = None
) -> RateLimiter:
    return RateLimiter(
        rate, burst=burst, rates=rates, monotonic=time.monotonic, sleep=time.sleep
    )


def test_trk2_rate_limit_allows_the_burst_then_one_request_per_interval() -> None:
    time = FakeTime()
    limiter = _limiter(time, rate=2.0, burst=3)
    assert [limiter.reserve("cainiao") for _ in range(5)] == [0.0, 0.0, 0.0, 0.5, 1.0]


def test_trk2_rate_limit_sleeps_until_the_turn_and_refills_while_idle() -> None:
    time = FakeTime()
    limiter = _limiter(time, rate=4.0, burst=2)
    for _ in range(4):
        limiter.acquire("laposte")
    assert time.slept == [0.25, 0.25]
    time.now += 10  # a quiet spell refills the bucket, but never beyond the burst
    limiter.acquire("laposte")
    limiter.acquire("laposte")
    limiter.acquire("laposte")
    assert time.slept == [0.25, 0.25, 0.25]


def test_trk2_rate_limit_is_per_carrier_with_its_own_rate() -> None:
    time = FakeTime()
    limiter = _limiter(time, rate=2.0, rates={"cainiao": 0.5})
    assert [limiter.reserve("cainiao") for _ in range(2)] == [0.0, 2.0]
    assert [limiter.reserve("ups") for _ in range(2)] == [0.0, 0.5]


def test_trk2_retry_after_holds_the_carrier_then_resumes_without_a_burst() -> None:
    time = FakeTime()
    limiter = _limiter(time, rate=2.0, burst=5)
    limiter.reserve("ups")
    limiter.hold("ups", 30)
    assert limiter.delay("ups") == 30
    assert limiter.delay("fedex") == 0  # another carrier is not held
    assert [limiter.reserve("ups") for _ in range(3)] == [30.0, 30.5, 31.0]


def test_trk2_a_shorter_retry_after_never_shortens_a_hold() -> None:
    time = FakeTime()
    limiter = _limiter(time)
    limiter.hold("ups", 60)
    limiter.hold("ups", 5)
    assert limiter.delay("ups") == 60


def test_trk2_a_wait_beyond_max_wait_raises_and_takes_no_turn() -> None:
    time = FakeTime()
    limiter = _limiter(time, rate=1.0)
    limiter.reserve("yanwen")
    limiter.hold("yanwen", 10)
    with pytest.raises(Throttled) as caught:
        limiter.acquire("yanwen", max_wait=5)
    assert caught.value.wait == 10 and caught.value.carrier == "yanwen"
    assert time.slept == []
    assert limiter.reserve("yanwen") == 10  # the refused call did not take a turn


def test_trk2_rate_limit_gives_each_thread_its_own_turn() -> None:
    time = FakeTime()  # frozen: every turn after the burst is a distinct reservation
    limiter = _limiter(time, rate=10.0, burst=2)
    waits: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        mine = [limiter.reserve("4px") for _ in range(25)]
        with lock:
            waits.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(round(w, 6) for w in waits) == [0.0, 0.0] + [
        round(0.1 * n, 6) for n in range(1, 199)
    ]


def test_trk2_rate_limit_refuses_nonsense_rates() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)
    with pytest.raises(ValueError):
        RateLimiter(1, burst=0)
    with pytest.raises(ValueError):
        RateLimiter(1, rates={"ups": -1})


def test_trk2_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_seconds("120", cap=3600) == 120
    assert retry_after_seconds("999999", cap=3600) == 3600
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    assert 55 <= (retry_after_seconds(in_a_minute, cap=3600) or 0) <= 60
    past = format_datetime(datetime(2020, 1, 1, tzinfo=UTC), usegmt=True)
    assert retry_after_seconds(past, cap=3600) == 0
    assert retry_after_seconds("soon", cap=3600) is None
    assert retry_after_seconds(None, cap=3600) is None
    assert retry_after_seconds("-5", cap=3600) is None
