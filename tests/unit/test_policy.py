"""The policy object: SPEC's defaults, versions, JSON round-trip, validation; an order keeps the
policy it was placed under (SPEC preamble: "every duration, window and amount ... is policy")."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from domain_builders import BUYER, SELLER, at, new_order, paid_order

from garant.domain.orders import Deadline, DeadlineKind
from garant.domain.policy import DEFAULT_POLICY, SHIPPING_METHODS, Policy


def test_policy_defaults_are_the_spec_numbers() -> None:
    p = DEFAULT_POLICY
    assert p.version == 1
    assert p.seller_answer_hours == 72  # CAN-2/CAN-4
    assert p.refund_start_business_days == (7, 15)  # CAN-11
    assert p.dispute_refund_days == (15, 30)  # PRT-5
    assert p.choice_refund_after_days == 30  # PRT-3
    assert (p.dispute_after_delivery_days, p.dispute_after_protection_days) == (15, 15)  # PRT-4
    assert all(60 <= d <= 90 for d in p.protection_days.values())  # PRT-2
    assert p.refund_calendar_country == "FR"
    assert set(p.handling_hours) == set(SHIPPING_METHODS)
    assert p.seller_answer_window == timedelta(hours=72)
    assert p.unpaid_abandon_after == timedelta(hours=72)
    assert p.buyer_details_window == timedelta(hours=168)


def test_policy_handling_time_and_protection_period_fall_back_to_defaults() -> None:
    p = DEFAULT_POLICY
    assert p.handling_time("dhl") == timedelta(hours=72)
    assert p.handling_time("unknown") == timedelta(hours=p.default_handling_hours)
    assert p.protection_period("electronics") == timedelta(days=90)
    assert p.protection_period("unknown") == timedelta(days=60)


def test_policy_json_round_trip() -> None:
    body = DEFAULT_POLICY.to_json()
    assert body["refund_start_business_days"] == [7, 15]  # JSON has no tuples
    again = Policy.from_json(json.loads(json.dumps(body)))
    assert again == DEFAULT_POLICY
    assert again.refund_start_business_days == (7, 15)
    changed = DEFAULT_POLICY.with_changes(seller_answer_hours=48)
    assert Policy.from_json(json.loads(json.dumps(changed.to_json()))) == changed


def test_policy_with_changes_is_a_new_version_and_leaves_the_old_one() -> None:
    old_json = DEFAULT_POLICY.to_json()
    new = DEFAULT_POLICY.with_changes(
        seller_answer_hours=48, handling_hours={"dhl": 24}, refund_start_business_days=[5, 10]
    )
    assert (new.version, new.seller_answer_hours, new.handling_hours) == (2, 48, {"dhl": 24})
    assert new.refund_start_business_days == (5, 10)
    assert DEFAULT_POLICY.to_json() == old_json
    assert DEFAULT_POLICY.version == 1
    assert new.with_changes().version == 3


def test_policy_does_not_share_dicts_with_its_author() -> None:
    hours = {"dhl": 24}
    policy = DEFAULT_POLICY.with_changes(handling_hours=hours)
    hours["dhl"] = 1
    assert policy.handling_hours == {"dhl": 24}
    derived = DEFAULT_POLICY.with_changes(seller_answer_hours=10)
    assert derived.handling_hours is not DEFAULT_POLICY.handling_hours


def test_policy_new_version_does_not_change_an_order_placed_under_the_old_one() -> None:
    old_order = paid_order()
    new_policy = DEFAULT_POLICY.with_changes(
        seller_answer_hours=24,
        handling_hours={"aliexpress_standard": 48},
        unpaid_abandon_hours=12,
    )
    new_order_ = paid_order(new_policy)
    assert old_order.policy is DEFAULT_POLICY
    assert (old_order.ship_by, new_order_.ship_by) == (at(120), at(48))
    for order in (old_order, new_order_):
        order.request_cancellation(BUYER, at(1), "found_cheaper")
    assert old_order.cancellation is not None and new_order_.cancellation is not None
    assert (old_order.cancellation.answer_by, new_order_.cancellation.answer_by) == (
        at(73),
        at(25),
    )
    # at +25 h only the order under the new policy is cancelled
    assert old_order.on_deadline(DeadlineKind.SELLER_ANSWER, at(25)) is False
    assert new_order_.on_deadline(DeadlineKind.SELLER_ANSWER, at(25)) is True
    assert DEFAULT_POLICY.seller_answer_hours == 72
    unpaid_old, unpaid_new = new_order(), new_order(new_policy)
    assert unpaid_old.deadlines() == [Deadline(DeadlineKind.ABANDON_UNPAID, at(72))]
    assert unpaid_new.deadlines() == [Deadline(DeadlineKind.ABANDON_UNPAID, at(12))]


def test_policy_extension_limits_come_from_the_order_policy() -> None:
    order = paid_order(DEFAULT_POLICY.with_changes(max_extension_days=3, max_extensions=0))
    assert "request_extension" not in order.allowed_actions(SELLER)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"bogus": 1, "other": 2}, "unknown policy settings: bogus, other"),
        ({"seller_answer_hours": 0}, "seller_answer_hours must be at least 1 (got 0)"),
        ({"unpaid_abandon_hours": -5}, "unpaid_abandon_hours must be at least 1 (got -5)"),
        ({"seller_answer_hours": "72"}, "seller_answer_hours must be a whole number, not '72'"),
        ({"seller_answer_hours": True}, "seller_answer_hours must be a whole number, not True"),
        ({"buyer_details_hours": 1.5}, "buyer_details_hours must be a whole number, not 1.5"),
        ({"max_extensions": -1}, "max_extensions must be at least 0 (got -1)"),
        ({"max_extension_days": 0}, "max_extension_days must be at least 1 (got 0)"),
        (
            {"choice_late_coupon_cents": -100},
            "choice_late_coupon_cents must be at least 0 (got -100)",
        ),
        (
            {"refund_start_business_days": [7]},
            "refund_start_business_days must be a pair [low, high]",
        ),
        (
            {"refund_start_business_days": [15, 7]},
            "refund_start_business_days must be (low, high) with low <= high",
        ),
        (
            {"dispute_refund_days": [-1, 30]},
            "dispute_refund_days must be at least 0 (got -1)",
        ),
        ({"handling_hours": {"dhl": 0}}, "handling_hours.dhl must be at least 1 (got 0)"),
        ({"handling_hours": [1, 2]}, "handling_hours must be an object of whole numbers"),
        ({"protection_days": {"electronics": 90}}, "protection_days needs a 'default' category"),
        (
            {"refund_calendar_country": "XX"},
            "refund_calendar_country: no holiday calendar for 'XX'",
        ),
        ({"version": 0}, "version must be at least 1 (got 0)"),
    ],
)
def test_policy_validation_errors_name_the_setting(changes: dict[str, Any], message: str) -> None:
    body = DEFAULT_POLICY.to_json()
    body.update(changes)
    with pytest.raises(ValueError) as caught:
        Policy.from_json(body)
    assert str(caught.value) == message


def test_policy_with_changes_is_validated() -> None:
    with pytest.raises(ValueError, match=r"^seller_answer_hours must be at least 1 \(got 0\)$"):
        DEFAULT_POLICY.with_changes(seller_answer_hours=0)


def test_policy_from_json_wants_an_object() -> None:
    with pytest.raises(ValueError, match=r"^a policy is a JSON object of settings$"):
        Policy.from_json([1, 2])  # type: ignore[arg-type]


def test_policy_from_partial_json_takes_defaults() -> None:
    assert Policy.from_json({"version": 7, "seller_answer_hours": 48}) == Policy(
        version=7, seller_answer_hours=48
    )
