"""The buyer's orders: the list (filters, search, pages) and the order page (deadlines,
timeline, tracking, messages, the actions possible now)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from garant.app import Garant
from garant.domain.cancellation import BUYER_REASONS
from garant.domain.disputes import REASONS
from garant.domain.orders import Actor
from garant.services import messages, notifications
from garant.services.order_lists import summaries_of
from garant.services.order_search import search_orders
from garant.services.views import order_view
from garant.web import formatting as fmt
from garant.web.forms import describe_files
from garant.web.i18n import Translator
from garant.web.pages_buyer.common import (
    LAST,
    actions_words,
    basics,
    per_page,
    resolution_text,
    word,
)
from garant.web.pages_buyer.tracking import tracking_view
from garant.web.pages_buyer.words import (
    DEADLINE_LABELS,
    GROUPS,
    REQUEST_STATUSES,
    RETURN_STATUSES,
    TIMELINE_TITLES,
    WHO,
)
from garant.web.rendering import render
from garant.web.session import BuyerDep, actor_of

router = APIRouter()

# ------------------------------------------------------------------ the order list


def _order_page_of(
    garant: Garant, actor: Actor, group: str | None, query: str, cursor: int | None
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of the buyer's orders as summaries, newest first, filtered; the next page's
    cursor. A fixed number of statements whatever the page's size."""
    states = GROUPS[group][1] if group else None
    ids, next_cursor = search_orders(
        garant, actor=actor, states=states, query=query, limit=per_page(), cursor=cursor
    )
    return summaries_of(garant, ids), next_cursor


def _list_row(summary: dict[str, Any], _: Translator, locale: str) -> dict[str, Any]:
    items = summary.get("items") or []
    title = str(items[0]["title"]) if items else ""
    more = len(items) - 1
    if more > 0:
        title = _("%(title)s and %(n)s more", title=title, n=more)
    nearest = summary["next_deadline"]
    deadline = order_deadlines({"deadlines": [nearest] if nearest else []}, _, locale)[:1]
    return {
        "id": summary["id"],
        "ref": summary.get("external_ref"),
        "title": title,
        "status": summary["status"],
        "total": summary["total"],
        "currency": summary.get("currency", "EUR"),
        "created_at": summary["created_at"],
        "deadline": deadline[0] if deadline else None,
        "dispute": summary["dispute_open"],
    }


@router.get("/commandes")
def orders(
    request: Request,
    user: BuyerDep,
    etat: str = "",
    q: Annotated[str, Query(max_length=200)] = "",
    apres: str = "",
) -> Response:
    garant, _, locale = basics(request)
    group = etat if etat in GROUPS else None
    cursor = int(apres) if apres.isdigit() else None
    views, next_cursor = _order_page_of(garant, actor_of(user), group, q, cursor)
    base = {k: v for k, v in (("etat", group or ""), ("q", q.strip())) if v}
    next_url = "/commandes?" + urlencode({**base, "apres": next_cursor}) if next_cursor else None
    first_url = "/commandes" + ("?" + urlencode(base) if base else "") if cursor else None
    unread = notifications.unread_count(garant, user_id=user.id)
    return render(
        request,
        "buyer/orders.html",
        {
            "rows": [_list_row(v, _, locale) for v in views],
            "groups": [(key, _(label)) for key, (label, _states) in GROUPS.items()],
            "group": group or "",
            "q": q.strip(),
            "filtered": bool(group or q.strip()),
            "next_url": next_url,
            "first_url": first_url,
            "unread": unread,
        },
    )


# ------------------------------------------------------------------ the order page


def order_deadlines(view: Mapping[str, Any], _: Translator, locale: str) -> list[dict[str, Any]]:
    """What happens by itself, and when: the order's deadlines, and the last day a dispute
    can be opened while it can."""
    chips = [
        {
            "kind": d["kind"],
            "label": word(_, DEADLINE_LABELS, d["kind"]),
            "due_at": d["due_at"],
            "effect": fmt.pick(d, locale),
        }
        for d in view.get("deadlines", [])
    ]
    protection = view.get("protection") or {}
    window = protection.get("dispute_window")
    if protection.get("can_open_dispute") and window and window.get("closes"):
        chips.append(
            {
                "kind": "dispute_window",
                "label": _("Last day to open a dispute"),
                "due_at": window["closes"],
                "effect": _("After this date, a dispute can no longer be opened for this order."),
            }
        )
    return sorted(chips, key=lambda c: fmt.as_datetime(c["due_at"]) or LAST)


def _timeline(view: Mapping[str, Any], _: Translator, locale: str) -> list[dict[str, Any]]:
    items = []
    for entry in reversed(view.get("timeline", [])):
        action = str(entry["action"])
        status = entry.get("status")
        if action in TIMELINE_TITLES:
            title = word(_, TIMELINE_TITLES, action)
        elif status:
            title = fmt.pick(status, locale)
        else:
            title = action.replace("_", " ")
        role = str((entry.get("actor") or {}).get("role") or "")
        if role in WHO and action not in ("order_placed", "pay", "verify_payment"):
            title = f"{title} ({word(_, WHO, role)})"
        details = _timeline_detail(action, entry, _, locale)
        if status and action == "record_shipment_progress":
            details.insert(0, fmt.pick(status, locale))
        tone = None
        if status:
            tone = fmt.status_tone(status.get("code"))
            tone = tone if tone in ("success", "danger", "warning") else None
        items.append(
            {"at": entry["at"], "title": title, "detail": " · ".join(d for d in details if d),
             "tone": tone}
        )  # fmt: skip
    return items


def _timeline_detail(
    action: str, entry: Mapping[str, Any], _: Translator, locale: str
) -> list[str]:
    data = entry.get("data") or {}
    reason = str(entry.get("reason") or "")
    if action == "request_cancellation" and reason in BUYER_REASONS:
        return [getattr(BUYER_REASONS[reason], locale)]
    if action == "open_dispute" and data.get("dispute_reason") in REASONS:
        return [getattr(REASONS[data["dispute_reason"]], locale)]
    if action == "ship" and data.get("tracking_number"):
        return [_("Tracking number %(number)s", number=data["tracking_number"])]
    if action == "request_extension" and data.get("days"):
        return [_("%(days)s more days asked", days=data["days"])]
    if action == "request_details" and reason:
        return [reason]
    if action == "make_offer" and isinstance(data.get("resolution"), dict):
        return [resolution_text(data["resolution"], locale)]
    if action in ("refund_started", "funds_released", "funds_frozen") and data.get("amount"):
        return [fmt.format_money(data["amount"], "EUR", locale)]
    return []


def _details_question(view: Mapping[str, Any]) -> str:
    asked = [e for e in view.get("timeline", []) if e["action"] == "request_details"]
    return str(asked[-1].get("reason") or "") if asked else ""


def order_context(request: Request, user: Any, order_id: int, **extra: Any) -> dict[str, Any]:
    """Everything the order page shows, from the services' views."""
    garant, _, locale = basics(request)
    actor = actor_of(user)
    view = order_view(garant, order_id, actor)
    thread = messages.order_thread(garant, actor=actor, order_id=order_id)
    attachment_ids = [i for m in thread["messages"] for i in m["attachments"]]
    form = extra.pop("form", None) or {}
    return {
        "order": view,
        "deadlines": order_deadlines(view, _, locale),
        "timeline": _timeline(view, _, locale),
        "tracking": tracking_view(view, _, locale),
        "thread": thread,
        "files": describe_files(garant, [*attachment_ids, *form.get("kept", [])]),
        "details_question": _details_question(view),
        "request_status": REQUEST_STATUSES,
        "return_status": RETURN_STATUSES,
        "form": form,
        "me": user.id,
        "act": actions_words(locale),
        **extra,
    }


@router.get("/commandes/{order_id}")
def order_page(request: Request, order_id: int, user: BuyerDep) -> Response:
    return render(request, "buyer/order.html", order_context(request, user, order_id))
