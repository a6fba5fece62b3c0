"""DSP-8, DSP-9, MSG-4: the case file of an order's dispute, read from the database, and the
documents made from it (the PDF case file, the complaint letter, the outside remedies).

The buyer, the seller and the platform's staff may export it; everyone else is told the order
does not exist.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from garant import casefile as cf
from garant.app import Garant
from garant.casefile.pdf import render_case_file, render_complaint_letter
from garant.casefile.remedies import complaint_letter_text, remedies_for
from garant.domain.disputes import REASONS, STATE_LABELS, Dispute
from garant.domain.errors import InvalidInput, NotFound
from garant.domain.orders import Actor, Order
from garant.domain.statuses import status
from garant.services.unit_of_work import load_visible
from garant.store import orders as repo
from garant.store import tracking as tracking_store
from garant.store import users as user_store
from garant.store.db import Connection, reading


def platform_of(app: Garant) -> cf.Platform:
    lines = tuple(x.strip() for x in app.settings.platform_address.split("|") if x.strip())
    return cf.Platform(name=app.settings.platform_name, address_lines=lines)


def case_file(app: Garant, *, actor: Actor, order_id: int) -> cf.CaseFile:
    now = app.clock.now()
    with reading(app.engine) as conn:
        order = load_visible(conn, order_id, actor)
        if order.dispute is None:
            raise NotFound(f"order {order_id} has no dispute, so no case file")
        return _assemble(app, conn, order, order.dispute, now)


def case_file_pdf(app: Garant, *, actor: Actor, order_id: int, locale: str = "fr") -> bytes:
    return render_case_file(case_file(app, actor=actor, order_id=order_id), locale=_lang(locale))


def complaint_letter(
    app: Garant,
    *,
    actor: Actor,
    order_id: int,
    sender_lines: list[str] | None = None,
    locale: str = "fr",
    as_pdf: bool = True,
) -> bytes | str:
    """MSG-4: the buyer's letter for registered mail with acknowledgment of receipt."""
    if actor.role.value not in ("buyer", "agent", "operator"):
        raise NotFound(f"order {order_id} not found")
    lines = [x.strip() for x in (sender_lines or []) if x.strip()]
    if len(lines) > 8 or any(len(x) > 120 for x in lines):
        raise InvalidInput("sender: at most 8 lines of 120 characters (name, address, town)")
    case = case_file(app, actor=actor, order_id=order_id)
    lang = _lang(locale)
    if as_pdf:
        return render_complaint_letter(case, sender_lines=lines or None, locale=lang)
    return complaint_letter_text(case, lines or None, locale=lang)


def remedies(
    app: Garant, *, actor: Actor, order_id: int, locale: str = "fr"
) -> list[dict[str, Any]]:
    """DSP-8: what the buyer can still do after losing the dispute ([] otherwise)."""
    return remedies_for(case_file(app, actor=actor, order_id=order_id), _lang(locale))


def _lang(locale: str) -> str:
    if locale not in ("fr", "en"):
        raise InvalidInput("lang: 'fr' or 'en'")
    return locale


def _assemble(
    app: Garant, conn: Connection, order: Order, d: Dispute, now: datetime
) -> cf.CaseFile:
    assert order.id is not None and d.id is not None
    people = user_store.people(conn, [order.buyer_id, order.seller_id])
    buyer, seller = people[order.buyer_id], people[order.seller_id]
    shown = order.display_status()
    reason = REASONS.get(d.reason)
    state = STATE_LABELS[d.state]
    outcome = None
    if d.outcome is not None:
        outcome = cf.Outcome(
            kind=str(d.outcome.get("kind")),
            amount_cents=d.outcome.get("amount_cents"),
            how=str(d.outcome.get("how")),
            in_favour_of=str(d.outcome.get("in_favour_of")),
        )
    from garant.services.evidence import describe
    from garant.services.messages import messages_for_order

    thread = messages_for_order(conn, order.id)
    ids = d.all_evidence() + [i for m in thread for i in m["attachments"]]
    files = describe(conn, list(dict.fromkeys(ids)))
    return cf.CaseFile(
        generated_at=now,
        platform=platform_of(app),
        order=cf.Order(
            id=order.id,
            external_ref=order.external_ref,
            created_at=order.created_at,
            paid_at=order.paid_at,
            total_cents=order.total_cents,
            currency="EUR",
            items=tuple(
                cf.Item(
                    title=i["title"],
                    quantity=int(i["quantity"]),
                    unit_price_cents=int(i["unit_price_cents"]),
                )
                for i in order.items
            ),
            shipping_method=order.shipping_method,
            tracking_number=order.tracking_number
            or (order.previous_tracking_numbers[-1] if order.previous_tracking_numbers else None),
            carrier=order.carrier,
            state=order.state.value,
            status_fr=shown.fr,
            status_en=shown.en,
            buyer=cf.Buyer(id=buyer.id, name=buyer.name, email=buyer.email),
            seller=cf.Seller(id=seller.id, name=seller.name),
        ),
        dispute=cf.Dispute(
            id=d.id,
            reason=d.reason,
            reason_label_fr=reason.fr if reason else d.reason,
            reason_label_en=reason.en if reason else d.reason,
            detail=d.detail,
            description=d.description,
            requested=cf.Resolution(
                kind=d.requested.kind.value, amount_cents=d.requested.amount_cents
            ),
            opened_at=d.opened_at,
            state=d.state.value,
            state_label_fr=state.fr,
            state_label_en=state.en,
            closed_at=d.closed_at,
            outcome=outcome,
        ),
        timeline=tuple(_timeline(conn, order.id)),
        tracking=tuple(_tracking(conn, order.id)),
        messages=tuple(
            cf.Message(
                at=_at(m["created_at"]),
                author_role=m["author_role"],
                author_name=m["author_name"],
                body=m["body"],
                attachment_ids=tuple(m["attachments"]),
            )
            for m in thread
        ),
        offers=tuple(
            cf.Offer(
                seq=o.seq,
                at=o.made_at,
                by_role=o.by_role.value,
                kind=o.resolution.kind.value,
                amount_cents=o.resolution.amount_cents,
                message=o.message,
                status=o.status.value,
                reply_by=o.reply_by,
            )
            for o in d.offers
        ),
        evidence=tuple(
            cf.Evidence(
                id=int(f["id"]),
                filename=f["filename"],
                kind=f["kind"],
                content_type=f["content_type"],
                size_bytes=int(f["size_bytes"]),
                sha256=f["sha256"],
                shown_sha256=f["shown_sha256"],
                uploader_role=f["uploader_role"],
                at=_at(f["created_at"]),
            )
            for f in files
        ),
        evidence_requests=tuple(
            cf.EvidenceRequest(
                party=r.party.value,
                note=r.note,
                asked_at=r.asked_at,
                due_at=r.due_at,
                status=r.status.value,
                answered_at=r.answered_at,
            )
            for r in d.requests
        ),
        decision=_decision(d),
        refunds=tuple(
            cf.Refund(
                amount_cents=int(r["amount_cents"]),
                expected_from=_day(r["expected_from"]),
                expected_to=_day(r["expected_to"]),
                settled_at=r["settled_at"],
            )
            for r in repo.refunds_of(conn, order.id)
        ),
    )


def _decision(d: Dispute) -> cf.Decision | None:
    if d.decision is None or d.decided_at is None:
        return None
    res = d.decision.get("resolution") or {}
    return cf.Decision(
        in_favour_of=str(d.decision.get("in_favour_of")),
        kind=str(res.get("kind")),
        amount_cents=res.get("amount_cents"),
        note=str(d.decision.get("note", "")),
        decided_at=d.decided_at,
        appealed=d.appealed_at is not None,
        final=bool(d.decision.get("final")),
    )


def _timeline(conn: Connection, order_id: int) -> list[cf.TimelineEntry]:
    out = []
    for e in repo.timeline_of(conn, order_id):
        word = status(e["status_code"]) if e["status_code"] else None
        out.append(
            cf.TimelineEntry(
                at=_at(e["at"]),
                actor_role=e["actor_role"],
                action=e["action"],
                status_fr=word.fr if word else None,
                status_en=word.en if word else None,
                reason=e["reason"] or "",
                details={k: v for k, v in (e["data"] or {}).items() if v not in (None, [], {})},
            )
        )
    return out


def _tracking(conn: Connection, order_id: int) -> list[cf.TrackingEvent]:
    shipment_id = tracking_store.shipment_of_order(conn, order_id)
    if shipment_id is None:
        return []
    return [
        cf.TrackingEvent(
            at=e.occurred_at,
            location=_place(e.location),
            description=e.raw_text,
            status=e.status.value,
        )
        for e in tracking_store.events_of(conn, shipment_id)
    ]


def _place(loc: Any) -> str | None:
    parts = [loc.description or "", loc.city or "", loc.country or ""]
    text = ", ".join(dict.fromkeys(p for p in parts if p))
    return text or None


def _at(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _day(value: Any) -> datetime:
    return datetime.combine(value, time(12, 0), tzinfo=UTC)
