"""Order use cases. Each runs in the unit of work: load (row-locked), act, save, commit.

``perform`` is the one place where an action name becomes a domain call, so the API, the web
pages and the CLI cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from garant.app import Garant
from garant.domain.errors import InvalidInput, NotFound
from garant.domain.money import parse_amount
from garant.domain.orders import Actor, Order
from garant.domain.policy import SHIPPING_METHODS
from garant.domain.transitions import Action, OrderState, Role
from garant.services import coupons, tracking
from garant.services import unit_of_work as uow
from garant.services.tracking_numbers import check_tracking_number
from garant.store import order_index, order_writes
from garant.store import orders as repo
from garant.store import refunds as refund_store
from garant.store import users as user_store
from garant.store.db import Connection, IntegrityError, reading
from garant.store.policies import current_policy


def create_order(
    app: Garant,
    *,
    actor: Actor,
    buyer_id: int,
    seller_id: int,
    items: list[dict[str, Any]],
    total: object,
    shipping_method: str,
    product_category: str = "default",
    is_choice: bool = False,
    destination_country: str = "FR",
    coupons_used: list[dict[str, Any]] | None = None,
    external_ref: str | None = None,
    checkout_id: str | None = None,
) -> int:
    """Created by the marketplace's integration (an operator account)."""
    if actor.role is not Role.OPERATOR:
        raise NotFound("only the marketplace's integration (operator) creates orders")
    if shipping_method not in SHIPPING_METHODS:
        raise InvalidInput(
            f"unknown shipping method '{shipping_method}'; use one of: "
            f"{', '.join(SHIPPING_METHODS)}"
        )
    if not items:
        raise InvalidInput("an order needs at least one item")
    total_cents = parse_amount(total, field="total", allow_zero=False)
    clean_items = [_item(i) for i in items]
    now = app.clock.now()
    try:
        return _create_order(
            app,
            now,
            actor=actor,
            buyer_id=buyer_id,
            seller_id=seller_id,
            items=clean_items,
            total_cents=total_cents,
            shipping_method=shipping_method,
            product_category=product_category,
            is_choice=is_choice,
            destination_country=destination_country,
            coupons_used=coupons_used,
            external_ref=external_ref,
            checkout_id=checkout_id,
        )
    except IntegrityError:
        # The same order arrived twice at once (a marketplace retrying its webhook): the
        # unique external_ref let one in; the other gets the answer the check gives.
        if external_ref is not None and _external_ref_taken(app, external_ref):
            raise InvalidInput(
                f"an order with external_ref '{external_ref}' already exists"
            ) from None
        raise


def _external_ref_taken(app: Garant, external_ref: str) -> bool:
    with reading(app.engine) as conn:
        return order_index.id_by_external_ref(conn, external_ref) is not None


def _create_order(
    app: Garant,
    now: datetime,
    *,
    actor: Actor,
    buyer_id: int,
    seller_id: int,
    items: list[dict[str, Any]],
    total_cents: int,
    shipping_method: str,
    product_category: str,
    is_choice: bool,
    destination_country: str,
    coupons_used: list[dict[str, Any]] | None,
    external_ref: str | None,
    checkout_id: str | None,
) -> int:
    with app.engine.begin() as conn:
        roles = user_store.roles_of(conn, [buyer_id, seller_id])
        for user_id, role in ((buyer_id, Role.BUYER), (seller_id, Role.SELLER)):
            if roles.get(user_id) != role.value:
                raise InvalidInput(f"user {user_id} is not a {role.value}")
        if (
            external_ref is not None
            and order_index.id_by_external_ref(conn, external_ref) is not None
        ):
            raise InvalidInput(f"an order with external_ref '{external_ref}' already exists")
        policy = current_policy(conn, now)
        order = Order(
            buyer_id=buyer_id,
            seller_id=seller_id,
            total_cents=total_cents,
            shipping_method=shipping_method,
            product_category=product_category,
            policy=policy,
            created_at=now,
            items=items,
            is_choice=is_choice,
            destination_country=destination_country.upper(),
            external_ref=external_ref,
            checkout_id=checkout_id,
        )
        order.placed(actor, now)
        order_id = order_writes.add(conn, order, now)
        flag = coupons.attach(conn, order, coupons_used or [], checkout_id, now)
        if flag is not None:
            loaded = uow.Loaded(order)
            order.flag_for_security_review(flag, now)
            uow.save_changes(conn, [loaded], now)
    return order_id


def _item(raw: dict[str, Any]) -> dict[str, Any]:
    title = str(raw.get("title", "")).strip()
    quantity = raw.get("quantity", 1)
    if not title or not isinstance(quantity, int) or quantity < 1:
        raise InvalidInput("each item needs a title and a quantity of at least 1")
    price = parse_amount(raw.get("unit_price", "0"), field="unit_price")
    return {
        "sku": str(raw.get("sku", "")),
        "title": title,
        "quantity": quantity,
        "unit_price_cents": price,
    }


def _ship_params(params: dict[str, Any]) -> dict[str, Any]:
    number, carrier, warnings = check_tracking_number(
        str(params.get("tracking_number", "")), params.get("carrier")
    )
    return {"tracking_number": number, "carrier": carrier, "warnings": warnings}


def _ship(o: Order, a: Actor, now: datetime, p: dict[str, Any]) -> None:
    s = _ship_params(p)
    o.ship(a, now, s["tracking_number"], s["carrier"], warnings=s["warnings"])


def _decline(o: Order, a: Actor, now: datetime, p: dict[str, Any]) -> None:
    s = _ship_params(p)
    o.decline_cancellation(a, now, s["tracking_number"], s["carrier"], warnings=s["warnings"])


def _text(p: dict[str, Any], key: str) -> str:
    return str(p.get(key) or "")


# The one dispatch table: action → how its parameters reach the aggregate.
DISPATCH: dict[Action, Callable[[Order, Actor, datetime, dict[str, Any]], None]] = {
    Action.UPDATE_AMOUNT: lambda o, a, n, p: o.update_amount(
        a,
        n,
        parse_amount(p.get("new_total"), field="new_total", allow_zero=False),
        _text(p, "reason"),
    ),
    Action.REQUEST_DETAILS: lambda o, a, n, p: o.request_details(a, n, _text(p, "question")),
    Action.PROVIDE_DETAILS: lambda o, a, n, p: o.provide_details(a, n, _text(p, "answer")),
    Action.PAY: lambda o, a, n, p: o.pay(
        a, n, parse_amount(p.get("amount"), field="amount"), bool(p.get("verified", False))
    ),
    Action.VERIFY_PAYMENT: lambda o, a, n, p: o.verify_payment(a, n),
    Action.MARK_UNFULFILLABLE: lambda o, a, n, p: o.mark_unfulfillable(a, n, _text(p, "reason")),
    Action.MARK_PREPARED: lambda o, a, n, p: o.mark_prepared(a, n),
    Action.CONSOLIDATE: lambda o, a, n, p: o.consolidate(a, n, _text(p, "parcel_ref")),
    Action.PUBLISH_INVOICE: lambda o, a, n, p: o.publish_invoice(a, n, _text(p, "invoice_ref")),
    Action.SHIP: _ship,
    Action.RECORD_SHIPMENT_PROGRESS: lambda o, a, n, p: o.record_shipment_progress(
        a, n, _text(p, "status")
    ),
    Action.RECORD_DELIVERY: lambda o, a, n, p: o.record_delivery(a, n, _text(p, "where")),
    Action.CONFIRM_RECEIPT: lambda o, a, n, p: o.confirm_receipt(a, n),
    Action.MARK_RETURNED_TO_SENDER: lambda o, a, n, p: o.mark_returned_to_sender(
        a, n, _text(p, "reason")
    ),
    Action.CANCEL: lambda o, a, n, p: o.cancel(a, n, confirmed=bool(p.get("confirm", False))),
    Action.REQUEST_CANCELLATION: lambda o, a, n, p: o.request_cancellation(
        a, n, _text(p, "reason"), _text(p, "note")
    ),
    Action.APPROVE_CANCELLATION: lambda o, a, n, p: o.approve_cancellation(a, n),
    Action.DECLINE_CANCELLATION: _decline,
    Action.WITHDRAW_CANCELLATION: lambda o, a, n, p: o.withdraw_cancellation(a, n),
    Action.REQUEST_EXTENSION: lambda o, a, n, p: o.request_extension(
        a, n, _days(p), _text(p, "reason")
    ),
    Action.ACCEPT_EXTENSION: lambda o, a, n, p: o.accept_extension(a, n),
    Action.DECLINE_EXTENSION: lambda o, a, n, p: o.decline_extension(a, n),
    Action.SECURITY_CANCEL: lambda o, a, n, p: o.security_cancel(a, n, _text(p, "reason")),
    Action.REPORT_SHIPMENT_CANCELLED: lambda o, a, n, p: o.report_shipment_cancelled(
        a, n, _text(p, "reason")
    ),
    Action.CHOOSE_RESHIPMENT: lambda o, a, n, p: o.choose_reshipment(a, n),
    Action.CHOOSE_REFUND: lambda o, a, n, p: o.choose_refund(a, n),
    Action.SHIP_RETURN: lambda o, a, n, p: o.ship_return(
        a, n, _text(p, "tracking_number"), p.get("carrier") or None
    ),
    Action.CONFIRM_RETURN_RECEIVED: lambda o, a, n, p: o.confirm_return_received(a, n),
}

# Actions only the worker takes (deadlines); nobody can ask for them.
SYSTEM_ONLY = {
    Action.EXPIRE_CANCELLATION_REQUEST,
    Action.MISS_SHIP_BY,
    Action.ABANDON,
    Action.AUTO_CONFIRM_RECEIPT,
    Action.REFUND_LATE_CHOICE,
    Action.LAPSE_RETURN,
    Action.REFUND_UNCONFIRMED_RETURN,
}


def _days(p: dict[str, Any]) -> int:
    days = p.get("days")
    if not isinstance(days, int) or isinstance(days, bool):
        raise InvalidInput("days must be a whole number")
    return days


def perform(
    app: Garant,
    *,
    order_id: int,
    actor: Actor,
    action: str,
    params: dict[str, Any],
    expected_version: int | None = None,
) -> None:
    try:
        act = Action(action)
    except ValueError:
        raise InvalidInput(f"unknown action '{action}'") from None
    if act in SYSTEM_ONLY:
        raise InvalidInput(f"'{action}' happens automatically at its deadline")

    def step(conn: Connection, order: Order, now: datetime) -> None:
        order.require(act, actor)  # state and role before parameters: the clearer error
        DISPATCH[act](order, actor, now, params)

    def shipped(conn: Connection, order: Order, now: datetime) -> None:
        # A shipment is an event that tracking handles: the parcel is tracked from now on.
        if order.state is OrderState.SHIPPED and act in (Action.SHIP, Action.DECLINE_CANCELLATION):
            tracking.attach_shipment(conn, order, now)

    uow.act(
        app,
        order_id=order_id,
        actor=actor,
        expected_version=expected_version,
        step=step,
        after_save=shipped,
    )


def settle_refund(app: Garant, *, actor: Actor, refund_id: int) -> int:
    """The payment provider confirms the refund reached the buyer's payment method."""
    if actor.role is not Role.OPERATOR:
        raise NotFound(f"refund {refund_id} not found")
    now = app.clock.now()
    with app.engine.begin() as conn:
        row = refund_store.refund(conn, refund_id)
        if row is None:
            raise NotFound(f"refund {refund_id} not found")
        if row.settled_at is not None:
            raise InvalidInput(
                f"refund {refund_id} was already settled on {row.settled_at.isoformat()}"
            )
        order = repo.load(conn, row.order_id, lock=True)
        if not refund_store.mark_settled(conn, refund_id, now):
            # The same confirmation arrived twice at once; the other call recorded it.
            raise InvalidInput(f"refund {refund_id} was already settled")
        loaded = uow.Loaded(order)
        order.refunds_pending -= 1
        order.refund_settled(actor, now, row.amount_cents)
        uow.save_changes(conn, [loaded], now)
        return int(row.order_id)
