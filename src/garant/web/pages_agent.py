"""Agent console ("Console agent", agents and operators): /agent…

- ``/agent``: escalated and appealed disputes, oldest escalation first
  (``?vue=all|mine|appealed``); orders flagged for a security review (CAN-10).
- ``/agent/litiges/{id}``: the whole case (order, money, timeline, parcel, messages,
  dispute, evidence). Its forms post to:
  ``…/prise-en-charge`` (take the case), ``…/demande-de-preuves`` (ask a party for evidence,
  by a number of hours), ``…/messages`` (write in the order's thread).
- ``/agent/litiges/{id}/decision`` GET, POST: decide (buyer, seller, split): the form, a
  review step, then the decision.
- ``/agent/litiges/{id}/preuves/{evidence_id}``: the ORIGINAL file as uploaded
  (``X-Evidence-SHA256``); ``/agent/litiges/{id}/dossier.pdf``: the case file (DSP-9).
- ``/agent/securite/{id}`` GET, POST: cancel an order for security reasons (CAN-10), with a
  confirmation.

Each action's GET address shows the page its form is on, so a form shown again with a
refusal keeps a working language switch. Only agents act (the dispute's and the order's
rules say so); operators see everything read-only. Every action goes through
``disputes.act`` or ``orders.perform``.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from garant.domain.disputes import RESOLUTION_LABELS, ResolutionKind
from garant.domain.errors import ConfirmationRequired, DomainError, InvalidInput, NotFound
from garant.http_common import content_disposition
from garant.services import agent_queue, casefile, disputes, evidence, messages
from garant.services import orders as order_service
from garant.services.users import User
from garant.services.views import order_view
from garant.web.i18n import N_, Translator
from garant.web.labels import action_label, role_label
from garant.web.pages_public import parcel_context
from garant.web.rendering import (
    page_locale,
    redirect_with_flash,
    render,
    render_with_problem,
    translator,
)
from garant.web.session import StaffDep, actor_of, garant_of

router = APIRouter()

QUEUE_VIEWS = {
    "all": N_("All cases"),
    "mine": N_("My cases"),
    "appealed": N_("Appealed"),
}

# What happened, for the order's timeline (past tense); other codes use the action's words.
EVENT_LABELS: dict[str, str] = {
    "order_placed": N_("Order placed"),
    "security_review": N_("Flagged for a security review"),
    "update_amount": N_("Amount changed"),
    "request_details": N_("Details asked from the buyer"),
    "provide_details": N_("Details given by the buyer"),
    "pay": N_("Payment recorded"),
    "verify_payment": N_("Payment verified"),
    "mark_unfulfillable": N_("Declared impossible to fulfil"),
    "mark_prepared": N_("Order prepared"),
    "consolidate": N_("Order consolidated"),
    "publish_invoice": N_("Invoice published"),
    "ship": N_("Shipped"),
    "record_shipment_progress": N_("Parcel progress"),
    "record_delivery": N_("Delivery recorded"),
    "confirm_receipt": N_("Receipt confirmed"),
    "auto_confirm_receipt": N_("Receipt confirmed automatically"),
    "mark_returned_to_sender": N_("Returned to sender"),
    "cancel": N_("Order cancelled"),
    "request_cancellation": N_("Cancellation requested"),
    "approve_cancellation": N_("Cancellation accepted"),
    "decline_cancellation": N_("Cancellation declined"),
    "withdraw_cancellation": N_("Cancellation request withdrawn"),
    "expire_cancellation_request": N_("Cancellation granted: no answer in time"),
    "request_extension": N_("More time to ship asked for"),
    "accept_extension": N_("Extra time agreed"),
    "decline_extension": N_("Extra time refused"),
    "miss_ship_by": N_("Not shipped in time: cancelled"),
    "security_cancel": N_("Cancelled for security reasons"),
    "report_shipment_cancelled": N_("Shipment cancelled"),
    "choose_reshipment": N_("Reshipment chosen"),
    "choose_refund": N_("Refund chosen"),
    "abandon": N_("Order abandoned"),
    "refund_late_choice": N_("Refunded: Choice delivery guarantee"),
    "ship_return": N_("Item sent back"),
    "confirm_return_received": N_("Return received"),
    "open_dispute": N_("Dispute opened"),
    "funds_frozen": N_("Money held for the dispute"),
    "accept_request": N_("Buyer's request accepted"),
    "make_offer": N_("Offer made"),
    "contest": N_("Dispute contested"),
    "accept_offer": N_("Offer accepted"),
    "reject_offer": N_("Offer rejected"),
    "expire_offer": N_("Offer lapsed"),
    "escalate": N_("Escalated to the platform"),
    "auto_escalate": N_("Escalated to the platform: no agreement in time"),
    "withdraw_dispute": N_("Dispute withdrawn"),
    "provide_evidence": N_("Evidence sent"),
    "take_case": N_("Case taken by an agent"),
    "request_evidence": N_("Evidence asked for"),
    "mark_evidence_overdue": N_("Evidence not sent in time"),
    "decide": N_("Platform decision"),
    "accept_decision": N_("Decision accepted"),
    "appeal": N_("Decision appealed"),
    "finalize_decision": N_("Decision carried out: no appeal"),
    "grant_by_default": N_("Buyer's request granted: no answer from the seller"),
    "dispute_resolved": N_("Dispute closed"),
    "refund_started": N_("Refund started"),
    "refund_settled": N_("Refund received by the buyer"),
    "funds_released": N_("Money released to the seller"),
    "order_completed": N_("Order completed"),
    "coupon_returned": N_("Coupon given back"),
    "coupon_not_returned": N_("Coupon not given back"),
}
FAVOUR_LABELS = {
    "buyer": N_("In the buyer's favour"),
    "seller": N_("In the seller's favour"),
    "split": N_("Split"),
}
OFFER_STATUS = {
    "pending": N_("waiting for an answer"),
    "accepted": N_("accepted"),
    "rejected": N_("rejected"),
    "countered": N_("answered with another offer"),
    "superseded": N_("replaced"),
    "expired": N_("lapsed"),
    "closed": N_("closed"),
}
REQUEST_STATUS = {
    "open": N_("waiting"),
    "answered": N_("answered"),
    "overdue": N_("not sent in time"),
    "closed": N_("closed"),
}
DEADLINE_LABELS = {
    "seller_answer": N_("Seller's answer"),
    "offer_reply": N_("Answer to the offer"),
    "negotiation_end": N_("End of the negotiation"),
    "escalation_possible": N_("Escalation possible"),
    "evidence": N_("Evidence due"),
    "appeal": N_("Appeal window ends"),
}
EVIDENCE_KINDS = {
    "photo": N_("photo"),
    "screenshot": N_("screenshot"),
    "video": N_("video"),
    "document": N_("document"),
}
STRIPPED = {
    "exif": N_("camera data (EXIF)"),
    "gps": N_("location (GPS)"),
    "xmp": N_("editing data (XMP)"),
    "iptc": N_("captions and names (IPTC)"),
    "icc": N_("colour profile"),
    "comment": N_("comments"),
    "text": N_("embedded text"),
    "extra_frames": N_("extra frames"),
}
# Form fields a service may name in a refusal: what to tell next to the field.
FIELD_HINTS = {
    "note": N_("Write a note: the parties read it with the decision or the request."),
    "amount": N_("Give an amount in euros above zero and below what can still be refunded."),
    "in_favour_of": N_("Choose in whose favour you decide."),
    "party": N_("Choose the buyer or the seller."),
    "hours": N_("Give a whole number of hours."),
    "reason": N_("Choose a reason."),
    "body": N_("Write a message."),
}


# ------------------------------------------------------------------ helpers


def _words(msgids: dict[str, str], code: str | None, locale: str) -> str:
    """The words of a code from one of the tables above; an unknown code as it is."""
    msgid = msgids.get(code or "")
    return Translator(locale).gettext(msgid) if msgid else str(code or "")


def _field_errors(error: DomainError, locale: str) -> dict[str, str]:
    field = error.context.get("field")
    if isinstance(field, str) and field in FIELD_HINTS:
        return {field: _words(FIELD_HINTS, field, locale)}
    return {}


def _resolution(res: dict[str, Any] | None, locale: str) -> dict[str, Any] | None:
    """A resolution ``{"kind", "amount"}`` with its words."""
    if not res:
        return None
    try:
        label = RESOLUTION_LABELS[ResolutionKind(str(res.get("kind")))]
        text = label.fr if locale == "fr" else label.en
    except (KeyError, ValueError):
        text = str(res.get("kind") or "")
    return {**res, "text": text}


def _timeline(order: dict[str, Any], _: Translator, locale: str) -> list[dict[str, Any]]:
    items = []
    for e in reversed(order.get("timeline", [])):
        if e["action"] in EVENT_LABELS:
            title = _words(EVENT_LABELS, e["action"], locale)
        else:
            title = action_label(e["action"], locale)
        role = str((e.get("actor") or {}).get("role") or "system")
        parts = [_("by the %(who)s", who=role_label(role, locale))] if role != "system" else []
        if e.get("reason"):
            parts.append(str(e["reason"]))
        data = e.get("data") or {}
        # The words people wrote, and the facts an agent looks for first.
        for key in ("message", "note", "tracking_number", "where"):
            if isinstance(data.get(key), str) and data[key]:
                parts.append(data[key])
        status = e.get("status")
        tone = None
        if status:
            parts.append(str(status.get(locale) or status.get("fr") or ""))
        if e["action"] in ("decide", "dispute_resolved", "order_completed"):
            tone = "success"
        elif e["action"] in ("security_cancel", "cancel", "miss_ship_by", "funds_frozen"):
            tone = "danger"
        items.append({"at": e["at"], "title": title, "detail": " · ".join(parts), "tone": tone})
    return items


def _case(request: Request, user: User, order_id: int) -> dict[str, Any]:
    """Everything the case page shows, from the services (each checks who may see what)."""
    garant, actor = garant_of(request), actor_of(user)
    locale = page_locale(request)
    _ = Translator(locale)
    dispute = disputes.dispute_view(garant, actor=actor, order_id=order_id)  # no dispute: 404
    order = order_view(garant, order_id, actor)
    thread = messages.order_thread(garant, actor=actor, order_id=order_id)
    files = agent_queue.case_evidence(garant, actor=actor, order_id=order_id)
    decision = dispute.get("decision") or None
    people = agent_queue.names(
        garant,
        [
            order["buyer_id"],
            order["seller_id"],
            dispute.get("agent_id"),
            decision.get("agent_id") if decision else None,
        ],
    )
    for f in files:
        f["kind_label"] = _words(EVIDENCE_KINDS, f["kind"], locale)
        f["stripped_labels"] = [_words(STRIPPED, s, locale) for s in f["stripped"]]
    for offer in dispute["offers"]:
        offer["resolution"] = _resolution(offer["resolution"], locale)
        offer["status_label"] = _words(OFFER_STATUS, offer["status"], locale)
    for req in dispute["evidence_requests"]:
        req["status_label"] = _words(REQUEST_STATUS, req["status"], locale)
    for deadline in dispute["deadlines"]:
        deadline["label"] = _words(DEADLINE_LABELS, deadline["what"], locale)
    if decision:
        decision = {
            **decision,
            "resolution": _resolution(decision.get("resolution"), locale),
            "favour_label": _words(FAVOUR_LABELS, decision.get("in_favour_of"), locale),
            "agent_name": people.get(decision.get("agent_id") or 0, ""),
        }
    money = dispute["money"]
    refundable = str(Decimal(money["paid"]) - Decimal(money["refunded"]))
    return {
        "order": order,
        "dispute": dispute,
        "decision": decision,
        "requested": _resolution(dispute["requested"], locale),
        "thread": thread,
        "files": files,
        "buyer_name": people.get(order["buyer_id"], ""),
        "seller_name": people.get(order["seller_id"], ""),
        "agent_name": people.get(dispute.get("agent_id") or 0),
        "allowed": dispute["allowed_actions"],
        "allowed_labels": [action_label(a, locale) for a in dispute["allowed_actions"]],
        "timeline": _timeline(order, _, locale),
        "parcel": parcel_context(order["tracking"].get("shipment"), locale),
        "refundable": refundable,
        "favours": [
            (code, _words(FAVOUR_LABELS, code, locale), hint)
            for code, hint in (
                ("buyer", _("The buyer's request is granted.")),
                ("seller", _("No refund: the seller is paid.")),
                ("split", _("A partial refund of the amount below.")),
            )
        ],
        "parties": [(r, role_label(r, locale)) for r in ("buyer", "seller")],
        "form": {},
    }


def _case_page(
    request: Request,
    user: User,
    order_id: int,
    error: DomainError | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    ctx = _case(request, user, order_id)
    ctx["form"] = form or {}
    if error is None:
        return render(request, "agent/case.html", ctx)
    ctx["field_errors"] = _field_errors(error, page_locale(request))
    return render_with_problem(request, "agent/case.html", ctx, error)


def _decimal_text(text: str) -> str | None:
    """'12.50' when the text is an amount in euros, else None (the service says why)."""
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return str(value) if value.is_finite() else None


def _case_url(order_id: int, anchor: str = "") -> str:
    return f"/agent/litiges/{order_id}" + (f"#{anchor}" if anchor else "")


# ------------------------------------------------------------------ the queue


@router.get("/agent")
def console(
    request: Request,
    user: StaffDep,
    vue: Annotated[str, Query()] = "all",
    apres: Annotated[int | None, Query()] = None,
) -> Response:
    garant, actor = garant_of(request), actor_of(user)
    view = vue if vue in QUEUE_VIEWS else "all"
    items, cursor = agent_queue.queue(garant, actor=actor, view=view, limit=50, cursor=apres)
    locale = page_locale(request)
    for item in items:
        item["requested_label"] = _resolution(item["requested"], locale)
    return render(
        request,
        "agent/queue.html",
        {
            "items": items,
            "view": view,
            "views": [(code, msgid) for code, msgid in QUEUE_VIEWS.items()],
            "next_url": f"/agent?vue={view}&apres={cursor}" if cursor else None,
            "prev_url": f"/agent?vue={view}" if apres else None,
            "flagged": agent_queue.security_review(garant, actor=actor),
            "reasons": agent_queue.security_reasons(),
            "may_cancel": user.role.value == "agent",
        },
    )


# ------------------------------------------------------------------ a case


@router.get("/agent/litiges/{order_id}")
def case(request: Request, order_id: int, user: StaffDep) -> Response:
    return _case_page(request, user, order_id)


@router.get("/agent/litiges/{order_id}/prise-en-charge")
@router.get("/agent/litiges/{order_id}/demande-de-preuves")
@router.get("/agent/litiges/{order_id}/messages")
def case_again(request: Request, order_id: int, user: StaffDep) -> Response:
    """The address of a form on the case page shows the case page."""
    return _case_page(request, user, order_id)


@router.post("/agent/litiges/{order_id}/prise-en-charge")
def take_case(request: Request, order_id: int, user: StaffDep) -> Response:
    _ = translator(request)
    try:
        disputes.act(
            garant_of(request),
            actor=actor_of(user),
            order_id=order_id,
            action="take_case",
            params={},
        )
    except DomainError as e:
        return _case_page(request, user, order_id, e)
    return redirect_with_flash(
        request, _case_url(order_id), _("The case is yours: the parties now deal with you.")
    )


@router.post("/agent/litiges/{order_id}/demande-de-preuves")
def request_evidence(
    request: Request,
    order_id: int,
    user: StaffDep,
    party: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    hours: Annotated[str, Form()] = "",
) -> Response:
    _ = translator(request)
    raw = hours.strip()
    given: int | str | None = int(raw) if raw.isdigit() else (raw or None)
    form = {"party": party, "note": note, "hours": hours}
    try:
        disputes.act(
            garant_of(request),
            actor=actor_of(user),
            order_id=order_id,
            action="request_evidence",
            params={"party": party, "note": note, "hours": given},
        )
    except DomainError as e:
        return _case_page(request, user, order_id, e, form)
    who = role_label(party, page_locale(request))
    return redirect_with_flash(
        request,
        _case_url(order_id, "evidence-requests"),
        _("Evidence asked from the %(party)s. They are told what to send and by when.", party=who),
    )


@router.post("/agent/litiges/{order_id}/messages")
def post_message(
    request: Request,
    order_id: int,
    user: StaffDep,
    body: Annotated[str, Form()] = "",
) -> Response:
    _ = translator(request)
    try:
        messages.post_order_message(
            garant_of(request), actor=actor_of(user), order_id=order_id, body=body
        )
    except DomainError as e:
        return _case_page(request, user, order_id, e, {"body": body})
    sent = _("Message sent: the buyer and the seller see it.")
    return redirect_with_flash(request, _case_url(order_id, "messages"), sent)


@router.get("/agent/litiges/{order_id}/preuves/{evidence_id}")
def original_evidence(
    request: Request, order_id: int, evidence_id: int, user: StaffDep
) -> Response:
    """The original file as uploaded (with its metadata): for agents and operators only."""
    garant, actor = garant_of(request), actor_of(user)
    files = agent_queue.case_evidence(garant, actor=actor, order_id=order_id)
    if evidence_id not in {f["id"] for f in files}:
        raise NotFound(f"evidence {evidence_id} is not part of the case of order {order_id}")
    data, content_type, filename = evidence.read(
        garant, actor=actor, evidence_id=evidence_id, original=True
    )
    return Response(
        data,
        media_type=content_type,
        headers={
            # A download, never shown in our origin: a stranger's file must not run here.
            "Content-Disposition": content_disposition(filename),
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
            "X-Evidence-SHA256": hashlib.sha256(data).hexdigest(),
        },
    )


@router.get("/agent/litiges/{order_id}/dossier.pdf")
def case_file(request: Request, order_id: int, user: StaffDep) -> Response:
    data = casefile.case_file_pdf(
        garant_of(request), actor=actor_of(user), order_id=order_id, locale=page_locale(request)
    )
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="garant-litige-commande-{order_id}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


# ------------------------------------------------------------------ deciding


def _decide_page(
    request: Request,
    user: User,
    order_id: int,
    form: dict[str, Any],
    error: DomainError | None = None,
    template: str = "agent/decide.html",
) -> Response:
    ctx = _case(request, user, order_id)
    ctx["form"] = form
    if error is None:
        return render(request, template, ctx)
    ctx["field_errors"] = _field_errors(error, page_locale(request))
    return render_with_problem(request, template, ctx, error)


@router.get("/agent/litiges/{order_id}/decision")
def decision_form(request: Request, order_id: int, user: StaffDep) -> Response:
    return _decide_page(request, user, order_id, {})


@router.post("/agent/litiges/{order_id}/decision")
def decide(
    request: Request,
    order_id: int,
    user: StaffDep,
    in_favour_of: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Three steps at one address: the form (``confirm`` empty) leads to a review of the
    decision in words (``confirm=yes`` decides, ``confirm=edit`` goes back to the form)."""
    _ = translator(request)
    money = amount.strip().replace(",", ".").replace("€", "").strip()
    form: dict[str, Any] = {"in_favour_of": in_favour_of, "amount": amount, "note": note}
    if confirm == "edit":
        return _decide_page(request, user, order_id, form)
    if confirm != "yes":
        if in_favour_of not in disputes.FAVOURS:
            error = InvalidInput("in_favour_of: 'buyer', 'seller' or 'split'", field="in_favour_of")
            return _decide_page(request, user, order_id, form, error)
        form["amount_value"] = _decimal_text(money)
        return _decide_page(request, user, order_id, form, template="agent/decide_confirm.html")
    garant = garant_of(request)
    try:
        disputes.act(
            garant,
            actor=actor_of(user),
            order_id=order_id,
            action="decide",
            params={"in_favour_of": in_favour_of, "amount": money or None, "note": note},
        )
    except DomainError as e:
        return _decide_page(request, user, order_id, form, e)
    after = disputes.dispute_view(garant, actor=actor_of(user), order_id=order_id)
    if after["state"] == "decided":
        message = _("Decision recorded. Each party may appeal it once before it is carried out.")
    else:
        message = _("Final decision recorded and carried out.")
    return redirect_with_flash(request, _case_url(order_id, "decision"), message)


# ------------------------------------------------------------------ security (CAN-10)


def _security_page(
    request: Request,
    user: User,
    order_id: int,
    form: dict[str, Any] | None = None,
    error: DomainError | None = None,
) -> Response:
    garant, actor = garant_of(request), actor_of(user)
    order = order_view(garant, order_id, actor)
    people = agent_queue.names(garant, [order["buyer_id"], order["seller_id"]])
    ctx: dict[str, Any] = {
        "order": order,
        "buyer_name": people.get(order["buyer_id"], ""),
        "seller_name": people.get(order["seller_id"], ""),
        "reasons": agent_queue.security_reasons(),
        "form": form or {"reason": (order.get("security") or {}).get("reason", "")},
        "may_cancel": "security_cancel" in order["allowed_actions"],
    }
    if error is None:
        return render(request, "agent/security.html", ctx)
    ctx["field_errors"] = _field_errors(error, page_locale(request))
    if isinstance(error, ConfirmationRequired):
        ctx["field_errors"]["confirm"] = translator(request)(
            "Tick the box to confirm the cancellation."
        )
    return render_with_problem(request, "agent/security.html", ctx, error)


@router.get("/agent/securite/{order_id}")
def security_form(request: Request, order_id: int, user: StaffDep) -> Response:
    return _security_page(request, user, order_id)


@router.post("/agent/securite/{order_id}")
def security_cancel(
    request: Request,
    order_id: int,
    user: StaffDep,
    reason: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    _ = translator(request)
    form = {"reason": reason, "confirm": confirm}
    if confirm != "yes":
        error = ConfirmationRequired(
            "a security cancellation cancels the order and refunds the buyer: confirm it",
            field="confirm",
        )
        return _security_page(request, user, order_id, form, error)
    try:
        order_service.perform(
            garant_of(request),
            order_id=order_id,
            actor=actor_of(user),
            action="security_cancel",
            params={"reason": reason},
        )
    except DomainError as e:
        return _security_page(request, user, order_id, form, e)
    return redirect_with_flash(
        request,
        "/agent#security",
        _(
            "Order #%(id)s cancelled for security reasons. The buyer is refunded and told why.",
            id=order_id,
        ),
    )
