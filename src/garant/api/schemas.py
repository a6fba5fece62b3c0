"""Request bodies. Unknown fields are refused (a typo in a field name is an error, not a
silently ignored value). Amounts are decimal strings or numbers in EUR; the domain refuses
negatives and more than two decimals with its own clear message."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from garant.domain.transitions import Action


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Empty(Body):
    pass


class ItemIn(Body):
    sku: str = ""
    title: str = Field(min_length=1, max_length=300)
    quantity: int = Field(ge=1, le=10_000)
    unit_price: Decimal


class CouponIn(Body):
    code: str = Field(min_length=1, max_length=60)
    kind: str = Field(pattern="^(platform|seller)$")
    amount: Decimal = Decimal("0")
    expires_at: datetime | None = None


class OrderCreate(Body):
    buyer_id: int
    seller_id: int
    items: list[ItemIn] = Field(min_length=1, max_length=200)
    total: Decimal
    shipping_method: str
    product_category: str = "default"
    is_choice: bool = False
    destination_country: str = Field(default="FR", min_length=2, max_length=2)
    coupons: list[CouponIn] = Field(default_factory=list, max_length=20)
    external_ref: str | None = Field(default=None, max_length=100)
    checkout_id: str | None = Field(default=None, max_length=100)


class UpdateAmount(Body):
    new_total: Decimal
    reason: str = Field(default="", max_length=1000)


class RequestDetails(Body):
    question: str = Field(min_length=1, max_length=2000)


class ProvideDetails(Body):
    answer: str = Field(min_length=1, max_length=2000)


class Pay(Body):
    amount: Decimal
    verified: bool = False


class Reason(Body):
    reason: str = Field(min_length=1, max_length=100)


class Consolidate(Body):
    parcel_ref: str = Field(min_length=1, max_length=100)


class PublishInvoice(Body):
    invoice_ref: str = Field(min_length=1, max_length=100)


class Ship(Body):
    tracking_number: str = Field(min_length=1, max_length=64)
    carrier: str | None = Field(default=None, max_length=40)


class ShipmentProgress(Body):
    status: str = Field(min_length=1, max_length=40)


class Delivery(Body):
    where: str = Field(default="", max_length=300)


class Cancel(Body):
    confirm: bool = Field(default=False, description="CAN-1: must be true; cancelling is final")


class RequestCancellation(Body):
    reason: str = Field(
        min_length=1, max_length=40, description="a code from GET /api/v1/cancellation-reasons"
    )
    note: str = Field(default="", max_length=2000)


class RequestExtension(Body):
    days: int
    reason: str = Field(default="", max_length=1000)


class ShipReturn(Body):
    tracking_number: str = Field(min_length=1, max_length=64)
    carrier: str | None = Field(default=None, max_length=40)


ACTION_BODIES: dict[Action, type[Body]] = {
    Action.UPDATE_AMOUNT: UpdateAmount,
    Action.REQUEST_DETAILS: RequestDetails,
    Action.PROVIDE_DETAILS: ProvideDetails,
    Action.PAY: Pay,
    Action.VERIFY_PAYMENT: Empty,
    Action.MARK_UNFULFILLABLE: Reason,
    Action.MARK_PREPARED: Empty,
    Action.CONSOLIDATE: Consolidate,
    Action.PUBLISH_INVOICE: PublishInvoice,
    Action.SHIP: Ship,
    Action.RECORD_SHIPMENT_PROGRESS: ShipmentProgress,
    Action.RECORD_DELIVERY: Delivery,
    Action.CONFIRM_RECEIPT: Empty,
    Action.MARK_RETURNED_TO_SENDER: Reason,
    Action.CANCEL: Cancel,
    Action.REQUEST_CANCELLATION: RequestCancellation,
    Action.APPROVE_CANCELLATION: Empty,
    Action.DECLINE_CANCELLATION: Ship,
    Action.WITHDRAW_CANCELLATION: Empty,
    Action.REQUEST_EXTENSION: RequestExtension,
    Action.ACCEPT_EXTENSION: Empty,
    Action.DECLINE_EXTENSION: Empty,
    Action.SECURITY_CANCEL: Reason,
    Action.REPORT_SHIPMENT_CANCELLED: Reason,
    Action.CHOOSE_RESHIPMENT: Empty,
    Action.CHOOSE_REFUND: Empty,
    Action.SHIP_RETURN: ShipReturn,
    Action.CONFIRM_RETURN_RECEIVED: Empty,
}


class UserCreate(Body):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=320)
    role: str
    locale: str = Field(default="fr", pattern="^(fr|en)$")


class ClockAdvance(Body):
    by: str = Field(description="a duration like 73h, 3d, 1d12h", max_length=20)


class WebhookCreate(Body):
    url: str = Field(min_length=8, max_length=2000)
