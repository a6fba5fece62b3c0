"""DSP-5: a return agreed in a dispute starts with the seller's return address, which the
seller (or an operator) keeps on file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from garant.app import Garant
from garant.asgi import create_app
from garant.services import users
from garant.store import schema as t


@pytest.fixture
def http(app: Garant) -> Iterator[tuple[TestClient, dict[str, tuple[int, dict[str, str]]]]]:
    who: dict[str, tuple[int, dict[str, str]]] = {}
    for key, role in (("seller", "seller"), ("other", "seller"), ("buyer", "buyer"),
                      ("op", "operator")):  # fmt: skip
        user = users.create_user(app, name=key, email=f"{key}@example.test", role=role)
        who[key] = (user.id, {"Authorization": f"Bearer {users.issue_token(app, user.id)}"})
    with TestClient(create_app(app), raise_server_exceptions=False) as client:
        yield client, who


def _stored(app: Garant, user_id: int) -> str | None:
    with app.engine.connect() as conn:
        return conn.execute(
            select(t.users.c.return_address).where(t.users.c.id == user_id)
        ).scalar()


ADDRESS = "Boutique Lumière\n12 rue des Lilas\n69003 Lyon\nFrance"


def test_dsp5_seller_sets_its_return_address(app: Garant, http: tuple[TestClient, dict]) -> None:
    client, who = http
    seller_id, headers = who["seller"]
    r = client.put(
        f"/api/v1/sellers/{seller_id}/return-address",
        json={"address": "  Boutique Lumière\n12 rue des Lilas\n\n69003 Lyon\nFrance  "},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"seller_id": seller_id, "return_address": ADDRESS}
    assert _stored(app, seller_id) == ADDRESS


def test_dsp5_return_address_refusals_change_nothing(
    app: Garant, http: tuple[TestClient, dict]
) -> None:
    client, who = http
    seller_id, _ = who["seller"]
    cases = [
        (who["other"][1], seller_id, {"address": ADDRESS}, 404),  # another shop's address
        (who["buyer"][1], seller_id, {"address": ADDRESS}, 404),
        (who["op"][1], who["buyer"][0], {"address": ADDRESS}, 404),  # not a seller
        (who["seller"][1], seller_id, {"address": "one line only"}, 422),
    ]
    for headers, target, body, code in cases:
        r = client.put(f"/api/v1/sellers/{target}/return-address", json=body, headers=headers)
        assert r.status_code == code, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    assert _stored(app, seller_id) is None
    assert _stored(app, who["buyer"][0]) is None
