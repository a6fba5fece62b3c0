"""Tell the other party what happened in a dispute (DSP-3..7), its return (RET) and the end
of the buyer protection (PRT-1, PRT-3), by email and in the app.

``messages_for`` reads the timeline entries an action (or a deadline) just appended to the
order and gives one ``notify.<kind>`` outbox message per person concerned, which the unit of
work writes in the transaction of the step: the message exists exactly when the step was
saved, once. The relay then delivers it in the recipient's language (``notify.messages``).

Who hears of a step:
- never the one who took it (they have the answer on their screen);
- only the parties of the order: the buyer and the seller (agents work from their queue);
- one message per person per step: when a step closes the dispute, the closing message
  (with the refund, the reshipment or the return it carries out) is the only one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from garant.domain.disputes import STATE_LABELS, Dispute, Offer
from garant.domain.money import CURRENCY
from garant.domain.orders import Order, TimelineEntry
from garant.domain.transitions import Role
from garant.notify.messages import TOPIC_PREFIX
from garant.store import outbox

BUYER, SELLER = Role.BUYER.value, Role.SELLER.value
PARTIES = (BUYER, SELLER)
_TEXT_CHARS = 500  # what a message quotes of a party's or an agent's free text

# What closes the dispute in a step; the closing message supersedes every other of the step.
_CLOSING = frozenset({"dispute_resolved", "withdraw_dispute"})
# When one step tells a person several things (a deadline pass that lets an offer lapse and
# escalates the case), the most consequential is the one sent.
_RANK = (
    "dispute_decided",
    "dispute_escalated",
    "dispute_evidence_requested",
    "dispute_answered",
    "dispute_offer",
    "dispute_opened",
    "return_closed",
    "return_shipped",
    "choice_refunded",
    "auto_confirmed",
)
KINDS = frozenset({*_RANK, "dispute_closed", "return_started"})


@dataclass(frozen=True)
class Note:
    """One message to write: its kind, the recipient's role on the order, what it says."""

    kind: str
    role: str
    details: dict[str, Any] = field(default_factory=dict)


def messages_for(order: Order, entries: Sequence[TimelineEntry]) -> list[outbox.Message]:
    """The ``notify.<kind>`` messages for the order's new timeline entries. Pure: the unit of
    work writes them with the order, before its save clears ``order.new_timeline``."""
    if order.id is None:
        return []
    return [
        outbox.Message(
            topic=f"{TOPIC_PREFIX}{note.kind}",
            order_id=order.id,
            created_at=at,
            payload=_payload(order, note, at),
        )
        for note, at in plan(order, entries)
    ]


def plan(order: Order, entries: Iterable[TimelineEntry]) -> list[tuple[Note, datetime]]:
    """The messages the entries call for, each with the time of its step. Pure: no I/O."""
    out: list[tuple[Note, datetime]] = []
    for step in _steps(entries):
        first = step[0]
        chosen: dict[str, Note] = {}
        for note in _closing(order, step) or _others(order, step):
            if note.role not in PARTIES or note.role == first.actor_role:
                continue  # never the one who acted; never anyone but the parties
            held = chosen.get(note.role)
            if held is None or _rank(note.kind) < _rank(held.kind):
                chosen[note.role] = note
        out.extend((chosen[role], first.at) for role in PARTIES if role in chosen)
    return out


def _rank(kind: str) -> int:
    return _RANK.index(kind) if kind in _RANK else -1  # closing kinds first


def _steps(entries: Iterable[TimelineEntry]) -> list[list[TimelineEntry]]:
    """Entries grouped by step: one actor at one instant (an action and what it carried out,
    or one deadline pass)."""
    steps: list[list[TimelineEntry]] = []
    for entry in entries:
        last = steps[-1][0] if steps else None
        if last is not None and (last.at, last.actor_role, last.actor_id) == (
            entry.at,
            entry.actor_role,
            entry.actor_id,
        ):
            steps[-1].append(entry)
        else:
            steps.append([entry])
    return steps


def _other(role: str) -> str:
    return SELLER if role == BUYER else BUYER


def _resolution(raw: object) -> dict[str, Any] | None:
    if not isinstance(raw, dict) or not raw.get("kind"):
        return None
    return {"kind": str(raw["kind"]), "amount": raw.get("amount")}


def _short(value: object) -> str | None:
    text = " ".join(str(value or "").split())
    if not text:
        return None
    return text if len(text) <= _TEXT_CHARS else text[: _TEXT_CHARS - 1] + "…"


def _iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def _offer(d: Dispute | None, seq: object) -> Offer | None:
    if d is None:
        return None
    return next((o for o in d.offers if o.seq == seq), None)


def _amount(entries: Iterable[TimelineEntry], action: str) -> Decimal:
    return sum((Decimal(str(e.data.get("amount") or 0)) for e in entries if e.action == action),
               Decimal(0))  # fmt: skip


def _money(value: Decimal) -> str | None:
    return str(value.quantize(Decimal("0.01"))) if value > 0 else None


def _refund(step: Sequence[TimelineEntry]) -> dict[str, Any] | None:
    """The refunds a step started (PRT-5): their sum and when the buyer can expect them."""
    started = [e for e in step if e.action == "refund_started"]
    if not started:
        return None
    return {
        "amount": _money(_amount(started, "refund_started")),
        "expected_from": min(str(e.data["expected_from"]) for e in started),
        "expected_to": max(str(e.data["expected_to"]) for e in started),
    }


def _released(step: Sequence[TimelineEntry]) -> str | None:
    return _money(_amount(step, "funds_released"))


# ---------------------------------------------------------------------------------- closing


def _closing(order: Order, step: Sequence[TimelineEntry]) -> list[Note]:
    """The dispute closed in this step: both parties hear how, and what happens now."""
    end = next((e for e in step if e.action in _CLOSING), None)
    if end is None:
        return []
    d = order.dispute
    first = step[0]
    outcome: dict[str, Any] = dict(end.data.get("outcome") or {})
    if end.action == "withdraw_dispute":
        outcome = {"kind": "withdrawn", "how": "withdrawn", "in_favour_of": SELLER}
    decided = next((e for e in step if e.action == "decide"), None)
    details: dict[str, Any] = {
        "how": outcome.get("how") or end.data.get("how"),
        "trigger": first.action,  # accept_request, accept_offer, decide, grant_by_default…
        "by": first.actor_role,
        "in_favour_of": outcome.get("in_favour_of"),
        "resolution": _resolution(outcome) if outcome.get("kind") != "withdrawn" else None,
        "note": _short(decided.data.get("note")) if decided is not None else None,
        "refund": _refund(step),
        "released": _released(step),
    }
    accepted = _offer(d, first.data.get("offer")) if first.action == "accept_offer" else None
    if accepted is not None:
        details["offer_by"] = accepted.by_role.value
    reship = next((e for e in step if e.action == "reshipment_agreed"), None)
    if reship is not None:
        details["ship_by"] = reship.data.get("ship_by")
    started = next((e for e in step if e.action == "return_started"), None)
    if started is not None:
        details["return"] = {
            "address": started.data.get("return_address"),
            "ship_back_by": started.data.get("ship_back_by"),
            "refund": started.data.get("refund"),
        }
        # The buyer is the one who has something to do: the return is their message.
        return [Note("return_started", BUYER, details), Note("dispute_closed", SELLER, details)]
    return [Note("dispute_closed", role, details) for role in PARTIES]


# ---------------------------------------------------------------------------------- the rest


def _others(order: Order, step: Sequence[TimelineEntry]) -> list[Note]:
    notes: list[Note] = []
    for entry in step:
        notes.extend(_entry(order, entry, step))
    return notes


def _entry(order: Order, e: TimelineEntry, step: Sequence[TimelineEntry]) -> list[Note]:
    d, data, by = order.dispute, e.data, e.actor_role
    action = e.action
    if action == "open_dispute":
        return [Note("dispute_opened", SELLER, {
            "reason": data.get("dispute_reason"),
            "detail": data.get("detail"),
            "requested": _resolution(data.get("requested")),
            "message": _short(e.reason),
            "answer_by": data.get("seller_answer_by"),
        })]  # fmt: skip
    if action == "contest":
        return [Note("dispute_answered", BUYER, {"answer": "contested", "by": by,
                                                 "message": _short(data.get("message")),
                                                 **_talk_window(d, e.at)})]  # fmt: skip
    if action == "make_offer" and by in PARTIES:
        details = {
            "by": by,
            "resolution": _resolution(data.get("resolution")),
            "message": _short(data.get("message")),
            "reply_by": data.get("reply_by"),
        }
        first_answer = (
            by == SELLER
            and data.get("offer") == 1
            and d is not None
            and d.seller_answered_at == e.at
        )
        if first_answer:
            return [Note("dispute_answered", BUYER, {**details, "answer": "offer",
                                                     **_talk_window(d, e.at)})]  # fmt: skip
        return [Note("dispute_offer", _other(by), {**details, "event": "made"})]
    if action in ("reject_offer", "expire_offer"):
        offer = _offer(d, data.get("offer"))
        if offer is None:
            return []
        details = {
            "event": "rejected" if action == "reject_offer" else "expired",
            "by": offer.by_role.value,
            "resolution": _resolution(offer.resolution.to_json()),
            "message": _short(data.get("message")),
        }
        if action == "reject_offer":  # the refusal is news to the offer's author only
            return [Note("dispute_offer", offer.by_role.value, details)]
        return [Note("dispute_offer", role, details) for role in PARTIES]
    if action in ("escalate", "auto_escalate", "appeal"):
        details = {"by": by, "appeal": action == "appeal"}
        return [Note("dispute_escalated", role, details) for role in PARTIES]
    if action == "request_evidence":
        party = str(data.get("party"))
        return [Note("dispute_evidence_requested", party,
                     {"note": _short(data.get("note")), "due_at": data.get("due_at")})]  # fmt: skip
    if action == "decide" and not data.get("final"):
        details = {
            "in_favour_of": data.get("in_favour_of"),
            "resolution": _resolution(data.get("resolution")),
            "note": _short(data.get("note")),
            "appeal_by": data.get("appeal_by"),
        }
        return [Note("dispute_decided", role, details) for role in PARTIES]
    return _return_or_protection(order, e, step)


def _talk_window(d: Dispute | None, now: datetime) -> dict[str, Any]:
    """When the buyer may ask the platform to step in, and when it does by itself."""
    if d is None:
        return {}
    return {
        "escalate_from": _iso(d.escalate_from) if d.escalate_from > now else None,
        "escalates_at": _iso(d.negotiation_ends_at),
    }


def _return_or_protection(order: Order, e: TimelineEntry,
                          step: Sequence[TimelineEntry]) -> list[Note]:  # fmt: skip
    rr, action = order.return_request, e.action
    if action == "ship_return":
        return [Note("return_shipped", SELLER, {
            "tracking_number": e.data.get("tracking_number"),
            "carrier": e.data.get("carrier"),
            "confirm_by": e.data.get("confirm_by"),
        })]  # fmt: skip
    results = {
        "confirm_return_received": "received",
        "refund_unconfirmed_return": "unconfirmed",
        "lapse_return": "lapsed",
    }
    if action in results:
        details = {
            "result": results[action],
            "refund": _refund(step),
            "released": _released(step),
            "ship_back_by": _iso(rr.ship_back_by) if rr is not None else None,
        }
        return [Note("return_closed", role, details) for role in PARTIES]
    if action == "auto_confirm_receipt":
        window = order.dispute_window()
        still_open = window is not None and window[1] > e.at
        return [Note("auto_confirmed", BUYER, {
            "released": _released(step),
            "dispute_until": _iso(window[1]) if window is not None and still_open else None,
        })]  # fmt: skip
    if action == "refund_late_choice":
        return [Note("choice_refunded", BUYER, {
            "refund": _refund(step),
            "days": order.policy.choice_refund_after_days,
        })]  # fmt: skip
    return []


# ---------------------------------------------------------------------------------- payload


def _status(order: Order, kind: str) -> dict[str, str]:
    """What the email's "Status" line shows: the dispute's state for a dispute message, the
    order's buyer-visible status otherwise."""
    d = order.dispute
    if kind.startswith("dispute_") and d is not None:
        return STATE_LABELS[d.state].to_json()
    return order.display_status().to_json()


def _payload(order: Order, note: Note, at: datetime) -> dict[str, Any]:
    user_id = order.buyer_id if note.role == BUYER else order.seller_id
    return {
        "type": f"{TOPIC_PREFIX}{note.kind}",
        "kind": note.kind,
        "user_id": user_id,
        "order_id": order.id,
        "external_ref": order.external_ref,
        "role": note.role,
        "status": _status(order, note.kind),
        "at": at.isoformat(),
        "currency": CURRENCY,
        "details": note.details,
    }
