"""Browser tests: Playwright drives Debian's Chromium (``/usr/bin/chromium``, the Debian
package ``chromium``, which ``.ci/run`` installs) against a real Garant server process.

Where Chromium or the ``playwright`` package is missing, each test module skips with one line
(``require_browser()`` at its top). Playwright's own browser download (``playwright install``)
is never used: the browser is launched from ``executable_path`` with the flags a closed
network needs.

The sites run on SQLite only: what the pages show does not depend on the database, and the
other suites already run every service on PostgreSQL. The demo data (``tools.demo.build_demo``:
accounts for each role, orders at every stage, disputes) is built once per test session into a
SQLite file and its evidence directory; each site copies both and starts
``uvicorn --factory garant.asgi:create_app`` on them, sandbox on, on a free port, stopped
by its PID afterwards. ``site`` is shared by a module's tests (each journey takes its own demo
order); a journey that moves the sandbox clock takes ``own_site``, a site of its own.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, FloatRect, Page, ViewportSize

CHROMIUM = Path(os.environ.get("GARANT_TEST_CHROMIUM", "/usr/bin/chromium"))
# As root, on a machine whose network is closed: no sandbox, no GPU, no background traffic.
# Playwright adds --headless and a new, empty --user-data-dir of its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000
SESSION_SECRET = "browser-tests-" + "x" * 40
NOWHERE = "http://127.0.0.1:9"  # the discard port, closed: a connection is refused at once
NO_PLAYWRIGHT = "browser tests skipped: no playwright package (pip install -e '.[dev]')"


def _missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return NO_PLAYWRIGHT
    if not CHROMIUM.exists():
        return f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def require_browser() -> None:
    """At the top of a test module: skip it all, with one line, where no browser can run."""
    reason = _missing()
    if reason:
        pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


# ------------------------------------------------------------------ the demo data


@dataclass(frozen=True)
class DemoData:
    """The built demo: a SQLite file with its evidence, and who is who in it."""

    directory: Path
    users: dict[str, dict[str, Any]]  # key → {"name", "email", "role", "locale", "token"}
    orders: dict[str, int]  # scenario → order id (external_ref DEMO-<scenario>)
    parties: dict[str, tuple[str, str]]  # scenario → (buyer key, seller key)

    @property
    def database(self) -> Path:
        return self.directory / "garant.db"

    @property
    def evidence(self) -> Path:
        return self.directory / "evidence"


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> DemoData:
    from garant.app import Garant
    from garant.clock import SandboxClock
    from garant.settings import Settings
    from garant.store import orders as order_store
    from garant.store.migrate import upgrade
    from garant.tools.demo import build_demo

    directory = tmp_path_factory.mktemp("demo")
    database, evidence = directory / "garant.db", directory / "evidence"
    app = Garant.from_settings(
        Settings(database_url=f"sqlite:///{database}", sandbox=True, evidence_dir=str(evidence))
    )
    try:
        upgrade(app.engine)
        accounts = build_demo(app)
        key_of = {u.id: k for k, u in accounts.users.items()}
        parties: dict[str, tuple[str, str]] = {}
        with app.engine.connect() as conn:
            for scenario, order_id in accounts.orders.items():
                order = order_store.load(conn, order_id)
                parties[scenario] = (key_of[order.buyer_id], key_of[order.seller_id])
    finally:
        if isinstance(app.clock, SandboxClock):
            app.clock.engine.dispose()
        app.engine.dispose()  # the last connection closed: the WAL is written back
    # What `garant demo`'s worker does first (notifications fanned out from the outbox,
    # sandbox parcels moved on), done once here so that no test pays for it.
    worker = _garant(site_env(database, evidence), "worker", "--once")
    assert worker.returncode == 0, worker.stderr
    users = {
        k: {"name": u.name, "email": u.email, "role": u.role, "locale": u.locale, "token": u.token}
        for k, u in accounts.users.items()
    }
    return DemoData(directory, users, dict(accounts.orders), parties)


# ------------------------------------------------------------------ a site


def site_env(database: Path, evidence: Path, port: int | None = None) -> dict[str, str]:
    """The environment of a site's server and of its `garant` commands. Every carrier API
    points at a closed local port: the demo's parcels carry real-looking numbers, and the
    worker's tracking poll must not reach (or wait for) a real carrier from a test."""
    from garant.carriers.settings import CarrierSettings

    inherited = {k: v for k, v in os.environ.items() if not k.startswith("GARANT_")}
    env = {
        **inherited,
        "GARANT_DATABASE_URL": f"sqlite:///{database}",
        "GARANT_SANDBOX": "true",
        "GARANT_EVIDENCE_DIR": str(evidence),
        "GARANT_SESSION_SECRET": SESSION_SECRET,
        "GARANT_CARRIER_TIMEOUT_SECONDS": "2",
        "GARANT_CARRIER_RATE_PER_SECOND": "1000",
        "GARANT_CARRIER_BURST": "1000",
    }
    for name in CarrierSettings.model_fields:
        if name.endswith("_url"):
            env[f"GARANT_CARRIER_{name.upper()}"] = NOWHERE
    if port is not None:
        env["GARANT_PORT"] = str(port)
    return env


def _garant(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("garant")
    return subprocess.run(
        [str(exe), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Site:
    """A running Garant (sandbox) on a copy of the demo data, and a browser to visit it."""

    url: str
    env: dict[str, str]
    demo: DemoData
    browser: Browser
    directory: Path
    _contexts: list[BrowserContext] = field(default_factory=list)

    # -- who and what

    def user(self, key: str) -> dict[str, Any]:
        return self.demo.users[key]

    def order_id(self, scenario: str) -> int:
        return self.demo.orders[scenario]

    def buyer_of(self, scenario: str) -> str:
        return self.demo.parties[scenario][0]

    def seller_of(self, scenario: str) -> str:
        return self.demo.parties[scenario][1]

    # -- pages

    def new_page(self, *, width: str = "desktop", lang: str | None = None) -> Page:
        """A new browser context (its own cookies: its own session) and a page in it."""
        context = self.browser.new_context(
            base_url=self.url,
            viewport=PHONE if width == "phone" else DESKTOP,
            locale="en-GB" if lang == "en" else "fr-FR",
            timezone_id="Europe/Paris",
        )
        context.set_default_timeout(TIMEOUT_MS)
        self._contexts.append(context)
        page = context.new_page()
        if lang:
            page.goto(f"/connexion?lang={lang}")
        return page

    def signed_in(
        self, who: str, *, width: str = "desktop", lang: str | None = None, token: bool = False
    ) -> Page:
        """A page signed in as a demo account: the sandbox's one-click button, or the token
        pasted in the sign-in form (``token=True``)."""
        page = self.new_page(width=width, lang=lang)
        self.sign_in(page, who, token=token)
        return page

    def sign_in(self, page: Page, who: str, *, token: bool = False) -> None:
        user = self.user(who)
        page.goto("/connexion")
        if token:
            label = re.compile(r"^(Jeton d.accès|Access token)")
            page.get_by_label(label).fill(user["token"])
            page.get_by_role("button", name=re.compile(r"^(Se connecter|Sign in)$")).click()
        else:
            page.get_by_role("button", name=re.compile(re.escape(user["name"]))).click()
        page.wait_for_load_state()
        assert "/connexion" not in page.url, f"still on the sign-in page: {page.url}"

    def screenshot(self, page: Page, path: Path, *, max_height: int | None = None) -> Path:
        """The whole page as a PNG at ``path`` (its top ``max_height`` pixels, if given)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        clip: FloatRect | None = None
        if max_height is not None:
            width, height = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
            )
            clip = {"x": 0, "y": 0, "width": width, "height": min(height, max_height)}
        page.screenshot(path=str(path), full_page=True, clip=clip, animations="disabled")
        return path

    # -- time and the worker

    def advance(self, by: str) -> dict[str, Any]:
        """Move the sandbox clock (the operator's call to the API)."""
        response = httpx.post(
            f"{self.url}/api/v1/sandbox/clock/advance",
            json={"by": by},
            headers={
                "Authorization": f"Bearer {self.user('operator')['token']}",
                "Idempotency-Key": f"browser-{uuid.uuid4()}",
            },
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def run_worker(self) -> str:
        """``garant worker --once`` on the same database: fire what is due now."""
        result = self.garant("worker", "--once")
        assert result.returncode == 0, result.stderr
        return result.stdout

    def garant(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A `garant` command on this site's database."""
        return _garant(self.env, *args)

    def close(self) -> None:
        for context in self._contexts:
            context.close()
        self._contexts.clear()


_LIVE: list[Site] = []


@contextmanager
def serve(demo: DemoData, browser: Browser, directory: Path) -> Iterator[Site]:
    """A server process on a copy of the demo data, stopped by its PID at the end."""
    directory.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{demo.database}{suffix}")
        if source.exists():
            shutil.copy2(source, directory / f"garant.db{suffix}")
    evidence = directory / "evidence"
    if demo.evidence.exists():
        shutil.copytree(demo.evidence, evidence)
    port = _free_port()
    env = site_env(directory / "garant.db", evidence, port)
    log_path = directory / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "garant.asgi:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        site = Site(url, env, demo, browser, directory)
        _LIVE.append(site)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log_path.read_text())
                time.sleep(0.1)
            yield site
        finally:
            _LIVE.remove(site)
            site.close()
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def site(
    demo_data: DemoData, browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """One site for a module's journeys (they must not move the clock)."""
    with serve(demo_data, browser, tmp_path_factory.mktemp("site")) as running:
        yield running


@pytest.fixture
def own_site(demo_data: DemoData, browser: Browser, tmp_path: Path) -> Iterator[Site]:
    """A site for this test alone: it may move the sandbox clock."""
    with serve(demo_data, browser, tmp_path / "site") as running:
        yield running


@pytest.fixture
def jpeg_photo(tmp_path: Path) -> Path:
    """A small JPEG, as a phone would take of a damaged parcel."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (200, 170, 120))
    draw = ImageDraw.Draw(image)
    draw.line((40, 30, 280, 210), fill=(60, 40, 20), width=8)
    draw.line((60, 200, 250, 50), fill=(60, 40, 20), width=5)
    path = tmp_path / "colis-abime.jpg"
    image.save(path, format="JPEG", quality=85)
    return path


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """When a browser test fails, each open page is saved as a PNG (path in the report)."""
    report = yield
    if report.when == "call" and report.failed and _LIVE:
        funcargs = getattr(item, "funcargs", {})
        where = Path(funcargs["tmp_path"]) if "tmp_path" in funcargs else Path(tempfile.mkdtemp())
        lines = []
        for site in _LIVE:
            for n, page in enumerate((p for c in site._contexts for p in c.pages), start=1):
                path = where / f"failure-{n}.png"
                try:
                    page.screenshot(path=str(path), full_page=True)
                    lines.append(f"{page.url} → {path}")
                except Exception as exc:  # a crashed page still lets the others be saved
                    lines.append(f"{page.url}: no screenshot ({exc})")
        report.sections.append(("pages at failure", "\n".join(lines)))
    return report


@pytest.fixture(autouse=True)
def _close_pages() -> Iterator[None]:
    """A test's pages are closed after it (a module's site outlives them)."""
    yield
    for site in _LIVE:
        site.close()
