"""The order's own steps (ORD, CAN, PRT-1): create and pay, verify, ship, deliver, the parcel
back and the buyer's CAN-13 choice, confirm receipt, cancellation; then the return sent back
and confirmed (RET-5) and refunds settled (PRT-5)."""

from __future__ import annotations

from sqlalchemy import select

from garant.services import orders as order_service
from garant.store import schema as t
from garant.tools.protection_check.core import MachineCore
from garant.tools.protection_check.expect import Expect
from garant.tools.protection_check.vocab import (
    AGENT,
    BUYER,
    NOT_SHIPPED,
    OPERATOR,
    PARCEL_BACK,
    SELLER,
    TRACKERS,
    cents_text,
    s10,
)


class OrderActions(MachineCore):
    """The order steps, as a mixin of the machine."""

    def create_and_pay(
        self, total: int, method: str, category: str, choice: bool, pair: int, pay: str, who: int
    ) -> None:
        """The marketplace's integration (the operator) places the order, then pays it."""
        buyer, seller = self.buyers[pair % 2], self.sellers[pair // 2]
        creator = self.operator if who <= 8 else buyer
        expect = Expect()
        if creator is not self.operator:
            expect.must_refuse("only the operator creates orders")
        else:
            expect.must_succeed("the operator places a valid order")
        created: list[int] = []

        def create() -> None:
            assert buyer.user_id is not None and seller.user_id is not None
            created.append(
                order_service.create_order(
                    self.app,
                    actor=creator,
                    buyer_id=buyer.user_id,
                    seller_id=seller.user_id,
                    items=[
                        {
                            "sku": "SKU",
                            "title": "Lampe",
                            "quantity": 1,
                            "unit_price": cents_text(total),
                        }
                    ],
                    total=cents_text(total),
                    shipping_method=method,
                    product_category=category,
                    is_choice=choice,
                )
            )

        if not self._attempt("create_order", None, expect, create):
            return
        if pay == "unpaid":
            return
        self._pay(created[0], exact=True, verified=pay == "verified", who=0, pointer=0)

    def pay(self, pointer: int, aim: int, who: int, exact: int, verified: bool) -> None:
        order_id = self._pick(pointer, aim, "pay")
        if self._facts(order_id).state == "payment_processing" and verified:
            self._verify(order_id, who, pointer)
        else:
            self._pay(order_id, exact=exact > 0, verified=verified, who=who, pointer=pointer)

    def _pay(self, order_id: int, *, exact: bool, verified: bool, who: int, pointer: int) -> None:
        f = self._facts(order_id)
        actor, wrong = self._actor(f, OPERATOR, frozenset({OPERATOR}), who, pointer)
        amount = f.total if exact else f.total + 1
        expect = Expect()
        if wrong:
            expect.must_refuse(f"paid by {wrong}")
        if not exact:
            expect.must_refuse("the payment must equal the total")
        if f.state != "received":
            expect.must_refuse(f"only a received order is paid, not a {f.state} one")
        expect.must_succeed("the operator pays a received order its total")
        params = {"amount": cents_text(amount), "verified": verified}
        if self._attempt("pay", f, expect, lambda: self._perform(order_id, actor, "pay", params)):
            after = self._facts(order_id)
            self._check(
                after.money.paid == after.money.held == f.total,
                f"after pay, order {order_id}: paid {after.money} for a total of {f.total}",
            )
            want = "paid" if verified else "payment_processing"
            self._check(after.state == want, f"after pay, order {order_id} is {after.state}")

    def _verify(self, order_id: int, who: int, pointer: int) -> None:
        f = self._facts(order_id)
        actor, wrong = self._actor(f, OPERATOR, frozenset({OPERATOR}), who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"verified by {wrong}")
        if f.state != "payment_processing":
            expect.must_refuse(f"nothing to verify on a {f.state} order", robust=False)
        expect.must_succeed("the operator verifies a payment")
        self._attempt(
            "verify_payment", f, expect, lambda: self._perform(order_id, actor, "verify_payment")
        )

    def ship(self, pointer: int, aim: int, who: int, reuse: int) -> None:
        """The seller hands the parcel over with a valid S10 number (declining an open
        cancellation request that way, CAN-5); sometimes the number of an earlier parcel."""
        order_id = self._pick(pointer, aim, "ship")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, SELLER, frozenset({SELLER}), who, pointer)
        old = reuse == 4 and bool(f.previous_numbers)
        number = f.previous_numbers[0] if old else s10(next(self.serials))
        action = "decline_cancellation" if f.cancellation_open else "ship"
        expect = Expect()
        if wrong:
            expect.must_refuse(f"shipped by {wrong}")
        if old:
            expect.must_refuse("a reshipment needs a new tracking number (CAN-13)")
        if f.state not in NOT_SHIPPED:
            expect.must_refuse(f"a {f.state} order is not waiting to be shipped", robust=False)
        expect.must_succeed("the seller ships a paid order with a new valid number")
        params = {"tracking_number": number}
        if self._attempt(action, f, expect, lambda: self._perform(order_id, actor, action, params)):
            after = self._facts(order_id)
            self._check(
                after.state == "shipped" and after.shipped_at == self.now,
                f"after {action}, order {order_id} is {after.state} shipped {after.shipped_at}",
            )

    def record_delivery(self, pointer: int, aim: int, who: int) -> None:
        order_id = self._pick(pointer, aim, "record_delivery")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, AGENT, TRACKERS, who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"delivery recorded by {wrong}")
        if f.state != "shipped":
            expect.must_refuse(f"a {f.state} order is not in transit", robust=False)
        expect.must_succeed("an agent records the delivery of a shipped order")
        if self._attempt(
            "record_delivery", f, expect, lambda: self._perform(order_id, actor, "record_delivery")
        ):
            after = self._facts(order_id)
            self._check(
                after.state == "delivered" and after.delivered_at == self.now,
                f"after delivery, order {order_id} is {after.state}",
            )

    def parcel_back(self, pointer: int, aim: int, who: int, returned: bool) -> None:
        """TRK-5 / CAN-13: tracking says the parcel went back to the seller, or the shipment
        was cancelled ("envoi annulé"); recorded by an agent, as tracking would."""
        order_id = self._pick(pointer, aim, "parcel_back")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, AGENT, TRACKERS, who, pointer)
        action = "mark_returned_to_sender" if returned else "report_shipment_cancelled"
        expect = Expect()
        if wrong:
            expect.must_refuse(f"recorded by {wrong}")
        if f.state != "shipped":
            expect.must_refuse(f"a {f.state} order is not in transit", robust=False)
        expect.must_succeed("tracking reports a parcel in transit back or cancelled")
        params = {"reason": "retour expéditeur"}
        if self._attempt(action, f, expect, lambda: self._perform(order_id, actor, action, params)):
            after = self._facts(order_id)
            want = "returned_to_sender" if returned else "shipment_cancelled"
            self._check(after.state == want, f"after {action}, order {order_id}: {after.state}")

    def choose_after_parcel_back(self, pointer: int, aim: int, who: int, refund: bool) -> None:
        """CAN-13: the parcel came back; the buyer chooses a new parcel or a full refund."""
        order_id = self._pick(pointer, aim, "choose_after_parcel_back")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, BUYER, frozenset({BUYER}), who, pointer)
        action = "choose_refund" if refund else "choose_reshipment"
        expect = Expect()
        if wrong:
            expect.must_refuse(f"chosen by {wrong}")
        if f.state not in PARCEL_BACK:
            expect.must_refuse(f"the parcel of a {f.state} order did not come back")
        if not refund and f.open_dispute is not None:
            expect.must_refuse("a dispute is open: withdraw it to choose a reshipment")
        expect.must_succeed("the buyer chooses after the parcel came back")
        if self._attempt(action, f, expect, lambda: self._perform(order_id, actor, action)):
            after = self._facts(order_id)
            m = after.money
            if refund:
                self._check(
                    after.state == "cancelled" and m.refunded == m.paid,
                    f"after choose_refund, order {order_id} is {after.state} with {m}",
                )
            else:
                self._check(after.state == "paid", f"after choose_reshipment: {after.state}")

    def confirm_receipt(self, pointer: int, aim: int, who: int) -> None:
        """PRT-1: the buyer confirms; the money held goes to the seller."""
        order_id = self._pick(pointer, aim, "confirm_receipt")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, BUYER, frozenset({BUYER}), who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"confirmed by {wrong}")
        if f.open_dispute is not None:
            expect.must_refuse(f"a dispute is open ({f.open_dispute.state})")
        if f.state not in ("shipped", "delivered"):
            expect.must_refuse(f"a {f.state} order cannot be confirmed")
        expect.must_succeed("the buyer confirms a shipped or delivered order")
        if self._attempt(
            "confirm_receipt", f, expect, lambda: self._perform(order_id, actor, "confirm_receipt")
        ):
            after = self._facts(order_id)
            m = after.money
            self._check(
                after.state == "completed" and m.held == 0 and m.released == m.paid,
                f"after confirm_receipt, order {order_id} is {after.state} with {m}",
            )

    def request_cancellation(self, pointer: int, aim: int, who: int, reason: str) -> None:
        """CAN-2: paid, not shipped; the seller has 72 h."""
        order_id = self._pick(pointer, aim, "request_cancellation")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, BUYER, frozenset({BUYER}), who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"asked by {wrong}")
        if reason == "bogus":
            expect.must_refuse("an unknown reason")
        if f.state not in NOT_SHIPPED:
            expect.must_refuse(f"a {f.state} order cannot be cancelled by request", robust=False)
        if f.cancellation_open:
            expect.must_refuse("a request is already open", robust=False)
        expect.must_succeed("the buyer asks to cancel a paid order not yet shipped")
        params = {"reason": reason}
        self._attempt(
            "request_cancellation",
            f,
            expect,
            lambda: self._perform(order_id, actor, "request_cancellation", params),
        )

    def approve_cancellation(self, pointer: int, aim: int, who: int) -> None:
        """CAN-3: the seller agrees; full refund."""
        order_id = self._pick(pointer, aim, "approve_cancellation")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, SELLER, frozenset({SELLER}), who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"approved by {wrong}")
        if not f.cancellation_open:
            expect.must_refuse("no cancellation request is open", robust=False)
        if f.state not in NOT_SHIPPED:
            expect.must_refuse(f"a {f.state} order", robust=False)
        expect.must_succeed("the seller approves an open request")
        if self._attempt(
            "approve_cancellation",
            f,
            expect,
            lambda: self._perform(order_id, actor, "approve_cancellation"),
        ):
            after = self._facts(order_id)
            m = after.money
            self._check(
                after.state == "cancelled" and m.refunded == m.paid and m.held == 0,
                f"after approve_cancellation, order {order_id} is {after.state} with {m}",
            )

    # ------------------------------------------------------------------ the return, refunds

    def ship_return(self, pointer: int, aim: int, who: int, blank: int) -> None:
        order_id = self._pick(pointer, aim, "ship_return")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, BUYER, frozenset({BUYER}), who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"sent back by {wrong}")
        if blank == 4:
            expect.must_refuse("no tracking number")
        if f.state != "returning":
            expect.must_refuse(f"a {f.state} order has no return under way")
        elif f.return_status != "awaiting_shipment":
            expect.must_refuse("the return has already been sent back")
        expect.must_succeed("the buyer sends the item back")
        params = {"tracking_number": "" if blank == 4 else s10(next(self.serials))}
        self._attempt(
            "ship_return", f, expect, lambda: self._perform(order_id, actor, "ship_return", params)
        )

    def confirm_return(self, pointer: int, aim: int, who: int) -> None:
        """RET-5: the seller has the item back; the agreed refund is made."""
        order_id = self._pick(pointer, aim, "confirm_return")
        f = self._facts(order_id)
        actor, wrong = self._actor(f, SELLER, frozenset({SELLER}), who, pointer)
        expect = Expect()
        if wrong:
            expect.must_refuse(f"confirmed by {wrong}")
        if f.state != "returning":
            expect.must_refuse(f"a {f.state} order has no return under way")
        expect.must_succeed("the seller confirms the return")
        if self._attempt(
            "confirm_return_received",
            f,
            expect,
            lambda: self._perform(order_id, actor, "confirm_return_received"),
        ):
            after = self._facts(order_id)
            m = after.money
            self._check(
                after.state == "completed"
                and m.held == 0
                and m.refunded == f.money.refunded + (f.return_refund or 0),
                f"after the return, order {order_id} is {after.state} with {m}",
            )

    def settle_refund(self, pointer: int, aim: int, who: int) -> None:
        """PRT-5: the payment provider confirms a refund reached the buyer."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.refunds.c.id, t.refunds.c.settled_at).order_by(t.refunds.c.id)
            ).all()
        if not rows:
            return
        waiting = [r for r in rows if r.settled_at is None]
        pool = waiting if waiting and aim < 8 else rows
        row = pool[pointer % len(pool)]
        actor = self.operator if who <= 8 else self.buyers[0]
        expect = Expect()
        if actor is not self.operator:
            expect.must_refuse("only the operator records a settlement")
        if row.settled_at is not None:
            expect.must_refuse("already settled")
        expect.must_succeed("the operator settles a refund not yet settled")
        self._attempt(
            "settle_refund",
            None,
            expect,
            lambda: order_service.settle_refund(self.app, actor=actor, refund_id=int(row.id)),
        )
