"""One timeline per shipment (TRK-1, TRK-3, TRK-11) and what it means for the order.

A shipment's timeline is every normalised event of every carrier and number the parcel
travelled under: the origin carrier's number and the local number of the last-mile carrier
(TRK-3), fed by polls, webhooks and aggregators, so the same event often arrives several times.
Several orders may share it (TRK-11): the timeline belongs to the parcel; each order reads its
own effect from the summary with ``order_effect``.

Pure domain: no I/O, no clock (``now`` is an argument).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from garant.domain.tracking import (
    Location,
    SubStatus,
    TrackingEvent,
    TrackingStatus,
    buyer_status_code,
)

T = TrackingStatus
S = SubStatus


# --- one event, one key -------------------------------------------------------------------


def dedupe_key(event: TrackingEvent) -> str:
    """The identity of an event, whoever reported it.

    Minute (UTC) + status + sub-status, and nothing else. The location is left out on purpose:
    an aggregator's copy of a carrier event spells the place its own way ("ROISSY CDG" /
    "Roissy-en-France", "广州" / "Guangzhou") or drops it, so any folding of the city would
    still split copies. Carrier, number and text are left out for the same reason (an
    aggregator files La Poste's scan under the origin number, in its own words). The seconds
    are dropped because some sources publish none. What is given up: two distinct scans of the
    same kind in the same minute become one, and they say the same thing to the buyer.
    """
    # "2026-01-05T01:30+00:00"[:16]: the minute, by the C isoformat (strftime is ~5x slower,
    # and ingest computes a key per event).
    minute = event.occurred_at.astimezone(UTC).isoformat(timespec="minutes")[:16]
    return f"{minute}Z|{event.status.value}|{event.sub_status.value}"


# Progress of one event, to order events of the same instant (a carrier writing "out for
# delivery" and "delivered" in one minute means that order).
_RANK = {
    T.PENDING: 0, T.INFO_RECEIVED: 1, T.IN_TRANSIT: 2, T.EXCEPTION: 3, T.OUT_FOR_DELIVERY: 4,
    T.DELIVERY_FAILED: 5, T.AVAILABLE_FOR_PICKUP: 6, T.DELIVERED: 7, T.RETURNING: 8,
    T.RETURNED: 9, T.EXPIRED: 10,
}  # fmt: skip
_TRANSIT_RANK = {
    S.ACCEPTED: 0, S.IN_TRANSIT_OTHER: 1, S.DEPARTED_ORIGIN_COUNTRY: 2,
    S.ARRIVED_DESTINATION_COUNTRY: 3, S.HANDED_TO_LAST_MILE: 4, S.CUSTOMS_PROCESSING: 5,
    S.CUSTOMS_INFORMATION_REQUIRED: 6, S.CUSTOMS_RELEASED: 7,
}  # fmt: skip


def timeline_key(event: TrackingEvent) -> tuple[datetime, int, int, str]:
    """Timeline order: instant (across legs and offsets), then progress, then identity.

    The identity is the sub-status: with the same instant and rank (one rank per status) the
    rest of ``dedupe_key`` is equal, so this orders as the whole key would, without building it.
    """
    instant = event.occurred_at.astimezone(UTC)
    sub = event.sub_status
    return instant, _RANK[event.status], _TRANSIT_RANK.get(sub, 0), sub.value


def _norm_number(number: str) -> str:
    return "".join(number.split()).upper()


def _handover(leg: str | None) -> tuple[str | None, str | None] | None:
    # Mirrors ``garant.carriers._postal.parse_handover_leg`` ("last_mile:<carrier>:<number>"):
    # the leg format is the contract between adapters and the domain, and the domain imports
    # no other layer. A test checks both readings agree.
    if not leg or not (leg == "last_mile" or leg.startswith("last_mile:")):
        return None
    carrier, _, number = leg.partition(":")[2].partition(":")
    return carrier or None, number or None


def _preference(event: TrackingEvent) -> tuple[object, ...]:
    """Which copy of one event to keep: the one that says most, then a fixed total order, so
    the kept copy does not depend on which source answered first."""
    loc, handover = event.location, _handover(event.leg)
    place = (loc.country, loc.city, loc.postcode, loc.description)
    says = (handover is not None and handover[1] is not None,  # the local number (TRK-3)
            sum(part is not None for part in place), event.leg is not None,
            event.raw_code is not None, len(event.raw_text))  # fmt: skip
    ident = (event.carrier, event.tracking_number, event.raw_text, event.raw_code or "",
             event.leg or "", *(part or "" for part in place))  # fmt: skip
    return (*says, *ident, event.occurred_at.isoformat())


@dataclass(frozen=True)
class MergeResult:
    added: list[TrackingEvent]  # the new events, in timeline order
    duplicates: int  # incoming events already known, or repeated within the batch
    timeline: list[TrackingEvent]  # existing + added, in timeline order


def merge(existing: Sequence[TrackingEvent], incoming: Iterable[TrackingEvent]) -> MergeResult:
    """TRK-1: add what is new. A stored event is never replaced (the timeline is append-only);
    within one batch the copy that says most is kept."""
    known = {dedupe_key(e) for e in existing}
    incoming = list(incoming)
    chosen = pick_copies(incoming)
    added = sorted((e for k, e in chosen.items() if k not in known), key=timeline_key)
    duplicates = len(incoming) - len(added)
    return MergeResult(added, duplicates, sorted([*existing, *added], key=timeline_key))


def pick_copies(events: Iterable[TrackingEvent]) -> dict[str, TrackingEvent]:
    """One copy per ``dedupe_key``, the one that says most, by key in first-seen order."""
    chosen: dict[str, TrackingEvent] = {}
    for event in events:
        key = dedupe_key(event)
        kept = chosen.get(key)
        if kept is None or _preference(event) > _preference(kept):
            chosen[key] = event
    return chosen


def handover_numbers(events: Iterable[TrackingEvent]) -> list[tuple[str | None, str]]:
    """TRK-3: (carrier, local number) announced by handover events, first announced first.

    A number equal to the announcing event's own is no news. Call it on incoming events too: a
    copy dropped by ``merge`` may be the one that carried the number. The carrier is None when
    the adapter could not name it.
    """
    found: dict[str, str | None] = {}
    # Only the few events with a handover leg are put in order (most have none).
    announced = [(e, h) for e in events if (h := _handover(e.leg)) is not None and h[1]]
    for event, handover in sorted(announced, key=lambda pair: timeline_key(pair[0])):
        assert handover[1] is not None
        number = _norm_number(handover[1])
        if number != _norm_number(event.tracking_number) and number not in found:
            found[number] = handover[0]
    return [(carrier, number) for number, carrier in found.items()]


# --- the summary --------------------------------------------------------------------------

# ORD-1 codes along the normal progress. Failure and pickup codes may follow any of them;
# delivered and returned end the story (a return is "delivered" back to the seller by many
# carriers, and that must never read "Arrivée à destination" to the buyer).
_LINEAR = {
    code: rank
    for rank, code in enumerate((
        "shipped", "carrier_accepted", "international_transit", "arrived_destination_country",
        "customs_clearance", "customs_cleared", "out_for_delivery", "delivered",
    ))
}  # fmt: skip
_FINAL = frozenset({"delivered", "returned_to_sender"})
_RETURNS = frozenset({T.RETURNING, T.RETURNED})
# Events that prove the parcel left the origin country (CAN-13 is about parcels that did not).
_ABROAD = frozenset({
    S.DEPARTED_ORIGIN_COUNTRY, S.ARRIVED_DESTINATION_COUNTRY, S.CUSTOMS_PROCESSING,
    S.CUSTOMS_RELEASED, S.CUSTOMS_INFORMATION_REQUIRED, S.HANDED_TO_LAST_MILE,
})  # fmt: skip
_AT_DESTINATION = frozenset(
    {T.OUT_FOR_DELIVERY, T.DELIVERY_FAILED, T.AVAILABLE_FOR_PICKUP, T.DELIVERED}
)
_CANCEL_WORDS = ("cancel", "annul", "取消")

# TRK-5 reasons as the order records them (``mark_returned_to_sender(reason=…)``).
RETURN_REASONS = {
    S.ADDRESS_INCORRECT: "address_incorrect",
    S.ATTEMPTS_FAILED: "delivery_attempts_failed",
    S.UNCLAIMED: "unclaimed_at_pickup_point",
    S.CUSTOMS: "customs_documents",
    S.RETURNED_OTHER: "unknown",
}
# CAN-13 reasons for "envoi annulé" (``report_shipment_cancelled(reason=…)``).
NEVER_COLLECTED = "never_collected_by_carrier"
CUSTOMS_SENT_BACK = "sent_back_by_customs"
SENT_BACK_AT_ORIGIN = "sent_back_before_departure"


@dataclass(frozen=True)
class ShipmentSummary:
    """What anyone holding a tracking number sees (TRK-1), read from the whole timeline."""

    status: TrackingStatus  # of ``current``: the latest event that is not a step back
    sub_status: SubStatus
    current: TrackingEvent
    location: Location | None  # of the latest event that has one
    last_event_at: datetime  # the latest scan of any kind: the last sign of movement
    buyer_status: str  # ORD-1 code; never moves back along the normal progress
    codes_reached: tuple[str, ...]  # the ORD-1 codes shown so far, oldest first
    delivered_at: datetime | None  # when buyer_status is "delivered"
    delivery_event: TrackingEvent | None
    return_reason: str | None  # TRK-5 code, when buyer_status is "returned_to_sender"
    cancellation: str | None  # CAN-13 reason when this is an "envoi annulé"
    tracking_numbers: tuple[str, ...]  # every number seen, first seen first (TRK-3)
    handovers: tuple[tuple[str | None, str], ...]
    events: tuple[TrackingEvent, ...]  # newest first, for display
    quiet_for: timedelta  # since ``last_event_at``, as of ``now``

    @property
    def chronological(self) -> tuple[TrackingEvent, ...]:
        return tuple(reversed(self.events))


def summarise(events: Iterable[TrackingEvent], now: datetime) -> ShipmentSummary:
    """TRK-1. Refuses an empty timeline: that is TRK-4's "not found", not a status."""
    ordered = sorted(events, key=timeline_key)
    if not ordered:
        raise ValueError("a shipment summary needs at least one event")
    shown, current, mark = "", ordered[0], -1
    reached: list[str] = []
    delivery: TrackingEvent | None = None
    for event in ordered:
        if shown in _FINAL and not (shown == "delivered" and event.status in _RETURNS):
            continue
        code = buyer_status_code(event.status, event.sub_status)
        rank = _LINEAR.get(code)
        if rank is not None and rank < mark:
            # A late scan of an earlier stage: the buyer keeps the most advanced word, but a
            # delay or loss notice still becomes the current status.
            if event.status is T.EXCEPTION:
                current = event
            continue
        mark = max(mark, -1 if rank is None else rank)
        current, shown = event, code
        if not reached or reached[-1] != code:
            reached.append(code)
        if code == "delivered" and delivery is None:
            delivery = event
    located = [e for e in ordered if _has_place(e.location)]
    last_at = max(e.occurred_at for e in ordered)
    return ShipmentSummary(
        status=current.status,
        sub_status=current.sub_status,
        current=current,
        location=located[-1].location if located else None,
        last_event_at=last_at,
        buyer_status=shown,
        codes_reached=tuple(reached),
        delivered_at=delivery.occurred_at if delivery and shown == "delivered" else None,
        delivery_event=delivery if shown == "delivered" else None,
        return_reason=_return_reason(ordered) if shown == "returned_to_sender" else None,
        cancellation=_cancellation(ordered, shown, current),
        tracking_numbers=tuple(dict.fromkeys(_norm_number(e.tracking_number) for e in ordered)),
        handovers=tuple(handover_numbers(ordered)),
        events=tuple(reversed(ordered)),
        quiet_for=max(now - last_at, timedelta(0)),
    )


def _has_place(location: Location) -> bool:
    return any((location.country, location.city, location.postcode, location.description))


def _has_town(location: Location) -> bool:
    return any((location.city, location.postcode, location.description))


def _first_return(ordered: Sequence[TrackingEvent]) -> int | None:
    return next((i for i, e in enumerate(ordered) if e.status in _RETURNS), None)


def _return_reason(ordered: Sequence[TrackingEvent]) -> str:
    """TRK-5: the reason a return event states, else the one the events before it show."""
    stated = [e.sub_status for e in ordered if e.status in _RETURNS]
    known = [s for s in stated if s in RETURN_REASONS and s is not S.RETURNED_OTHER]
    if known:
        return RETURN_REASONS[known[0]]
    start = _first_return(ordered)
    for earlier in reversed(ordered[: start or 0]):
        if earlier.status is T.DELIVERED:
            break  # what came before a delivery explains nothing about a later return
        if earlier.status is T.AVAILABLE_FOR_PICKUP:
            return RETURN_REASONS[S.UNCLAIMED]  # outranks the failed attempt before it
        if earlier.sub_status in (S.HELD_BY_CUSTOMS, S.CUSTOMS_INFORMATION_REQUIRED):
            return RETURN_REASONS[S.CUSTOMS]
        if earlier.status is T.DELIVERY_FAILED:
            address = earlier.sub_status is S.ADDRESS_PROBLEM
            return RETURN_REASONS[S.ADDRESS_INCORRECT if address else S.ATTEMPTS_FAILED]
    return RETURN_REASONS[S.RETURNED_OTHER]


def _left_origin(events: Sequence[TrackingEvent]) -> bool:
    origin = next((e.location.country for e in events if e.location.country), None)
    return any(
        e.sub_status in _ABROAD
        or e.status in _AT_DESTINATION
        or (origin is not None and e.location.country not in (None, origin))
        for e in events
    )


def _origin_reason(events: Sequence[TrackingEvent]) -> str:
    customs = (S.HELD_BY_CUSTOMS, S.CUSTOMS_INFORMATION_REQUIRED, S.CUSTOMS)
    if any(e.sub_status in customs for e in events):
        return CUSTOMS_SENT_BACK
    if not any(e.status is T.IN_TRANSIT for e in events):
        return NEVER_COLLECTED  # nothing but a label and notices: nobody took the parcel
    return SENT_BACK_AT_ORIGIN


def _cancellation(
    ordered: Sequence[TrackingEvent], shown: str, current: TrackingEvent
) -> str | None:
    """CAN-13 "envoi annulé": the parcel never left the origin country and never will."""
    start = _first_return(ordered)
    if shown == "returned_to_sender" and start is not None:
        if _left_origin(ordered[:start]):
            return None  # a return from abroad is TRK-5's, not an "envoi annulé"
        return _origin_reason(ordered)
    if _left_origin(ordered):
        return None
    if current.status is T.EXPIRED and all(
        e.status in (T.PENDING, T.INFO_RECEIVED, T.EXPIRED) for e in ordered
    ):
        return NEVER_COLLECTED  # a label was made, the tracking expired, no carrier scan
    said = f"{current.raw_code or ''} {current.raw_text}".lower()
    if current.status is T.EXCEPTION and any(word in said for word in _CANCEL_WORDS):
        return _origin_reason(ordered)
    return None


# --- where it was delivered ---------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryPlace:
    kind: str  # letter_box, neighbour, signed, pickup_point, locker, other
    city: str | None = None
    postcode: str | None = None
    point: str | None = None  # the carrier's wording: relay point, locker, office
    country: str | None = None


_KINDS = {S.LETTER_BOX: "letter_box", S.NEIGHBOUR: "neighbour", S.SIGNED: "signed"}
_WHERE_FR = {
    "letter_box": "Boîte aux lettres", "neighbour": "Remis à un voisin",
    "signed": "Remis contre signature", "pickup_point": "Retiré en point relais",
    "locker": "Retiré en consigne automatique", "other": "Livré",
}  # fmt: skip


def delivery_place(summary: ShipmentSummary) -> DeliveryPlace | None:
    """TRK-7: where the delivery happened, from its sub-status and location (the pickup notice
    before it when the delivery scan has no place of its own)."""
    event = summary.delivery_event
    if event is None:
        return None
    before = [e for e in summary.chronological if timeline_key(e) < timeline_key(event)]
    pickup = next((e for e in reversed(before) if e.status is T.AVAILABLE_FOR_PICKUP), None)
    kind = _KINDS.get(event.sub_status, "other")
    if event.sub_status is S.COLLECTED or (kind == "other" and pickup is not None):
        kind = "locker" if pickup is not None and pickup.sub_status is S.LOCKER else "pickup_point"
    place = event.location
    if not _has_town(place):
        # Only the last mile's own scans say where the parcel was; a hub in Guangzhou does not.
        last_mile = [e for e in reversed(before) if e.status in _AT_DESTINATION]
        fallback = next((e for e in last_mile if _has_town(e.location)), None)
        place = fallback.location if fallback is not None else place
    return DeliveryPlace(kind, place.city, place.postcode, place.description, place.country)


def _where_text(place: DeliveryPlace) -> str:
    town = " ".join(part for part in (place.postcode, place.city) if part)
    return ", ".join(part for part in (_WHERE_FR[place.kind], place.point, town) if part)


# --- what the order does, what the buyer is told -------------------------------------------


@dataclass(frozen=True)
class OrderEffect:
    """An order action to apply (``services.orders``), with its params and the ORD-1 code the
    order shows afterwards (pass it back as ``previous_code`` next time)."""

    action: str
    params: dict[str, str] = field(default_factory=dict)
    code: str = ""
    at: datetime | None = None  # the carrier's instant (the delivery for PRT-4's window)


def order_effect(previous_code: str | None, summary: ShipmentSummary) -> OrderEffect | None:
    """What the order should do now, or None when nothing changes for it.

    ``previous_code`` is what the order shows (``display_status().code``). Once it shows
    "delivered" or "returned_to_sender" tracking no longer moves it: its state machine takes
    no tracking action then, and a late scan must not reopen it.
    """
    if previous_code in _FINAL:
        return None
    at = summary.current.occurred_at
    if summary.cancellation is not None:
        return OrderEffect(
            "report_shipment_cancelled", {"reason": summary.cancellation}, "returned_to_sender", at
        )
    code = summary.buyer_status
    if code == previous_code:
        return None
    if code == "returned_to_sender":
        return OrderEffect(
            "mark_returned_to_sender", {"reason": summary.return_reason or "unknown"}, code, at
        )
    if code == "delivered":
        place = delivery_place(summary)
        where = _where_text(place) if place is not None else ""
        return OrderEffect("record_delivery", {"where": where}, code, summary.delivered_at)
    rank, before = _LINEAR.get(code), _LINEAR.get(previous_code or "", -1)
    if rank is not None and rank < before:
        return None  # the order was moved further by hand; tracking does not take it back
    return OrderEffect("record_shipment_progress", {"status": code}, code, at)


NOTIFIED = frozenset({
    "shipped", "arrived_destination_country", "out_for_delivery", "delivered",
    "delivery_failed", "available_for_pickup",
})  # fmt: skip
# Each delivery attempt asks the buyer to be home or to collect: notified every time.
_EVERY_TIME = frozenset({"out_for_delivery", "delivery_failed"})
_ARRIVAL = _LINEAR["arrived_destination_country"]


def notification_kind(
    previous_code: str | None, new_code: str, summary: ShipmentSummary
) -> str | None:
    """TRK-9: the notification due when the buyer's code goes from ``previous_code`` to
    ``new_code``, or None. Milestones are sent once; a parcel whose first scan in France is
    already customs still announces its arrival."""
    if new_code == previous_code:
        return None
    earlier = set(summary.codes_reached[:-1]) | {previous_code}
    if new_code in NOTIFIED:
        if new_code in _EVERY_TIME or new_code not in earlier:
            return new_code
        return None
    if previous_code is None and new_code in ("carrier_accepted", "international_transit"):
        return "shipped"
    past_arrival = _LINEAR.get(new_code, -1) > _ARRIVAL
    seen_arrival = any(_LINEAR.get(c or "", -1) >= _ARRIVAL for c in earlier)
    if past_arrival and not seen_arrival:
        return "arrived_destination_country"
    return None
