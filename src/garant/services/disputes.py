"""Dispute use cases (DSP-2..7): open, the parties' and the agent's steps, the views, the queue.

Every step runs through the unit of work (``unit_of_work.act``): due deadlines first, then
the step under the order's lock, saved with its version. ``DISPATCH`` is the one place where
a dispute action's name becomes a domain call, for the API, the pages and the CLI alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from garant.app import Garant
from garant.domain.disputes import (
    DETAILS,
    DISPUTE_TRANSITIONS,
    REASONS,
    RESOLUTION_LABELS,
    STATE_LABELS,
    Dispute,
    DisputeAction,
    DisputeState,
    Favour,
    ResolutionKind,
)
from garant.domain.errors import InvalidInput, NotFound
from garant.domain.money import parse_amount, to_str
from garant.domain.orders import Actor, Order
from garant.domain.transitions import Role
from garant.services import unit_of_work as uow
from garant.services.unit_of_work import load_visible
from garant.store import orders as order_store
from garant.store import projections
from garant.store.db import Connection, reading

Step = Callable[[Order, Actor, datetime, dict[str, Any], list[int]], None]


def _evidence(conn: Connection, order: Order, actor: Actor, params: dict[str, Any]) -> list[int]:
    raw = params.get("evidence") or []
    if not isinstance(raw, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in raw
    ):
        raise InvalidInput("evidence: a list of evidence ids (upload files first)")
    if not raw:
        return []
    from garant.services.evidence import attachable

    return attachable(conn, list(raw), actor, order_id=order.id)


def _amount(p: dict[str, Any]) -> int | None:
    value = p.get("amount")
    return None if value is None else parse_amount(value, field="amount", allow_zero=False)


def _s(p: dict[str, Any], key: str) -> str:
    return str(p.get(key) or "")


DISPATCH: dict[DisputeAction, Step] = {
    DisputeAction.ACCEPT_REQUEST: lambda o, a, n, p, e: o.accept_request(a, n),
    DisputeAction.MAKE_OFFER: lambda o, a, n, p, e: o.make_offer(
        a, n, resolution=p.get("resolution"), message=_s(p, "message"), evidence=e
    ),
    DisputeAction.CONTEST: lambda o, a, n, p, e: o.contest(
        a, n, message=_s(p, "message"), evidence=e
    ),
    DisputeAction.ACCEPT_OFFER: lambda o, a, n, p, e: o.accept_offer(a, n),
    DisputeAction.REJECT_OFFER: lambda o, a, n, p, e: o.reject_offer(
        a, n, message=_s(p, "message")
    ),
    DisputeAction.ESCALATE: lambda o, a, n, p, e: o.escalate(a, n, message=_s(p, "message")),
    DisputeAction.WITHDRAW: lambda o, a, n, p, e: o.withdraw_dispute(
        a, n, message=_s(p, "message")
    ),
    DisputeAction.PROVIDE_EVIDENCE: lambda o, a, n, p, e: o.provide_evidence(
        a, n, evidence=e, note=_s(p, "note")
    ),
    DisputeAction.TAKE_CASE: lambda o, a, n, p, e: o.take_case(a, n),
    DisputeAction.REQUEST_EVIDENCE: lambda o, a, n, p, e: o.request_evidence(
        a, n, party=_s(p, "party"), note=_s(p, "note"), hours=p.get("hours")
    ),
    DisputeAction.DECIDE: lambda o, a, n, p, e: o.decide(
        a, n, in_favour_of=_s(p, "in_favour_of"), amount=_amount(p), note=_s(p, "note")
    ),
    DisputeAction.ACCEPT_DECISION: lambda o, a, n, p, e: o.accept_decision(a, n),
    DisputeAction.APPEAL: lambda o, a, n, p, e: o.appeal(a, n, note=_s(p, "note"), evidence=e),
}
ASKABLE_ACTIONS = tuple(a.value for a in DISPATCH)


def open_dispute(
    app: Garant,
    *,
    actor: Actor,
    order_id: int,
    reason: str,
    description: str,
    resolution: object,
    detail: str | None = None,
    evidence: list[int] | None = None,
    expected_version: int | None = None,
) -> None:
    """DSP-3: the buyer opens a dispute within PRT-4's window."""

    def step(conn: Connection, order: Order, now: datetime) -> None:
        files = _evidence(conn, order, actor, {"evidence": evidence or []})
        order.open_dispute(
            actor,
            now,
            reason=reason,
            detail=detail or None,
            description=description,
            resolution=resolution,
            evidence=files,
        )

    uow.act(app, order_id=order_id, actor=actor, expected_version=expected_version, step=step)


def act(
    app: Garant,
    *,
    actor: Actor,
    order_id: int,
    action: str,
    params: dict[str, Any],
    expected_version: int | None = None,
) -> None:
    try:
        dispute_action = DisputeAction(action)
    except ValueError:
        dispute_action = None
    if dispute_action not in DISPATCH:
        raise InvalidInput(
            f"unknown dispute action '{action}'; use one of: {', '.join(ASKABLE_ACTIONS)}"
        )
    assert dispute_action is not None
    step_fn = DISPATCH[dispute_action]

    def step(conn: Connection, order: Order, now: datetime) -> None:
        d = order.dispute
        if d is not None:  # state and role before parameters: the clearer error
            d.require(dispute_action, actor.role, actor.user_id, now)
        files = _evidence(conn, order, actor, params)
        step_fn(order, actor, now, params, files)

    uow.act(app, order_id=order_id, actor=actor, expected_version=expected_version, step=step)


# ---------------------------------------------------------------------------------- views


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _label(labels: dict[Any, Any], key: Any) -> dict[str, str] | None:
    found = labels.get(key)
    return found.to_json() if found is not None else None


def dispute_view(app: Garant, *, actor: Actor, order_id: int) -> dict[str, Any]:
    now = app.clock.now()
    with reading(app.engine) as conn:
        order = load_visible(conn, order_id, actor)
        if order.dispute is None:
            raise NotFound(f"order {order_id} has no dispute")
        return build_dispute_view(order, order.dispute, actor, now)


def build_dispute_view(order: Order, d: Dispute, actor: Actor, now: datetime) -> dict[str, Any]:
    window = order.dispute_window()
    detail = DETAILS.get(d.reason, {}).get(d.detail or "")
    view: dict[str, Any] = {
        "id": d.id,
        "order_id": order.id,
        "order_version": order.version,
        "state": d.state.value,
        "status": _label(STATE_LABELS, d.state),
        "is_open": d.is_open,
        "reason": _label(REASONS, d.reason),
        "detail": detail.to_json() if detail else None,
        "description": d.description,
        "requested": {
            **d.requested.to_json(),
            "label": _label(RESOLUTION_LABELS, d.requested.kind),
        },
        "evidence": list(d.evidence),
        "opened_at": _iso(d.opened_at),
        "seller_answer_by": _iso(d.seller_answer_by),
        "seller_answered_at": _iso(d.seller_answered_at),
        "escalate_from": _iso(d.escalate_from),
        "negotiation_ends_at": _iso(d.negotiation_ends_at),
        "escalated_at": _iso(d.escalated_at),
        "escalated_by": d.escalated_by,
        "agent_id": d.agent_id,
        "offers": [
            {
                "seq": o.seq,
                "by": o.by_role.value,
                "to": o.to_role.value,
                "resolution": {
                    **o.resolution.to_json(),
                    "label": _label(RESOLUTION_LABELS, o.resolution.kind),
                },
                "message": o.message,
                "evidence": o.evidence,
                "made_at": _iso(o.made_at),
                "reply_by": _iso(o.reply_by),
                "status": o.status.value,
                "answered_at": _iso(o.answered_at),
            }
            for o in d.offers
        ],
        "evidence_requests": [
            {
                "seq": r.seq,
                "party": r.party.value,
                "note": r.note,
                "asked_at": _iso(r.asked_at),
                "due_at": _iso(r.due_at),
                "status": r.status.value,
                "answered_at": _iso(r.answered_at),
                "answer": r.answer,
                "evidence": r.evidence,
            }
            for r in d.requests
        ],
        "decision": d.decision,
        "appeal_by": _iso(d.appeal_by),
        "decision_accepted_by": d.decision_accepted_by,
        "appeal": d.appeal,
        "closed_at": _iso(d.closed_at),
        "outcome": d.outcome,
        "money": {
            "paid": to_str(order.balances.paid),
            "held": to_str(order.balances.held),
            "refunded": to_str(order.balances.refunded),
            "frozen_from_seller": to_str(d.recovered_cents),
        },
        "window": {"opens": _iso(window[0]), "closes": _iso(window[1]), "basis": window[2]}
        if window
        else None,
        "allowed_actions": d.allowed_actions(actor.role, actor.user_id, now)
        if order.is_party(actor)
        else [],
        "deadlines": [{**x, "due_at": _iso(x["due_at"])} for x in d.party_deadlines(actor.role)],
        "lost_by_buyer": lost_by_buyer(d),
        "links": {
            "case_file": f"/api/v1/orders/{order.id}/dispute/case-file.pdf",
            "complaint_letter": f"/api/v1/orders/{order.id}/dispute/complaint-letter.pdf",
            "remedies": f"/api/v1/orders/{order.id}/dispute/remedies",
        },
    }
    return view


def lost_by_buyer(d: Dispute) -> bool:
    """DSP-8: closed with nothing for the buyer (the buyer's own withdrawal aside)."""
    if d.outcome is None or d.outcome.get("how") == "withdrawn":
        return False
    return d.outcome.get("kind") == ResolutionKind.NO_REFUND.value


def dispute_rules() -> list[dict[str, Any]]:
    """The dispute's table, for docs and pages."""
    return [
        {
            "action": action.value,
            "from": sorted(s.value for s in rule.sources),
            "roles": sorted(r.value for r in rule.roles),
            "to": rule.target.value if rule.target else None,
            "meaning": rule.meaning,
        }
        for action, rule in DISPUTE_TRANSITIONS.items()
    ]


def list_disputes(
    app: Garant,
    *,
    actor: Actor,
    state: str | None = None,
    states: Sequence[str] | None = None,
    agent_id: int | None = None,
    limit: int = 20,
    cursor: int | None = None,
    with_names: bool = False,
) -> tuple[list[dict[str, Any]], int | None]:
    """The agent's queue (escalated and appealed cases, oldest escalation first) or a party's
    own disputes (newest first); ``state``/``states`` and ``agent_id`` filter. One statement
    for the page, with the open evidence requests (and, for the console, ``with_names``:
    the parties' and the agent's names)."""
    if not 1 <= limit <= 100:
        raise InvalidInput("limit must be between 1 and 100")
    wanted = [state] if state is not None else list(states or [])
    for name in wanted:
        try:
            DisputeState(name)
        except ValueError:
            raise InvalidInput(
                f"unknown dispute state '{name}'; use one of: "
                f"{', '.join(s.value for s in DisputeState)}"
            ) from None
    queue = actor.role in (Role.AGENT, Role.OPERATOR) and state is None
    if queue and not wanted:
        wanted = [DisputeState.ESCALATED.value, DisputeState.APPEALED.value]
    with reading(app.engine) as conn:
        rows = projections.dispute_page(
            conn,
            buyer_id=actor.user_id if actor.role is Role.BUYER else None,
            seller_id=actor.user_id if actor.role is Role.SELLER else None,
            states=wanted,
            agent_id=agent_id,
            queue=queue,
            cursor=cursor,
            limit=limit + 1,
        )
    items = [
        {
            "id": r["id"],
            "order_id": r["order_id"],
            "state": r["state"],
            "status": _label(STATE_LABELS, DisputeState(r["state"])),
            "reason": _label(REASONS, r["reason"]),
            "opened_at": _iso(r["opened_at"]),
            "escalated_at": _iso(r["escalated_at"]),
            "agent_id": r["agent_id"],
            "requested": {
                "kind": r["requested_kind"],
                "amount": to_str(r["requested_amount_cents"])
                if r["requested_amount_cents"] is not None
                else None,
            },
            "total": to_str(r["total_cents"]),
            "buyer_id": r["buyer_id"],
            "seller_id": r["seller_id"],
            "open_evidence_requests": int(r["open_evidence_requests"] or 0),
        }
        for r in rows[:limit]
    ]
    if with_names:
        for item, r in zip(items, rows, strict=False):
            item["buyer_name"] = r["buyer_name"] or ""
            item["seller_name"] = r["seller_name"] or ""
            item["agent_name"] = r["agent_name"] if r["agent_id"] else None
    more = len(rows) > limit
    return items, (int(items[-1]["id"]) if more and items else None)


def dispute_views(app: Garant, *, actor: Actor, order_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The views of these orders' disputes that the caller may see, in the order given:
    the orders read together (``load_many``), a fixed number of statements."""
    now = app.clock.now()
    with reading(app.engine) as conn:
        orders = order_store.load_many(conn, order_ids)
    out = []
    for order_id in order_ids:
        order = orders.get(order_id)
        if order is None or order.dispute is None or not order.is_party(actor):
            continue
        out.append(build_dispute_view(order, order.dispute, actor, now))
    return out


FAVOURS = tuple(f.value for f in Favour)
