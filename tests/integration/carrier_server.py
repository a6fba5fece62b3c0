"""A stand-in for the carriers' APIs: a real HTTP server on 127.0.0.1 (a free port) serving
the project's carrier fixtures, or 429 / 500 / slow answers, per method and path; it records
every request so tests can check method, path, query, headers and body.

No carrier is reachable from the tests: the HTTP clients under test are the real ones, only
their base URLs point here (``carrier_settings``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from garant.carriers.endpoints import BUILDERS
from garant.carriers.settings import CarrierSettings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers"


def fixture(name: str) -> bytes:
    """``"laposte/not_found.json"`` → its bytes."""
    return (FIXTURES / name).read_bytes()


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow carrier)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes


class CarrierServer:
    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], list[Reply]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.seen: list[Seen] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def route(self, method: str, path: str, *replies: Reply) -> None:
        """Answer ``method path`` with these replies in turn; the last one then repeats."""
        with self._lock:
            self._routes[(method, path)] = list(replies)

    def serve(self, method: str, path: str, name: str, status: int = 200) -> None:
        self.route(method, path, Reply(status, fixture(name)))

    def requests_to(self, path: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path == path]

    def _next(self, method: str, path: str) -> Reply:
        with self._lock:
            replies = self._routes.get((method, path))
            if not replies:
                return Reply(599, f"no route for {method} {path}".encode())
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as httpx's pool expects

            def _answer(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                server._record(
                    Seen(self.command, parts.path, parse_qs(parts.query), headers, body)
                )
                reply = server._next(self.command, parts.path)
                if reply.delay and server._stop.wait(reply.delay):
                    return  # shutting down
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout test)

            do_GET = do_POST = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the test output is for assertions, not access logs

        return Handler

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@contextmanager
def carrier_server() -> Iterator[CarrierServer]:
    server = CarrierServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def carrier_settings(base_url: str, **overrides: Any) -> CarrierSettings:
    """Every carrier at ``base_url``, with test credentials and a fast, still real, limit."""
    urls = {f"{'fourpx' if slug == '4px' else slug}_url": base_url for slug in BUILDERS}
    values: dict[str, Any] = {
        **urls,
        "timeout_seconds": 2.0,
        "rate_per_second": 500.0,
        "burst": 50,
        "laposte_key": "okapi-test-key",
        "ups_client_id": "ups-id",
        "ups_client_secret": "ups-secret",
        "fedex_client_id": "fedex-id",
        "fedex_client_secret": "fedex-secret",
        "usps_client_id": "usps-id",
        "usps_client_secret": "usps-secret",
        "dhl_universal_key": "dhl-key",
        "dhl_parcel_de_key": "dhl-de-key",
        "dhl_parcel_de_app": "zt-app",
        "dhl_parcel_de_password": "zt-pass",
        "dhl_express_site_id": "site",
        "dhl_express_password": "site-pass",
        "yanwen_key": "yanwen-token",
        "china_post_sender_id": "sender",
        "china_post_key": "cp-key",
    }
    return CarrierSettings(**(values | overrides))
