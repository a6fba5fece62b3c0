"""Operator commands: `garant db …`, `garant clock …`, `garant policy …`."""

from __future__ import annotations

import json
from typing import Any

import typer

from garant.cli._base import app, fail, open_garant, safe_url, schema_status, sub_app
from garant.domain.policy import Policy
from garant.services import sandbox
from garant.store.migrate import upgrade
from garant.store.policies import current_policy, publish_policy

db_app = sub_app("The database schema.")
clock_app = sub_app("The sandbox clock (GARANT_SANDBOX=true only).")
policy_app = sub_app("Policy: every duration, window and amount; versioned.")
app.add_typer(db_app, name="db")
app.add_typer(clock_app, name="clock")
app.add_typer(policy_app, name="policy")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the schema (SQLite or PostgreSQL) to this version of Garant."""
    with open_garant() as garant:
        upgrade(garant.engine)
        current, _ = schema_status(garant.engine)
        url = safe_url(garant.settings.database_url)
    typer.echo(f"{url} is at revision {', '.join(sorted(current))} (current)")


@clock_app.command("advance")
def clock_advance(
    duration: str = typer.Argument(..., help="How far to move: 73h, 3d, 1d12h, 90m."),
) -> None:
    """Move the sandbox time forward; deadlines then due fire at the worker's next round."""
    with open_garant() as garant:
        try:
            state = sandbox.advance(garant, duration)
        except ValueError as exc:  # not a duration
            raise typer.BadParameter(str(exc), param_hint="DURATION") from None
    typer.echo(f"sandbox time is now {state['now']}")
    typer.echo(f"(real time {state['real_now']}, offset {_offset(state['offset_seconds'])})")
    typer.echo("A running `garant worker` fires what is now due; or run `garant worker --once`.")


@clock_app.command("show")
def clock_show() -> None:
    """The time Garant uses now, and how far the sandbox moved it."""
    with open_garant() as garant:
        state = sandbox.clock_state(garant)
    mode = "on" if state["sandbox"] else "off (real time)"
    typer.echo(f"sandbox: {mode}")
    typer.echo(f"now: {state['now']}")
    typer.echo(f"real time: {state['real_now']}")
    typer.echo(f"offset: {_offset(state['offset_seconds'])}")


def _offset(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    return f"+{days}d {hours}h {rest // 60}m"


@policy_app.command("show")
def policy_show() -> None:
    """The current policy (what new orders get) as JSON."""
    with open_garant() as garant:
        now = garant.clock.now()  # before the transaction: the sandbox clock reads the database
        with garant.engine.begin() as conn:
            policy = current_policy(conn, now)
    typer.echo(json.dumps(policy.to_json(), indent=2, sort_keys=True))


@policy_app.command("set")
def policy_set(
    changes: list[str] = typer.Argument(
        ...,
        metavar="KEY=VALUE...",
        help="e.g. seller_answer_hours=48 handling_hours.dhl=48 "
        "refund_start_business_days=[5,10]. Values are JSON; bare words are text.",
    ),
) -> None:
    """Publish a new policy version with these changes. Orders already placed keep the version
    they were placed under; only new orders get the new one."""
    with open_garant() as garant:
        now = garant.clock.now()  # before the transaction: the sandbox clock reads the database
        with garant.engine.begin() as conn:
            old = current_policy(conn, now)
            updates = _policy_updates(old, changes)
            try:
                new = old.with_changes(**updates)
            except (ValueError, TypeError) as exc:
                fail(f"policy not changed: {exc}")
            publish_policy(conn, new, now)
    typer.echo(f"published policy version {new.version} (was {old.version})")
    for line in _diff(old.to_json(), new.to_json()):
        typer.echo(f"  {line}")
    typer.echo(f"Orders placed before keep version {old.version}; new orders get {new.version}.")


def _diff(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> list[str]:
    lines = []
    for key in sorted(after):
        old, new = before.get(key), after[key]
        if isinstance(old, dict) and isinstance(new, dict):
            lines += _diff(old, new, f"{prefix}{key}.")
        elif old != new and key != "version":
            lines.append(f"{prefix}{key}: {json.dumps(old)} -> {json.dumps(new)}")
    return lines


def _policy_updates(policy: Policy, changes: list[str]) -> dict[str, Any]:
    """KEY=VALUE words → settings. ``table.key=VALUE`` changes one entry of a table setting
    (handling_hours, protection_days) and keeps the others."""
    current = policy.to_json()
    updates: dict[str, Any] = {}
    for text in changes:
        key, sep, raw = text.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"'{text}' is not KEY=VALUE")
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw  # a bare word, e.g. refund_calendar_country=BE
        name, dot, entry = key.partition(".")
        if name not in current or name == "version":
            settable = ", ".join(k for k in sorted(current) if k != "version")
            raise typer.BadParameter(f"unknown setting '{name}'; settable: {settable}")
        if dot:
            if not isinstance(current[name], dict):
                raise typer.BadParameter(f"'{name}' is not a table; write {name}=VALUE")
            table = dict(updates.get(name, current[name]))
            table[entry] = value
            value = table
        updates[name] = value
    return updates
