"""The `garant` command: thin over the services, errors as one clean line with exit code 2.

Runs each command in-process (typer's CliRunner) against a SQLite file named by
GARANT_DATABASE_URL, exactly as an operator's shell would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from garant.app import Garant
from garant.carriers.numbers import s10_check_digit
from garant.cli import app as cli
from garant.domain.orders import Actor
from garant.domain.transitions import Role
from garant.services import orders as order_service
from garant.services.users import authenticate
from garant.settings import Settings
from garant.store import schema as t

runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(cli, list(args))


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated SQLite database named by the environment, sandbox mode off."""
    url = f"sqlite:///{tmp_path / 'garant.db'}"
    monkeypatch.setenv("GARANT_DATABASE_URL", url)
    monkeypatch.delenv("GARANT_SANDBOX", raising=False)
    result = run("db", "upgrade")
    assert result.exit_code == 0, result.output
    yield url


@pytest.fixture
def garant(db: str) -> Iterator[Garant]:
    g = Garant.from_settings(Settings(database_url=db))
    yield g
    g.engine.dispose()


def create_user(name: str, email: str, role: str) -> int:
    result = run("users", "create", "--name", name, "--email", email, "--role", role)
    assert result.exit_code == 0, result.output
    return int(result.stdout.strip())


@pytest.fixture
def people(db: str) -> dict[str, int]:
    return {
        "buyer": create_user("Camille Martin", "camille@example.test", "buyer"),
        "other": create_user("Emma Wilson", "emma@example.test", "buyer"),
        "seller": create_user("Boutique Lumière", "lumiere@example.test", "seller"),
        "operator": create_user("Ops", "ops@example.test", "operator"),
    }


def paid_order(garant: Garant, people: dict[str, int], method: str = "aliexpress_standard") -> int:
    operator = Actor(Role.OPERATOR, people["operator"])
    order_id = order_service.create_order(
        garant,
        actor=operator,
        buyer_id=people["buyer"],
        seller_id=people["seller"],
        items=[{"title": "Lampe", "quantity": 1, "unit_price": "25.00"}],
        total="25.00",
        shipping_method=method,
    )
    order_service.perform(
        garant,
        order_id=order_id,
        actor=operator,
        action="pay",
        params={"amount": "25.00", "verified": True},
    )
    return order_id


def test_db_upgrade_reports_the_revision_and_can_run_twice(db: str) -> None:
    result = run("db", "upgrade")
    assert result.exit_code == 0
    assert "is at revision" in result.stdout and "(current)" in result.stdout


def test_a_command_on_an_empty_database_says_to_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GARANT_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = run("users", "create", "--name", "A", "--email", "a@example.test", "--role", "buyer")
    assert result.exit_code == 1
    assert "garant db upgrade" in result.stderr
    assert "Traceback" not in result.output


def test_serve_refuses_a_schema_that_is_not_current(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GARANT_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = run("serve")
    assert result.exit_code == 2
    assert "Run `garant db upgrade` first" in result.stderr


def test_users_create_prints_the_id_and_token_prints_a_working_token(
    garant: Garant, people: dict[str, int]
) -> None:
    by_email = run("users", "token", "camille@example.test")
    assert by_email.exit_code == 0
    user = authenticate(garant, by_email.stdout.strip())
    assert user is not None and user.id == people["buyer"] and user.role is Role.BUYER

    by_id = run("users", "token", str(people["buyer"]))
    assert by_id.exit_code == 0
    assert authenticate(garant, by_id.stdout.strip()) is not None
    # a fresh token replaces the previous one
    assert authenticate(garant, by_email.stdout.strip()) is None


def test_users_create_twice_is_refused_with_exit_code_2(people: dict[str, int]) -> None:
    result = run(
        "users", "create", "--name", "X", "--email", "camille@example.test", "--role", "buyer"
    )
    assert result.exit_code == 2
    assert result.stderr == "error: a user with the email camille@example.test already exists\n"
    assert result.stdout == ""


def test_users_token_for_an_unknown_user_is_exit_code_2(db: str) -> None:
    result = run("users", "token", "nobody@example.test")
    assert result.exit_code == 2
    assert "no user with the email nobody@example.test" in result.stderr


def test_orders_list_shows_status_in_french_and_the_next_deadline(
    garant: Garant, people: dict[str, int]
) -> None:
    order_id = paid_order(garant, people)
    result = run("orders", "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["ID", "REF", "STATE", "STATUT"]
    row = next(line for line in lines if line.startswith(str(order_id)))
    assert "paid" in row and "Achat effectué" in row and "25.00 EUR" in row
    assert "ship_by in 4d23h" in row


def test_orders_list_as_a_buyer_shows_only_their_orders(
    garant: Garant, people: dict[str, int]
) -> None:
    paid_order(garant, people)
    mine = run("orders", "list", "--as", "camille@example.test")
    other = run("orders", "list", "--as", "emma@example.test", "--state", "paid")
    assert mine.exit_code == 0 and "Achat effectué" in mine.stdout
    assert other.exit_code == 0 and other.stdout.strip() == "no orders"


def test_orders_list_pages_with_a_cursor(garant: Garant, people: dict[str, int]) -> None:
    ids = [paid_order(garant, people) for _ in range(3)]
    first = run("orders", "list", "--limit", "2")
    assert f"more: garant orders list --cursor {ids[1]}" in first.stdout
    rest = run("orders", "list", "--limit", "2", "--cursor", str(ids[1]))
    assert rest.stdout.splitlines()[2].startswith(str(ids[0]))
    assert "more:" not in rest.stdout


def test_orders_show_gives_status_money_deadlines_and_timeline(
    garant: Garant, people: dict[str, int]
) -> None:
    order_id = paid_order(garant, people)
    order_service.perform(
        garant,
        order_id=order_id,
        actor=Actor(Role.BUYER, people["buyer"]),
        action="request_cancellation",
        params={"reason": "no_longer_needed"},
    )
    result = run("orders", "show", str(order_id), "--as", "camille@example.test")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Statut : Achat effectué" in out and "Status : Purchase complete" in out
    assert "paid 25.00 = held 25.00 + released 0.00 + refunded 0.00" in out
    assert "open: Je n'en ai plus besoin / I no longer need it" in out
    assert "seller_answer:" in out and "Sans réponse du vendeur" in out
    assert "Allowed now (for this viewer): withdraw_cancellation" in out
    timeline = out.split("Timeline")[1]
    assert "order_placed" in timeline and "request_cancellation" in timeline


def test_orders_show_json_is_the_api_view(garant: Garant, people: dict[str, int]) -> None:
    order_id = paid_order(garant, people)
    result = run("orders", "show", str(order_id), "--json")
    view = json.loads(result.stdout)
    assert view["id"] == order_id and view["status"]["code"] == "purchased"


def test_orders_show_of_an_order_the_buyer_cannot_see_is_not_found(
    garant: Garant, people: dict[str, int]
) -> None:
    order_id = paid_order(garant, people)
    result = run("orders", "show", str(order_id), "--as", "emma@example.test")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: order {order_id} not found"


def test_an_illegal_action_is_exit_code_2_with_the_allowed_actions(
    garant: Garant, people: dict[str, int]
) -> None:
    order_id = paid_order(garant, people)
    result = run(
        "orders", "act", str(order_id), "approve_cancellation", "--as", "camille@example.test"
    )
    assert result.exit_code == 2
    assert "'approve_cancellation' is not allowed while the order is 'paid'" in result.stderr
    assert "Allowed now: request_cancellation." in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_can6_cancelling_after_shipment_names_the_remedies_and_allowed_actions(
    garant: Garant, people: dict[str, int]
) -> None:
    order_id = paid_order(garant, people)
    serial = "12345678"
    order_service.perform(
        garant,
        order_id=order_id,
        actor=Actor(Role.SELLER, people["seller"]),
        action="ship",
        params={"tracking_number": f"LX{serial}{s10_check_digit(serial)}CN"},
    )
    result = run(
        "orders",
        "act",
        str(order_id),
        "request_cancellation",
        "reason=no_longer_needed",
        "--as",
        "camille@example.test",
    )
    assert result.exit_code == 2
    assert "can no longer be cancelled" in result.stderr
    assert "Remedies: contact_seller, return, dispute." in result.stderr
    assert "allowed actions now: confirm_receipt" in result.stderr


def test_orders_act_takes_the_action_and_prints_the_new_status(
    garant: Garant, people: dict[str, int]
) -> None:
    order_id = paid_order(garant, people)
    result = run(
        "orders",
        "act",
        str(order_id),
        "request_cancellation",
        "reason=no_longer_needed",
        "--as",
        "camille@example.test",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"order {order_id}: Achat effectué / Purchase complete",
        "allowed now: withdraw_cancellation",
    ]


def test_clock_advance_is_refused_without_sandbox_mode(garant: Garant) -> None:
    result = run("clock", "advance", "73h")
    assert result.exit_code == 2
    assert "only possible in sandbox mode (GARANT_SANDBOX=true)" in result.stderr
    with garant.engine.connect() as conn:
        assert conn.execute(select(t.sandbox_clock.c.offset_seconds)).first() is None


def test_clock_advance_in_sandbox_mode_moves_time_and_prints_it(
    garant: Garant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GARANT_SANDBOX", "true")
    result = run("clock", "advance", "73h")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("sandbox time is now ")
    assert "offset +3d 1h 0m" in result.stdout
    with garant.engine.connect() as conn:
        offset = conn.execute(select(t.sandbox_clock.c.offset_seconds)).scalar_one()
    assert offset == 73 * 3600
    shown = run("clock", "show")
    assert "sandbox: on" in shown.stdout and "offset: +3d 1h 0m" in shown.stdout


def test_clock_advance_with_a_bad_duration_is_a_usage_error(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GARANT_SANDBOX", "true")
    result = run("clock", "advance", "soon")
    assert result.exit_code == 2
    assert "'soon' is not a duration" in result.output


def test_worker_once_fires_what_the_sandbox_clock_made_due(
    garant: Garant, people: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    order_id = paid_order(garant, people, method="eu_warehouse")  # ship-by in 48 h
    monkeypatch.setenv("GARANT_SANDBOX", "true")
    assert run("clock", "advance", "49h").exit_code == 0
    result = run("worker", "--once", "--name", "test-worker")
    assert result.exit_code == 0, result.output
    assert "deadlines claimed=1 applied=1" in result.stdout
    shown = json.loads(run("orders", "show", str(order_id), "--json").stdout)
    assert shown["state"] == "cancelled" and shown["closed"]["reason"] == "ship_by_missed"


def test_policy_show_prints_the_current_policy(db: str) -> None:
    result = run("policy", "show")
    policy = json.loads(result.stdout)
    assert policy["version"] == 1 and policy["seller_answer_hours"] == 72


def test_policy_set_publishes_a_new_version_and_running_orders_keep_theirs(
    garant: Garant, people: dict[str, int]
) -> None:
    before = paid_order(garant, people)
    result = run("policy", "set", "seller_answer_hours=48", "handling_hours.dhl=48")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "published policy version 2 (was 1)",
        "  handling_hours.dhl: 72 -> 48",
        "  seller_answer_hours: 72 -> 48",
        "Orders placed before keep version 1; new orders get 2.",
    ]
    current = json.loads(run("policy", "show").stdout)
    assert current["version"] == 2 and current["seller_answer_hours"] == 48
    assert current["handling_hours"]["ups"] == 72  # the other entries are kept
    after = paid_order(garant, people)
    with garant.engine.connect() as conn:
        versions = dict(
            conn.execute(
                select(t.orders.c.id, t.orders.c.policy_version).where(
                    t.orders.c.id.in_([before, after])
                )
            ).all()
        )
    assert versions == {before: 1, after: 2}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("nonsense=1", "unknown setting 'nonsense'"),
        ("seller_answer_hours=0", "seller_answer_hours must be at least 1"),
        ("seller_answer_hours", "is not KEY=VALUE"),
    ],
)
def test_policy_set_refuses_bad_changes_and_publishes_nothing(
    db: str, change: str, message: str
) -> None:
    result = run("policy", "set", change)
    assert result.exit_code == 2
    assert message in result.output
    assert json.loads(run("policy", "show").stdout)["version"] == 1


def test_webhooks_add_prints_the_id_and_the_secret_once(db: str) -> None:
    result = run("webhooks", "add", "https://example.test/hooks")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "id: 1"
    assert lines[1].startswith("secret: ") and len(lines[1]) > len("secret: ") + 20


def test_webhooks_add_refuses_a_url_that_cannot_receive(db: str) -> None:
    result = run("webhooks", "add", "ftp://example.test")
    assert result.exit_code == 2
    assert "must start with http:// or https://" in result.stderr
