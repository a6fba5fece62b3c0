"""The seller centre's home (what waits for the seller: orders to ship, cancellation
requests, disputes, returns; the seller's figures) and the list of all orders."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from babel.numbers import format_percent
from fastapi import APIRouter, Request
from fastapi.responses import Response

from garant.app import Garant
from garant.domain.disputes import OPEN_STATES
from garant.domain.errors import InvalidInput
from garant.domain.orders import Actor
from garant.domain.transitions import OrderState
from garant.services import disputes as dispute_service
from garant.services import order_lists
from garant.services.sellers import seller_metrics
from garant.services.users import User
from garant.web import formatting as fmt
from garant.web.i18n import Translator
from garant.web.labels import state_label
from garant.web.pages_seller.common import PAGE_SIZE
from garant.web.pages_seller.words import DISPUTE_WAITS, RETURN_STATUSES
from garant.web.rendering import page_locale, render, render_with_problem, translator
from garant.web.session import SellerDep, actor_of, garant_of

router = APIRouter()

TO_SHIP = (OrderState.PAID, OrderState.PREPARED, OrderState.CONSOLIDATED)
# Where a buyer's cancellation request can wait for the seller's answer.
REQUEST_STATES = (*TO_SHIP, OrderState.AWAITING_DETAILS)
HOME_LIMIT = 500  # orders waiting for the seller read for the home page


def _rate(value: float | None, locale: str) -> str | None:
    """0.955 → '95,5 %' / '95.5%' (the locale's own percent pattern, one decimal at most)."""
    if value is None:
        return None
    pattern = Locale.parse(locale).percent_formats[None].pattern.replace("#,##0", "#,##0.#")
    return format_percent(value, pattern, locale=locale)


# ------------------------------------------------------------------ home


def _orders_in(
    garant: Garant, actor: Actor, states: tuple[OrderState, ...]
) -> list[dict[str, Any]]:
    """The seller's orders in these states, as summaries: one statement."""
    items, _cursor = order_lists.order_summaries(
        garant, actor=actor, limit=HOME_LIMIT, states=[s.value for s in states]
    )
    return items


def _far(value: str | None) -> str:
    """Sort key: ISO dates sort as text; no date goes last."""
    return value or "9999"


def _deadline(view: Mapping[str, Any], kind: str) -> str | None:
    return next((d["due_at"] for d in view["deadlines"] if d["kind"] == kind), None)


def _disputes_waiting(garant: Garant, actor: Actor) -> list[dict[str, Any]]:
    """The seller's open disputes that wait for the seller, nearest deadline first: the
    list and then the disputes' views together, a fixed number of statements."""
    items, _cursor = dispute_service.list_disputes(
        garant, actor=actor, states=sorted(s.value for s in OPEN_STATES), limit=100
    )
    waiting: list[dict[str, Any]] = []
    for d in dispute_service.dispute_views(
        garant, actor=actor, order_ids=[i["order_id"] for i in items]
    ):
        wait = _seller_wait(d)
        if wait is not None:
            waiting.append({"dispute": d, "what": wait[0], "due_at": wait[1]})
    return sorted(waiting, key=lambda w: _far(w["due_at"]))


def _seller_wait(d: Mapping[str, Any]) -> tuple[str, str | None] | None:
    allowed = d["allowed_actions"]
    if d["state"] == "awaiting_seller":
        return "answer", d["seller_answer_by"]
    offer = next((o for o in d["offers"] if o["status"] == "pending" and o["to"] == "seller"), None)
    if offer is not None and "accept_offer" in allowed:
        return "offer", offer["reply_by"]
    asked = [r for r in d["evidence_requests"] if r["status"] == "open" and r["party"] == "seller"]
    if asked:
        return "evidence", min(r["due_at"] for r in asked)
    if "accept_decision" in allowed:
        return "decision", d["appeal_by"]
    return None


def _metrics(garant: Garant, user: User, locale: str) -> dict[str, Any]:
    raw = seller_metrics(garant, actor=actor_of(user), seller_id=user.id)
    hours = raw["median_dispute_answer_hours"]
    return {
        **raw,
        "on_time": _rate(raw["on_time_shipment_rate"], locale),
        "seller_fault": _rate(raw["seller_fault_cancellation_rate"], locale),
        "dispute_rate": _rate(raw["dispute_rate"], locale),
        "acceptance": _rate(raw["dispute_acceptance_rate"], locale),
        "answer_time": None if hours is None else fmt.format_duration(hours * 3600, locale),
    }


@router.get("/vendeur")
def seller_home(request: Request, user: SellerDep) -> Response:
    garant, actor = garant_of(request), actor_of(user)
    waiting = _orders_in(garant, actor, (*REQUEST_STATES, OrderState.RETURNING))
    to_ship = sorted(
        (v for v in waiting if v["state"] in TO_SHIP), key=lambda v: (_far(v["ship_by"]), v["id"])
    )
    requests = sorted(
        (
            v
            for v in waiting
            if v["state"] in REQUEST_STATES
            and v["cancellation_request"]
            and v["cancellation_request"]["status"] == "open"
        ),
        key=lambda v: _far(v["cancellation_request"]["answer_by"]),
    )
    # A returning order waits for the seller to confirm the item is back (RET-5).
    returns = sorted(
        (v for v in waiting if v["state"] == OrderState.RETURNING),
        key=lambda v: _far(v["return"]["confirm_by"] if v["return"] else None),
    )
    return render(
        request,
        "seller/home.html",
        {
            "to_ship": to_ship,
            "requests": requests,
            "disputes": _disputes_waiting(garant, actor),
            "returns": returns,
            "metrics": _metrics(garant, user, page_locale(request)),
            "waits": DISPUTE_WAITS,
            "return_statuses": RETURN_STATUSES,
        },
    )


# ------------------------------------------------------------------ all orders


def _state_options(_: Translator) -> list[tuple[str, str]]:
    return [("", _("All states"))] + [(s.value, state_label(s.value, _.locale)) for s in OrderState]


@router.get("/vendeur/commandes")
def seller_orders(request: Request, user: SellerDep, etat: str = "", apres: str = "") -> Response:
    garant, actor, _ = garant_of(request), actor_of(user), translator(request)
    ctx: dict[str, Any] = {"orders": [], "state": etat, "states": _state_options(_)}
    cursor = int(apres) if apres.isdigit() else None
    try:
        orders, next_cursor = order_lists.order_summaries(
            garant, actor=actor, limit=PAGE_SIZE, cursor=cursor, states=[etat] if etat else None
        )
    except InvalidInput as e:
        return render_with_problem(
            request,
            "seller/orders.html",
            {**ctx, "field_errors": {"etat": _("Choose a state from the list.")}},
            e,
        )
    ctx["orders"] = orders
    base = {"etat": etat} if etat else {}
    if next_cursor is not None:
        ctx["next_url"] = "/vendeur/commandes?" + urlencode({**base, "apres": next_cursor})
    if cursor is not None:
        ctx["first_url"] = "/vendeur/commandes" + ("?" + urlencode(base) if base else "")
    return render(request, "seller/orders.html", ctx)
