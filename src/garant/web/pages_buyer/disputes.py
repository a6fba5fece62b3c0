"""The buyer's dispute: the page of the dispute when there is one, the form that opens one
(with its files) when there is none."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from garant.domain.disputes import ASKABLE, DETAILS, REASONS, RESOLUTION_LABELS
from garant.domain.errors import DomainError
from garant.services import casefile, disputes
from garant.services.views import order_view
from garant.web import formatting as fmt
from garant.web.forms import act_then_redirect, chosen_files, describe_files, upload_files
from garant.web.i18n import Translator
from garant.web.pages_buyer.common import (
    LAST,
    Files,
    Kept,
    actions_words,
    basics,
    dispute_url,
    field_errors,
    own_files,
    parse_amount,
    resolution_text,
    when,
    word,
)
from garant.web.pages_buyer.words import (
    DISPUTE_DEADLINES,
    EVIDENCE_REQUEST_STATUSES,
    FAVOURS,
    OFFER_STATUSES,
    RESOLUTION_HINTS,
)
from garant.web.rendering import render, render_with_problem
from garant.web.session import BuyerDep, actor_of, garant_of

router = APIRouter()


def _reason_options(locale: str) -> list[tuple[str, str]]:
    return [(code, getattr(label, locale)) for code, label in REASONS.items()]


def _detail_options(reason: str, locale: str) -> list[tuple[str, str]]:
    return [(code, getattr(label, locale)) for code, label in DETAILS.get(reason, {}).items()]


def _resolution_options(_: Translator, locale: str) -> list[tuple[str, str, str]]:
    return [
        (
            kind.value,
            getattr(RESOLUTION_LABELS[kind], locale),
            word(_, RESOLUTION_HINTS, kind.value),
        )
        for kind in ASKABLE
    ]


def _open_context(
    request: Request, user: Any, order_id: int, view: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    garant, _, locale = basics(request)
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
        "files": describe_files(garant, form["kept"]),
        "show_form": True,
        **extra,
    }


def dispute_context(request: Request, user: Any, order_id: int, **extra: Any) -> dict[str, Any]:
    garant, _, locale = basics(request)
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
        "deadlines": sorted(deadlines, key=lambda c: fmt.as_datetime(c["due_at"]) or LAST),
        "pending_offer": pending[-1] if pending else None,
        "files": describe_files(garant, ids),
        "remedies": casefile.remedies(garant, actor=actor, order_id=order_id, locale=locale)
        if dispute["lost_by_buyer"]
        else [],
        "resolutions": _resolution_options(_, locale),
        "offer_status": OFFER_STATUSES,
        "request_status": EVIDENCE_REQUEST_STATUSES,
        "favours": FAVOURS,
        "outcome_text": resolution_text(dispute["outcome"], locale) if dispute["outcome"] else "",
        "decision_text": resolution_text(dispute["decision"]["resolution"], locale)
        if dispute.get("decision")
        else "",
        "can_open_again": (view.get("protection") or {}).get("can_open_dispute", False),
        "forms": forms,
        "act": actions_words(locale),
        **extra,
    }


@router.get("/commandes/{order_id}/litige")
def dispute_page(request: Request, order_id: int, user: BuyerDep, nouveau: str = "") -> Response:
    """The dispute when there is one; else (or with ?nouveau=1 after a reshipment) the form."""
    garant = garant_of(request)
    view = order_view(garant, order_id, actor_of(user))
    if view["protection"].get("dispute") and not nouveau:
        return render(request, "buyer/dispute.html", dispute_context(request, user, order_id))
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
    garant, _, locale = basics(request)
    actor = actor_of(user)
    detail = {"not_as_described": detail_not_as_described,
              "payment_problem": detail_payment_problem}.get(reason, "")  # fmt: skip
    wanted: dict[str, Any] = {"kind": resolution}
    if parse_amount(amount) is not None:
        wanted["amount"] = parse_amount(amount)
    ids = own_files(garant, actor, kept)

    def act() -> None:
        upload_files(garant, actor, chosen_files(files), into=ids, order_id=order_id)
        disputes.open_dispute(
            garant, actor=actor, order_id=order_id, reason=reason, detail=detail or None,
            description=description, resolution=wanted, evidence=ids,
        )  # fmt: skip

    def refused(error: DomainError) -> Response:
        form = {"reason": reason, "detail": detail, "description": description,
                "resolution": resolution, "amount": amount, "kept": ids}  # fmt: skip
        ctx = _open_context(request, user, order_id, form=form)
        ctx["field_errors"] = field_errors(error, _)
        return render_with_problem(request, "buyer/dispute_open.html", ctx, error)

    def opened() -> str:
        dispute = disputes.dispute_view(garant, actor=actor, order_id=order_id)
        return _(
            "Dispute opened. The seller has until %(date)s to answer.",
            date=when(dispute.get("seller_answer_by"), locale),
        )

    return act_then_redirect(
        request, act, url=dispute_url(order_id), message=opened, refused=refused
    )
