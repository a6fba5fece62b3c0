"""A return agreed in a dispute (DSP-5, RET-4/5): the item goes back, then the money.

The money stays in escrow while the item travels back. The seller confirms receiving it and
the agreed refund goes to the buyer; if the buyer never ships it back in time the money goes
to the seller; if the seller never confirms, the buyer is refunded (RET-5: the seller's
silence does not keep the buyer's money).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ReturnStatus(StrEnum):
    AWAITING_SHIPMENT = "awaiting_shipment"  # the buyer must send it back
    SHIPPED_BACK = "shipped_back"
    RECEIVED = "received"  # the seller confirmed; refunded
    UNCONFIRMED = "unconfirmed"  # the seller did not confirm in time; refunded
    LAPSED = "lapsed"  # never sent back; the seller is paid


OPEN_RETURN = frozenset({ReturnStatus.AWAITING_SHIPMENT, ReturnStatus.SHIPPED_BACK})


@dataclass
class ReturnRequest:
    refund_cents: int
    return_address: str
    created_at: datetime
    ship_back_by: datetime
    status: ReturnStatus = ReturnStatus.AWAITING_SHIPMENT
    dispute_id: int | None = None
    tracking_number: str | None = None
    carrier: str | None = None
    shipped_back_at: datetime | None = None
    confirm_by: datetime | None = None
    received_at: datetime | None = None
    closed_at: datetime | None = None
    id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RETURN

    def due(self) -> dict[str, datetime]:
        if self.status is ReturnStatus.AWAITING_SHIPMENT:
            return {"return_ship_back": self.ship_back_by}
        if self.status is ReturnStatus.SHIPPED_BACK and self.confirm_by is not None:
            return {"return_confirm": self.confirm_by}
        return {}
