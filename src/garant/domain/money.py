"""Money as a ledger (PRT-6).

Amounts are integer cents of EUR inside Garant; ``Decimal`` only at the edges. Every movement
is a double entry between accounts, and the balances of an order are sums of entries, so the
invariant paid = held + released + refunded can be checked from the table alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from garant.domain.errors import InvalidInput, MoneyError

CURRENCY = "EUR"


def parse_amount(value: object, *, field: str = "amount", allow_zero: bool = True) -> int:
    """Parse a EUR amount given as a string, int or Decimal into cents.

    Floats are refused: 0.1 + 0.2 is not money. More than two decimals and negatives are
    refused rather than rounded, because a silently rounded amount is a wrong amount.
    """
    if isinstance(value, (bool, float)):
        raise InvalidInput(f'{field}: give the amount as a string like "12.34"', field=field)
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{field}: '{value}' is not an amount", field=field) from None
    if not amount.is_finite():
        raise InvalidInput(f"{field}: '{value}' is not an amount", field=field)
    if amount < 0:
        raise InvalidInput(f"{field}: an amount cannot be negative ({value})", field=field)
    if amount > Decimal("10000000"):
        raise InvalidInput(f"{field}: amount too large ({value})", field=field)
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(f"{field}: at most two decimals ({value})", field=field)
    if not allow_zero and amount == 0:
        raise InvalidInput(f"{field}: the amount must be above zero", field=field)
    return int(amount * 100)


def to_decimal(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def to_str(cents: int) -> str:
    return str(to_decimal(cents))


class Account(StrEnum):
    BUYER_PAYMENT = "buyer_payment"  # outside: the buyer's payment method
    CLEARING = "clearing"  # captured by the payment provider, not yet placed
    ESCROW = "escrow"  # held by the platform (PRT-1)
    SELLER = "seller"  # released to the seller
    BUYER_REFUND = "buyer_refund"  # on its way back to the buyer's payment method


class EntryKind(StrEnum):
    CAPTURE = "capture"
    HOLD = "hold"
    RELEASE = "release"
    REFUND = "refund"
    # PRT-4: a dispute opened after the money went to the seller takes it back into escrow
    # until the dispute's outcome says where it goes.
    RECOVER = "recover"


_MOVES: dict[EntryKind, tuple[Account, Account]] = {
    EntryKind.CAPTURE: (Account.BUYER_PAYMENT, Account.CLEARING),
    EntryKind.HOLD: (Account.CLEARING, Account.ESCROW),
    EntryKind.RELEASE: (Account.ESCROW, Account.SELLER),
    EntryKind.REFUND: (Account.ESCROW, Account.BUYER_REFUND),
    EntryKind.RECOVER: (Account.SELLER, Account.ESCROW),
}


@dataclass(frozen=True)
class LedgerEntry:
    kind: EntryKind
    amount_cents: int
    memo: str = ""

    @property
    def source(self) -> Account:
        return _MOVES[self.kind][0]

    @property
    def destination(self) -> Account:
        return _MOVES[self.kind][1]


@dataclass(frozen=True)
class Balances:
    paid: int = 0
    held: int = 0
    released: int = 0
    refunded: int = 0

    @classmethod
    def of(cls, entries: Iterable[LedgerEntry]) -> Balances:
        paid = held = released = refunded = 0
        for e in entries:
            if e.kind is EntryKind.CAPTURE:
                paid += e.amount_cents
            elif e.kind is EntryKind.HOLD:
                held += e.amount_cents
            elif e.kind is EntryKind.RELEASE:
                held -= e.amount_cents
                released += e.amount_cents
            elif e.kind is EntryKind.RECOVER:
                held += e.amount_cents
                released -= e.amount_cents
            else:
                held -= e.amount_cents
                refunded += e.amount_cents
        return cls(paid=paid, held=held, released=released, refunded=refunded)

    def after(self, entries: Iterable[LedgerEntry]) -> Balances:
        b = Balances.of(entries)
        return Balances(
            paid=self.paid + b.paid,
            held=self.held + b.held,
            released=self.released + b.released,
            refunded=self.refunded + b.refunded,
        )

    @property
    def balanced(self) -> bool:
        """PRT-6: every cent paid is somewhere, and no account is negative."""
        return (
            self.paid == self.held + self.released + self.refunded
            and min(self.held, self.released, self.refunded) >= 0
        )


def refund_entry(balances: Balances, amount_cents: int, memo: str) -> LedgerEntry:
    """A refund comes out of escrow; it can never exceed what is still held (PRT-6)."""
    if amount_cents <= 0:
        raise MoneyError("a refund must be above zero", amount=to_str(amount_cents))
    if amount_cents > balances.held:
        raise MoneyError(
            f"refund of {to_str(amount_cents)} EUR exceeds what is held for this order "
            f"({to_str(balances.held)} EUR of {to_str(balances.paid)} EUR paid)",
            requested=to_str(amount_cents),
            held=to_str(balances.held),
            paid=to_str(balances.paid),
        )
    return LedgerEntry(EntryKind.REFUND, amount_cents, memo)


def release_entry(balances: Balances, amount_cents: int, memo: str) -> LedgerEntry:
    """Money goes to the seller out of escrow; never more than is held."""
    if amount_cents <= 0 or amount_cents > balances.held:
        raise MoneyError(
            f"cannot release {to_str(amount_cents)} EUR: {to_str(balances.held)} EUR is held",
            requested=to_str(amount_cents),
            held=to_str(balances.held),
        )
    return LedgerEntry(EntryKind.RELEASE, amount_cents, memo)
