"""The dispute in the seller centre: its page (the buyer's request, evidence, offers,
deadlines) and the seller's answers, one form each: accept, offer, contest, accept or
reject an offer, escalate, add evidence, accept the decision, appeal."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import Response

from garant.domain.disputes import ASKABLE, RESOLUTION_LABELS, ResolutionKind
from garant.domain.errors import DomainError, NotFound
from garant.services import disputes as dispute_service
from garant.services.users import User
from garant.services.views import order_view
from garant.web import formatting as fmt
from garant.web.forms import act_then_redirect, describe_files, upload_files
from garant.web.i18n import Translator
from garant.web.pages_seller.common import (
    Files,
    Text,
    field_errors,
    parse_amount,
    version_number,
)
from garant.web.pages_seller.words import DISPUTE_DEADLINES, FAVOURS, OFFER_STATUSES
from garant.web.refusals import Problem
from garant.web.rendering import page_locale, render, render_with_problem, translator
from garant.web.session import SellerDep, actor_of, garant_of

router = APIRouter()


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
    files = describe_files(garant, ids)
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

    def act() -> None:
        ids = upload_files(garant, actor, files, order_id=order_id, check_size_first=True)
        dispute_service.act(
            garant,
            actor=actor,
            order_id=order_id,
            action=action,
            params=params(ids),
            expected_version=version_number(version),
        )

    def refused(e: DomainError) -> Response:
        errors = field_errors(e, fields or {}, _)
        if e.code.startswith("evidence") and fields and "evidence" in fields:
            errors[fields["evidence"]] = _("This file cannot be sent: see the explanation above.")
        return _dispute_page(
            request, user, order_id, e, field_errors=errors, values=dict(values or {})
        )

    return act_then_redirect(
        request, act, url=f"/vendeur/commandes/{order_id}/litige", message=done, refused=refused
    )


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
            resolution["amount"] = parse_amount(amount)
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
