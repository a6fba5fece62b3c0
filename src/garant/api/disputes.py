"""Dispute routes (DSP-2..7). Thin: parse, call one service, return the caller's view."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import Field

from garant.api.auth import ActorDep, GarantDep
from garant.api.orders import _version
from garant.api.schemas import Body, Empty
from garant.domain.disputes import (
    DETAILS,
    DISPUTE_TRANSITIONS,
    REASONS,
    RESOLUTION_LABELS,
    DisputeAction,
)
from garant.domain.errors import InvalidInput
from garant.services import casefile
from garant.services import disputes as service

router = APIRouter(prefix="/api/v1", tags=["disputes"])
Lang = Annotated[str, Query(pattern="^(fr|en)$", description="fr (default) or en")]


class ResolutionIn(Body):
    kind: str = Field(description="full_refund, partial_refund, reshipment, return_and_refund")
    amount: Decimal | None = Field(
        default=None, description="EUR; a partial refund, or the refund after a return"
    )


class OpenDispute(Body):
    reason: str
    detail: str | None = Field(default=None, description="for not_as_described, payment_problem")
    description: str = Field(min_length=1, max_length=5000)
    resolution: ResolutionIn
    evidence: list[int] = Field(default_factory=list, max_length=20)


class MakeOffer(Body):
    resolution: ResolutionIn
    message: str = Field(default="", max_length=5000)
    evidence: list[int] = Field(default_factory=list, max_length=20)


class Contest(Body):
    message: str = Field(min_length=1, max_length=5000)
    evidence: list[int] = Field(min_length=1, max_length=20)


class Say(Body):
    message: str = Field(default="", max_length=5000)


class ProvideEvidence(Body):
    evidence: list[int] = Field(min_length=1, max_length=20)
    note: str = Field(default="", max_length=5000)


class RequestEvidence(Body):
    party: str = Field(pattern="^(buyer|seller)$")
    note: str = Field(min_length=1, max_length=5000)
    hours: int | None = Field(default=None, ge=1)


class Decide(Body):
    in_favour_of: str = Field(pattern="^(buyer|seller|split)$")
    amount: Decimal | None = Field(default=None, description="EUR refunded, for a split")
    note: str = Field(min_length=1, max_length=5000)


class Appeal(Body):
    note: str = Field(min_length=1, max_length=5000)
    evidence: list[int] = Field(min_length=1, max_length=20)


BODIES: dict[DisputeAction, type[Body]] = {
    DisputeAction.ACCEPT_REQUEST: Empty,
    DisputeAction.MAKE_OFFER: MakeOffer,
    DisputeAction.CONTEST: Contest,
    DisputeAction.ACCEPT_OFFER: Empty,
    DisputeAction.REJECT_OFFER: Say,
    DisputeAction.ESCALATE: Say,
    DisputeAction.WITHDRAW: Say,
    DisputeAction.PROVIDE_EVIDENCE: ProvideEvidence,
    DisputeAction.TAKE_CASE: Empty,
    DisputeAction.REQUEST_EVIDENCE: RequestEvidence,
    DisputeAction.DECIDE: Decide,
    DisputeAction.ACCEPT_DECISION: Empty,
    DisputeAction.APPEAL: Appeal,
}


def _view(garant: Any, actor: Any, order_id: int, status_code: int = 200) -> JSONResponse:
    view = service.dispute_view(garant, actor=actor, order_id=order_id)
    return JSONResponse(
        view, status_code=status_code, headers={"ETag": f'"{view["order_version"]}"'}
    )


@router.post(
    "/orders/{order_id}/dispute",
    status_code=201,
    summary="DSP-3: open a dispute (PRT-4: within its window)",
)
def open_dispute(
    order_id: int,
    body: OpenDispute,
    garant: GarantDep,
    actor: ActorDep,
    if_match: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    service.open_dispute(
        garant,
        actor=actor,
        order_id=order_id,
        reason=body.reason,
        detail=body.detail,
        description=body.description,
        resolution=body.resolution.model_dump(),
        evidence=body.evidence,
        expected_version=_version(if_match),
    )
    return _view(garant, actor, order_id, 201)


@router.get(
    "/orders/{order_id}/dispute",
    summary="The order's dispute: state, offers, allowed actions and deadlines for the caller",
)
def get_dispute(order_id: int, garant: GarantDep, actor: ActorDep) -> JSONResponse:
    return _view(garant, actor, order_id)


@router.get(
    "/orders/{order_id}/dispute/remedies",
    summary="DSP-8: outside remedies once a dispute closed against the buyer",
)
def get_remedies(
    order_id: int, garant: GarantDep, actor: ActorDep, lang: Lang = "fr"
) -> dict[str, Any]:
    items = casefile.remedies(garant, actor=actor, order_id=order_id, locale=lang)
    return {"order_id": order_id, "remedies": items}


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


@router.get(
    "/orders/{order_id}/dispute/case-file.pdf",
    summary="DSP-9: the whole case as one PDF (order, timeline, tracking, messages, offers, "
    "evidence with SHA-256, decision)",
    response_class=Response,
)
def case_file_pdf(order_id: int, garant: GarantDep, actor: ActorDep, lang: Lang = "fr") -> Response:
    data = casefile.case_file_pdf(garant, actor=actor, order_id=order_id, locale=lang)
    return _pdf(data, f"garant-litige-commande-{order_id}.pdf")


@router.get(
    "/orders/{order_id}/dispute/complaint-letter.pdf",
    summary="MSG-4: the complaint letter for registered mail with acknowledgment of receipt",
    response_class=Response,
)
def complaint_letter_pdf(
    order_id: int,
    garant: GarantDep,
    actor: ActorDep,
    lang: Lang = "fr",
    sender: Annotated[
        list[str] | None, Query(description="the sender block, one line per parameter")
    ] = None,
) -> Response:
    data = casefile.complaint_letter(
        garant, actor=actor, order_id=order_id, sender_lines=sender, locale=lang
    )
    assert isinstance(data, bytes)
    return _pdf(data, f"reclamation-commande-{order_id}.pdf")


@router.get(
    "/orders/{order_id}/dispute/complaint-letter.txt",
    summary="MSG-4: the same letter as plain text",
    response_class=PlainTextResponse,
)
def complaint_letter_text(
    order_id: int,
    garant: GarantDep,
    actor: ActorDep,
    lang: Lang = "fr",
    sender: Annotated[list[str] | None, Query()] = None,
) -> PlainTextResponse:
    text = casefile.complaint_letter(
        garant, actor=actor, order_id=order_id, sender_lines=sender, locale=lang, as_pdf=False
    )
    assert isinstance(text, str)
    return PlainTextResponse(text)


@router.get("/disputes", summary="An agent's queue (escalated, oldest first) or one's disputes")
def list_disputes(
    garant: GarantDep,
    actor: ActorDep,
    state: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: str | None = None,
) -> dict[str, Any]:
    after = None
    if cursor is not None:
        if not cursor.isdigit():
            raise InvalidInput("cursor is not one this API gave; start again without it")
        after = int(cursor)
    items, next_id = service.list_disputes(
        garant, actor=actor, state=state, limit=limit, cursor=after
    )
    return {"items": items, "next_cursor": str(next_id) if next_id is not None else None}


@router.get("/dispute-reasons", summary="DSP-2/3: reasons, their details, the resolutions")
def dispute_reasons() -> dict[str, Any]:
    return {
        "reasons": [
            {
                **r.to_json(),
                "details": [d.to_json() for d in DETAILS.get(code, {}).values()],
            }
            for code, r in REASONS.items()
        ],
        "resolutions": [label.to_json() for label in RESOLUTION_LABELS.values()],
        "rules": service.dispute_rules(),
    }


def _action_route(action: DisputeAction, model: type[Body]) -> None:
    def endpoint(
        order_id: int,
        body: Any,
        garant: GarantDep,
        actor: ActorDep,
        if_match: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        params = body.model_dump()
        if isinstance(params.get("resolution"), dict):
            params["resolution"] = dict(params["resolution"])
        service.act(
            garant,
            actor=actor,
            order_id=order_id,
            action=action.value,
            params=params,
            expected_version=_version(if_match),
        )
        return _view(garant, actor, order_id)

    rule = DISPUTE_TRANSITIONS[action]
    endpoint.__annotations__["body"] = model
    endpoint.__name__ = f"dispute_{action.value}"
    router.post(
        f"/orders/{{order_id}}/dispute/actions/{action.value}",
        summary=rule.meaning,
        description=(
            f"Allowed while the dispute is: {', '.join(sorted(s.value for s in rule.sources))}; "
            f"roles: {', '.join(sorted(r.value for r in rule.roles))}. Send If-Match with the "
            "order's version to refuse acting on a stale read (409)."
        ),
        name=f"dispute_{action.value}",
    )(endpoint)


for _action, _model in BODIES.items():
    _action_route(_action, _model)
