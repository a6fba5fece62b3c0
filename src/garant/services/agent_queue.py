"""Reads for the agent console (agents and operators): the dispute queue with the parties'
names, the orders waiting for a security review (CAN-10), and every file of a case.

Nothing here changes anything: the console's actions go through ``disputes.act`` and
``orders.perform`` like the API's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from garant.app import Garant
from garant.domain.cancellation import SECURITY_REASONS
from garant.domain.errors import InvalidInput, NotAllowed, NotFound
from garant.domain.money import to_str
from garant.domain.orders import Actor
from garant.domain.transitions import TRANSITIONS, Action, Role
from garant.services.disputes import list_disputes
from garant.services.unit_of_work import load_visible
from garant.store import projections
from garant.store import users as user_store
from garant.store.db import reading

STAFF = (Role.AGENT, Role.OPERATOR)
QUEUE_VIEWS = ("all", "mine", "appealed")


def _staff_only(actor: Actor) -> None:
    if actor.role not in STAFF:
        raise NotAllowed("the agent console is for agents and operators")


def names(app: Garant, user_ids: Iterable[int | None]) -> dict[int, str]:
    """id → name of these users (unknown ids are left out)."""
    ids = sorted({int(i) for i in user_ids if i is not None})
    if not ids:
        return {}
    with reading(app.engine) as conn:
        return user_store.names_of(conn, ids)


def queue(
    app: Garant,
    *,
    actor: Actor,
    view: str = "all",
    limit: int = 50,
    cursor: int | None = None,
) -> tuple[list[dict[str, Any]], int | None]:
    """The escalated and appealed disputes, oldest escalation first (``list_disputes``'
    order), filtered: ``all``, ``mine`` (taken by this agent) or ``appealed``; each with the
    buyer's, the seller's and the agent's names. The cursor is the last dispute id shown."""
    _staff_only(actor)
    if view not in QUEUE_VIEWS:
        raise InvalidInput(f"view: one of {', '.join(QUEUE_VIEWS)}", field="view")
    if not 1 <= limit <= 100:
        raise InvalidInput("limit must be between 1 and 100")

    # The view is a filter of the one query: a page costs one statement, however many
    # cases the other views hold.
    items, after = list_disputes(
        app,
        actor=actor,
        states=["appealed"] if view == "appealed" else None,
        agent_id=actor.user_id if view == "mine" else None,
        limit=limit,
        cursor=cursor,
        with_names=True,
    )
    return items, after


def security_reasons() -> list[dict[str, str]]:
    """CAN-10's reasons, as the ``security_cancel`` action takes them."""
    return [
        {"code": code, "fr": fr, "en": en, "next_step_fr": nfr, "next_step_en": nen}
        for code, (fr, en, nfr, nen) in SECURITY_REASONS.items()
    ]


def security_review(app: Garant, *, actor: Actor, limit: int = 50) -> list[dict[str, Any]]:
    """Orders flagged for a security review (CAN-10) that can still be cancelled for it,
    oldest first, with the buyer's and the seller's names."""
    _staff_only(actor)
    cancellable = [s.value for s in TRANSITIONS[Action.SECURITY_CANCEL].sources]
    with reading(app.engine) as conn:
        rows = projections.security_review_page(conn, cancellable, limit)
    who = names(app, [x for r in rows for x in (r["buyer_id"], r["seller_id"])])
    labels = {r["code"]: r for r in security_reasons()}
    return [
        {
            "order_id": int(r["id"]),
            "external_ref": r["external_ref"],
            "state": r["state"],
            "flag": r["security_flag"],
            "flag_label": labels.get(r["security_flag"]),
            "total": to_str(r["total_cents"]),
            "created_at": r["created_at"].isoformat(),
            "buyer_id": int(r["buyer_id"]),
            "buyer_name": who.get(int(r["buyer_id"]), ""),
            "seller_id": int(r["seller_id"]),
            "seller_name": who.get(int(r["seller_id"]), ""),
        }
        for r in rows
    ]


def case_evidence(app: Garant, *, actor: Actor, order_id: int) -> list[dict[str, Any]]:
    """Every file of an order's dispute (opening, offers, evidence asked for, appeal) and of
    its message thread, oldest first, with both hashes, what was stripped from the shown
    copy and the uploader's name."""
    _staff_only(actor)
    from garant.services.evidence import describe
    from garant.services.messages import messages_for_order

    with reading(app.engine) as conn:
        order = load_visible(conn, order_id, actor)
        d = order.dispute
        if d is None:
            raise NotFound(f"order {order_id} has no dispute")
        thread = messages_for_order(conn, order_id)
        ids = d.all_evidence() + [i for m in thread for i in m["attachments"]]
        files = describe(conn, sorted(set(ids)))
    who = names(app, [f["uploader_id"] for f in files])
    for f in files:
        f["uploader_name"] = who.get(f["uploader_id"], "")
        f["stripped_from_shown"] = f["sha256"] != f["shown_sha256"]
    return files
