"""The buyer's steps in a dispute (accept or reject an offer, offer, escalate, withdraw,
add evidence, accept the decision, appeal), and its documents: the case file (DSP-9) and
the complaint letter (MSG-4)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import Response

from garant.domain.errors import DomainError, NotFound
from garant.services import casefile, disputes
from garant.web.forms import act_then_redirect, chosen_files, upload_files
from garant.web.pages_buyer.common import (
    Files,
    Kept,
    basics,
    dispute_url,
    field_errors,
    own_files,
    parse_amount,
)
from garant.web.pages_buyer.disputes import dispute_context
from garant.web.pages_buyer.words import DISPUTE_STEPS
from garant.web.rendering import redirect, render, render_with_problem, translator
from garant.web.session import BuyerDep, actor_of

router = APIRouter()


def _dispute_act(
    request: Request,
    user: Any,
    order_id: int,
    step: str,
    params: dict[str, Any],
    *,
    files: Sequence[UploadFile] = (),
    kept: Sequence[int] = (),
    form: dict[str, Any] | None = None,
    version: str = "",
    check: Callable[[], dict[str, str]] | None = None,
) -> Response:
    """One dispute step through ``disputes.act`` (files uploaded as evidence first); then the
    dispute page with a flash, or again with the refusal and what was typed."""
    garant, _, _locale = basics(request)
    actor = actor_of(user)
    action, flash_text = DISPUTE_STEPS[step]
    ids = own_files(garant, actor, kept)
    form = {**(form or {}), "kept": ids}
    errors = check() if check else {}
    if errors:
        ctx = dispute_context(request, user, order_id, forms={step: form})
        ctx["field_errors"] = errors
        return render(request, "buyer/dispute.html", ctx, status_code=422)

    def act() -> None:
        upload_files(garant, actor, files, into=ids, order_id=order_id)
        disputes.act(
            garant, actor=actor, order_id=order_id, action=action,
            params={**params, "evidence": ids} if ids else params,
            expected_version=int(version) if version.isdigit() else None,
        )  # fmt: skip

    def refused(error: DomainError) -> Response:
        ctx = dispute_context(request, user, order_id, forms={step: form})
        ctx["field_errors"] = field_errors(error, _, files_field=f"{step}_files")
        return render_with_problem(request, "buyer/dispute.html", ctx, error)

    return act_then_redirect(
        request, act, url=dispute_url(order_id), message=_(flash_text), refused=refused
    )


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
    if parse_amount(offer_amount) is not None:
        wanted["amount"] = parse_amount(offer_amount)
    form = {"resolution": offer_resolution, "amount": offer_amount, "message": offer_message}
    response = _dispute_act(
        request, user, order_id, "proposition", {"resolution": wanted, "message": offer_message},
        files=chosen_files(proposition_files), kept=kept or [], form=form,
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
    chosen = chosen_files(preuves_files)

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
    chosen = chosen_files(appel_files)

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
    garant, _, locale = basics(request)
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
    garant, _, locale = basics(request)
    lines = [line.strip() for line in expediteur.splitlines() if line.strip()]
    try:
        data = casefile.complaint_letter(
            garant, actor=actor_of(user), order_id=order_id, sender_lines=lines, locale=locale
        )
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        ctx = dispute_context(request, user, order_id, sender=expediteur)
        ctx["field_errors"] = {"expediteur": _("At most 8 lines of 120 characters.")}
        return render_with_problem(request, "buyer/dispute.html", ctx, error)
    assert isinstance(data, bytes)
    return _pdf(data, f"reclamation-commande-{order_id}.pdf")


@router.get("/commandes/{order_id}/litige/{step}")  # after the PDFs: they match too
def dispute_step_page(request: Request, order_id: int, step: str, user: BuyerDep) -> Response:
    if step not in DISPUTE_STEPS:
        raise NotFound(f"no such page: {step}")
    return redirect(dispute_url(order_id), 303)
