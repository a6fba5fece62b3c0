"""Load generators for ``garant bench api``: ``wrk`` when installed, else a small Python one.

Both keep N connections busy for a fixed time against one URL and report requests, wall time,
p50 and p99 latency, and how many responses were not a 200 or not of the expected size (the
body is checked on every response: the very bytes expected, or a size within a slack).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass(frozen=True)
class Expect:
    """Each response must be a 200 with this body, exactly (slack None) or in size within
    ``slack`` bytes."""

    body: bytes
    slack: int | None = None

    def met(self, status: int, body: bytes) -> bool:
        if status != 200:
            return False
        if self.slack is None:
            return body == self.body
        return abs(len(body) - len(self.body)) <= self.slack


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    bad: int  # responses not 200, or not of the expected length
    errors: int  # connect/read/write errors and timeouts (no response at all)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


# Runs in each wrk thread (its own Lua state); `done` runs in the main one and reads the
# threads' counters. One line starting with BENCH carries the figures as JSON.
_WRK_SCRIPT = r"""
local token = os.getenv("BENCH_TOKEN")
if token and #token > 0 then wrk.headers["Authorization"] = "Bearer " .. token end
local file = io.open(os.getenv("BENCH_BODY"), "rb")
local expected = file:read("*a")
file:close()
local slack = tonumber(os.getenv("BENCH_SLACK"))
local threads = {}
bad = 0
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  elseif slack < 0 then
    if body ~= expected then bad = bad + 1 end
  elseif math.abs(#body - #expected) > slack then
    bad = bad + 1
  end
end
function done(summary, latency, requests)
  local total_bad = 0
  for _, t in ipairs(threads) do total_bad = total_bad + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "bad": %d, ' ..
    '"errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    total_bad, e.connect + e.read + e.write + e.timeout))
end
"""


def wrk_path() -> str | None:
    return shutil.which("wrk")


def describe(connections: int) -> str:
    if wrk_path():
        version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
        first = (version.strip().splitlines() or ["wrk"])[0]
        return (f"{first.split(' [')[0]}, {_threads(connections)} threads, {connections} "
                "connections (HTTP/1.1 keep-alive)")
    return (f"wrk is not installed (apt-get install -y wrk): a Python load generator instead "
            f"(httpx, asyncio, {connections} connections); it shares the CPU with the server, "
            "so its rates are lower than wrk's")


def _threads(connections: int) -> int:
    return max(1, min(2, os.cpu_count() or 1, connections))


def run_load(
    url: str, *, seconds: float, connections: int, token: str | None, expect: Expect
) -> Load:
    if wrk_path():
        return _wrk(url, seconds, connections, token, expect)
    return asyncio.run(_python_load(url, seconds, connections, token, expect))


def _wrk(url: str, seconds: float, connections: int, token: str | None, expect: Expect) -> Load:
    with tempfile.TemporaryDirectory(prefix="garant-wrk-") as tmp:
        script = Path(tmp) / "check.lua"
        script.write_text(_WRK_SCRIPT)
        body = Path(tmp) / "expected.json"
        body.write_bytes(expect.body)
        slack = -1 if expect.slack is None else expect.slack
        env = {**os.environ, "BENCH_TOKEN": token or "", "BENCH_BODY": str(body),
               "BENCH_SLACK": str(slack)}
        cmd = ["wrk", "-t", str(_threads(connections)), "-c", str(connections),
               "-d", f"{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(script), url]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    data = json.loads(line.removeprefix("BENCH "))
    return Load(data["requests"], data["duration_us"] / 1e6, data["p50_us"] / 1000,
                data["p99_us"] / 1000, data["bad"], data["errors"])


async def _python_load(
    url: str, seconds: float, connections: int, token: str | None, expect: Expect
) -> Load:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    latencies: list[float] = []
    counts = {"bad": 0, "errors": 0}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=10) as client:
        start = time.monotonic()
        end = start + seconds

        async def one_connection() -> None:
            while time.monotonic() < end:
                t0 = time.monotonic()
                try:
                    r = await client.get(url)
                except httpx.HTTPError:
                    counts["errors"] += 1
                    continue
                latencies.append(time.monotonic() - t0)
                if not expect.met(r.status_code, r.content):
                    counts["bad"] += 1

        await asyncio.gather(*(one_connection() for _ in range(connections)))
        elapsed = time.monotonic() - start
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return Load(len(latencies), elapsed, pct(0.50), pct(0.99), counts["bad"], counts["errors"])
