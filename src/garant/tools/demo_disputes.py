"""The demo's disputes (DSP), messages (DSP-1) and a return, at every stage, built through the
services like the rest of the demo.

Cases that must be older than the 72 h before a party may escalate are opened before the demo
moves its clock (``open_early``) and taken further afterwards (``after_time_moved``).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from garant.services import disputes, messages, users

if TYPE_CHECKING:
    from garant.tools.demo import _Builder

RETURN_ADDRESSES = {
    "lumiere": "Boutique Lumière\nService retours\n12 rue des Lilas\n69003 Lyon\nFrance",
    "gadgets": "Shenzhen Gadgets EU returns\nLagerstraße 4\n21079 Hamburg\nGermany",
}


def photo(b: _Builder, order_id: int, who: str, colour: tuple[int, int, int]) -> int:
    """A small generated photo uploaded as evidence (stored by hash, metadata stripped)."""
    from PIL import Image

    from garant.services import evidence

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, format="JPEG")
    view = evidence.upload(
        b.app,
        actor=b.actor(_who(b, order_id, who)),
        data=buf.getvalue(),
        filename=f"photo-{order_id}-{who}.jpg",
        order_id=order_id,
    )
    return int(view["id"])


def part(b: _Builder, order_id: int, share: float) -> str:
    """A share of the order's total, as an amount (demo items have different prices)."""
    from garant.store import orders as order_store

    with b.app.engine.connect() as conn:
        total = order_store.load(conn, order_id).total_cents
    cents = max(1, int(total * share))
    return f"{cents // 100}.{cents % 100:02d}"


def _who(b: _Builder, order_id: int, who: str) -> str:
    if who == "buyer":
        return b._buyer_of(order_id)
    if who == "seller":
        return b._seller_of(order_id)
    return who


def dispute_step(b: _Builder, order_id: int, who: str, action: str, **params: Any) -> None:
    disputes.act(
        b.app,
        actor=b.actor(_who(b, order_id, who)),
        order_id=order_id,
        action=action,
        params=params,
    )


def open_case(b: _Builder, order_id: int, reason: str, wanted: dict[str, Any], text: str,
              *, detail: str | None = None, evidence: list[int] | None = None) -> None:  # fmt: skip
    disputes.open_dispute(
        b.app,
        actor=b.actor(b._buyer_of(order_id)),
        order_id=order_id,
        reason=reason,
        detail=detail,
        description=text,
        resolution=wanted,
        evidence=evidence or [],
    )


def say(b: _Builder, order_id: int, who: str, text: str) -> None:
    messages.post_order_message(
        b.app, actor=b.actor(_who(b, order_id, who)), order_id=order_id, body=text
    )


def set_return_addresses(b: _Builder) -> None:
    for key, address in RETURN_ADDRESSES.items():
        users.set_return_address(
            b.app,
            actor_role=b.actor("operator").role,
            actor_id=None,
            seller_id=b.accounts.users[key].id,
            address=address,
        )


def delivered(b: _Builder, key: str, **kw: Any) -> int:
    order_id = b.shipped(key, **kw)
    b.do(order_id, "operator", "record_delivery", where="Boîte aux lettres")
    return order_id


def open_early(b: _Builder) -> list[int]:
    """Disputes old enough, once the clock moves, for escalation and the agent's queue."""
    set_return_addresses(b)
    escalated = delivered(b, "dispute_escalated")
    open_case(b, escalated, "not_as_described", {"kind": "full_refund"},
              "La montre reçue est noire, j'avais commandé la version argent.",
              detail="colour", evidence=[photo(b, escalated, "buyer", (20, 20, 20))])  # fmt: skip
    dispute_step(b, escalated, "seller", "contest", message="La photo du lot montre l'argent.",
                 evidence=[photo(b, escalated, "seller", (190, 190, 200))])  # fmt: skip
    decided = delivered(b, "dispute_decided", buyer="emma")
    open_case(b, decided, "defective", {"kind": "full_refund"},
              "The lamp flickers and switches itself off after a minute.",
              evidence=[photo(b, decided, "buyer", (250, 240, 180))])  # fmt: skip
    dispute_step(b, decided, "seller", "make_offer",
                 resolution={"kind": "partial_refund", "amount": part(b, decided, 0.2)},
                 message="We can refund part of the price for the inconvenience.")  # fmt: skip
    dispute_step(b, decided, "buyer", "reject_offer", message="It does not work at all.")
    return [escalated, decided]


def after_time_moved(b: _Builder, early: list[int]) -> None:
    escalated, decided = early
    dispute_step(b, escalated, "buyer", "escalate", message="Pas d'accord possible.")
    dispute_step(b, escalated, "agent", "request_evidence", party="seller",
                 note="Merci d'envoyer la photo de l'article emballé avant l'envoi.")  # fmt: skip
    dispute_step(b, decided, "seller", "escalate")
    dispute_step(b, decided, "agent", "decide", in_favour_of="split", amount=part(b, decided, 0.5),
                 note="Defect shown on the photo; the item remains usable as a lamp.")  # fmt: skip

    waiting = b.shipped("dispute_awaiting_seller")
    say(b, waiting, "buyer", "Bonjour, mon colis n'avance plus depuis deux semaines.")
    say(b, waiting, "seller", "Bonjour, nous vérifions avec le transporteur.")
    open_case(b, waiting, "not_received", {"kind": "reshipment"},
              "Le suivi ne bouge plus et je n'ai rien reçu.")  # fmt: skip

    talking = delivered(b, "dispute_negotiating")
    open_case(b, talking, "damaged", {"kind": "full_refund"}, "Le sac est arrivé déchiré.",
              evidence=[photo(b, talking, "buyer", (120, 80, 40))])  # fmt: skip
    dispute_step(b, talking, "seller", "make_offer",
                 resolution={"kind": "partial_refund", "amount": part(b, talking, 0.3)},
                 message="Remboursement partiel proposé, vous gardez le sac.")  # fmt: skip

    agreed = delivered(b, "dispute_resolved_partial", buyer="emma")
    open_case(b, agreed, "wrong_item", {"kind": "partial_refund", "amount": part(b, agreed, 0.3)},
              "Wrong colour of garland lights, but I can use them.")  # fmt: skip
    dispute_step(b, agreed, "seller", "accept_request")

    back = delivered(b, "dispute_return_started")
    open_case(b, back, "wrong_item", {"kind": "return_and_refund"},
              "J'ai reçu une coque pour un autre modèle de téléphone.",
              evidence=[photo(b, back, "buyer", (30, 90, 200))])  # fmt: skip
    dispute_step(b, back, "seller", "accept_request")
