"""Screenshots of the main pages, at a phone's and a desktop's width, into docs/screenshots/.

Only with GARANT_SCREENSHOTS=1 (so that `make test` never rewrites them):

    GARANT_SCREENSHOTS=1 .venv/bin/pytest -q tests/browser/test_screenshots.py

Each page is also checked to answer 200 with its heading, so a screenshot of an error page
is never saved by mistake.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import Site, require_browser

require_browser()
from playwright.sync_api import expect  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# The top of long pages only: what a person sees first, in files of a reasonable size.
MAX_HEIGHT = {"desktop": 1800, "phone": 2400}

pytestmark = pytest.mark.skipif(
    os.environ.get("GARANT_SCREENSHOTS") != "1",
    reason="screenshots are made with GARANT_SCREENSHOTS=1 (they rewrite docs/screenshots/)",
)


@dataclass(frozen=True)
class Shot:
    name: str
    who: str | None  # a demo account, or None for a signed-out visitor
    path: Callable[[Site], str]
    widths: tuple[str, ...] = ("desktop", "phone")
    lang: str | None = None


def _parcel_number(site: Site) -> str:
    """The tracking number of a demo parcel moving on the sandbox carrier."""
    from garant.carriers.sandbox import Scenario, sandbox_number

    return sandbox_number(Scenario.PICKUP_POINT, serial=2)


SHOTS = [
    Shot("buyer-orders", "camille", lambda s: "/commandes"),
    Shot(
        "buyer-order-timeline",
        "camille",
        lambda s: f"/commandes/{s.order_id('parcel_pickup_point')}",
    ),
    Shot(
        "buyer-dispute",
        "camille",
        lambda s: f"/commandes/{s.order_id('dispute_negotiating')}/litige",
    ),
    Shot("seller-centre", "lumiere", lambda s: "/vendeur"),
    Shot("agent-queue", "agent", lambda s: "/agent", widths=("desktop",)),
    Shot(
        "agent-case",
        "agent",
        lambda s: f"/agent/litiges/{s.order_id('dispute_escalated')}",
        widths=("desktop",),
    ),
    Shot("public-tracking", None, lambda s: f"/suivi/{_parcel_number(s)}"),
    Shot(
        "buyer-order-en",
        "emma",
        lambda s: f"/commandes/{s.order_id('dispute_decided')}",
        widths=("phone",),
        lang="en",
    ),
]


@pytest.mark.parametrize("shot", SHOTS, ids=lambda s: s.name)
def test_screenshot(site: Site, shot: Shot) -> None:
    for width in shot.widths:
        if shot.who:
            page = site.signed_in(shot.who, width=width, lang=shot.lang)
        else:
            page = site.new_page(width=width, lang=shot.lang)
        response = page.goto(shot.path(site))
        assert response is not None and response.status == 200, (shot.path(site), response)
        expect(page.locator("main h1")).to_be_visible()
        site.screenshot(page, OUT / f"{shot.name}-{width}.png", max_height=MAX_HEIGHT[width])
