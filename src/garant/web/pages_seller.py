"""Seller centre ("Espace vendeur"): /vendeur…

One address per form: the GET shows the page, the POST to the same address sends the form
(a page shown again with a refusal keeps a working language switch).

/vendeur
    home: orders to ship by ship-by, cancellation requests, disputes and returns waiting
    for the seller, the seller's figures
/vendeur/commandes?etat=…&apres=…
    all orders, newest first, filtered by state, cursor-paged
/vendeur/commandes/{id}
    one order: deadlines, the seller's actions as forms, tracking, timeline, messages
/vendeur/commandes/{id}/{step}
    one action: preparer, consolider, expedier, accepter-annulation, refuser-annulation,
    delai, facture, montant, precisions, inexecutable, retour-recu, messages
/vendeur/commandes/{id}/litige
    the dispute: request, evidence, offers, deadlines, the seller's answers
/vendeur/commandes/{id}/litige/{step}
    one answer: accepter, offre, contester, accepter-offre, refuser-offre, escalader,
    preuves, accepter-decision, appel
/vendeur/commandes/{id}/preuves/{evidence_id}
    an evidence file, as shown to the seller
/vendeur/messages
    the seller's threads, most recent first
/vendeur/messages/acheteurs/{buyer_id} (and …/preuves/{evidence_id})
    a buyer's conversation with the shop, the answer form, its files
/vendeur/retours
    the address returns are sent to

Every action goes through ``orders.perform`` or ``disputes.act`` (the rules live there);
success redirects with a flash, a refusal shows the same page again with it, in words.
See docs/web.md for how a page is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Annotated, Any
from urllib.parse import urlencode

from babel import Locale
from babel.numbers import format_percent
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select
from starlette.datastructures import UploadFile as StarletteUpload

from garant.app import Garant
from garant.domain.cancellation import BUYER_REASONS, UNFULFILLABLE_REASONS, Fault
from garant.domain.disputes import ASKABLE, OPEN_STATES, RESOLUTION_LABELS, ResolutionKind
from garant.domain.errors import DomainError, InvalidInput, NotFound
from garant.domain.evidence import EvidenceTooLarge, accepted_text, megabytes
from garant.domain.orders import Actor
from garant.domain.transitions import OrderState
from garant.services import disputes as dispute_service
from garant.services import evidence as evidence_service
from garant.services import messages as message_service
from garant.services import orders as order_service
from garant.services.sellers import seller_metrics
from garant.services.tracking_numbers import check_tracking_number
from garant.services.users import User, set_return_address
from garant.services.views import order_view
from garant.store import schema as t
from garant.web import formatting as fmt
from garant.web.i18n import N_, Translator
from garant.web.labels import action_label, role_label, state_label
from garant.web.refusals import Problem
from garant.web.rendering import (
    flash,
    page_locale,
    redirect_with_flash,
    render,
    render_with_problem,
    translator,
)
from garant.web.session import SellerDep, actor_of, garant_of

router = APIRouter()

TO_SHIP = (OrderState.PAID, OrderState.PREPARED, OrderState.CONSOLIDATED)
# Where a buyer's cancellation request can wait for the seller's answer.
REQUEST_STATES = (*TO_SHIP, OrderState.AWAITING_DETAILS)
PAGE_SIZE = 20
HOME_PAGES = 5  # at most 5 × 100 orders per state on the home page
# A file input left empty arrives as an empty text part, not a file: both are taken, and
# only files kept (a refusal then comes from the service, in words, not a 400).
Files = Annotated[list[UploadFile | str] | None, File()]
Text = Annotated[str, Form()]


# ------------------------------------------------------------------ words


UNFULFILLABLE_LABELS = {
    "out_of_stock": N_("Out of stock"),
    "no_shipping_to_address": N_("Cannot ship to the buyer's address"),
}

# Shipping methods by their commercial names (only the warehouse needs words).
SHIPPING_NAMES = {
    "aliexpress_choice": "AliExpress Choice",
    "aliexpress_standard": "AliExpress Standard Shipping",
    "china_post_air_mail": "China Post Air Mail",
    "ems": "EMS",
    "dhl": "DHL",
    "fedex": "FedEx",
    "ups": "UPS",
}

# A deadline of the order, by kind, as the seller reads it.
DEADLINE_LABELS = {
    "ship_by": N_("Ship by"),
    "seller_answer": N_("Answer the cancellation by"),
    "abandon_unpaid": N_("Payment due by"),
    "buyer_details": N_("Buyer's details due by"),
    "protection_end": N_("Buyer protection ends"),
    "choice_guarantee": N_("Choice delivery guarantee"),
    "dispute_seller_answer": N_("Answer the dispute by"),
    "dispute_offer_reply": N_("Offer to answer by"),
    "dispute_escalation": N_("Negotiation ends"),
    "dispute_evidence_due": N_("Evidence due by"),
    "dispute_appeal_window": N_("Appeal possible until"),
    "return_ship_back": N_("Buyer sends the item back by"),
    "return_confirm": N_("Confirm the return by"),
}

# A dispute's deadlines (``party_deadlines``): what, and what happens after.
DISPUTE_DEADLINES = {
    "seller_answer": (N_("Your answer"), N_("After it, the buyer's request is granted.")),
    "offer_reply": (N_("Answer to the offer"), N_("After it, the offer lapses.")),
    "negotiation_end": (
        N_("End of the negotiation"),
        N_("After it, the platform mediates."),
    ),
    "escalation_possible": (
        N_("Mediation can be asked for"),
        N_("From then on, either party may ask the platform to step in."),
    ),
    "evidence": (N_("Evidence asked for"), N_("After it, the platform decides without it.")),
    "appeal": (N_("Appeal window"), N_("After it, the decision is carried out.")),
}

# Timeline entries, as something that happened.
TIMELINE_TITLES = {
    "order_placed": N_("Order placed"),
    "pay": N_("Payment received"),
    "verify_payment": N_("Payment verified"),
    "update_amount": N_("Amount changed"),
    "request_details": N_("Details asked of the buyer"),
    "provide_details": N_("Details given by the buyer"),
    "mark_unfulfillable": N_("Declared impossible to fulfil"),
    "mark_prepared": N_("Order prepared"),
    "consolidate": N_("Order consolidated"),
    "publish_invoice": N_("Invoice published"),
    "ship": N_("Shipped"),
    "record_delivery": N_("Delivered"),
    "confirm_receipt": N_("Receipt confirmed by the buyer"),
    "mark_returned_to_sender": N_("Returned to sender"),
    "cancel": N_("Cancelled by the buyer"),
    "request_cancellation": N_("Cancellation requested by the buyer"),
    "approve_cancellation": N_("Cancellation accepted"),
    "decline_cancellation": N_("Cancellation declined: parcel shipped"),
    "withdraw_cancellation": N_("Cancellation request withdrawn"),
    "expire_cancellation_request": N_("No answer within 72 hours: cancelled automatically"),
    "request_extension": N_("More handling time asked for"),
    "accept_extension": N_("More handling time agreed"),
    "decline_extension": N_("More handling time refused"),
    "miss_ship_by": N_("Not shipped in time: cancelled automatically"),
    "security_cancel": N_("Cancelled for security reasons"),
    "report_shipment_cancelled": N_("Shipment cancelled"),
    "choose_reshipment": N_("The buyer chose a reshipment"),
    "choose_refund": N_("The buyer chose a refund"),
    "abandon": N_("Order abandoned"),
    "auto_confirm_receipt": N_("Protection ended: receipt confirmed automatically"),
    "refund_late_choice": N_("Choice order late: refunded"),
    "ship_return": N_("Item sent back by the buyer"),
    "confirm_return_received": N_("Return received"),
    "lapse_return": N_("Item not sent back in time"),
    "refund_unconfirmed_return": N_("Return not confirmed in time: buyer refunded"),
    "funds_released": N_("Money released to the seller"),
    "funds_frozen": N_("Money held during the dispute"),
    "refund_settled": N_("Refund received by the buyer"),
    "refund_started": N_("Refund started"),
    "security_review": N_("Order under review"),
    "return_started": N_("Return started"),
    "reshipment_agreed": N_("Reshipment agreed"),
    "open_dispute": N_("Dispute opened"),
    "accept_request": N_("Buyer's request accepted"),
    "make_offer": N_("Offer made"),
    "contest": N_("Dispute contested"),
    "accept_offer": N_("Offer accepted"),
    "reject_offer": N_("Offer rejected"),
    "escalate": N_("Mediation asked for"),
    "withdraw_dispute": N_("Dispute withdrawn"),
    "provide_evidence": N_("Evidence added"),
    "take_case": N_("Case taken by an agent"),
    "request_evidence": N_("Evidence asked for"),
    "decide": N_("Platform's decision"),
    "accept_decision": N_("Decision accepted"),
    "appeal": N_("Decision appealed"),
    "grant_by_default": N_("No answer in time: buyer's request granted"),
    "expire_offer": N_("Offer lapsed"),
    "auto_escalate": N_("Negotiation over: the platform mediates"),
    "mark_evidence_overdue": N_("Evidence not sent in time"),
    "finalize_decision": N_("Decision carried out"),
    "dispute_resolved": N_("Dispute closed"),
}
TIMELINE_TONES = {
    "ship": "success",
    "record_delivery": "success",
    "confirm_receipt": "success",
    "funds_released": "success",
    "confirm_return_received": "success",
    "approve_cancellation": "danger",
    "expire_cancellation_request": "danger",
    "miss_ship_by": "danger",
    "mark_unfulfillable": "danger",
    "security_cancel": "danger",
    "request_cancellation": "warning",
    "open_dispute": "warning",
    "escalate": "warning",
}

# What the seller is waiting on in a dispute (home page).
DISPUTE_WAITS = {
    "answer": N_("Answer the buyer's request"),
    "offer": N_("Answer the buyer's offer"),
    "evidence": N_("Send the evidence asked for"),
    "decision": N_("Accept the decision or appeal"),
}

RETURN_STATUSES = {
    "awaiting_shipment": N_("Waiting for the buyer to send it back"),
    "shipped_back": N_("Sent back by the buyer"),
    "received": N_("Received"),
    "unconfirmed": N_("Not confirmed in time: buyer refunded"),
    "lapsed": N_("Not sent back in time"),
}

OFFER_STATUSES = {
    "pending": N_("Waiting for an answer"),
    "accepted": N_("Accepted"),
    "rejected": N_("Rejected"),
    "countered": N_("Answered with another offer"),
    "superseded": N_("Replaced"),
    "expired": N_("Lapsed"),
    "closed": N_("Closed"),
}

FAVOURS = {
    "buyer": N_("In favour of the buyer"),
    "seller": N_("In favour of the seller"),
    "split": N_("Shared"),
    "agreement": N_("By agreement"),
}

# A field named by a service (``InvalidInput(field=…)``) → the form's own field and words.
FIELD_WORDS = {
    "evidence": N_("Attach at least one photo, video or PDF."),
    "resolution.amount": N_("Check the amount: see the explanation above."),
    "resolution.kind": N_("Choose what you offer."),
    "resolution": N_("Choose what you offer."),
    "amount": N_("Check the amount: see the explanation above."),
    "message": N_("Write a message."),
    "note": N_("Write a note."),
    "new_total": N_("Give the new amount in euros, for example 24.90."),
}


# ------------------------------------------------------------------ small helpers


def _version(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isdigit() else None


def _amount(raw: str) -> str:
    """'24,90 €' → '24.90': the seller types an amount as people write it; the service
    judges it."""
    return (
        raw.replace("\u00a0", "")
        .replace("\u202f", "")
        .replace(" ", "")
        .replace("€", "")
        .replace(",", ".")
    )


def _carrier_name(slug: str | None) -> str:
    if not slug:
        return ""
    from garant.domain.diagnosis_texts import CARRIER_NAMES

    return CARRIER_NAMES.get(slug, slug.replace("_", " ").title())


def _rate(value: float | None, locale: str) -> str | None:
    """0.955 → '95,5 %' / '95.5%' (the locale's own percent pattern, one decimal at most)."""
    if value is None:
        return None
    pattern = Locale.parse(locale).percent_formats[None].pattern.replace("#,##0", "#,##0.#")
    return format_percent(value, pattern, locale=locale)


def _field_errors(error: DomainError, fields: Mapping[str, str], _: Translator) -> dict[str, str]:
    """The form field a service's refusal names (``field=`` of an InvalidInput), in words."""
    field = error.context.get("field")
    if not isinstance(field, str):
        # A refusal of the input that names no field: the form's main field ("*").
        if isinstance(error, InvalidInput) and "*" in fields:
            return {fields["*"]: _("Check this field: see the explanation above.")}
        return {}
    name = fields.get(field) or fields.get(field.split(".")[0])
    if name is None:
        return {}
    words = FIELD_WORDS.get(field, N_("Check this field: see the explanation above."))
    return {name: _(words)}


def _describe(garant: Garant, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Name, kind and uploader of evidence files the page already may show (their ids come
    from a view the seller was given)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    with garant.engine.connect() as conn:
        return {f["id"]: f for f in evidence_service.describe(conn, wanted)}


def _upload_all(
    garant: Garant,
    actor: Actor,
    files: Sequence[UploadFile | str] | None,
    *,
    order_id: int | None = None,
    seller_id: int | None = None,
) -> list[int]:
    """Each file chosen in the form, through the evidence service; their ids to attach.
    An empty file input (nothing chosen) sends a nameless empty part: skipped."""
    limits = evidence_service.limits_of(garant.settings)
    ids: list[int] = []
    for upload in files or []:
        if not isinstance(upload, StarletteUpload) or (not upload.filename and not upload.size):
            continue
        if upload.size is not None and upload.size > limits.largest:
            raise EvidenceTooLarge(
                f"{upload.filename}: larger than any evidence file may be "
                f"({megabytes(limits.largest)}). {accepted_text(limits)}",
                limit_bytes=limits.largest,
            )
        data = upload.file.read()
        view = evidence_service.upload(
            garant,
            actor=actor,
            data=data,
            filename=upload.filename or "",
            order_id=order_id,
            seller_id=seller_id,
        )
        ids.append(int(view["id"]))
    return ids


def _evidence_response(garant: Garant, actor: Actor, evidence_id: int) -> Response:
    """The file as this seller may see it: their own as sent, the buyer's as shown to them
    (pictures without their metadata). Never rendered as a page of this site."""
    data, content_type, filename = evidence_service.read(
        garant, actor=actor, evidence_id=evidence_id, original=None
    )
    from garant.api.evidence import _disposition

    disposition = _disposition(filename)
    if content_type.startswith("image/"):
        disposition = "inline" + disposition.removeprefix("attachment")
    return Response(
        data,
        media_type=content_type,
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-cache",
        },
    )


# ------------------------------------------------------------------ home


def _orders_in(garant: Garant, actor: Actor, state: OrderState) -> list[dict[str, Any]]:
    views: list[dict[str, Any]] = []
    cursor: int | None = None
    for _page in range(HOME_PAGES):
        ids, cursor = order_service.list_orders(
            garant, actor=actor, limit=100, cursor=cursor, state=state.value
        )
        views += [order_view(garant, i, actor) for i in ids]
        if cursor is None:
            break
    return views


def _far(value: str | None) -> str:
    """Sort key: ISO dates sort as text; no date goes last."""
    return value or "9999"


def _deadline(view: Mapping[str, Any], kind: str) -> str | None:
    return next((d["due_at"] for d in view["deadlines"] if d["kind"] == kind), None)


def _disputes_waiting(garant: Garant, actor: Actor) -> list[dict[str, Any]]:
    """The seller's open disputes that wait for the seller, nearest deadline first."""
    waiting: list[dict[str, Any]] = []
    for state in sorted(s.value for s in OPEN_STATES):
        items, _cursor = dispute_service.list_disputes(garant, actor=actor, state=state, limit=100)
        for item in items:
            d = dispute_service.dispute_view(garant, actor=actor, order_id=item["order_id"])
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
    by_state = {state: _orders_in(garant, actor, state) for state in REQUEST_STATES}
    to_ship = sorted(
        (v for s in TO_SHIP for v in by_state[s]), key=lambda v: (_far(v["ship_by"]), v["id"])
    )
    requests = sorted(
        (
            v
            for s in REQUEST_STATES
            for v in by_state[s]
            if v["cancellation_request"] and v["cancellation_request"]["status"] == "open"
        ),
        key=lambda v: _far(v["cancellation_request"]["answer_by"]),
    )
    returns = sorted(
        (
            v
            for v in _orders_in(garant, actor, OrderState.RETURNING)
            if "confirm_return_received" in v["allowed_actions"]
        ),
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
        ids, next_cursor = order_service.list_orders(
            garant, actor=actor, limit=PAGE_SIZE, cursor=cursor, state=etat or None
        )
    except InvalidInput as e:
        return render_with_problem(
            request,
            "seller/orders.html",
            {**ctx, "field_errors": {"etat": _("Choose a state from the list.")}},
            e,
        )
    ctx["orders"] = [order_view(garant, i, actor) for i in ids]
    base = {"etat": etat} if etat else {}
    if next_cursor is not None:
        ctx["next_url"] = "/vendeur/commandes?" + urlencode({**base, "apres": next_cursor})
    if cursor is not None:
        ctx["first_url"] = "/vendeur/commandes" + ("?" + urlencode(base) if base else "")
    return render(request, "seller/orders.html", ctx)


# ------------------------------------------------------------------ one order


def _timeline(entries: Sequence[Mapping[str, Any]], locale: str) -> list[dict[str, Any]]:
    """The order's timeline, newest first, in words."""
    _ = Translator(locale)
    items = []
    for e in reversed(entries):
        action, data = e["action"], e.get("data") or {}
        msgid = TIMELINE_TITLES.get(action)
        if msgid:
            title = _(msgid)
        elif e.get("status"):
            title = fmt.pick(e["status"], locale)
        else:
            title = action_label(action, locale)
        parts: list[str] = []
        if data.get("tracking_number"):
            parts.append(_("Tracking number %(number)s", number=data["tracking_number"]))
        if action == "request_cancellation" and e.get("reason") in BUYER_REASONS:
            reason = BUYER_REASONS[e["reason"]]
            parts.append(reason.fr if locale == "fr" else reason.en)
        elif action == "mark_unfulfillable" and e.get("reason") in UNFULFILLABLE_LABELS:
            label = UNFULFILLABLE_LABELS[e["reason"]]
            parts.append(_(label))
        if isinstance(data.get("days"), int):
            parts.append(_.ngettext("%(num)d day", "%(num)d days", data["days"]))
        for key in ("new_amount", "amount"):
            if data.get(key):
                parts.append(fmt.format_money(data[key], "EUR", locale))
                break
        role = (e.get("actor") or {}).get("role")
        if role and role != "system":
            parts.append(_("by: %(who)s", who=role_label(role, locale)))
        items.append(
            {
                "at": e["at"],
                "title": title,
                "detail": " · ".join(parts),
                "tone": TIMELINE_TONES.get(action),
            }
        )
    return items


def _unfulfillable_options(_: Translator) -> list[tuple[str, str, str]]:
    return [
        (
            code,
            _(UNFULFILLABLE_LABELS[code]) if code in UNFULFILLABLE_LABELS else code,
            _("Counts as a cancellation by the seller.") if fault is Fault.SELLER else "",
        )
        for code, fault in UNFULFILLABLE_REASONS.items()
    ]


def _order_context(request: Request, user: User, order_id: int, **extra: Any) -> dict[str, Any]:
    garant, actor = garant_of(request), actor_of(user)
    locale = page_locale(request)
    _ = Translator(locale)
    view = order_view(garant, order_id, actor)
    thread = message_service.order_thread(garant, actor=actor, order_id=order_id)
    attached = [i for message in thread["messages"] for i in message["attachments"]]
    shipment = (view["tracking"] or {}).get("shipment") or {}
    detection = shipment.get("detection") or {}
    return {
        "order": view,
        "thread": thread,
        "files": _describe(garant, attached),
        "timeline": _timeline(view["timeline"], locale),
        "deadline_labels": DEADLINE_LABELS,
        "unfulfillable": _unfulfillable_options(_),
        "return_statuses": RETURN_STATUSES,
        "candidates": detection.get("candidates") or [],
        "number_warnings": detection.get("warnings") or [],
        "carrier_name": _carrier_name,
        "shipping_name": _("EU warehouse")
        if view["shipping_method"] == "eu_warehouse"
        else SHIPPING_NAMES.get(view["shipping_method"], view["shipping_method"]),
        "values": {},
        "recognised": None,
        **extra,
    }


def _order_page(
    request: Request,
    user: User,
    order_id: int,
    error: DomainError | Problem | None = None,
    **extra: Any,
) -> Response:
    ctx = _order_context(request, user, order_id, **extra)
    if error is None:
        return render(request, "seller/order.html", ctx)
    return render_with_problem(request, "seller/order.html", ctx, error)


def _perform(
    request: Request,
    user: User,
    order_id: int,
    action: str,
    params: dict[str, Any],
    version: str,
    done: str,
    *,
    fields: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> Response:
    """One order action through ``orders.perform``: a flash on success, the order page
    again with the refusal otherwise (nothing changed)."""
    _ = translator(request)
    try:
        order_service.perform(
            garant_of(request),
            order_id=order_id,
            actor=actor_of(user),
            action=action,
            params=params,
            expected_version=_version(version),
        )
    except DomainError as e:
        return _order_page(
            request,
            user,
            order_id,
            e,
            field_errors=_field_errors(e, fields or {}, _),
            values=dict(values or {}),
        )
    return redirect_with_flash(request, f"/vendeur/commandes/{order_id}", done)


@router.get("/vendeur/commandes/{order_id}")
def seller_order(request: Request, order_id: int, user: SellerDep) -> Response:
    return _order_page(request, user, order_id)


@router.get("/vendeur/commandes/{order_id}/preuves/{evidence_id}")
def order_evidence(request: Request, order_id: int, evidence_id: int, user: SellerDep) -> Response:
    return _evidence_response(garant_of(request), actor_of(user), evidence_id)


@router.post("/vendeur/commandes/{order_id}/preparer")
def mark_prepared(request: Request, order_id: int, user: SellerDep, version: Text = "") -> Response:
    _ = translator(request)
    return _perform(
        request, user, order_id, "mark_prepared", {}, version, _("The order is marked as prepared.")
    )


@router.post("/vendeur/commandes/{order_id}/consolider")
def consolidate(
    request: Request, order_id: int, user: SellerDep, parcel_ref: Text = "", version: Text = ""
) -> Response:
    _ = translator(request)
    return _perform(
        request,
        user,
        order_id,
        "consolidate",
        {"parcel_ref": parcel_ref.strip()},
        version,
        _("The order is marked as consolidated."),
        values={"parcel_ref": parcel_ref},
    )


def _ship_or_decline(
    request: Request,
    user: User,
    order_id: int,
    *,
    action: str,
    field: str,
    raw: str,
    intent: str,
    version: str,
) -> Response:
    """Ship, or decline a cancellation by shipping (CAN-5): the number is read as typed
    (``check_tracking_number``) and shown back; "check" only shows what it was read as."""
    _ = translator(request)
    garant = garant_of(request)
    order_view(garant, order_id, actor_of(user))  # another seller's order: 404 first
    values = {field: raw}
    number = raw.strip()
    try:
        normalised, carrier, warnings = check_tracking_number(number, None)
    except InvalidInput as e:
        message = (
            _("Give the tracking number printed on the parcel's label.")
            if not number
            else _(
                "This is not a tracking number of any carrier we know. Check it against the "
                "label and type it again."
            )
        )
        return _order_page(request, user, order_id, e, field_errors={field: message}, values=values)
    recognised = {
        "for": field,
        "number": normalised,
        "carrier": carrier,
        "carrier_name": _carrier_name(carrier),
        "warnings": warnings,
    }
    if intent == "check":
        return _order_page(request, user, order_id, values=values, recognised=recognised)
    try:
        order_service.perform(
            garant,
            order_id=order_id,
            actor=actor_of(user),
            action=action,
            params={"tracking_number": number},
            expected_version=_version(version),
        )
    except DomainError as e:
        errors = _field_errors(e, {"tracking_number": field, "*": field}, _)
        return _order_page(
            request, user, order_id, e, field_errors=errors, values=values, recognised=recognised
        )
    done = (
        _("Shipped with tracking number %(number)s (%(carrier)s).", number=normalised,
          carrier=recognised["carrier_name"])
        if action == "ship"
        else _(
            "Cancellation declined: the parcel is with the carrier under number %(number)s "
            "(%(carrier)s).",
            number=normalised,
            carrier=recognised["carrier_name"],
        )
    )  # fmt: skip
    if warnings:
        flash(
            request,
            _(
                "The number was accepted, but check it again: %(warnings)s",
                warnings=" ".join(warnings),
            ),
            "warning",
        )
    return redirect_with_flash(request, f"/vendeur/commandes/{order_id}", done)


@router.post("/vendeur/commandes/{order_id}/expedier")
def ship(
    request: Request,
    order_id: int,
    user: SellerDep,
    tracking_number: Text = "",
    intent: Text = "ship",
    version: Text = "",
) -> Response:
    return _ship_or_decline(
        request,
        user,
        order_id,
        action="ship",
        field="tracking_number",
        raw=tracking_number,
        intent=intent,
        version=version,
    )


@router.post("/vendeur/commandes/{order_id}/accepter-annulation")
def approve_cancellation(
    request: Request, order_id: int, user: SellerDep, version: Text = ""
) -> Response:
    _ = translator(request)
    return _perform(
        request,
        user,
        order_id,
        "approve_cancellation",
        {},
        version,
        _("Cancellation accepted: the order is cancelled and the buyer refunded in full."),
    )


@router.post("/vendeur/commandes/{order_id}/refuser-annulation")
def decline_cancellation(
    request: Request,
    order_id: int,
    user: SellerDep,
    decline_tracking_number: Text = "",
    intent: Text = "decline",
    version: Text = "",
) -> Response:
    return _ship_or_decline(
        request,
        user,
        order_id,
        action="decline_cancellation",
        field="decline_tracking_number",
        raw=decline_tracking_number,
        intent=intent,
        version=version,
    )


@router.post("/vendeur/commandes/{order_id}/delai")
def request_extension(
    request: Request,
    order_id: int,
    user: SellerDep,
    days: Text = "",
    extension_reason: Text = "",
    version: Text = "",
) -> Response:
    _ = translator(request)
    values = {"days": days, "extension_reason": extension_reason}
    if not days.strip().isdigit():
        problem = Problem(
            "invalid_input",
            422,
            "days must be a whole number",
            errors=[{"field": "days", "message": _("Give a whole number of days, for example 3.")}],
        )
        return _order_page(request, user, order_id, problem, values=values)
    n = int(days.strip())
    return _perform(
        request,
        user,
        order_id,
        "request_extension",
        {"days": n, "reason": extension_reason.strip()},
        version,
        _.ngettext(
            "%(num)d more day asked for. The ship-by date moves once the buyer agrees.",
            "%(num)d more days asked for. The ship-by date moves once the buyer agrees.",
            n,
        ),
        fields={"days": "days", "*": "days"},
        values=values,
    )


@router.post("/vendeur/commandes/{order_id}/facture")
def publish_invoice(
    request: Request, order_id: int, user: SellerDep, invoice_ref: Text = "", version: Text = ""
) -> Response:
    _ = translator(request)
    return _perform(
        request,
        user,
        order_id,
        "publish_invoice",
        {"invoice_ref": invoice_ref.strip()},
        version,
        _("The invoice is published: the buyer can see it."),
        values={"invoice_ref": invoice_ref},
    )


@router.post("/vendeur/commandes/{order_id}/montant")
def update_amount(
    request: Request,
    order_id: int,
    user: SellerDep,
    new_total: Text = "",
    amount_reason: Text = "",
    version: Text = "",
) -> Response:
    _ = translator(request)
    return _perform(
        request,
        user,
        order_id,
        "update_amount",
        {"new_total": _amount(new_total), "reason": amount_reason.strip()},
        version,
        _("The amount is updated; the buyer pays the new amount."),
        fields={"new_total": "new_total", "*": "new_total"},
        values={"new_total": new_total, "amount_reason": amount_reason},
    )


@router.post("/vendeur/commandes/{order_id}/precisions")
def request_details(
    request: Request, order_id: int, user: SellerDep, question: Text = "", version: Text = ""
) -> Response:
    _ = translator(request)
    return _perform(
        request,
        user,
        order_id,
        "request_details",
        {"question": question.strip()},
        version,
        _("Your question was sent to the buyer."),
        values={"question": question},
    )


@router.post("/vendeur/commandes/{order_id}/inexecutable")
def mark_unfulfillable(
    request: Request,
    order_id: int,
    user: SellerDep,
    unfulfillable_reason: Text = "",
    version: Text = "",
) -> Response:
    _ = translator(request)
    if not unfulfillable_reason:
        problem = Problem(
            "invalid_input",
            422,
            "choose a reason",
            errors=[{"field": "unfulfillable_reason", "message": _("Choose a reason.")}],
        )
        return _order_page(request, user, order_id, problem)
    return _perform(
        request,
        user,
        order_id,
        "mark_unfulfillable",
        {"reason": unfulfillable_reason},
        version,
        _("The order is closed as impossible to fulfil; the buyer is refunded in full."),
    )


@router.post("/vendeur/commandes/{order_id}/retour-recu")
def confirm_return_received(
    request: Request, order_id: int, user: SellerDep, version: Text = ""
) -> Response:
    _ = translator(request)
    return _perform(
        request,
        user,
        order_id,
        "confirm_return_received",
        {},
        version,
        _("Return confirmed: the agreed refund is made and the rest is paid to you."),
    )


@router.post("/vendeur/commandes/{order_id}/messages")
def post_order_message(
    request: Request,
    order_id: int,
    user: SellerDep,
    body: Text = "",
    attachments: Files = None,
) -> Response:
    _ = translator(request)
    garant, actor = garant_of(request), actor_of(user)
    try:
        ids = _upload_all(garant, actor, attachments, order_id=order_id)
        message_service.post_order_message(
            garant, actor=actor, order_id=order_id, body=body, attachments=ids
        )
    except DomainError as e:
        errors = {"body": _("Write a message or attach a file.")}
        if e.code.startswith("evidence"):
            errors = {"attachments": _("This file cannot be sent: see the explanation above.")}
        return _order_page(request, user, order_id, e, field_errors=errors, values={"body": body})
    return redirect_with_flash(
        request, f"/vendeur/commandes/{order_id}#messages", _("Message sent to the buyer.")
    )


# ------------------------------------------------------------------ the dispute


def _resolution_options(locale: str) -> list[tuple[str, str]]:
    return [(k.value, fmt.pick(RESOLUTION_LABELS[k].to_json(), locale)) for k in ASKABLE]


def _outcome_label(outcome: Mapping[str, Any] | None, locale: str) -> str:
    if not outcome:
        return ""
    kind = str(outcome.get("kind"))
    if kind == "withdrawn":
        _ = Translator(locale)
        return _("Withdrawn by the buyer")
    try:
        return fmt.pick(RESOLUTION_LABELS[ResolutionKind(kind)].to_json(), locale)
    except ValueError:
        return kind.replace("_", " ")


def _dispute_context(request: Request, user: User, order_id: int, **extra: Any) -> dict[str, Any]:
    garant, actor = garant_of(request), actor_of(user)
    locale = page_locale(request)
    d = dispute_service.dispute_view(garant, actor=actor, order_id=order_id)
    order = order_view(garant, order_id, actor)
    ids = list(d["evidence"])
    for offer in d["offers"]:
        ids += offer["evidence"]
    for asked in d["evidence_requests"]:
        ids += asked["evidence"]
    files = _describe(garant, ids)
    return {
        "d": d,
        "outcome_label": _outcome_label(d["outcome"], locale),
        "order": order,
        "files": files,
        "buyer_files": [f for f in files.values() if f["uploader_role"] == "buyer"],
        "my_files": [f for f in files.values() if f["uploader_id"] == user.id],
        "other_files": [f for f in files.values() if f["uploader_role"] not in ("buyer", "seller")],
        "pending_offer": next(
            (o for o in d["offers"] if o["status"] == "pending" and o["to"] == "seller"), None
        ),
        "resolutions": _resolution_options(locale),
        "dispute_deadlines": DISPUTE_DEADLINES,
        "offer_statuses": OFFER_STATUSES,
        "favours": FAVOURS,
        "values": {},
        **extra,
    }


def _dispute_page(
    request: Request,
    user: User,
    order_id: int,
    error: DomainError | Problem | None = None,
    **extra: Any,
) -> Response:
    ctx = _dispute_context(request, user, order_id, **extra)
    if error is None:
        return render(request, "seller/dispute.html", ctx)
    return render_with_problem(request, "seller/dispute.html", ctx, error)


def _answer(
    request: Request,
    user: User,
    order_id: int,
    action: str,
    version: str,
    done: str,
    *,
    params: Callable[[list[int]], dict[str, Any]] = lambda ids: {},
    files: Sequence[UploadFile | str] | None = None,
    fields: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> Response:
    """One dispute step through ``disputes.act`` (files uploaded first, then attached):
    a flash on success, the dispute page again with the refusal otherwise."""
    _ = translator(request)
    garant, actor = garant_of(request), actor_of(user)
    try:
        ids = _upload_all(garant, actor, files, order_id=order_id)
        dispute_service.act(
            garant,
            actor=actor,
            order_id=order_id,
            action=action,
            params=params(ids),
            expected_version=_version(version),
        )
    except DomainError as e:
        errors = _field_errors(e, fields or {}, _)
        if e.code.startswith("evidence") and fields and "evidence" in fields:
            errors[fields["evidence"]] = _("This file cannot be sent: see the explanation above.")
        return _dispute_page(
            request, user, order_id, e, field_errors=errors, values=dict(values or {})
        )
    return redirect_with_flash(request, f"/vendeur/commandes/{order_id}/litige", done)


@router.get("/vendeur/commandes/{order_id}/litige")
def seller_dispute(request: Request, order_id: int, user: SellerDep) -> Response:
    return _dispute_page(request, user, order_id)


DISPUTE_STEPS = (
    "accepter",
    "offre",
    "contester",
    "accepter-offre",
    "refuser-offre",
    "escalader",
    "preuves",
    "accepter-decision",
    "appel",
)


@router.get("/vendeur/commandes/{order_id}/litige/{step}")
def dispute_step_page(request: Request, order_id: int, step: str, user: SellerDep) -> Response:
    """A dispute form's own address (the page it is on)."""
    if step not in DISPUTE_STEPS:
        raise NotFound(f"no page {step}")
    return _dispute_page(request, user, order_id)


@router.post("/vendeur/commandes/{order_id}/litige/accepter")
def accept_request(
    request: Request, order_id: int, user: SellerDep, version: Text = ""
) -> Response:
    _ = translator(request)
    return _answer(
        request,
        user,
        order_id,
        "accept_request",
        version,
        _("You accepted the buyer's request; it is carried out now and the dispute is closed."),
    )


@router.post("/vendeur/commandes/{order_id}/litige/offre")
def make_offer(
    request: Request,
    order_id: int,
    user: SellerDep,
    kind: Text = "",
    amount: Text = "",
    offer_message: Text = "",
    offer_files: Files = None,
    version: Text = "",
) -> Response:
    _ = translator(request)

    def params(ids: list[int]) -> dict[str, Any]:
        resolution: dict[str, Any] = {"kind": kind}
        if amount.strip():
            resolution["amount"] = _amount(amount)
        return {"resolution": resolution, "message": offer_message, "evidence": ids}

    return _answer(
        request,
        user,
        order_id,
        "make_offer",
        version,
        _("Your offer was sent to the buyer, who can accept or reject it."),
        params=params,
        files=offer_files,
        fields={
            "resolution": "kind",
            "resolution.kind": "kind",
            "resolution.amount": "amount",
            "evidence": "offer_files",
        },
        values={"kind": kind, "amount": amount, "offer_message": offer_message},
    )


@router.post("/vendeur/commandes/{order_id}/litige/contester")
def contest(
    request: Request,
    order_id: int,
    user: SellerDep,
    contest_message: Text = "",
    contest_files: Files = None,
    version: Text = "",
) -> Response:
    _ = translator(request)
    return _answer(
        request,
        user,
        order_id,
        "contest",
        version,
        _("Your answer and evidence were added to the case; the negotiation starts."),
        params=lambda ids: {"message": contest_message, "evidence": ids},
        files=contest_files,
        fields={"message": "contest_message", "evidence": "contest_files"},
        values={"contest_message": contest_message},
    )


@router.post("/vendeur/commandes/{order_id}/litige/accepter-offre")
def accept_offer(request: Request, order_id: int, user: SellerDep, version: Text = "") -> Response:
    _ = translator(request)
    return _answer(
        request,
        user,
        order_id,
        "accept_offer",
        version,
        _("You accepted the offer; it is carried out now and the dispute is closed."),
    )


@router.post("/vendeur/commandes/{order_id}/litige/refuser-offre")
def reject_offer(
    request: Request, order_id: int, user: SellerDep, reject_message: Text = "", version: Text = ""
) -> Response:
    _ = translator(request)
    return _answer(
        request,
        user,
        order_id,
        "reject_offer",
        version,
        _("You rejected the offer."),
        params=lambda ids: {"message": reject_message},
        values={"reject_message": reject_message},
    )


@router.post("/vendeur/commandes/{order_id}/litige/escalader")
def escalate(
    request: Request,
    order_id: int,
    user: SellerDep,
    escalate_message: Text = "",
    version: Text = "",
) -> Response:
    _ = translator(request)
    return _answer(
        request,
        user,
        order_id,
        "escalate",
        version,
        _("The platform will mediate: an agent will study the case."),
        params=lambda ids: {"message": escalate_message},
        values={"escalate_message": escalate_message},
    )


@router.post("/vendeur/commandes/{order_id}/litige/preuves")
def provide_evidence(
    request: Request,
    order_id: int,
    user: SellerDep,
    evidence_note: Text = "",
    evidence_files: Files = None,
    version: Text = "",
) -> Response:
    _ = translator(request)
    return _answer(
        request,
        user,
        order_id,
        "provide_evidence",
        version,
        _("Your evidence was added to the case."),
        params=lambda ids: {"evidence": ids, "note": evidence_note},
        files=evidence_files,
        fields={"evidence": "evidence_files", "note": "evidence_note"},
        values={"evidence_note": evidence_note},
    )


@router.post("/vendeur/commandes/{order_id}/litige/accepter-decision")
def accept_decision(
    request: Request, order_id: int, user: SellerDep, version: Text = ""
) -> Response:
    _ = translator(request)
    return _answer(
        request,
        user,
        order_id,
        "accept_decision",
        version,
        _("You accepted the decision. It is carried out once the buyer accepts it too, or "
          "when the appeal window ends."),
    )  # fmt: skip


@router.post("/vendeur/commandes/{order_id}/litige/appel")
def appeal(
    request: Request,
    order_id: int,
    user: SellerDep,
    appeal_note: Text = "",
    appeal_files: Files = None,
    version: Text = "",
) -> Response:
    _ = translator(request)
    return _answer(
        request,
        user,
        order_id,
        "appeal",
        version,
        _("Your appeal was sent; the platform decides again, finally."),
        params=lambda ids: {"note": appeal_note, "evidence": ids},
        files=appeal_files,
        fields={"note": "appeal_note", "evidence": "appeal_files"},
        values={"appeal_note": appeal_note},
    )


ORDER_STEPS = (
    "preparer",
    "consolider",
    "expedier",
    "accepter-annulation",
    "refuser-annulation",
    "delai",
    "facture",
    "montant",
    "precisions",
    "inexecutable",
    "retour-recu",
    "messages",
)


@router.get("/vendeur/commandes/{order_id}/{step}")
def order_step_page(request: Request, order_id: int, step: str, user: SellerDep) -> Response:
    """An order form's own address (the order page it is on)."""
    if step not in ORDER_STEPS:
        raise NotFound(f"no page {step}")
    return _order_page(request, user, order_id)


# ------------------------------------------------------------------ messages


@router.get("/vendeur/messages")
def seller_threads(request: Request, user: SellerDep, apres: str = "") -> Response:
    garant, actor = garant_of(request), actor_of(user)
    items, next_cursor = message_service.list_threads(
        garant, actor=actor, limit=PAGE_SIZE, cursor=apres or None
    )
    ctx: dict[str, Any] = {"threads": items}
    if next_cursor is not None:
        ctx["next_url"] = "/vendeur/messages?" + urlencode({"apres": next_cursor})
    if apres:
        ctx["first_url"] = "/vendeur/messages"
    return render(request, "seller/messages.html", ctx)


def _thread_page(
    request: Request, user: User, buyer_id: int, error: DomainError | None = None, **extra: Any
) -> Response:
    garant, actor = garant_of(request), actor_of(user)
    thread = message_service.shop_thread(garant, actor=actor, seller_id=user.id, buyer_id=buyer_id)
    attached = [i for message in thread["messages"] for i in message["attachments"]]
    buyer = next((p for p in thread["participants"] if p["id"] == buyer_id), None)
    ctx = {
        "thread": thread,
        "buyer": buyer,
        "files": _describe(garant, attached),
        "values": {},
        **extra,
    }
    if error is None:
        return render(request, "seller/thread.html", ctx)
    return render_with_problem(request, "seller/thread.html", ctx, error)


@router.get("/vendeur/messages/acheteurs/{buyer_id}")
def shop_thread(request: Request, buyer_id: int, user: SellerDep) -> Response:
    return _thread_page(request, user, buyer_id)


@router.get("/vendeur/messages/acheteurs/{buyer_id}/preuves/{evidence_id}")
def shop_evidence(request: Request, buyer_id: int, evidence_id: int, user: SellerDep) -> Response:
    return _evidence_response(garant_of(request), actor_of(user), evidence_id)


@router.post("/vendeur/messages/acheteurs/{buyer_id}")
def answer_buyer(
    request: Request,
    buyer_id: int,
    user: SellerDep,
    body: Text = "",
    attachments: Files = None,
) -> Response:
    _ = translator(request)
    garant, actor = garant_of(request), actor_of(user)
    # The conversation first: a shop answers only buyers who wrote to it (404 otherwise).
    message_service.shop_thread(garant, actor=actor, seller_id=user.id, buyer_id=buyer_id)
    try:
        ids = _upload_all(garant, actor, attachments, seller_id=user.id)
        message_service.post_shop_message(
            garant, actor=actor, seller_id=user.id, buyer_id=buyer_id, body=body, attachments=ids
        )
    except DomainError as e:
        errors = {"body": _("Write a message or attach a file.")}
        if e.code.startswith("evidence"):
            errors = {"attachments": _("This file cannot be sent: see the explanation above.")}
        return _thread_page(request, user, buyer_id, e, field_errors=errors, values={"body": body})
    return redirect_with_flash(
        request, f"/vendeur/messages/acheteurs/{buyer_id}", _("Message sent to the buyer.")
    )


# ------------------------------------------------------------------ return address


def _current_return_address(garant: Garant, seller_id: int) -> str:
    """The address saved with ``users.set_return_address`` (no service reads it back yet)."""
    with garant.engine.connect() as conn:
        found = conn.execute(
            select(t.users.c.return_address).where(t.users.c.id == seller_id)
        ).scalar()
    return str(found or "")


@router.get("/vendeur/retours")
def return_address_form(request: Request, user: SellerDep) -> Response:
    current = _current_return_address(garant_of(request), user.id)
    return render(
        request, "seller/returns.html", {"current": current, "values": {"address": current}}
    )


@router.post("/vendeur/retours")
def save_return_address(request: Request, user: SellerDep, address: Text = "") -> Response:
    _ = translator(request)
    garant = garant_of(request)
    try:
        set_return_address(
            garant, actor_role=user.role, actor_id=user.id, seller_id=user.id, address=address
        )
    except DomainError as e:
        ctx = {
            "current": _current_return_address(garant, user.id),
            "values": {"address": address},
            "field_errors": {
                "address": _(
                    "Give 2 to 8 lines of at most 120 characters: name, street, postcode and "
                    "town, country."
                )
            },
        }
        return render_with_problem(request, "seller/returns.html", ctx, e)
    return redirect_with_flash(
        request, "/vendeur/retours", _("Return address saved. Returns agreed from now on go there.")
    )
