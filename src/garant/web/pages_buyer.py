"""Buyer pages ("Mes commandes"): the orders, one order with its tracking, deadlines and
actions, the message thread, disputes, the case file, notifications.

URL map (one address per form: the GET shows it, the POST to the same address sends it)::

    GET        /commandes                               my orders (?etat=, ?q=, ?apres=)
    GET        /commandes/{id}                          the order
    GET, POST  /commandes/{id}/reception                confirm receipt (a confirmation step)
    GET, POST  /commandes/{id}/annulation               cancel / request cancellation (+ step)
    GET, POST  /commandes/{id}/retour                   send the item back (tracking number)
    POST       /commandes/{id}/actions/{action}         one-button actions (withdraw the
                                                        cancellation, extension, CAN-13 choice)
    POST       /commandes/{id}/precisions               give the details the seller asked for
    POST       /commandes/{id}/messages                 write to the seller, with files
    GET        /commandes/{id}/preuves/{evidence_id}    an evidence file (the buyer's copy)
    GET, POST  /commandes/{id}/litige                   the dispute; the form when there is none
    POST       /commandes/{id}/litige/{step}            the buyer's dispute actions
    GET        /commandes/{id}/litige/dossier.pdf       the case file (DSP-9)
    GET        /commandes/{id}/litige/lettre.pdf        the complaint letter (MSG-4)
    GET        /notifications                           my notifications
    POST       /notifications/{id}/lu                   mark one read

A GET on an address that only takes a POST leads back to its page, so the language switch
of a page re-shown with a refusal keeps working. Every rule is the services': the pages
parse, call one service, and show what it answers (refusals in words, in the page's language).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from babel import Locale
from babel.dates import format_skeleton
from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from garant.app import Garant
from garant.domain.cancellation import BUYER_REASONS
from garant.domain.diagnosis_texts import CARRIER_NAMES
from garant.domain.disputes import ASKABLE, DETAILS, REASONS, RESOLUTION_LABELS, ResolutionKind
from garant.domain.errors import DomainError, NotFound
from garant.domain.orders import Actor
from garant.services import casefile, disputes, evidence, messages, notifications
from garant.services import orders as order_service
from garant.services.views import order_view
from garant.web import formatting as fmt
from garant.web.i18n import N_, Translator
from garant.web.labels import ACTION_LABELS, action_label
from garant.web.refusals import Problem, as_problem
from garant.web.rendering import (
    page_locale,
    redirect,
    redirect_with_flash,
    render,
    render_with_problem,
    translator,
)
from garant.web.session import BuyerDep, actor_of, garant_of

router = APIRouter()

PER_PAGE = 20
SCAN_BATCH = 50
SCAN_LIMIT = 1000  # orders looked through for one page of search results

_FIRST = datetime.min.replace(tzinfo=UTC)  # sort keys for a missing date
_LAST = datetime.max.replace(tzinfo=UTC)

Files = Annotated[list[UploadFile] | None, File()]
Kept = Annotated[list[int] | None, Form()]

# ------------------------------------------------------------------ words of this area

# The list's filters: a group of lifecycle states each.
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "en-cours": (
        N_("Orders in progress"),
        ("received", "awaiting_details", "payment_processing", "paid", "prepared", "consolidated"),
    ),
    "expediees": (
        N_("Shipped orders"),
        ("shipped", "shipment_cancelled", "delivered", "returned_to_sender", "returning"),
    ),
    "terminees": (N_("Completed orders"), ("completed",)),
    "annulees": (N_("Cancelled orders"), ("cancelled", "unfulfillable", "abandoned")),
}

# Order deadlines (DeadlineKind), as a chip names them; the view gives their effect.
DEADLINE_LABELS: dict[str, str] = {
    "abandon_unpaid": N_("Payment due"),
    "buyer_details": N_("Your details are due"),
    "ship_by": N_("Ship-by date"),
    "seller_answer": N_("Seller's answer to your cancellation"),
    "protection_end": N_("Buyer protection ends"),
    "choice_guarantee": N_("Choice delivery guarantee"),
    "dispute_seller_answer": N_("Seller's answer to the dispute"),
    "dispute_offer_reply": N_("Answer to the offer"),
    "dispute_escalation": N_("End of the negotiation"),
    "dispute_evidence_due": N_("Evidence due"),
    "dispute_appeal_window": N_("Appeal possible until"),
    "return_ship_back": N_("Send the item back by"),
    "return_confirm": N_("Seller confirms the return by"),
}

# A dispute's deadlines for the buyer (Dispute.party_deadlines): name, then what follows.
DISPUTE_DEADLINES: dict[str, tuple[str, str]] = {
    "seller_answer": (
        N_("Seller's answer"),
        N_("Without an answer by then, your request is granted."),
    ),
    "offer_reply": (
        N_("Answer to the offer"),
        N_("Without an answer by then, the offer lapses."),
    ),
    "negotiation_end": (
        N_("End of the negotiation"),
        N_("Without an agreement by then, the platform mediates."),
    ),
    "escalation_possible": (
        N_("Platform's help possible from"),
        N_("From then on, either of you may ask the platform to step in."),
    ),
    "evidence": (
        N_("Evidence due"),
        N_("Without it by then, the platform decides without it."),
    ),
    "appeal": (
        N_("Appeal possible until"),
        N_("Without an appeal by then, the decision is carried out."),
    ),
}

# What happened, as a timeline says it (order and dispute actions, and the order's own steps).
TIMELINE_TITLES: dict[str, str] = {
    "order_placed": N_("Order placed"),
    "update_amount": N_("Amount changed"),
    "request_details": N_("Details asked for"),
    "provide_details": N_("Details given to the seller"),
    "pay": N_("Payment received"),
    "verify_payment": N_("Payment verified"),
    "mark_unfulfillable": N_("Order cannot be fulfilled"),
    "mark_prepared": N_("Order prepared"),
    "consolidate": N_("Order consolidated"),
    "publish_invoice": N_("Invoice available"),
    "ship": N_("Parcel shipped"),
    "record_shipment_progress": N_("Parcel on its way"),
    "record_delivery": N_("Parcel delivered"),
    "confirm_receipt": N_("Receipt confirmed"),
    "mark_returned_to_sender": N_("Parcel returned to the seller"),
    "cancel": N_("Order cancelled"),
    "request_cancellation": N_("Cancellation requested"),
    "approve_cancellation": N_("Cancellation accepted"),
    "decline_cancellation": N_("Cancellation declined: the order was shipped"),
    "withdraw_cancellation": N_("Cancellation request withdrawn"),
    "expire_cancellation_request": N_("No answer to the cancellation: order cancelled"),
    "request_extension": N_("More time to ship asked for"),
    "accept_extension": N_("Extra time agreed"),
    "decline_extension": N_("Extra time refused"),
    "miss_ship_by": N_("Not shipped in time: order cancelled"),
    "security_cancel": N_("Cancelled for security reasons"),
    "report_shipment_cancelled": N_("Shipment cancelled"),
    "choose_reshipment": N_("Reshipment chosen"),
    "choose_refund": N_("Refund chosen"),
    "abandon": N_("Order abandoned"),
    "auto_confirm_receipt": N_("Receipt confirmed automatically"),
    "refund_late_choice": N_("Refunded: no choice made in time"),
    "ship_return": N_("Item sent back"),
    "confirm_return_received": N_("Return received"),
    "lapse_return": N_("Item not sent back in time"),
    "refund_unconfirmed_return": N_("Refunded: the seller did not confirm the return"),
    "open_dispute": N_("Dispute opened"),
    "accept_request": N_("Request accepted"),
    "make_offer": N_("Offer made"),
    "contest": N_("Request contested"),
    "accept_offer": N_("Offer accepted"),
    "reject_offer": N_("Offer rejected"),
    "escalate": N_("Platform asked to step in"),
    "withdraw_dispute": N_("Dispute withdrawn"),
    "provide_evidence": N_("Evidence added"),
    "take_case": N_("Case taken by an agent"),
    "request_evidence": N_("Evidence asked for"),
    "decide": N_("Decision made"),
    "accept_decision": N_("Decision accepted"),
    "appeal": N_("Decision appealed"),
    "grant_by_default": N_("No answer to the dispute: request granted"),
    "expire_offer": N_("Offer lapsed"),
    "auto_escalate": N_("No agreement in time: mediation by the platform"),
    "mark_evidence_overdue": N_("Evidence not sent in time"),
    "finalize_decision": N_("Decision carried out"),
    "funds_released": N_("Seller paid"),
    "funds_frozen": N_("Money frozen for the dispute"),
    "dispute_resolved": N_("Dispute closed"),
    "refund_started": N_("Refund started"),
    "refund_settled": N_("Refund received"),
    "order_completed": N_("Order completed"),
    "order_closed": N_("Order closed"),
    "security_review": N_("Order under review"),
}

WHO: dict[str, str] = {
    "seller": N_("by the seller"),
    "agent": N_("by the platform"),
    "operator": N_("by the platform"),
    "system": N_("automatically"),
}

# A carrier event in words: its sub-status when it says more than its status.
TRACKING_STATUSES: dict[str, str] = {
    "pending": N_("Waiting for the carrier's information"),
    "info_received": N_("Label created, waiting for the carrier"),
    "in_transit": N_("In transit"),
    "out_for_delivery": N_("Out for delivery"),
    "available_for_pickup": N_("Available for pickup"),
    "delivery_failed": N_("Delivery attempt failed"),
    "delivered": N_("Parcel delivered"),
    "exception": N_("Problem reported by the carrier"),
    "returning": N_("On its way back to the sender"),
    "returned": N_("Returned to the sender"),
    "expired": N_("Tracking expired"),
}
TRACKING_SUB_STATUSES: dict[str, str] = {
    "accepted": N_("Picked up by the carrier"),
    "departed_origin_country": N_("Left the country of origin"),
    "arrived_destination_country": N_("Arrived in the destination country"),
    "customs_processing": N_("Customs clearance in progress"),
    "customs_released": N_("Cleared customs"),
    "customs_information_required": N_("Customs need information"),
    "handed_to_last_mile": N_("Handed to the local delivery company"),
    "pickup_point": N_("At a pickup point"),
    "locker": N_("In a parcel locker"),
    "recipient_absent": N_("Nobody was there to receive it"),
    "address_problem": N_("Problem with the address"),
    "refused": N_("Refused at delivery"),
    "signed": N_("Delivered, signed for"),
    "letter_box": N_("Delivered to the letter box"),
    "neighbour": N_("Left with a neighbour"),
    "collected": N_("Collected"),
    "delayed": N_("Delayed"),
    "held_by_customs": N_("Held by customs"),
    "damaged": N_("Damaged"),
    "lost": N_("Lost"),
    "address_incorrect": N_("Going back: incorrect address"),
    "attempts_failed": N_("Going back: delivery attempts failed"),
    "unclaimed": N_("Going back: not collected"),
    "customs": N_("Going back: refused by customs"),
}

DIAGNOSIS_TITLES: dict[str, str] = {
    "stalled": N_("The parcel has not moved for longer than usual"),
    "returned": N_("The parcel is going back to the seller"),
    "delivered": N_("Shown as delivered but not received?"),
    "not_found": N_("The carrier does not know this number yet"),
}

RETURN_STATUSES: dict[str, str] = {
    "awaiting_shipment": N_("Waiting for you to send it back"),
    "shipped_back": N_("Sent back, waiting for the seller"),
    "received": N_("Received by the seller: refunded"),
    "unconfirmed": N_("Not confirmed by the seller in time: refunded"),
    "lapsed": N_("Not sent back in time"),
}

REQUEST_STATUSES: dict[str, str] = {
    "open": N_("Waiting for the seller's answer"),
    "approved": N_("Accepted by the seller"),
    "declined": N_("Declined: the seller shipped"),
    "expired": N_("No answer: cancelled automatically"),
    "withdrawn": N_("Withdrawn"),
    "superseded": N_("Closed"),
}

OFFER_STATUSES: dict[str, str] = {
    "pending": N_("Waiting for an answer"),
    "accepted": N_("Accepted"),
    "rejected": N_("Rejected"),
    "countered": N_("Answered with another offer"),
    "superseded": N_("Replaced"),
    "expired": N_("Lapsed"),
    "closed": N_("Closed"),
}

EVIDENCE_REQUEST_STATUSES: dict[str, str] = {
    "open": N_("Open"),
    "answered": N_("Answered"),
    "overdue": N_("Not answered in time"),
    "closed": N_("Closed"),
}

FAVOURS: dict[str, str] = {
    "buyer": N_("In your favour"),
    "seller": N_("In the seller's favour"),
    "split": N_("Split: a partial refund"),
}

RESOLUTION_HINTS: dict[str, str] = {
    "full_refund": N_("The whole amount paid."),
    "partial_refund": N_("You keep the item; give the amount below."),
    "reshipment": N_("The seller sends the item again."),
    "return_and_refund": N_(
        "You send the item back; refunded once the seller receives it (in full, or the "
        "amount below)."
    ),
}

# One-button order actions: the flash said after each.
SIMPLE_ACTIONS: dict[str, str] = {
    "withdraw_cancellation": N_("Cancellation request withdrawn: the order goes on."),
    "accept_extension": N_("Extra time agreed: the seller now has until %(date)s to ship."),
    "decline_extension": N_("Extra time refused: the ship-by date stays %(date)s."),
    "choose_reshipment": N_("You chose to have the item sent again."),
    "choose_refund": N_("You chose a refund: it has been started."),
}

# Dispute steps: address → (service action, flash).
DISPUTE_STEPS: dict[str, tuple[str, str]] = {
    "accepter": ("accept_offer", N_("Offer accepted: the dispute is closed.")),
    "refuser": ("reject_offer", N_("Offer rejected.")),
    "proposition": ("make_offer", N_("Your offer was sent to the seller.")),
    "escalade": ("escalate", N_("The platform has been asked to step in.")),
    "retrait": ("withdraw_dispute", N_("Dispute withdrawn.")),
    "preuves": ("provide_evidence", N_("Evidence added to the dispute.")),
    "accepter-decision": ("accept_decision", N_("You accepted the decision.")),
    "appel": ("appeal", N_("Appeal sent: the platform decides again, finally.")),
}


# ------------------------------------------------------------------ small helpers


def _order_url(order_id: int, anchor: str = "") -> str:
    return f"/commandes/{order_id}" + (f"#{anchor}" if anchor else "")


def _dispute_url(order_id: int) -> str:
    return f"/commandes/{order_id}/litige"


def _ctx(request: Request) -> tuple[Garant, Translator, str]:
    return garant_of(request), translator(request), page_locale(request)


def _actions_words(locale: str) -> dict[str, str]:
    """Every action's words in the page's language, for templates: ``act.confirm_receipt``
    (a filter on a literal, ``"x"|action_label``, would be folded once, in one language,
    when Jinja compiles the template)."""
    return {code: action_label(code, locale) for code in ACTION_LABELS}


def _word(_: Translator, words: Mapping[str, str], code: str) -> str:
    """A code's words from one of the tables above, translated; an unknown code as it is."""
    msgid = words.get(code)
    return _(msgid) if msgid else code.replace("_", " ")


def _when(value: Any, locale: str) -> str:
    return fmt.format_datetime(value, locale)


def _fold(text: str) -> str:
    """Lower case without accents: 'Lampe Été' matches 'lampe ete'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _amount(raw: str) -> str | None:
    """'12,50 €' → '12.50' (the service judges the amount itself); empty → None."""
    text = raw.replace("€", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    return text or None


def _carrier(slug: str | None) -> str:
    """'china_post' → 'China Post'."""
    if not slug or slug == "unknown":
        return ""
    return str(CARRIER_NAMES.get(slug) or slug.replace("_", " ").title())


def _country(code: str | None, locale: str) -> str:
    if not code:
        return ""
    name = Locale.parse(locale).territories.get(code.upper())
    return str(name) if name else code


def _place(location: Mapping[str, Any] | None, locale: str) -> str:
    if not location:
        return ""
    parts = [
        location.get("description"),
        location.get("city"),
        _country(location.get("country"), locale),
    ]
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(str(part))
    return ", ".join(seen)


def _local_time(iso: str, locale: str) -> str:
    """The time at the place of the event, with its offset: '3 nov. 2026, 14:00 (UTC+08:00)'."""
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        return fmt.format_datetime(moment, locale, zone=False)
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds()) // 60 if offset else 0
    sign = "+" if minutes >= 0 else "-"
    zone = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    day = format_skeleton("yMMMd", moment, tzinfo=moment.tzinfo, locale=locale)
    hour = format_skeleton("Hm", moment, tzinfo=moment.tzinfo, locale=locale)
    pattern = str(Locale.parse(locale).datetime_formats["medium"])
    return pattern.replace("{1}", day).replace("{0}", hour) + f" ({zone})"


def _uploads(files: Sequence[UploadFile] | None) -> list[tuple[str, bytes]]:
    """The files chosen in a form (an empty file field sends a nameless, empty part)."""
    out: list[tuple[str, bytes]] = []
    for upload in files or []:
        data = upload.file.read()
        if not upload.filename and not data:
            continue
        out.append((upload.filename or "", data))
    return out


def _upload_all(
    garant: Garant,
    actor: Actor,
    order_id: int,
    files: Sequence[tuple[str, bytes]],
    into: list[int],
) -> None:
    """Each file through the evidence service, in order, its id added to ``into`` (so the
    files sent before a refusal are kept for the next try); the first refusal stops."""
    for name, data in files:
        view = evidence.upload(garant, actor=actor, data=data, filename=name, order_id=order_id)
        into.append(int(view["id"]))


def _files(garant: Garant, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """What the page shows of evidence files the caller's views list (name, kind, size)."""
    wanted = [i for i in dict.fromkeys(ids) if isinstance(i, int)]
    if not wanted:
        return {}
    with garant.engine.connect() as conn:
        rows = evidence.describe(conn, wanted)
    return {
        int(r["id"]): {**r, "is_image": str(r["content_type"]).startswith("image/")} for r in rows
    }


def _own_files(garant: Garant, actor: Actor, ids: Iterable[int] | None) -> list[int]:
    """The files "already sent" a form sends back (its ticked boxes): only the caller's own
    uploads are kept, so a typed-in id never shows someone else's file name."""
    wanted = list(dict.fromkeys(ids or []))
    if not wanted:
        return []
    with garant.engine.connect() as conn:
        rows = evidence.describe(conn, wanted)
    return [int(r["id"]) for r in rows if r["uploader_id"] == actor.user_id]


FIELD_OF = {
    "resolution": "resolution",
    "resolution.kind": "resolution",
    "resolution.amount": "amount",
    "amount": "amount",
    "reason": "reason",
    "detail": "detail",
    "description": "description",
    "tracking_number": "tracking_number",
}


def _field_errors(
    error: DomainError | Problem, _: Translator, files_field: str = "files"
) -> dict[str, str]:
    """The form fields a refusal points at, with a word each (the box above says why)."""
    problem = as_problem(error)
    out = problem.field_errors()
    field = problem.extra.get("field")
    if isinstance(field, str) and field in FIELD_OF:
        out.setdefault(FIELD_OF[field], _("Check this field: the reason is given above."))
    if problem.code.startswith("evidence_") or "evidence_ids" in problem.extra:
        out.setdefault(files_field, _("Check the files: the reason is given above."))
    return out


# ------------------------------------------------------------------ the order list


def _ids_below(
    garant: Garant, actor: Actor, states: Sequence[str | None], below: int | None, limit: int
) -> list[int]:
    """The newest ``limit`` order ids below the cursor, in any of the states."""
    found: set[int] = set()
    for state in states:
        ids, _next = order_service.list_orders(
            garant, actor=actor, limit=limit, cursor=below, state=state
        )
        found.update(ids)
    return sorted(found, reverse=True)[:limit]


def _matches(view: Mapping[str, Any], needle: str) -> bool:
    haystack = [f"#{view['id']}", str(view["id"]), str(view.get("external_ref") or "")]
    haystack += [str(item.get("title", "")) for item in view.get("items", [])]
    haystack += [str(view["tracking"].get("number") or "")]
    return any(needle in _fold(text) for text in haystack)


def _order_page_of(
    garant: Garant, actor: Actor, group: str | None, query: str, cursor: int | None
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of the buyer's orders, newest first, filtered; the next page's cursor."""
    states: Sequence[str | None] = GROUPS[group][1] if group else (None,)
    needle = _fold(query.strip().lstrip("#")) if query.strip() else ""
    page: list[dict[str, Any]] = []
    below, scanned = cursor, 0
    while scanned < SCAN_LIMIT:
        ids = _ids_below(garant, actor, states, below, SCAN_BATCH if needle else PER_PAGE + 1)
        if not ids:
            break
        for order_id in ids:
            scanned += 1
            view = order_view(garant, order_id, actor)
            if needle and not _matches(view, needle):
                continue
            page.append(view)
            if len(page) > PER_PAGE:
                return page[:PER_PAGE], int(page[PER_PAGE - 1]["id"])
        below = ids[-1]
    return page, None


def _list_row(view: dict[str, Any], _: Translator, locale: str) -> dict[str, Any]:
    items = view.get("items") or []
    title = str(items[0]["title"]) if items else ""
    more = len(items) - 1
    if more > 0:
        title = _("%(title)s and %(n)s more", title=title, n=more)
    deadline = _deadlines(view, _, locale)[:1]
    return {
        "id": view["id"],
        "ref": view.get("external_ref"),
        "title": title,
        "status": view["status"],
        "total": view["total"],
        "currency": view.get("currency", "EUR"),
        "created_at": view["created_at"],
        "deadline": deadline[0] if deadline else None,
        "dispute": (view["protection"].get("dispute") or {}).get("is_open", False),
    }


@router.get("/commandes")
def orders(
    request: Request,
    user: BuyerDep,
    etat: str = "",
    q: Annotated[str, Query(max_length=200)] = "",
    apres: str = "",
) -> Response:
    garant, _, locale = _ctx(request)
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


def _deadlines(view: Mapping[str, Any], _: Translator, locale: str) -> list[dict[str, Any]]:
    """What happens by itself, and when: the order's deadlines, and the last day a dispute
    can be opened while it can."""
    chips = [
        {
            "kind": d["kind"],
            "label": _word(_, DEADLINE_LABELS, d["kind"]),
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
    return sorted(chips, key=lambda c: fmt.as_datetime(c["due_at"]) or _LAST)


def _timeline(view: Mapping[str, Any], _: Translator, locale: str) -> list[dict[str, Any]]:
    items = []
    for entry in reversed(view.get("timeline", [])):
        action = str(entry["action"])
        status = entry.get("status")
        if action in TIMELINE_TITLES:
            title = _word(_, TIMELINE_TITLES, action)
        elif status:
            title = fmt.pick(status, locale)
        else:
            title = action.replace("_", " ")
        role = str((entry.get("actor") or {}).get("role") or "")
        if role in WHO and action not in ("order_placed", "pay", "verify_payment"):
            title = f"{title} ({_word(_, WHO, role)})"
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
        return [_resolution_text(data["resolution"], locale)]
    if action in ("refund_started", "funds_released", "funds_frozen") and data.get("amount"):
        return [fmt.format_money(data["amount"], "EUR", locale)]
    return []


def _resolution_text(resolution: Mapping[str, Any], locale: str) -> str:
    try:
        label = RESOLUTION_LABELS[ResolutionKind(str(resolution.get("kind")))]
    except ValueError:
        return str(resolution.get("kind") or "")
    text = getattr(label, locale)
    if resolution.get("amount"):
        text += " · " + fmt.format_money(resolution["amount"], "EUR", locale)
    return text


def _sentences(items: Any, locale: str) -> list[str]:
    if isinstance(items, Mapping):
        items = [items]
    return [fmt.pick(s, locale) for s in items or [] if isinstance(s, Mapping)]


def _diagnoses(shipment: Mapping[str, Any], _: Translator, locale: str) -> list[dict[str, Any]]:
    out = []
    for code, d in (shipment.get("diagnoses") or {}).items():
        if not isinstance(d, Mapping):
            continue
        text = _sentences(d.get("explanation"), locale) + _sentences(d.get("where"), locale)
        text += _sentences(d.get("protection"), locale)
        advice = _sentences(d.get("advice"), locale) + _sentences(d.get("remedy_sentences"), locale)
        date_label, date = None, None
        if d.get("look_again_at"):
            date_label, date = _("Look again"), d["look_again_at"]
        elif d.get("act_by"):
            date_label, date = _("Act by"), d["act_by"]
        elif d.get("dispute_until"):
            date_label, date = _("Dispute possible until"), d["dispute_until"]
        out.append(
            {
                "code": code,
                "title": _word(_, DIAGNOSIS_TITLES, code),
                "text": text,
                "advice": advice,
                "date_label": date_label,
                "date": date,
                "tone": "warning" if code != "delivered" else "info",
            }
        )
    return out


def _event_title(event: Mapping[str, Any], _: Translator) -> str:
    sub, status = str(event.get("sub_status") or ""), str(event.get("status") or "")
    if sub in TRACKING_SUB_STATUSES:
        return _word(_, TRACKING_SUB_STATUSES, sub)
    if status in TRACKING_STATUSES:
        return _word(_, TRACKING_STATUSES, status)
    return status.replace("_", " ")


def _tracking(view: Mapping[str, Any], _: Translator, locale: str) -> dict[str, Any] | None:
    tracking = view.get("tracking") or {}
    shipment = tracking.get("shipment")
    if not tracking.get("number") and not shipment:
        return None
    out: dict[str, Any] = {
        "number": tracking.get("number"),
        "previous": tracking.get("previous_numbers") or [],
        "status": tracking.get("status"),
        "shipped_at": tracking.get("shipped_at"),
        "delivered_at": tracking.get("delivered_at"),
        "found": bool(shipment and shipment.get("found")),
        "carrier": _carrier((shipment or {}).get("carrier")),
        "events": [],
        "location": "",
        "estimate": None,
        "diagnoses": [],
    }
    if not shipment:
        return out
    events = sorted(
        shipment.get("events") or [],
        key=lambda e: fmt.as_datetime(e["occurred_at"]) or _FIRST,
        reverse=True,
    )
    out["events"] = [
        {
            "at": e["occurred_at"],
            "local": _local_time(e["occurred_at"], locale),
            "title": _event_title(e, _),
            "place": _place(e.get("location"), locale),
            "raw": e.get("raw_text") or "",
            "tone": "success" if e.get("status") == "delivered" else None,
        }
        for e in events
    ]
    out["location"] = _place(shipment.get("location"), locale)
    estimate = shipment.get("estimate")
    if estimate:
        out["estimate"] = {
            "earliest": estimate.get("earliest"),
            "latest": estimate.get("latest"),
            "basis": estimate.get(f"basis_{locale}") or estimate.get("basis_fr") or [],
        }
    out["diagnoses"] = _diagnoses(shipment, _, locale)
    out["numbers"] = [n for n in shipment.get("numbers") or [] if n.get("number") != out["number"]]
    return out


def _details_question(view: Mapping[str, Any]) -> str:
    asked = [e for e in view.get("timeline", []) if e["action"] == "request_details"]
    return str(asked[-1].get("reason") or "") if asked else ""


def _order_context(request: Request, user: Any, order_id: int, **extra: Any) -> dict[str, Any]:
    """Everything the order page shows, from the services' views."""
    garant, _, locale = _ctx(request)
    actor = actor_of(user)
    view = order_view(garant, order_id, actor)
    thread = messages.order_thread(garant, actor=actor, order_id=order_id)
    attachment_ids = [i for m in thread["messages"] for i in m["attachments"]]
    form = extra.pop("form", None) or {}
    return {
        "order": view,
        "deadlines": _deadlines(view, _, locale),
        "timeline": _timeline(view, _, locale),
        "tracking": _tracking(view, _, locale),
        "thread": thread,
        "files": _files(garant, [*attachment_ids, *form.get("kept", [])]),
        "details_question": _details_question(view),
        "request_status": REQUEST_STATUSES,
        "return_status": RETURN_STATUSES,
        "form": form,
        "me": user.id,
        "act": _actions_words(locale),
        **extra,
    }


@router.get("/commandes/{order_id}")
def order_page(request: Request, order_id: int, user: BuyerDep) -> Response:
    return render(request, "buyer/order.html", _order_context(request, user, order_id))


def _perform(
    request: Request,
    user: Any,
    order_id: int,
    action: str,
    params: dict[str, Any],
    *,
    done: Callable[[dict[str, Any]], str],
    template: str = "buyer/order.html",
    context: Callable[[], dict[str, Any]] | None = None,
    anchor: str = "",
) -> Response:
    """One order action through ``perform``; then the order with a flash, or the page again
    with the refusal in words (nothing changed)."""
    garant = garant_of(request)
    actor = actor_of(user)
    try:
        order_service.perform(garant, order_id=order_id, actor=actor, action=action, params=params)
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        ctx = context() if context else _order_context(request, user, order_id)
        ctx.setdefault("field_errors", {})
        return render_with_problem(request, template, ctx, error)
    view = order_view(garant, order_id, actor)
    return redirect_with_flash(request, _order_url(order_id, anchor), done(view))


@router.get("/commandes/{order_id}/actions/{action}")
@router.get("/commandes/{order_id}/precisions")
@router.get("/commandes/{order_id}/messages")
def back_to_order(request: Request, order_id: int, user: BuyerDep) -> Response:
    """The addresses that only take a form lead back to the order."""
    return redirect(_order_url(order_id), 303)


@router.post("/commandes/{order_id}/actions/{action}")
def simple_action(request: Request, order_id: int, action: str, user: BuyerDep) -> Response:
    _, locale = translator(request), page_locale(request)
    if action not in SIMPLE_ACTIONS:
        raise NotFound(f"no such action here: {action}")

    def done(view: dict[str, Any]) -> str:
        message = SIMPLE_ACTIONS[action]
        return _(message, date=_when(view.get("ship_by"), locale))

    return _perform(request, user, order_id, action, {}, done=done)


@router.post("/commandes/{order_id}/precisions")
def provide_details(
    request: Request, order_id: int, user: BuyerDep, answer: Annotated[str, Form()] = ""
) -> Response:
    _ = translator(request)

    def context() -> dict[str, Any]:
        return _order_context(request, user, order_id, form={"name": "details", "answer": answer})

    return _perform(
        request, user, order_id, "provide_details", {"answer": answer},
        done=lambda view: _("Your details were sent to the seller."), context=context,
    )  # fmt: skip


# ------------------------------------------------------------------ confirm receipt


@router.get("/commandes/{order_id}/reception")
def receipt_form(request: Request, order_id: int, user: BuyerDep) -> Response:
    view = order_view(garant_of(request), order_id, actor_of(user))
    return render(request, "buyer/receipt.html", {"order": view})


@router.post("/commandes/{order_id}/reception")
def confirm_receipt(
    request: Request, order_id: int, user: BuyerDep, confirm: Annotated[str, Form()] = ""
) -> Response:
    garant, _, _locale = _ctx(request)

    def context() -> dict[str, Any]:
        return {"order": order_view(garant, order_id, actor_of(user))}

    if confirm != "yes":
        ctx = context()
        ctx["field_errors"] = {"confirm": _("Tick the box to confirm you received the item.")}
        return render(request, "buyer/receipt.html", ctx, status_code=422)
    return _perform(
        request, user, order_id, "confirm_receipt", {},
        done=lambda view: _("Receipt confirmed: the seller is paid. Thank you!"),
        template="buyer/receipt.html", context=context,
    )  # fmt: skip


# ------------------------------------------------------------------ cancellation


def _cancel_context(request: Request, user: Any, order_id: int, **extra: Any) -> dict[str, Any]:
    garant, _, locale = _ctx(request)
    view = order_view(garant, order_id, actor_of(user))
    reasons = [(code, getattr(r, locale)) for code, r in BUYER_REASONS.items()]
    return {
        "order": view,
        "reasons": reasons,
        "reason_labels": dict(reasons),
        "mode": "cancel" if "cancel" in view["allowed_actions"] else "request",
        "possible": bool({"cancel", "request_cancellation"} & set(view["allowed_actions"])),
        "step": "form",
        "reason": "",
        "note": "",
        **extra,
    }


@router.get("/commandes/{order_id}/annulation")
def cancellation_form(request: Request, order_id: int, user: BuyerDep) -> Response:
    return render(request, "buyer/cancel.html", _cancel_context(request, user, order_id))


@router.post("/commandes/{order_id}/annulation")
def cancellation(
    request: Request,
    order_id: int,
    user: BuyerDep,
    reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """First the form, then a confirmation step showing what will be sent; only the second
    POST (``confirm=yes``) acts."""
    _, locale = translator(request), page_locale(request)
    ctx = _cancel_context(request, user, order_id, reason=reason, note=note.strip())
    mode = ctx["mode"]
    if mode == "request" and ctx["possible"] and confirm != "yes":
        if reason not in BUYER_REASONS:
            ctx["field_errors"] = {"reason": _("Choose a reason from the list.")}
            return render(request, "buyer/cancel.html", ctx, status_code=422)
        ctx["step"] = "confirm" if confirm != "edit" else "form"
        return render(request, "buyer/cancel.html", ctx)
    if mode == "cancel" and confirm != "yes":
        ctx["step"] = "confirm"
        return render(request, "buyer/cancel.html", ctx)

    def done(view: dict[str, Any]) -> str:
        if mode == "cancel":
            return _("Order cancelled.")
        request_view = view.get("cancellation_request") or {}
        return _(
            "Cancellation request sent. The seller has until %(date)s to answer; without an "
            "answer, the order is cancelled and refunded automatically.",
            date=_when(request_view.get("answer_by"), locale),
        )

    if mode == "cancel":
        return _perform(
            request, user, order_id, "cancel", {"confirm": True}, done=done,
            template="buyer/cancel.html", context=lambda: ctx,
        )  # fmt: skip
    return _perform(
        request, user, order_id, "request_cancellation", {"reason": reason, "note": note.strip()},
        done=done, template="buyer/cancel.html", context=lambda: ctx,
    )  # fmt: skip


# ------------------------------------------------------------------ sending the item back


@router.get("/commandes/{order_id}/retour")
def return_form(request: Request, order_id: int, user: BuyerDep) -> Response:
    view = order_view(garant_of(request), order_id, actor_of(user))
    return render(request, "buyer/return.html", {"order": view, "return_status": RETURN_STATUSES})


@router.post("/commandes/{order_id}/retour")
def ship_return(
    request: Request,
    order_id: int,
    user: BuyerDep,
    tracking_number: Annotated[str, Form(max_length=60)] = "",
    carrier: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    garant, _, locale = _ctx(request)

    def context() -> dict[str, Any]:
        view = order_view(garant, order_id, actor_of(user))
        return {
            "order": view,
            "return_status": RETURN_STATUSES,
            "form": {"tracking_number": tracking_number, "carrier": carrier},
        }

    def done(view: dict[str, Any]) -> str:
        confirm_by = (view.get("return") or {}).get("confirm_by")
        return _(
            "Return recorded. The seller has until %(date)s to confirm receiving it.",
            date=_when(confirm_by, locale),
        )

    params = {"tracking_number": tracking_number.strip(), "carrier": carrier.strip() or None}
    return _perform(
        request, user, order_id, "ship_return", params, done=done,
        template="buyer/return.html", context=context,
    )  # fmt: skip


# ------------------------------------------------------------------ messages and files


@router.post("/commandes/{order_id}/messages")
def post_message(
    request: Request,
    order_id: int,
    user: BuyerDep,
    body: Annotated[str, Form(max_length=6000)] = "",
    files: Files = None,
    kept: Kept = None,
) -> Response:
    """Each file is uploaded as evidence first; then the message with their ids."""
    garant, _, _locale = _ctx(request)
    actor = actor_of(user)
    ids = _own_files(garant, actor, kept)
    try:
        _upload_all(garant, actor, order_id, _uploads(files), ids)
        messages.post_order_message(
            garant, actor=actor, order_id=order_id, body=body, attachments=ids
        )
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        form = {"name": "message", "body": body, "kept": ids}
        ctx = _order_context(request, user, order_id, form=form)
        ctx["field_errors"] = _field_errors(error, _)
        return render_with_problem(request, "buyer/order.html", ctx, error)
    return redirect_with_flash(request, _order_url(order_id, "messages"), _("Message sent."))


@router.get("/commandes/{order_id}/preuves/{evidence_id}")
def evidence_file(request: Request, order_id: int, evidence_id: int, user: BuyerDep) -> Response:
    """An evidence file of this order: the buyer's own as sent, the seller's as shown to the
    buyer (pictures without their metadata). Always a download, never run in our origin."""
    garant = garant_of(request)
    actor = actor_of(user)
    order_view(garant, order_id, actor)  # the order is the buyer's, or "not found"
    data, content_type, filename = evidence.read(
        garant, actor=actor, evidence_id=evidence_id, original=None
    )
    return Response(
        data,
        media_type=content_type,
        headers={
            "Content-Disposition": _disposition(filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-cache",
        },
    )


# ------------------------------------------------------------------ disputes


def _reason_options(locale: str) -> list[tuple[str, str]]:
    return [(code, getattr(label, locale)) for code, label in REASONS.items()]


def _detail_options(reason: str, locale: str) -> list[tuple[str, str]]:
    return [(code, getattr(label, locale)) for code, label in DETAILS.get(reason, {}).items()]


def _resolution_options(_: Translator, locale: str) -> list[tuple[str, str, str]]:
    return [
        (
            kind.value,
            getattr(RESOLUTION_LABELS[kind], locale),
            _word(_, RESOLUTION_HINTS, kind.value),
        )
        for kind in ASKABLE
    ]


def _open_context(
    request: Request, user: Any, order_id: int, view: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    garant, _, locale = _ctx(request)
    view = view or order_view(garant, order_id, actor_of(user))
    form = {"reason": "", "detail": "", "description": "", "resolution": "", "amount": "",
            "kept": [], **extra.pop("form", {})}  # fmt: skip
    return {
        "order": view,
        "reasons": _reason_options(locale),
        "details": {code: _detail_options(code, locale) for code in DETAILS},
        "detail_legends": {
            "not_as_described": _("If not as described: what differs?"),
            "payment_problem": _("If a payment problem: which one?"),
        },
        "resolutions": _resolution_options(_, locale),
        "window": (view.get("protection") or {}).get("dispute_window"),
        "can_open": (view.get("protection") or {}).get("can_open_dispute", False),
        "form": form,
        "files": _files(garant, form["kept"]),
        "show_form": True,
        **extra,
    }


def _dispute_context(request: Request, user: Any, order_id: int, **extra: Any) -> dict[str, Any]:
    garant, _, locale = _ctx(request)
    actor = actor_of(user)
    view = order_view(garant, order_id, actor)
    dispute = disputes.dispute_view(garant, actor=actor, order_id=order_id)
    ids = list(dispute["evidence"])
    for offer in dispute["offers"]:
        ids += offer["evidence"]
    for req in dispute["evidence_requests"]:
        ids += req["evidence"]
    forms = extra.pop("forms", {})
    for form in forms.values():
        ids += form.get("kept", [])
    deadlines = []
    for d in dispute["deadlines"]:
        label, then = DISPUTE_DEADLINES.get(d["what"], (d["what"], d.get("then", "")))
        deadlines.append(
            {"label": _(label), "due_at": d["due_at"], "effect": _(then), "who": d.get("who")}
        )
    pending = [o for o in dispute["offers"] if o["status"] == "pending"]
    return {
        "order": view,
        "dispute": dispute,
        "deadlines": sorted(deadlines, key=lambda c: fmt.as_datetime(c["due_at"]) or _LAST),
        "pending_offer": pending[-1] if pending else None,
        "files": _files(garant, ids),
        "remedies": casefile.remedies(garant, actor=actor, order_id=order_id, locale=locale)
        if dispute["lost_by_buyer"]
        else [],
        "resolutions": _resolution_options(_, locale),
        "offer_status": OFFER_STATUSES,
        "request_status": EVIDENCE_REQUEST_STATUSES,
        "favours": FAVOURS,
        "outcome_text": _resolution_text(dispute["outcome"], locale) if dispute["outcome"] else "",
        "decision_text": _resolution_text(dispute["decision"]["resolution"], locale)
        if dispute.get("decision")
        else "",
        "can_open_again": (view.get("protection") or {}).get("can_open_dispute", False),
        "forms": forms,
        "act": _actions_words(locale),
        **extra,
    }


@router.get("/commandes/{order_id}/litige")
def dispute_page(request: Request, order_id: int, user: BuyerDep, nouveau: str = "") -> Response:
    """The dispute when there is one; else (or with ?nouveau=1 after a reshipment) the form."""
    garant = garant_of(request)
    view = order_view(garant, order_id, actor_of(user))
    if view["protection"].get("dispute") and not nouveau:
        return render(request, "buyer/dispute.html", _dispute_context(request, user, order_id))
    ctx = _open_context(request, user, order_id, view)
    ctx["show_form"] = ctx["can_open"]
    return render(request, "buyer/dispute_open.html", ctx)


@router.post("/commandes/{order_id}/litige")
def open_dispute(
    request: Request,
    order_id: int,
    user: BuyerDep,
    reason: Annotated[str, Form()] = "",
    detail_not_as_described: Annotated[str, Form()] = "",
    detail_payment_problem: Annotated[str, Form()] = "",
    description: Annotated[str, Form(max_length=6000)] = "",
    resolution: Annotated[str, Form()] = "",
    amount: Annotated[str, Form(max_length=30)] = "",
    files: Files = None,
    kept: Kept = None,
) -> Response:
    """The files are uploaded as evidence first, then the dispute is opened with their ids.
    A refusal shows the form again with what was typed (and the files already sent kept)."""
    garant, _, locale = _ctx(request)
    actor = actor_of(user)
    detail = {"not_as_described": detail_not_as_described,
              "payment_problem": detail_payment_problem}.get(reason, "")  # fmt: skip
    wanted: dict[str, Any] = {"kind": resolution}
    if _amount(amount) is not None:
        wanted["amount"] = _amount(amount)
    ids = _own_files(garant, actor, kept)
    try:
        _upload_all(garant, actor, order_id, _uploads(files), ids)
        disputes.open_dispute(
            garant, actor=actor, order_id=order_id, reason=reason, detail=detail or None,
            description=description, resolution=wanted, evidence=ids,
        )  # fmt: skip
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        form = {"reason": reason, "detail": detail, "description": description,
                "resolution": resolution, "amount": amount, "kept": ids}  # fmt: skip
        ctx = _open_context(request, user, order_id, form=form)
        ctx["field_errors"] = _field_errors(error, _)
        return render_with_problem(request, "buyer/dispute_open.html", ctx, error)
    dispute = disputes.dispute_view(garant, actor=actor, order_id=order_id)
    return redirect_with_flash(
        request,
        _dispute_url(order_id),
        _(
            "Dispute opened. The seller has until %(date)s to answer.",
            date=_when(dispute.get("seller_answer_by"), locale),
        ),
    )


def _dispute_act(
    request: Request,
    user: Any,
    order_id: int,
    step: str,
    params: dict[str, Any],
    *,
    files: Sequence[tuple[str, bytes]] = (),
    kept: Sequence[int] = (),
    form: dict[str, Any] | None = None,
    version: str = "",
    check: Callable[[], dict[str, str]] | None = None,
) -> Response:
    """One dispute step through ``disputes.act`` (files uploaded as evidence first); then the
    dispute page with a flash, or again with the refusal and what was typed."""
    garant, _, _locale = _ctx(request)
    actor = actor_of(user)
    action, flash_text = DISPUTE_STEPS[step]
    ids = _own_files(garant, actor, kept)
    form = {**(form or {}), "kept": ids}
    errors = check() if check else {}
    if errors:
        ctx = _dispute_context(request, user, order_id, forms={step: form})
        ctx["field_errors"] = errors
        return render(request, "buyer/dispute.html", ctx, status_code=422)
    try:
        _upload_all(garant, actor, order_id, files, ids)
        if ids:
            params = {**params, "evidence": ids}
        disputes.act(
            garant, actor=actor, order_id=order_id, action=action, params=params,
            expected_version=int(version) if version.isdigit() else None,
        )  # fmt: skip
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        ctx = _dispute_context(request, user, order_id, forms={step: form})
        ctx["field_errors"] = _field_errors(error, _, files_field=f"{step}_files")
        return render_with_problem(request, "buyer/dispute.html", ctx, error)
    return redirect_with_flash(request, _dispute_url(order_id), _(flash_text))


@router.post("/commandes/{order_id}/litige/accepter")
def accept_offer(
    request: Request, order_id: int, user: BuyerDep, version: Annotated[str, Form()] = ""
) -> Response:
    return _dispute_act(request, user, order_id, "accepter", {}, version=version)


@router.post("/commandes/{order_id}/litige/refuser")
def reject_offer(
    request: Request,
    order_id: int,
    user: BuyerDep,
    version: Annotated[str, Form()] = "",
    reject_message: Annotated[str, Form(max_length=6000)] = "",
) -> Response:
    return _dispute_act(
        request, user, order_id, "refuser", {"message": reject_message},
        form={"message": reject_message}, version=version,
    )  # fmt: skip


@router.post("/commandes/{order_id}/litige/proposition")
def make_offer(
    request: Request,
    order_id: int,
    user: BuyerDep,
    offer_resolution: Annotated[str, Form()] = "",
    offer_amount: Annotated[str, Form(max_length=30)] = "",
    offer_message: Annotated[str, Form(max_length=6000)] = "",
    proposition_files: Files = None,
    kept: Kept = None,
) -> Response:
    wanted: dict[str, Any] = {"kind": offer_resolution}
    if _amount(offer_amount) is not None:
        wanted["amount"] = _amount(offer_amount)
    form = {"resolution": offer_resolution, "amount": offer_amount, "message": offer_message}
    response = _dispute_act(
        request, user, order_id, "proposition", {"resolution": wanted, "message": offer_message},
        files=_uploads(proposition_files), kept=kept or [], form=form,
    )  # fmt: skip
    return response


@router.post("/commandes/{order_id}/litige/escalade")
def escalate(
    request: Request,
    order_id: int,
    user: BuyerDep,
    escalate_message: Annotated[str, Form(max_length=6000)] = "",
) -> Response:
    return _dispute_act(
        request, user, order_id, "escalade", {"message": escalate_message},
        form={"message": escalate_message},
    )  # fmt: skip


@router.post("/commandes/{order_id}/litige/retrait")
def withdraw(
    request: Request,
    order_id: int,
    user: BuyerDep,
    withdraw_message: Annotated[str, Form(max_length=6000)] = "",
    withdraw_confirm: Annotated[str, Form()] = "",
) -> Response:
    _ = translator(request)

    def check() -> dict[str, str]:
        if withdraw_confirm == "yes":
            return {}
        return {"withdraw_confirm": _("Tick the box to confirm: a withdrawn dispute is closed.")}

    return _dispute_act(
        request, user, order_id, "retrait", {"message": withdraw_message},
        form={"message": withdraw_message}, check=check,
    )  # fmt: skip


@router.post("/commandes/{order_id}/litige/preuves")
def provide_evidence(
    request: Request,
    order_id: int,
    user: BuyerDep,
    evidence_note: Annotated[str, Form(max_length=6000)] = "",
    preuves_files: Files = None,
    kept: Kept = None,
) -> Response:
    _ = translator(request)
    chosen = _uploads(preuves_files)

    def check() -> dict[str, str]:
        if chosen or kept:
            return {}
        return {"preuves_files": _("Choose at least one file.")}

    return _dispute_act(
        request, user, order_id, "preuves", {"note": evidence_note}, files=chosen,
        kept=kept or [], form={"note": evidence_note}, check=check,
    )  # fmt: skip


@router.post("/commandes/{order_id}/litige/accepter-decision")
def accept_decision(
    request: Request, order_id: int, user: BuyerDep, version: Annotated[str, Form()] = ""
) -> Response:
    return _dispute_act(request, user, order_id, "accepter-decision", {}, version=version)


@router.post("/commandes/{order_id}/litige/appel")
def appeal(
    request: Request,
    order_id: int,
    user: BuyerDep,
    appeal_note: Annotated[str, Form(max_length=6000)] = "",
    appel_files: Files = None,
    kept: Kept = None,
) -> Response:
    _ = translator(request)
    chosen = _uploads(appel_files)

    def check() -> dict[str, str]:
        errors = {}
        if not appeal_note.strip():
            errors["appeal_note"] = _("Say why the decision should change.")
        if not chosen and not kept:
            errors["appel_files"] = _("An appeal needs new evidence: choose at least one file.")
        return errors

    return _dispute_act(
        request, user, order_id, "appel", {"note": appeal_note}, files=chosen,
        kept=kept or [], form={"note": appeal_note}, check=check,
    )  # fmt: skip


def _disposition(filename: str) -> str:
    """A download under its own name (RFC 6266: an ASCII fallback, and the exact name)."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = "".join(c if c.isprintable() and c not in '"\\%' else "_" for c in fallback)
    exact = quote(filename, safe="")
    return f"attachment; filename=\"{fallback or 'evidence'}\"; filename*=UTF-8''{exact}"


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/commandes/{order_id}/litige/dossier.pdf")
def case_file(request: Request, order_id: int, user: BuyerDep) -> Response:
    garant, _, locale = _ctx(request)
    data = casefile.case_file_pdf(garant, actor=actor_of(user), order_id=order_id, locale=locale)
    return _pdf(data, f"garant-litige-commande-{order_id}.pdf")


@router.get("/commandes/{order_id}/litige/lettre.pdf")
def complaint_letter(
    request: Request,
    order_id: int,
    user: BuyerDep,
    expediteur: Annotated[str, Query(max_length=2000)] = "",
) -> Response:
    """The letter, with the sender's address typed in the form (one line each)."""
    garant, _, locale = _ctx(request)
    lines = [line.strip() for line in expediteur.splitlines() if line.strip()]
    try:
        data = casefile.complaint_letter(
            garant, actor=actor_of(user), order_id=order_id, sender_lines=lines, locale=locale
        )
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        ctx = _dispute_context(request, user, order_id, sender=expediteur)
        ctx["field_errors"] = {"expediteur": _("At most 8 lines of 120 characters.")}
        return render_with_problem(request, "buyer/dispute.html", ctx, error)
    assert isinstance(data, bytes)
    return _pdf(data, f"reclamation-commande-{order_id}.pdf")


@router.get("/commandes/{order_id}/litige/{step}")  # after the PDFs: they match too
def dispute_step_page(request: Request, order_id: int, step: str, user: BuyerDep) -> Response:
    if step not in DISPUTE_STEPS:
        raise NotFound(f"no such page: {step}")
    return redirect(_dispute_url(order_id), 303)


# ------------------------------------------------------------------ notifications


@router.get("/notifications")
def notifications_page(
    request: Request, user: BuyerDep, apres: str = "", non_lues: str = ""
) -> Response:
    garant = garant_of(request)
    cursor = int(apres) if apres.isdigit() else None
    unread_only = non_lues == "1"
    items, next_id = notifications.list_notifications(
        garant, user_id=user.id, unread_only=unread_only, limit=PER_PAGE, cursor=cursor
    )
    base = {"non_lues": "1"} if unread_only else {}
    return render(
        request,
        "buyer/notifications.html",
        {
            "items": [n.to_json() for n in items],
            "unread": notifications.unread_count(garant, user_id=user.id),
            "unread_only": unread_only,
            "next_url": "/notifications?" + urlencode({**base, "apres": next_id})
            if next_id
            else None,
            "first_url": ("/notifications" + ("?non_lues=1" if unread_only else ""))
            if cursor
            else None,
        },
    )


@router.get("/notifications/{notification_id}/lu")
def notification_read_page(request: Request, notification_id: int, user: BuyerDep) -> Response:
    return redirect("/notifications", 303)


@router.post("/notifications/{notification_id}/lu")
def mark_notification_read(
    request: Request,
    notification_id: int,
    user: BuyerDep,
    next: Annotated[str, Form()] = "",
) -> Response:
    _ = translator(request)
    notifications.mark_read(garant_of(request), user_id=user.id, notification_id=notification_id)
    if next.startswith("/commandes/") and "//" not in next:
        return redirect(next, 303)
    return redirect_with_flash(request, "/notifications", _("Marked as read."))
