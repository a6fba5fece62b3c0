"""Every duration, window and amount of SPEC, in one versioned object.

An order records the version it was placed under and is always judged by that version, so a
new policy never changes the rules of an order already running. Defaults come from SPEC; where
two seeds disagree the alternative is noted beside the field.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import holidays

SHIPPING_METHODS = (
    "eu_warehouse",
    "aliexpress_choice",
    "aliexpress_standard",
    "china_post_air_mail",
    "ems",
    "dhl",
    "fedex",
    "ups",
)


@dataclass(frozen=True)
class Policy:
    version: int = 1

    # CAN-2/CAN-4: the seller's time to answer a cancellation request.
    seller_answer_hours: int = 72
    # CAN-7: handling time (ship-by) per shipping method, in hours from payment verified.
    # Garant's defaults; marketplaces commonly use 3-7 days. Express methods ship faster.
    handling_hours: dict[str, int] = field(
        default_factory=lambda: {
            "eu_warehouse": 48,
            "aliexpress_choice": 72,
            "aliexpress_standard": 120,
            "china_post_air_mail": 168,
            "ems": 120,
            "dhl": 72,
            "fedex": 72,
            "ups": 72,
        }
    )
    default_handling_hours: int = 120
    # CAN-8: the longest extension a seller may ask for at once, and how many times.
    max_extension_days: int = 30
    max_extensions: int = 2
    # ORD-5: an unpaid order is abandoned after this delay (Garant's choice).
    unpaid_abandon_hours: int = 72
    # ORD-5: an order awaiting the buyer's details is abandoned after this delay.
    buyer_details_hours: int = 168
    # CAN-11: the refund starts within 7-15 business days after a buyer-requested cancel.
    refund_start_business_days: tuple[int, int] = (7, 15)
    # PRT-5: a refund granted through a dispute arrives within 15-30 days.
    dispute_refund_days: tuple[int, int] = (15, 30)
    # Business days are counted on this country's calendar (the buyer's).
    refund_calendar_country: str = "FR"
    # PRT-2: protection period per product category, in days from purchase (60-90).
    protection_days: dict[str, int] = field(
        default_factory=lambda: {
            "default": 60,
            "fashion": 60,
            "beauty": 60,
            "home": 75,
            "electronics": 90,
            "jewelry": 90,
        }
    )
    # PRT-3: Choice orders not delivered within this many days are refunded in full.
    choice_refund_after_days: int = 30
    # PRT-4: dispute windows.
    dispute_after_delivery_days: int = 15
    dispute_after_protection_days: int = 15
    # DSP-4: the seller's time to answer a dispute (accept, counter-offer or contest); silence
    # grants the buyer's request. Garant's default, 5 days.
    dispute_seller_answer_hours: int = 120
    # DSP-5: each offer waits this long for its answer, then lapses.
    dispute_offer_reply_hours: int = 72
    # DSP-6: either party may escalate to the platform this long after the opening…
    dispute_escalate_after_hours: int = 72
    # … and the case escalates by itself when the negotiation window (from opening) ends.
    dispute_negotiation_days: int = 10
    # DSP-6: the agent's requests for evidence: default and longest time given to answer.
    dispute_evidence_hours: int = 72
    dispute_evidence_max_hours: int = 240
    # DSP-6: one appeal, within this many days of the platform's decision; the decision is
    # carried out when the window ends (or when both parties accept it).
    dispute_appeal_days: int = 7
    # DSP-5: a return agreed in a dispute: the buyer ships it back within (RET-3: 15 days),
    # then the seller confirms receipt within; silence refunds the buyer (RET-5).
    return_ship_back_days: int = 15
    return_confirm_days: int = 15
    # SHP-2: Choice delivery guarantee coupon (cents).
    choice_late_coupon_cents: int = 100

    def handling_time(self, shipping_method: str) -> timedelta:
        return timedelta(
            hours=self.handling_hours.get(shipping_method, self.default_handling_hours)
        )

    @property
    def seller_answer_window(self) -> timedelta:
        return timedelta(hours=self.seller_answer_hours)

    @property
    def unpaid_abandon_after(self) -> timedelta:
        return timedelta(hours=self.unpaid_abandon_hours)

    @property
    def buyer_details_window(self) -> timedelta:
        return timedelta(hours=self.buyer_details_hours)

    def duration(self, name: str) -> timedelta:
        """A duration setting by name (``…_hours`` or ``…_days``)."""
        value = getattr(self, name)
        return timedelta(days=value) if name.endswith("_days") else timedelta(hours=value)

    def protection_period(self, category: str) -> timedelta:
        days = self.protection_days.get(category, self.protection_days["default"])
        return timedelta(days=days)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Policy:
        if not isinstance(data, dict):
            raise ValueError("a policy is a JSON object of settings")
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = set(data) - set(known)
        if unknown:
            raise ValueError(f"unknown policy settings: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, list):
                value = tuple(value)
            elif isinstance(value, dict):
                value = dict(value)  # the policy must not share a dict its caller may change
            values[key] = value
        policy = cls(**values)
        policy.validate()
        return policy

    def validate(self) -> None:
        """Refuse, with ValueError naming the setting, anything an order could not run on."""
        _whole(self.version, "version", minimum=1)
        for name in (
            "seller_answer_hours",
            "default_handling_hours",
            "max_extension_days",
            "unpaid_abandon_hours",
            "buyer_details_hours",
            "choice_refund_after_days",
            "dispute_after_delivery_days",
            "dispute_after_protection_days",
            "dispute_seller_answer_hours",
            "dispute_offer_reply_hours",
            "dispute_escalate_after_hours",
            "dispute_negotiation_days",
            "dispute_evidence_hours",
            "dispute_evidence_max_hours",
            "dispute_appeal_days",
            "return_ship_back_days",
            "return_confirm_days",
        ):
            _whole(getattr(self, name), name, minimum=1)
        _whole(self.max_extensions, "max_extensions", minimum=0)
        _whole(self.choice_late_coupon_cents, "choice_late_coupon_cents", minimum=0)
        for name in ("refund_start_business_days", "dispute_refund_days"):
            pair = getattr(self, name)
            if not isinstance(pair, tuple) or len(pair) != 2:
                raise ValueError(f"{name} must be a pair [low, high]")
            low, high = pair
            _whole(low, name, minimum=0)
            _whole(high, name, minimum=0)
            if low > high:
                raise ValueError(f"{name} must be (low, high) with low <= high")
        for name in ("handling_hours", "protection_days"):
            table = getattr(self, name)
            if not isinstance(table, dict):
                raise ValueError(f"{name} must be an object of whole numbers")
            for key, value in table.items():
                if not isinstance(key, str) or not key:
                    raise ValueError(f"{name}: keys must be names")
                _whole(value, f"{name}.{key}", minimum=1)
        if self.dispute_negotiation_days * 24 <= self.dispute_seller_answer_hours:
            raise ValueError(
                "dispute_negotiation_days must end after the seller's answer window "
                "(dispute_seller_answer_hours)"
            )
        if "default" not in self.protection_days:
            raise ValueError("protection_days needs a 'default' category")
        if (
            not isinstance(self.refund_calendar_country, str)
            or self.refund_calendar_country.upper() not in holidays.list_supported_countries()
        ):
            raise ValueError(
                f"refund_calendar_country: no holiday calendar for '{self.refund_calendar_country}'"
            )

    def with_changes(self, **changes: Any) -> Policy:
        """A new version with some settings changed; the old version stays as it was."""
        data = self.to_json()
        data.update(changes)
        data["version"] = self.version + 1
        return Policy.from_json(data)


def _whole(value: object, name: str, *, minimum: int) -> None:
    # bool is an int to Python, never to a policy author.
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum} (got {value})")


DEFAULT_POLICY = Policy()
