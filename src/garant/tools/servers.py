"""Server processes for ``garant bench api``: uvicorn started with the same settings for the
real app and for the baseline, on 127.0.0.1 and a free port, stopped by PID whatever happens.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

HOST = "127.0.0.1"  # never another interface: the benchmark's data and tokens are real


def uvicorn_options() -> list[str]:
    """The same for both servers; only the application differs."""
    return ["--host", HOST, "--workers", "1", "--log-level", "warning", "--no-access-log",
            "--timeout-keep-alive", "30"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()  # SIGTERM to this PID: uvicorn shuts down gracefully
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


class Servers:
    """Every server started, so that all of them are stopped, even on Ctrl-C or an error."""

    def __init__(self) -> None:
        self.started: list[Server] = []

    def start(self, name: str, factory: str, env: dict[str, str]) -> Server:
        port = free_port()
        cmd = [sys.executable, "-m", "uvicorn", "--factory", factory, "--port", str(port),
               *uvicorn_options()]
        process = subprocess.Popen(cmd, env={**os.environ, **env}, stdin=subprocess.DEVNULL)
        server = Server(name, port, process)
        self.started.append(server)
        _wait_listening(server, timeout=120)
        return server

    def stop_all(self) -> None:
        for server in reversed(self.started):
            server.stop()
        self.started.clear()


def _wait_listening(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} server exited ({server.process.returncode})")
        try:
            with socket.create_connection((HOST, server.port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{server.name} server not listening after {timeout:.0f} s")


@contextmanager
def servers() -> Iterator[Servers]:
    """SIGTERM unwinds like Ctrl-C while the servers run, so the ``finally`` stops them."""
    group = Servers()
    previous: Any = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield group
    finally:
        group.stop_all()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt
