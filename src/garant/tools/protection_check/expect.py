"""The model's predictions for one attempt: what must be refused and what must succeed, and
the rules shared by the dispute steps (PRT-4's window, the reason, the remedy asked for, the
dispute's state). A prediction the implementation contradicts is a ``ModelViolation``."""

from __future__ import annotations

from garant.tools.protection_check.facts import DisputeFacts, Facts
from garant.tools.protection_check.vocab import DETAILS, DISPUTABLE, ITEM_IN_HAND, KINDS, REASONS


class Expect:
    """What the model says about one attempt: reasons it must be refused, and (only when
    nothing stands in the way) why it must succeed. A reason marked ``robust`` holds even if
    a deadline is due and the service applies it first (nothing due can make it possible
    again); the others, and every must-succeed, are dropped when a deadline is due."""

    def __init__(self) -> None:
        self.refuse: list[tuple[str, bool]] = []
        self.success: str | None = None

    def must_refuse(self, why: str, *, robust: bool = True) -> None:
        self.refuse.append((why, robust))

    def must_succeed(self, why: str) -> None:
        self.success = why

    def settle(self, due: list[str]) -> tuple[list[str], str | None]:
        if due:
            refuse = [why for why, robust in self.refuse if robust]
            return refuse, None
        refuse = [why for why, _ in self.refuse]
        return refuse, (None if refuse else self.success)


class ModelViolation(AssertionError):
    """The implementation did something the model says it must not."""


def window_rules(f: Facts, expect: Expect) -> None:
    d = f.dispute
    if d is not None and d.is_open:
        expect.must_refuse(f"a dispute is already open ({d.state})")
    elif d is not None and (d.outcome or {}).get("kind") != "reshipment":
        expect.must_refuse("the order's dispute is closed and its outcome final")
    if f.state not in DISPUTABLE:
        expect.must_refuse(f"a {f.state} order cannot be disputed")
    closes = f.window_closes()
    if closes is not None and f.now > closes:
        expect.must_refuse(f"PRT-4: the window closed on {closes.isoformat()}")


def reason_rules(f: Facts, reason: str, detail: str | None, expect: Expect) -> None:
    if reason not in REASONS:
        expect.must_refuse(f"unknown reason {reason}")
        return
    if reason in DETAILS and detail is None:
        expect.must_refuse(f"{reason} needs a detail")
    if reason == "not_received" and f.delivered_at is not None:
        expect.must_refuse("the carrier shows it delivered")
    if reason == "delivered_not_received" and f.delivered_at is None:
        expect.must_refuse("it is not shown as delivered")


def resolution_rules(f: Facts, reason: str, kind: str, amount: int | None, expect: Expect) -> None:
    refundable = f.money.refundable
    if kind not in KINDS:
        expect.must_refuse(f"{kind} cannot be asked for")
        return
    if kind == "partial_refund" and (amount is None or amount >= refundable):
        expect.must_refuse(
            f"PRT-6: a partial refund of {amount} is not below the {refundable} refundable"
        )
    if kind == "return_and_refund":
        if amount is not None and amount > refundable:
            expect.must_refuse(
                f"PRT-6: a refund of {amount} after the return is above the {refundable} refundable"
            )
        if reason in REASONS and reason not in ITEM_IN_HAND:
            expect.must_refuse(f"a return needs the item in hand, not '{reason}'")
    if kind == "reshipment" and reason == "payment_problem":
        expect.must_refuse("a payment problem is not settled by a reshipment")


def dispute_rules(
    f: Facts, sources: frozenset[str], expect: Expect, robust: bool = True
) -> DisputeFacts | None:
    d = f.dispute
    if d is None:
        expect.must_refuse("there is no dispute", robust=robust)
    elif not d.is_open:
        expect.must_refuse(f"the dispute is closed ({d.state}); nothing more on it")
    elif d.state not in sources:
        expect.must_refuse(f"the dispute is {d.state}", robust=robust)
    return d
