"""TRK-9 over HTTP: ``GET /api/v1/notifications`` and ``POST …/{id}/read``; a user sees and
marks only their own notifications. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from garant.api import notifications
from garant.app import Garant
from garant.clock import FixedClock
from garant.notify.routing import relay_all
from garant.services import users

from .helpers import make_parties
from .notify_world import Mailbox, buyer, free_port, notification_rows, shipped_order

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from garant.asgi import create_app


@dataclass
class Http:
    client: TestClient
    owner: dict[str, str]
    other: dict[str, str]
    order_ids: list[int]


def _bearer(app: Garant, user_id: int | None) -> dict[str, str]:
    assert user_id is not None
    return {"Authorization": f"Bearer {users.issue_token(app, user_id)}"}


@pytest.fixture
def http(app: Garant) -> Iterator[Http]:
    owner, other = buyer(app, "fr"), buyer(app, "en")
    p = make_parties(app)
    order_ids = [shipped_order(app, p, who=owner, external_ref=f"AE-API-{i}")[0]
                 for i in range(3)]
    # Nothing listens on that port: emails wait for a retry, in-app ones are filed.
    relay_all(app, "w1", smtp=Mailbox(free_port()).settings)
    assert len(notification_rows(app)) == 3
    api = create_app(app)
    api.include_router(notifications.router)  # until api/app.py mounts it
    with TestClient(api, raise_server_exceptions=False) as client:
        yield Http(client, _bearer(app, owner.user_id), _bearer(app, other.user_id), order_ids)


def _list(http: Http, who: dict[str, str], query: str = "") -> dict[str, Any]:
    r = http.client.get(f"/api/v1/notifications{query}", headers=who)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_trk9_api_lists_the_callers_notifications_newest_first(http: Http) -> None:
    page = _list(http, http.owner, "?limit=2")
    rest = _list(http, http.owner, f"?limit=2&cursor={page['next_cursor']}")

    assert [n["order_id"] for n in page["items"] + rest["items"]] == http.order_ids[::-1]
    assert rest["next_cursor"] is None and page["unread"] == 3
    first = page["items"][0]
    assert first["kind"] == "shipped" and first["read"] is False and first["read_at"] is None
    assert first["title"] == {"fr": "Expédié : votre commande AE-API-2 est en route",
                              "en": "Shipped: your order AE-API-2 is on its way"}
    assert set(first["body"]) == {"fr", "en"}
    assert _list(http, http.other) == {"items": [], "next_cursor": None, "unread": 0}


def test_trk9_api_marks_read_only_the_callers_own_notification(
        http: Http, clock: FixedClock) -> None:
    note = _list(http, http.owner)["items"][-1]
    path = f"/api/v1/notifications/{note['id']}/read"

    refused = http.client.post(path, headers=http.other)
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    assert _list(http, http.owner)["unread"] == 3

    r = http.client.post(path, headers={**http.owner, "Idempotency-Key": "read-1"})
    assert r.status_code == 200, r.text
    assert r.json()["read"] is True and r.json()["read_at"] == clock.now().isoformat()
    unread = _list(http, http.owner, "?unread=true")
    assert note["id"] not in [n["id"] for n in unread["items"]]
    assert len(unread["items"]) == unread["unread"] == 2
    assert http.client.post(path, headers=http.owner).json()["read_at"] == r.json()["read_at"]


def test_trk9_api_refuses_strangers_and_bad_input(http: Http) -> None:
    assert http.client.get("/api/v1/notifications").status_code == 401
    assert http.client.post("/api/v1/notifications/1/read").status_code == 401
    r = http.client.get("/api/v1/notifications?cursor=abc", headers=http.owner)
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
    assert http.client.get("/api/v1/notifications?limit=0", headers=http.owner).status_code == 422
    assert http.client.post("/api/v1/notifications/999999/read",
                            headers=http.owner).status_code == 404
