"""One status model for every carrier's events (TRK-2), and how it maps to ORD-1.

Carrier adapters (``garant.carriers``) turn raw payloads into ``TrackingEvent``s. The raw
code and text are always kept: the normalised status is our reading, the raw text is the
carrier's word and is what a buyer or agent checks when in doubt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class TrackingStatus(StrEnum):
    PENDING = "pending"
    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    DELIVERY_FAILED = "delivery_failed"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNING = "returning"
    RETURNED = "returned"
    EXPIRED = "expired"


class SubStatus(StrEnum):
    # in_transit
    ACCEPTED = "accepted"
    DEPARTED_ORIGIN_COUNTRY = "departed_origin_country"
    ARRIVED_DESTINATION_COUNTRY = "arrived_destination_country"
    CUSTOMS_PROCESSING = "customs_processing"
    CUSTOMS_RELEASED = "customs_released"
    CUSTOMS_INFORMATION_REQUIRED = "customs_information_required"
    HANDED_TO_LAST_MILE = "handed_to_last_mile"
    IN_TRANSIT_OTHER = "in_transit_other"
    # available_for_pickup
    PICKUP_POINT = "pickup_point"
    LOCKER = "locker"
    # delivery_failed
    RECIPIENT_ABSENT = "recipient_absent"
    ADDRESS_PROBLEM = "address_problem"
    REFUSED = "refused"
    # delivered
    SIGNED = "signed"
    LETTER_BOX = "letter_box"
    NEIGHBOUR = "neighbour"
    COLLECTED = "collected"
    DELIVERED_OTHER = "delivered_other"
    # exception
    DELAYED = "delayed"
    HELD_BY_CUSTOMS = "held_by_customs"
    DAMAGED = "damaged"
    LOST = "lost"
    EXCEPTION_OTHER = "exception_other"
    # returned
    ADDRESS_INCORRECT = "address_incorrect"
    ATTEMPTS_FAILED = "attempts_failed"
    UNCLAIMED = "unclaimed"
    CUSTOMS = "customs"
    RETURNED_OTHER = "returned_other"
    # anything else
    NONE = "none"


_RETURN_REASONS = frozenset(
    {
        SubStatus.ADDRESS_INCORRECT,
        SubStatus.ATTEMPTS_FAILED,
        SubStatus.UNCLAIMED,
        SubStatus.CUSTOMS,
        SubStatus.RETURNED_OTHER,
    }
)

# Which sub-statuses belong to which status; adapters and tests check against this.
SUB_STATUSES: dict[TrackingStatus, frozenset[SubStatus]] = {
    TrackingStatus.IN_TRANSIT: frozenset(
        {
            SubStatus.ACCEPTED,
            SubStatus.DEPARTED_ORIGIN_COUNTRY,
            SubStatus.ARRIVED_DESTINATION_COUNTRY,
            SubStatus.CUSTOMS_PROCESSING,
            SubStatus.CUSTOMS_RELEASED,
            SubStatus.CUSTOMS_INFORMATION_REQUIRED,
            SubStatus.HANDED_TO_LAST_MILE,
            SubStatus.IN_TRANSIT_OTHER,
        }
    ),
    TrackingStatus.AVAILABLE_FOR_PICKUP: frozenset({SubStatus.PICKUP_POINT, SubStatus.LOCKER}),
    TrackingStatus.DELIVERY_FAILED: frozenset(
        {SubStatus.RECIPIENT_ABSENT, SubStatus.ADDRESS_PROBLEM, SubStatus.REFUSED}
    ),
    TrackingStatus.DELIVERED: frozenset(
        {
            SubStatus.SIGNED,
            SubStatus.LETTER_BOX,
            SubStatus.NEIGHBOUR,
            SubStatus.COLLECTED,
            SubStatus.DELIVERED_OTHER,
        }
    ),
    TrackingStatus.EXCEPTION: frozenset(
        {
            SubStatus.DELAYED,
            SubStatus.HELD_BY_CUSTOMS,
            SubStatus.DAMAGED,
            SubStatus.LOST,
            SubStatus.EXCEPTION_OTHER,
        }
    ),
    TrackingStatus.RETURNED: _RETURN_REASONS,
    # A parcel on its way back already has its reason (TRK-5): "retour à l'expéditeur :
    # adresse incorrecte" is said while it travels, not only once it is back.
    TrackingStatus.RETURNING: _RETURN_REASONS,
}


@dataclass(frozen=True)
class Location:
    country: str | None = None  # ISO 3166-1 alpha-2
    city: str | None = None
    postcode: str | None = None
    description: str | None = None  # the carrier's own wording of the place


@dataclass(frozen=True)
class TrackingEvent:
    """One normalised carrier event.

    ``occurred_at`` is timezone-aware and keeps the offset the carrier gave (a Paris event
    stays +01:00/+02:00); comparisons between events are on the instant.
    """

    carrier: str
    tracking_number: str
    occurred_at: datetime
    status: TrackingStatus
    sub_status: SubStatus
    raw_code: str | None
    raw_text: str
    location: Location = field(default_factory=Location)
    leg: str | None = None  # "origin", "international", "last_mile", or a carrier leg name

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None or self.occurred_at.utcoffset() is None:
            raise ValueError("TrackingEvent.occurred_at must carry its UTC offset")
        allowed = SUB_STATUSES.get(self.status)
        if self.sub_status is not SubStatus.NONE and (
            allowed is None or self.sub_status not in allowed
        ):
            raise ValueError(f"sub_status {self.sub_status} does not belong to {self.status}")


class TrackingParseError(ValueError):
    """A payload that cannot be read; recorded, never half-stored."""


# ORD-1: the buyer-visible status a shipment status stands for, once the order has shipped.
# (code, French, English) — the words of seed 003's table.
def buyer_status_code(status: TrackingStatus, sub_status: SubStatus) -> str:
    if status is TrackingStatus.IN_TRANSIT:
        return {
            SubStatus.ACCEPTED: "carrier_accepted",
            SubStatus.ARRIVED_DESTINATION_COUNTRY: "arrived_destination_country",
            SubStatus.CUSTOMS_PROCESSING: "customs_clearance",
            SubStatus.CUSTOMS_INFORMATION_REQUIRED: "customs_clearance",
            SubStatus.CUSTOMS_RELEASED: "customs_cleared",
            # A handover to the local carrier happens with or without customs (EU warehouses,
            # clearance done later by La Poste): it proves arrival, not clearance.
            SubStatus.HANDED_TO_LAST_MILE: "arrived_destination_country",
        }.get(sub_status, "international_transit")
    return {
        TrackingStatus.PENDING: "shipped",
        TrackingStatus.INFO_RECEIVED: "shipped",
        TrackingStatus.OUT_FOR_DELIVERY: "out_for_delivery",
        TrackingStatus.AVAILABLE_FOR_PICKUP: "available_for_pickup",
        TrackingStatus.DELIVERY_FAILED: "delivery_failed",
        TrackingStatus.DELIVERED: "delivered",
        TrackingStatus.EXCEPTION: "international_transit"
        if sub_status is not SubStatus.HELD_BY_CUSTOMS
        else "customs_clearance",
        TrackingStatus.RETURNING: "returned_to_sender",
        TrackingStatus.RETURNED: "returned_to_sender",
        TrackingStatus.EXPIRED: "shipped",
    }[status]
