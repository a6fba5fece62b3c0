"""What a caller sees of an order: status, timeline, allowed actions, deadlines (PayPal-style:
every party always sees what it may do now and by when)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from garant.app import Garant
from garant.domain.cancellation import BUYER_REASONS, SECURITY_REASONS
from garant.domain.errors import NotFound
from garant.domain.money import to_str
from garant.domain.orders import Actor, DeadlineKind, Order
from garant.domain.statuses import status
from garant.domain.transitions import SHIPPED_OR_LATER
from garant.services.tracking import shipment_view
from garant.store import order_reads
from garant.store import orders as repo
from garant.store.db import Connection, reading

# What happens when a deadline passes, in both languages.
DEADLINE_EFFECTS: dict[DeadlineKind, tuple[str, str, str]] = {
    DeadlineKind.ABANDON_UNPAID: (
        "abandon",
        "Sans paiement d'ici là, la commande sera abandonnée.",
        "Without payment by then, the order will be abandoned.",
    ),
    DeadlineKind.BUYER_DETAILS: (
        "abandon_and_refund",
        "Sans vos précisions d'ici là, la commande sera abandonnée et remboursée.",
        "Without your details by then, the order will be abandoned and refunded.",
    ),
    DeadlineKind.SHIP_BY: (
        "cancel_and_refund",
        "Si le vendeur n'a pas expédié d'ici là, la commande sera annulée et remboursée "
        "automatiquement.",
        "If the seller has not shipped by then, the order will be cancelled and refunded "
        "automatically.",
    ),
    DeadlineKind.SELLER_ANSWER: (
        "cancel_and_refund",
        "Sans réponse du vendeur d'ici là, la commande sera annulée et remboursée automatiquement.",
        "If the seller does not answer by then, the order will be cancelled and refunded "
        "automatically.",
    ),
}

DEADLINE_EFFECTS.update(
    {
        DeadlineKind.PROTECTION_END: (
            "release_to_seller",
            "À la fin de la protection acheteur, la réception sera confirmée automatiquement et "
            "le vendeur payé, sauf litige ouvert.",
            "When buyer protection ends, receipt is confirmed automatically and the seller is "
            "paid, unless a dispute is open.",
        ),
        DeadlineKind.CHOICE_GUARANTEE: (
            "refund_in_full",
            "Commande Choice non livrée d'ici là : remboursement intégral automatique.",
            "A Choice order not delivered by then is refunded in full automatically.",
        ),
        DeadlineKind.DISPUTE_SELLER_ANSWER: (
            "grant_buyer_request",
            "Sans réponse du vendeur d'ici là, la demande de l'acheteur sera acceptée.",
            "If the seller does not answer by then, the buyer's request is granted.",
        ),
        DeadlineKind.DISPUTE_OFFER_REPLY: (
            "offer_lapses",
            "Sans réponse d'ici là, la proposition expirera.",
            "Without an answer by then, the offer lapses.",
        ),
        DeadlineKind.DISPUTE_ESCALATION: (
            "escalate",
            "Sans accord d'ici là, la plateforme interviendra comme médiateur.",
            "Without an agreement by then, the platform mediates.",
        ),
        DeadlineKind.DISPUTE_EVIDENCE_DUE: (
            "decide_without",
            "Les preuves demandées doivent être fournies d'ici là ; sinon la décision sera "
            "prise sans elles.",
            "The evidence asked for is due by then; otherwise the decision is made without it.",
        ),
        DeadlineKind.DISPUTE_APPEAL_WINDOW: (
            "decision_carried_out",
            "Sans appel d'ici là, la décision de la plateforme sera exécutée.",
            "Without an appeal by then, the platform's decision is carried out.",
        ),
        DeadlineKind.RETURN_SHIP_BACK: (
            "seller_paid",
            "Renvoyez l'article d'ici là ; sinon le vendeur sera payé.",
            "Send the item back by then; otherwise the seller is paid.",
        ),
        DeadlineKind.RETURN_CONFIRM: (
            "refund",
            "Sans confirmation du vendeur d'ici là, l'acheteur sera remboursé.",
            "If the seller has not confirmed by then, the buyer is refunded.",
        ),
    }
)

REMEDIES = {
    "contact_seller": ("Contacter le vendeur", "Contact the seller"),
    "return": ("Demander un retour", "Ask for a return"),
    "dispute": ("Ouvrir un litige", "Open a dispute"),
}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def order_view(app: Garant, order_id: int, actor: Actor) -> dict[str, Any]:
    # Before the connection's transaction: the sandbox clock reads the database, and on
    # SQLite (every transaction is BEGIN IMMEDIATE) it would wait for this one.
    now = app.clock.now()
    with reading(app.engine) as conn:
        # At most four statements: the order with its one-to-one parts and parcel row, its
        # dispute's offers and requests (when it has a dispute), its timeline and refunds,
        # its parcel's events and numbers (when it has a parcel).
        try:
            order, parcel = repo.load_with_parcel(conn, order_id)
        except repo.OrderNotFound:
            raise NotFound(f"order {order_id} not found") from None
        if not order.is_party(actor):
            raise NotFound(f"order {order_id} not found")
        return build_view(conn, order, actor, now, parcel=parcel)


def build_view(
    conn: Connection,
    order: Order,
    actor: Actor,
    now: datetime,
    *,
    parcel: dict[str, Any] | None,
) -> dict[str, Any]:
    """The caller's view of ``order``; ``parcel`` is its current parcel's row, read with the
    order (``store.orders.load_with_parcel``)."""
    assert order.id is not None
    history = order_reads.history_of(conn, order.id)
    b = order.balances
    view: dict[str, Any] = {
        "id": order.id,
        "external_ref": order.external_ref,
        "version": order.version,
        "state": order.state.value,
        "status": order.display_status().to_json(),
        "buyer_id": order.buyer_id,
        "seller_id": order.seller_id,
        "total": to_str(order.total_cents),
        "currency": "EUR",
        "previous_total": to_str(order.previous_total_cents)
        if order.previous_total_cents is not None
        else None,
        "items": [{**i, "unit_price": to_str(i["unit_price_cents"])} for i in order.items],
        "shipping_method": order.shipping_method,
        "product_category": order.product_category,
        "is_choice": order.is_choice,
        "policy_version": order.policy.version,
        "created_at": _iso(order.created_at),
        "ship_by": _iso(order.ship_by),
        "invoice_available": order.invoice_available,
        "tracking": {
            "number": order.tracking_number,
            "previous_numbers": order.previous_tracking_numbers,
            "status": status(order.shipment_status).to_json() if order.shipment_status else None,
            "shipped_at": _iso(order.shipped_at),
            "delivered_at": _iso(order.delivered_at),
            "shipment": _shipment(conn, order, parcel, now),
        },
        "money": {
            "paid": to_str(b.paid),
            "held": to_str(b.held),
            "released": to_str(b.released),
            "refunded": to_str(b.refunded),
        },
        "refunds": [
            {
                "id": r["id"],
                "amount": to_str(r["amount_cents"]),
                "reason": r["reason"],
                "expected_from": r["expected_from"].isoformat(),
                "expected_to": r["expected_to"].isoformat(),
                "settled_at": _iso(r["settled_at"]),
            }
            for r in history.refunds
        ],
        "cancellation_request": _request_view(order),
        "extension_request": {"days": order.extension_days_pending}
        if order.extension_days_pending is not None
        else None,
        "closed": {
            "reason": order.close_reason,
            "fault": order.close_fault.value if order.close_fault else None,
            "at": _iso(order.closed_at),
        }
        if order.closed_at
        else None,
        "security": _security_view(order),
        "protection": _protection_view(order, actor, now),
        "return": _return_view(order),
        "allowed_actions": order.allowed_actions(actor),
        "deadlines": [
            {
                "kind": d.kind.value,
                "due_at": d.due_at.isoformat(),
                "seconds_left": max(0, int((d.due_at - now).total_seconds())),
                "effect": DEADLINE_EFFECTS[d.kind][0],
                "fr": DEADLINE_EFFECTS[d.kind][1],
                "en": DEADLINE_EFFECTS[d.kind][2],
            }
            for d in sorted(order.deadlines(), key=lambda d: d.due_at)
        ],
        "remedies": [{"code": c, "fr": fr, "en": en} for c, (fr, en) in REMEDIES.items()]
        if order.state in SHIPPED_OR_LATER
        else [],
        "timeline": [
            {
                "at": _iso(e["at"]),
                "action": e["action"],
                "status": status(e["status_code"]).to_json() if e["status_code"] else None,
                "actor": {"role": e["actor_role"], "id": e["actor_id"]},
                "reason": e["reason"],
                "data": e["data"],
            }
            for e in history.timeline
        ],
    }
    return view


def _shipment(
    conn: Connection, order: Order, parcel: dict[str, Any] | None, now: datetime
) -> dict[str, Any] | None:
    """The parcel's timeline, estimate and diagnoses (TRK-1, 4-8), with the protection end
    of this order's own policy."""
    if parcel is None:
        return None
    protection_end = order.protection_end() or order.created_at + order.policy.protection_period(
        order.product_category
    )
    events, numbers = order_reads.parcel_of(conn, int(parcel["id"]))
    return shipment_view(parcel, events, numbers, now, protection_end)


def _protection_view(order: Order, actor: Actor, now: datetime) -> dict[str, Any]:
    """PRT-1/2/4: until when the money waits, and whether (and until when) a dispute can be
    opened; the open dispute's summary for this caller."""
    window = order.dispute_window()
    d = order.dispute
    can_open = actor.role.value == "buyer" and order.can_open_dispute(now)
    return {
        "protection_ends_at": _iso(order.protection_end()),
        "dispute_window": {"opens": _iso(window[0]), "closes": _iso(window[1]), "basis": window[2]}
        if window
        else None,
        "can_open_dispute": can_open,
        "dispute": {
            "id": d.id,
            "state": d.state.value,
            "is_open": d.is_open,
            "allowed_actions": d.allowed_actions(actor.role, actor.user_id, now)
            if order.is_party(actor)
            else [],
            "outcome": d.outcome,
        }
        if d is not None
        else None,
    }


def _return_view(order: Order) -> dict[str, Any] | None:
    rr = order.return_request
    if rr is None:
        return None
    return {
        "status": rr.status.value,
        "refund": to_str(rr.refund_cents),
        "return_address": rr.return_address,
        "ship_back_by": _iso(rr.ship_back_by),
        "tracking_number": rr.tracking_number,
        "carrier": rr.carrier,
        "shipped_back_at": _iso(rr.shipped_back_at),
        "confirm_by": _iso(rr.confirm_by),
        "received_at": _iso(rr.received_at),
    }


def _request_view(order: Order) -> dict[str, Any] | None:
    req = order.cancellation
    if req is None:
        return None
    reason = BUYER_REASONS.get(req.reason)
    return {
        "reason": req.reason,
        "reason_fr": reason.fr if reason else req.reason,
        "reason_en": reason.en if reason else req.reason,
        "note": req.note,
        "status": req.status.value,
        "requested_at": _iso(req.requested_at),
        "answer_by": _iso(req.answer_by),
        "answered_at": _iso(req.answered_at),
    }


def _security_view(order: Order) -> dict[str, str] | None:
    if order.close_reason and order.close_reason.startswith("security:"):
        code = order.close_reason.split(":", 1)[1]
        fr, en, next_fr, next_en = SECURITY_REASONS[code]
        return {
            "reason": code,
            "fr": fr,
            "en": en,
            "next_step_fr": next_fr,
            "next_step_en": next_en,
        }
    if order.security_flag:
        return {
            "reason": order.security_flag,
            "fr": "Commande en cours de vérification.",
            "en": "Order under review.",
            "next_step_fr": "",
            "next_step_en": "",
        }
    return None
