"""Cancellation (CAN): reasons, requests, security cancellations, refunds' dates, coupons.

The order aggregate (``orders.py``) carries out the transitions; this module holds the data
and the rules that do not depend on the order's state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from garant.domain.business_days import add_business_days


class Fault(StrEnum):
    """Who a cancellation counts against (CAN-9)."""

    SELLER = "seller"
    BUYER = "buyer"
    NONE = "none"


@dataclass(frozen=True)
class Reason:
    code: str
    fr: str
    en: str
    fault: Fault


# CAN-2: the fixed list a buyer picks from. Only reasons that name the seller's failure count
# against the seller; "autres raisons" never does (CAN-9), which is why sellers ask for it.
BUYER_REASONS: dict[str, Reason] = {
    r.code: r
    for r in [
        Reason("no_longer_needed", "Je n'en ai plus besoin", "I no longer need it", Fault.BUYER),
        Reason(
            "ordered_by_mistake",
            "Erreur dans la commande (taille, couleur, adresse)",
            "Mistake in the order (size, colour, address)",
            Fault.BUYER,
        ),
        Reason(
            "found_cheaper",
            "J'ai trouvé moins cher ailleurs",
            "I found it cheaper elsewhere",
            Fault.BUYER,
        ),
        Reason(
            "delivery_too_long",
            "Le délai de livraison est trop long",
            "The delivery time is too long",
            Fault.BUYER,
        ),
        Reason(
            "seller_out_of_stock",
            "Le vendeur n'a plus l'article en stock",
            "The seller is out of stock",
            Fault.SELLER,
        ),
        Reason(
            "seller_changed_price",
            "Le vendeur a modifié le prix ou demandé un supplément",
            "The seller changed the price or asked for more",
            Fault.SELLER,
        ),
        Reason(
            "seller_not_shipping",
            "Le vendeur n'expédie pas la commande",
            "The seller is not shipping the order",
            Fault.SELLER,
        ),
        Reason("other_reasons", "Autres raisons", "Other reasons", Fault.NONE),
    ]
}

# CAN-10: platform security cancellations, with what the buyer should do next.
SECURITY_REASONS: dict[str, tuple[str, str, str, str]] = {
    # code: (fr reason, en reason, fr next step, en next step)
    "promo_code_reused": (
        "Le code promo a déjà été utilisé sur une autre commande.",
        "The promo code was already used on another order.",
        "Repassez la commande sans ce code ; le remboursement arrive sur le même moyen de "
        "paiement.",
        "Place the order again without that code; the refund goes back to the same payment method.",
    ),
    "payment_unverified": (
        "Le paiement n'a pas pu être vérifié (identité ou propriété de la carte).",
        "The payment could not be verified (identity or card ownership).",
        "Vérifiez votre identité et la propriété de la carte, puis repassez la commande ; le "
        "remboursement arrive sur le même moyen de paiement.",
        "Verify your identity and card ownership, then place the order again; the refund goes "
        "back to the same payment method.",
    ),
}

# ORD-5: why an order cannot be fulfilled; out of stock is the seller's fault (CAN-9).
UNFULFILLABLE_REASONS: dict[str, Fault] = {
    "out_of_stock": Fault.SELLER,
    "no_shipping_to_address": Fault.NONE,
}

# CAN-6: what a buyer can still do once the parcel has left.
REMEDIES_AFTER_SHIPMENT = ("contact_seller", "return", "dispute")


class RequestStatus(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    DECLINED = "declined"
    EXPIRED = "expired"  # the seller stayed silent: cancelled automatically (CAN-4)
    WITHDRAWN = "withdrawn"
    # the order closed another way (unfulfillable, abandoned) before the seller answered
    SUPERSEDED = "superseded"


@dataclass
class CancellationRequest:
    reason: str
    requested_at: datetime
    answer_by: datetime
    status: RequestStatus = RequestStatus.OPEN
    note: str = ""
    answered_at: datetime | None = None
    id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status is RequestStatus.OPEN


@dataclass(frozen=True)
class RefundWindow:
    """CAN-11 / PRT-5: when the buyer can expect the refund to start."""

    earliest: date
    latest: date


def refund_start_window(
    cancelled_at: datetime, business_days: tuple[int, int], country: str
) -> RefundWindow:
    start = cancelled_at.date()
    return RefundWindow(
        earliest=add_business_days(start, business_days[0], [country]),
        latest=add_business_days(start, business_days[1], [country]),
    )


def dispute_refund_window(granted_at: datetime, days: tuple[int, int]) -> RefundWindow:
    start = granted_at.date()
    return RefundWindow(start + timedelta(days=days[0]), start + timedelta(days=days[1]))


class CouponKind(StrEnum):
    PLATFORM = "platform"
    SELLER = "seller"


@dataclass(frozen=True)
class CouponGiveBack:
    returned: bool
    why: str


def coupon_give_back(
    kind: CouponKind,
    expires_at: datetime | None,
    orders_still_active: Iterable[bool],
    now: datetime,
) -> CouponGiveBack:
    """CAN-12: a platform coupon comes back only when every order bought with it is cancelled
    and it has not expired; a seller's promo code never comes back."""
    if kind is CouponKind.SELLER:
        return CouponGiveBack(False, "seller_code_never_returned")
    if any(orders_still_active):
        return CouponGiveBack(False, "other_items_not_cancelled")
    if expires_at is not None and expires_at <= now:
        return CouponGiveBack(False, "coupon_expired")
    return CouponGiveBack(True, "all_items_cancelled")
