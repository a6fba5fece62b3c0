"""PRT-1 (money held until receipt) and PRT-6 (every movement is a ledger entry; paid = held +
released + refunded; no refund exceeds what was paid) on the pure domain."""

from __future__ import annotations

from decimal import Decimal

import pytest
from domain_builders import (
    AGENT,
    AGENT_WHEN_SHIPPED,
    BUYER,
    BUYER_ID,
    OPERATOR,
    SELLER,
    TOTAL,
    TRACKING,
    at,
    new_order,
    paid_order,
    refuse,
    requested_order,
    shipped_order,
)

from garant.domain.errors import IllegalTransition, InvalidInput, MoneyError, RoleNotAllowed
from garant.domain.money import (
    Account,
    Balances,
    EntryKind,
    LedgerEntry,
    parse_amount,
    refund_entry,
    to_decimal,
    to_str,
)
from garant.domain.orders import Actor, DeadlineKind, Order
from garant.domain.transitions import Role


def _ledger(order: Order) -> list[tuple[EntryKind, int]]:
    return [(e.kind, e.amount_cents) for e in order.new_entries]


def _assert_invariant(order: Order) -> None:
    b = order.balances
    assert b.balanced
    assert b.paid == b.held + b.released + b.refunded
    assert min(b.paid, b.held, b.released, b.refunded) >= 0
    assert Balances.of(order.new_entries) == b  # the balances are the sum of the entries
    assert sum(r.amount_cents for r in order.new_refunds) == b.refunded <= b.paid


# ----------------------------------------------------------------------------- PRT-6 ledger


def test_prt6_each_kind_moves_money_between_two_accounts() -> None:
    moves = {k: (LedgerEntry(k, 1).source, LedgerEntry(k, 1).destination) for k in EntryKind}
    assert moves == {
        EntryKind.CAPTURE: (Account.BUYER_PAYMENT, Account.CLEARING),
        EntryKind.HOLD: (Account.CLEARING, Account.ESCROW),
        EntryKind.RELEASE: (Account.ESCROW, Account.SELLER),
        EntryKind.REFUND: (Account.ESCROW, Account.BUYER_REFUND),
        EntryKind.RECOVER: (Account.SELLER, Account.ESCROW),
    }


def test_prt6_balances_are_sums_of_entries() -> None:
    entries = [
        LedgerEntry(EntryKind.CAPTURE, 1000),
        LedgerEntry(EntryKind.HOLD, 1000),
        LedgerEntry(EntryKind.REFUND, 300),
        LedgerEntry(EntryKind.RELEASE, 700),
    ]
    assert Balances.of(entries) == Balances(paid=1000, held=0, released=700, refunded=300)
    assert Balances.of(entries[:2]).after(entries[2:]) == Balances.of(entries)
    assert Balances.of(entries).balanced
    assert Balances.of([]) == Balances() and Balances().balanced


@pytest.mark.parametrize(
    "balances",
    [
        Balances(paid=100, held=50),  # 50 cents nowhere
        Balances(paid=100, held=-20, released=120),  # escrow below zero
        Balances(paid=0, held=0, refunded=10),  # refunded what was never paid
    ],
)
def test_prt6_unbalanced_ledger_is_detected(balances: Balances) -> None:
    assert balances.balanced is False


def test_prt6_payment_is_captured_then_held() -> None:
    order = new_order()
    order.pay(OPERATOR, at(1), TOTAL, verified=False)
    assert _ledger(order) == [(EntryKind.CAPTURE, TOTAL), (EntryKind.HOLD, TOTAL)]
    assert order.balances == Balances(paid=TOTAL, held=TOTAL)
    _assert_invariant(order)


def test_prt6_refund_cannot_exceed_what_is_held() -> None:
    held = Balances(paid=1000, held=400, released=600)
    with pytest.raises(MoneyError) as caught:
        refund_entry(held, 401, "too much")
    err = caught.value
    assert (err.code, err.http_status) == ("money_rule", 422)
    assert err.message == (
        "refund of 4.01 EUR exceeds what is held for this order (4.00 EUR of 10.00 EUR paid)"
    )
    assert err.context == {"requested": "4.01", "held": "4.00", "paid": "10.00"}
    assert refund_entry(held, 400, "all that is left") == LedgerEntry(
        EntryKind.REFUND, 400, "all that is left"
    )


@pytest.mark.parametrize("amount", [0, -1])
def test_prt6_refund_must_be_above_zero(amount: int) -> None:
    with pytest.raises(MoneyError) as caught:
        refund_entry(Balances(paid=100, held=100), amount, "nothing")
    assert caught.value.message == "a refund must be above zero"


def test_prt6_no_refund_once_the_seller_is_paid() -> None:
    order = shipped_order()
    order.confirm_receipt(BUYER, at(100))
    with pytest.raises(MoneyError):
        refund_entry(order.balances, 1, "late")
    _assert_invariant(order)


def test_prt6_cancellation_refund_is_one_entry_of_what_was_held() -> None:
    order = requested_order()
    order.approve_cancellation(SELLER, at(2))
    assert _ledger(order) == [
        (EntryKind.CAPTURE, TOTAL),
        (EntryKind.HOLD, TOTAL),
        (EntryKind.REFUND, TOTAL),
    ]
    assert order.new_entries[-1].memo == "cancellation: no_longer_needed"
    _assert_invariant(order)


def test_prt6_unpaid_order_closes_without_money() -> None:
    order = new_order()
    order.on_deadline(DeadlineKind.ABANDON_UNPAID, at(72))
    assert order.new_entries == [] and order.balances == Balances()
    _assert_invariant(order)


@pytest.mark.parametrize(
    "ending",
    ["approve", "expire", "ship_by", "security", "unfulfillable", "shipment_cancelled"],
)
def test_prt6_every_cancellation_path_keeps_the_ledger_balanced(ending: str) -> None:
    order = requested_order() if ending in ("approve", "expire") else paid_order()
    if ending == "approve":
        order.approve_cancellation(SELLER, at(2))
    elif ending == "expire":
        order.on_deadline(DeadlineKind.SELLER_ANSWER, at(73))
    elif ending == "ship_by":
        order.on_deadline(DeadlineKind.SHIP_BY, at(120))
    elif ending == "security":
        order.security_cancel(AGENT, at(2), "promo_code_reused")
    elif ending == "unfulfillable":
        order.mark_unfulfillable(SELLER, at(2), "out_of_stock")
    else:
        order.ship(SELLER, at(2), TRACKING, None)
        order.report_shipment_cancelled(AGENT, at(20), "never collected")
        order.choose_refund(BUYER, at(21))
    assert order.balances == Balances(paid=TOTAL, held=0, released=0, refunded=TOTAL)
    assert order.refunds_pending == 1
    _assert_invariant(order)


# ----------------------------------------------------------------------------- PRT-1 escrow


def test_prt1_money_stays_held_until_the_buyer_confirms() -> None:
    order = shipped_order()
    order.record_shipment_progress(OPERATOR, at(30), "international_transit")
    order.record_delivery(OPERATOR, at(200))
    assert order.balances == Balances(paid=TOTAL, held=TOTAL)
    assert all(e.kind is not EntryKind.RELEASE for e in order.new_entries)
    order.confirm_receipt(BUYER, at(210))
    assert order.balances == Balances(paid=TOTAL, held=0, released=TOTAL, refunded=0)
    assert order.new_entries[-1] == LedgerEntry(EntryKind.RELEASE, TOTAL, "receipt confirmed")
    entry = order.new_timeline[-1]
    assert (entry.action, entry.actor_role, entry.data) == (
        "funds_released",
        "buyer",
        {"amount": "25.99"},
    )
    assert order.completed_at == at(210)
    _assert_invariant(order)


def test_prt1_buyer_may_confirm_before_the_carrier_reports_delivery() -> None:
    order = shipped_order()
    order.confirm_receipt(BUYER, at(30))
    assert order.balances.released == TOTAL
    _assert_invariant(order)


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (SELLER, ["publish_invoice"]),
        (OPERATOR, AGENT_WHEN_SHIPPED),
        (AGENT, AGENT_WHEN_SHIPPED),
        (Actor(Role.BUYER, BUYER_ID + 1), []),  # another buyer
    ],
)
def test_prt1_only_the_buyer_releases_the_money(actor: Actor, allowed: list[str]) -> None:
    order = shipped_order()
    error = IllegalTransition if actor.role is Role.BUYER else RoleNotAllowed
    refuse(
        order,
        lambda: order.confirm_receipt(actor, at(30)),
        error,
        error.code,
        state="shipped",
        allowed=allowed,
    )
    assert order.balances == Balances(paid=TOTAL, held=TOTAL)


def test_prt1_money_is_released_once() -> None:
    order = shipped_order()
    order.confirm_receipt(BUYER, at(30))
    refuse(
        order,
        lambda: order.confirm_receipt(BUYER, at(31)),
        IllegalTransition,
        "illegal_transition",
        state="completed",
        allowed=[],
    )
    assert [k for k, _ in _ledger(order)].count(EntryKind.RELEASE) == 1


# ----------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("raw", "cents"),
    [("12.34", 1234), ("0.1", 10), (5, 500), (Decimal("7.50"), 750), ("0", 0), ("10000000", 10**9)],
)
def test_prt6_amounts_are_whole_cents(raw: object, cents: int) -> None:
    assert parse_amount(raw) == cents


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (0.1, 'amount: give the amount as a string like "12.34"'),
        (True, 'amount: give the amount as a string like "12.34"'),
        ("1.234", "amount: at most two decimals (1.234)"),
        ("-1", "amount: an amount cannot be negative (-1)"),
        ("abc", "amount: 'abc' is not an amount"),
        ("NaN", "amount: 'NaN' is not an amount"),
        ("Infinity", "amount: 'Infinity' is not an amount"),
        ("10000000.01", "amount: amount too large (10000000.01)"),
    ],
)
def test_prt6_bad_amounts_are_refused_not_rounded(raw: object, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_amount(raw)
    assert caught.value.message == message
    assert caught.value.context == {"field": "amount"}


def test_prt6_zero_can_be_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_amount("0.00", field="new_total", allow_zero=False)
    assert caught.value.message == "new_total: the amount must be above zero"


def test_prt6_cents_print_as_euros() -> None:
    assert (to_str(2599), to_str(5), to_str(0)) == ("25.99", "0.05", "0.00")
    assert to_decimal(123456) == Decimal("1234.56")
