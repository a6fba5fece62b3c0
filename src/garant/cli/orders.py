"""`garant orders …`: look at orders as any party sees them, and act on them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import typer

from garant.cli._base import actor_for, app, open_garant, sub_app, table
from garant.services import order_lists
from garant.services import orders as order_service
from garant.services.views import order_view

orders_app = sub_app("Orders: list, show, act.")
app.add_typer(orders_app, name="orders")

AS_HELP = "Email or id of the user to look as (a buyer sees only their orders); default: operator."


@orders_app.command("list")
def orders_list(
    as_user: str | None = typer.Option(None, "--as", help=AS_HELP),
    state: str | None = typer.Option(None, "--state", help="Lifecycle state, e.g. paid."),
    limit: int = typer.Option(20, "--limit", min=1, max=100),
    cursor: int | None = typer.Option(None, "--cursor", help="Last id of the previous page."),
) -> None:
    """Orders, newest first, with the status the buyer reads and the next deadline."""
    with open_garant() as garant:
        actor = actor_for(garant, as_user)
        views, next_cursor = order_lists.order_summaries(
            garant, actor=actor, limit=limit, cursor=cursor, states=[state] if state else None
        )
    if not views:
        typer.echo("no orders")
        return
    rows = [
        [
            v["id"],
            v["external_ref"] or "",
            v["state"],
            v["status"]["fr"],
            f"{v['total']} {v['currency']}",
            v["buyer_id"],
            v["seller_id"],
            _next_deadline(v),
        ]
        for v in views
    ]
    headers = ["ID", "REF", "STATE", "STATUT", "TOTAL", "BUYER", "SELLER", "NEXT DEADLINE"]
    typer.echo(table(headers, rows))
    if next_cursor is not None:
        typer.echo(f"more: garant orders list --cursor {next_cursor}")


@orders_app.command("show")
def orders_show(
    order_id: int = typer.Argument(...),
    as_user: str | None = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help="The API's JSON view, unchanged."),
) -> None:
    """Status in French and English, money, deadlines, allowed actions and the timeline."""
    with open_garant() as garant:
        view = order_view(garant, order_id, actor_for(garant, as_user))
    if as_json:
        typer.echo(json.dumps(view, indent=2, ensure_ascii=False, default=str))
    else:
        typer.echo(render_order(view))


@orders_app.command("act")
def orders_act(
    order_id: int = typer.Argument(...),
    action: str = typer.Argument(..., help="e.g. request_cancellation, approve_cancellation."),
    params: list[str] = typer.Argument(None, metavar="[KEY=VALUE]...", show_default=False),
    as_user: str = typer.Option(..., "--as", help="Email or id of the user who acts."),
) -> None:
    """Take an action on an order as a user: `garant orders act 12 request_cancellation
    reason=no_longer_needed --as camille@demo.garant`."""
    parsed = dict(_param(p) for p in params or [])
    with open_garant() as garant:
        actor = actor_for(garant, as_user)
        order_service.perform(garant, order_id=order_id, actor=actor, action=action, params=parsed)
        view = order_view(garant, order_id, actor)
    typer.echo(f"order {order_id}: {view['status']['fr']} / {view['status']['en']}")
    typer.echo(f"allowed now: {', '.join(view['allowed_actions']) or 'nothing'}")


def _param(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise typer.BadParameter(f"'{text}' is not KEY=VALUE")
    # Booleans and whole numbers are typed; everything else (amounts like 12.50 included,
    # which must stay exact strings) is passed as text.
    typed: Any = {"true": True, "false": False}.get(value.lower(), value)
    if isinstance(typed, str) and typed.isdigit():
        typed = int(typed)
    return key, typed


def _next_deadline(summary: dict[str, Any]) -> str:
    d = summary["next_deadline"]
    if d is None:
        return ""
    return f"{d['kind']} in {_duration(d['seconds_left'])}"


def _duration(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d{hours:02d}h"
    return f"{hours}h{minutes:02d}m"


def _when(iso: str | None) -> str:
    if not iso:
        return "-"
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")


def render_order(v: dict[str, Any]) -> str:
    """The order view as an operator reads it in a terminal."""
    s = v["status"]
    money = v["money"]
    out = [
        f"Order {v['id']}" + (f" ({v['external_ref']})" if v["external_ref"] else ""),
        f"  Statut : {s['fr']}",
        f"  Status : {s['en']}",
        f"  State  : {v['state']} (version {v['version']}, policy v{v['policy_version']})",
        f"  Buyer {v['buyer_id']}, seller {v['seller_id']}, {v['shipping_method']}"
        f", placed {_when(v['created_at'])}",
        "",
        "Money (EUR)",
        f"  total {v['total']}" + (f" (was {v['previous_total']})" if v["previous_total"] else ""),
        f"  paid {money['paid']} = held {money['held']} + released {money['released']}"
        f" + refunded {money['refunded']}",
    ]
    for r in v["refunds"]:
        settled = f"settled {_when(r['settled_at'])}" if r["settled_at"] else "not yet settled"
        out.append(
            f"  refund {r['amount']}: expected between {r['expected_from']} and "
            f"{r['expected_to']}, {settled} ({r['reason']})"
        )
    tracking = v["tracking"]
    if tracking["number"] or tracking["previous_numbers"]:
        out += ["", "Tracking"]
        if tracking["number"]:
            shown = tracking["status"]
            word = f"{shown['fr']} / {shown['en']}" if shown else "-"
            out.append(f"  {tracking['number']}: {word}")
        if tracking["previous_numbers"]:
            out.append(f"  previous numbers: {', '.join(tracking['previous_numbers'])}")
    req = v["cancellation_request"]
    if req:
        out += [
            "",
            "Cancellation request",
            f"  {req['status']}: {req['reason_fr']} / {req['reason_en']}",
            f"  asked {_when(req['requested_at'])}, seller answers by {_when(req['answer_by'])}",
        ]
    if v["closed"]:
        c = v["closed"]
        out += ["", f"Closed {_when(c['at'])}: {c['reason']} (counts against: {c['fault']})"]
    if v["security"]:
        sec = v["security"]
        out += ["", f"Security: {sec['fr']} / {sec['en']}"]
        if sec["next_step_en"]:
            out.append(f"  next: {sec['next_step_fr']} / {sec['next_step_en']}")
    out += ["", "Deadlines"]
    out += [
        f"  {d['kind']}: {_when(d['due_at'])} (in {_duration(d['seconds_left'])})\n"
        f"    {d['fr']}\n    {d['en']}"
        for d in v["deadlines"]
    ] or ["  none"]
    out += ["", f"Allowed now (for this viewer): {', '.join(v['allowed_actions']) or 'nothing'}"]
    if v["remedies"]:
        out.append("Remedies: " + ", ".join(f"{r['fr']} / {r['en']}" for r in v["remedies"]))
    out += ["", "Timeline"]
    for e in v["timeline"]:
        who = e["actor"]["role"] + (f" {e['actor']['id']}" if e["actor"]["id"] else "")
        word = f"  [{e['status']['fr']} / {e['status']['en']}]" if e["status"] else ""
        why = f"  ({e['reason']})" if e["reason"] else ""
        out.append(f"  {_when(e['at'])}  {who:<10} {e['action']}{word}{why}")
    return "\n".join(out)
