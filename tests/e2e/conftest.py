"""A real Garant server process (uvicorn) on 127.0.0.1, on the test's database.

The test that asks for ``server`` owns the process: it is stopped, by its PID, when the test
ends."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


@dataclass
class Server:
    url: str
    env: dict[str, str]

    def garant(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the `garant` command against the same database."""
        exe = Path(sys.executable).with_name("garant")
        return subprocess.run([str(exe), *args], env=self.env, capture_output=True, text=True,
                              timeout=60, check=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[Server]:
    port = _free_port()
    env = {**os.environ, "GARANT_DATABASE_URL": db_url, "GARANT_SANDBOX": "true",
           "GARANT_PORT": str(port), "GARANT_EVIDENCE_DIR": str(tmp_path / "evidence"),
           # made-up parcels: no real carrier is asked about them
           "GARANT_CARRIER_POLLING": "false"}
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "garant.asgi:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((tmp_path / "server.log").read_text())
            time.sleep(0.1)
        yield Server(url, env)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
