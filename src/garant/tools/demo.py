"""`garant demo`: a sandbox with an order in every buyer-visible status and every cancellation
path, served with the worker running, so the whole system can be tried in a minute.

``build_demo`` only uses the services (as the marketplace, sellers, buyers and agents would
through the API), so the demo data can never show something the rules would not produce.
Orders that must be old (auto-cancelled after 72 h, ship-by missed, abandoned) are created
first; then the sandbox clock moves forward and the worker's sweep fires their deadlines;
every other order is created afterwards, at the moved time, so its countdowns are fresh.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from garant.app import Garant
from garant.carriers.numbers import s10_check_digit
from garant.carriers.sandbox import Scenario, sandbox_number
from garant.domain.orders import Actor
from garant.domain.statuses import SHIPMENT_PROGRESS
from garant.domain.transitions import Role
from garant.services import orders as order_service
from garant.services import sandbox, users
from garant.services.deadlines import sweep
from garant.services.sandbox_carrier import SandboxCarrier
from garant.store import orders as order_store
from garant.tools import demo_disputes

DEMO_DB = Path("var/demo.db")
Echo = Callable[[str], None]


@dataclass(frozen=True)
class DemoUser:
    key: str
    id: int
    name: str
    email: str
    role: str
    locale: str
    token: str


@dataclass
class DemoAccounts:
    users: dict[str, DemoUser] = field(default_factory=dict)
    # scenario → order id; each order's external_ref is DEMO-<scenario>
    orders: dict[str, int] = field(default_factory=dict)


DEMO_PEOPLE = [
    # key, name, email, role, locale
    ("camille", "Camille Martin", "camille@demo.garant", "buyer", "fr"),
    ("emma", "Emma Wilson", "emma@demo.garant", "buyer", "en"),
    ("lumiere", "Boutique Lumière", "lumiere@demo.garant", "seller", "fr"),
    ("gadgets", "Shenzhen Gadgets", "gadgets@demo.garant", "seller", "en"),
    ("agent", "Inès Moreau", "agent@demo.garant", "agent", "fr"),
    ("operator", "Opérations Garant", "operator@demo.garant", "operator", "fr"),
]

_ITEMS = [
    ("Écouteurs sans fil", "24.90"),
    ("Lampe de bureau LED", "32.50"),
    ("Robe d'été fleurie", "19.99"),
    ("Coque de téléphone", "7.49"),
    ("Montre connectée", "45.00"),
    ("Sac à dos étanche", "28.80"),
    ("Guirlande lumineuse", "12.30"),
]

# Time the first orders are aged by: past the buyer-details window (168 h), then past the
# 72 h of the seller's answer, the ship-by and the unpaid-abandon delays.
_AGE_FIRST = "96h"
_AGE_SECOND = "73h"
# TRK: journeys the demo parcels follow on the sandbox carrier.
_SANDBOX_PARCELS = (Scenario.LETTER_BOX, Scenario.PICKUP_POINT, Scenario.CUSTOMS_HOLD,
                    Scenario.UNCLAIMED, Scenario.HANDOVER)


class _Builder:
    def __init__(self, app: Garant, accounts: DemoAccounts) -> None:
        self.app = app
        self.accounts = accounts
        self._tracking = 10_000_000

    def actor(self, key: str) -> Actor:
        user = self.accounts.users[key]
        return Actor(Role(user.role), user.id)

    def tracking_number(self) -> str:
        # Valid UPU S10 numbers (China Post): CAN-5 refuses a number of no known format.
        self._tracking += 7919
        serial = f"{self._tracking:08d}"
        return f"LX{serial}{s10_check_digit(serial)}CN"

    def order(
        self,
        key: str,
        *,
        buyer: str = "camille",
        method: str = "aliexpress_standard",
        coupons: list[dict[str, Any]] | None = None,
        checkout: str | None = None,
    ) -> int:
        n = len(self.accounts.orders)
        title, price = _ITEMS[n % len(_ITEMS)]
        seller = "lumiere" if n % 2 == 0 else "gadgets"
        order_id = order_service.create_order(
            self.app,
            actor=self.actor("operator"),
            buyer_id=self.accounts.users[buyer].id,
            seller_id=self.accounts.users[seller].id,
            items=[{"sku": f"SKU-{n:03d}", "title": title, "quantity": 1, "unit_price": price}],
            total=price,
            shipping_method=method,
            coupons_used=coupons,
            external_ref=f"DEMO-{key}",
            checkout_id=checkout,
        )
        self.accounts.orders[key] = order_id
        return order_id

    def do(self, order_id: int, who: str, action: str, **params: Any) -> None:
        if who == "seller":
            who = self._seller_of(order_id)
        elif who == "buyer":
            who = self._buyer_of(order_id)
        order_service.perform(
            self.app, order_id=order_id, actor=self.actor(who), action=action, params=params
        )

    def _party(self, order_id: int) -> tuple[int, int]:
        with self.app.engine.connect() as conn:
            order = order_store.load(conn, order_id)
        return order.buyer_id, order.seller_id

    def _buyer_of(self, order_id: int) -> str:
        return self._key_of(self._party(order_id)[0])

    def _seller_of(self, order_id: int) -> str:
        return self._key_of(self._party(order_id)[1])

    def _key_of(self, user_id: int) -> str:
        return next(k for k, u in self.accounts.users.items() if u.id == user_id)

    def paid(self, key: str, **kw: Any) -> int:
        order_id = self.order(key, **kw)
        self.pay(order_id)
        return order_id

    def pay(self, order_id: int, *, verified: bool = True) -> None:
        with self.app.engine.connect() as conn:
            total = order_store.load(conn, order_id).total_cents
        amount = f"{total // 100}.{total % 100:02d}"
        self.do(order_id, "operator", "pay", amount=amount, verified=verified)

    def shipped(self, key: str, **kw: Any) -> int:
        order_id = self.paid(key, **kw)
        self.do(order_id, "seller", "ship", tracking_number=self.tracking_number())
        return order_id

    def progress(self, order_id: int, up_to: str) -> None:
        """The parcel's path up to ``up_to``, as tracking would report it (after 'shipped')."""
        for code in SHIPMENT_PROGRESS[1 : SHIPMENT_PROGRESS.index(up_to) + 1]:
            self.do(order_id, "operator", "record_shipment_progress", status=code)

    def settle_refunds(self, order_id: int) -> None:
        with self.app.engine.connect() as conn:
            refunds = order_store.refunds_of(conn, order_id)
        for r in refunds:
            order_service.settle_refund(self.app, actor=self.actor("operator"), refund_id=r["id"])

    def sweep_due(self) -> None:
        while sweep(self.app, "demo-builder").claimed:
            pass


def create_users(app: Garant) -> DemoAccounts:
    accounts = DemoAccounts()
    for key, name, email, role, locale in DEMO_PEOPLE:
        user = users.create_user(app, name=name, email=email, role=role, locale=locale)
        token = users.issue_token(app, user.id)
        accounts.users[key] = DemoUser(key, user.id, name, email, role, locale, token)
    return accounts


def build_demo(app: Garant) -> DemoAccounts:
    """Demo users (with tokens) and orders, on a migrated, empty database in sandbox mode."""
    accounts = create_users(app)
    b = _Builder(app, accounts)

    # -- Parcels on the sandbox carrier (TRK): shipped first, so the clock moved below puts
    # part of each journey behind them; the worker releases the rest as time goes on.
    for serial, scenario in enumerate(_SANDBOX_PARCELS, start=1):
        o = b.paid(f"parcel_{scenario.value}")
        b.do(o, "seller", "ship", carrier="sandbox",
             tracking_number=sandbox_number(scenario, serial=serial))

    # -- Disputes that must be old enough to escalate (DSP-6) when the clock has moved.
    early = demo_disputes.open_early(b)

    # -- Aged orders: their deadlines pass while the sandbox clock moves forward.
    o = b.paid("abandoned_no_details")  # ORD-5: the buyer never answered the seller
    b.do(o, "seller", "request_details", question="Quelle pointure souhaitez-vous ?")
    sandbox.advance(app, _AGE_FIRST)
    o = b.paid("auto_cancelled_72h")  # CAN-4: the seller stayed silent for 72 h
    b.do(o, "buyer", "request_cancellation", reason="delivery_too_long")
    b.paid("ship_by_missed", method="eu_warehouse")  # CAN-7: 48 h handling, not shipped
    b.order("abandoned_unpaid")  # ORD-5: never paid
    sandbox.advance(app, _AGE_SECOND)
    b.sweep_due()
    demo_disputes.after_time_moved(b, early)  # DSP, DSP-1 messages, a return

    # -- Order progress: every status a buyer reads before delivery (ORD-1).
    b.order("received")
    o = b.order("amount_updated")  # ORD-5: the buyer sees old and new amounts
    b.do(o, "seller", "update_amount", new_total="5.99", reason="Promotion appliquée")
    o = b.paid("awaiting_details")
    b.do(o, "seller", "request_details", question="Quelle couleur : bleu ou vert ?")
    b.pay(b.order("processing"), verified=False)  # paid, payment not verified yet
    b.paid("purchased")
    o = b.paid("prepared")
    b.do(o, "seller", "mark_prepared")
    o = b.paid("consolidated", buyer="emma")
    b.do(o, "seller", "mark_prepared")
    b.do(o, "operator", "consolidate", parcel_ref="PARCEL-CN-4471")
    o = b.paid("invoice_available")  # an event on the timeline, not a lifecycle state
    b.do(o, "seller", "publish_invoice", invoice_ref="FAC-2026-0042")
    b.shipped("shipped")
    for code in SHIPMENT_PROGRESS[1:]:  # each step tracking reports, in its usual order
        b.progress(b.shipped(f"shipment_{code}"), code)
    o = b.shipped("delivered")
    b.progress(o, "out_for_delivery")
    b.do(o, "operator", "record_delivery", where="Boîte aux lettres, 12 rue des Lilas, Lyon")
    o = b.shipped("completed", buyer="emma")
    b.do(o, "operator", "record_delivery", where="Point relais Pickup, Lille")
    b.do(o, "buyer", "confirm_receipt")  # PRT-1: the money goes to the seller

    # -- Cancellation paths (CAN).
    o = b.order("cancelled_unpaid")  # CAN-1
    b.do(o, "buyer", "cancel", confirm=True)
    o = b.paid("cancellation_pending")  # CAN-2: the 72 h countdown runs
    b.do(o, "buyer", "request_cancellation", reason="no_longer_needed", note="Acheté en double")
    o = b.paid("cancellation_approved")  # CAN-3: refund on its way
    b.do(o, "buyer", "request_cancellation", reason="ordered_by_mistake")
    b.do(o, "seller", "approve_cancellation")
    o = b.paid("refunded")  # CAN-3, then the refund reached the card
    b.do(o, "buyer", "request_cancellation", reason="seller_out_of_stock")
    b.do(o, "seller", "approve_cancellation")
    b.settle_refunds(o)
    o = b.paid("cancellation_declined")  # CAN-5: already with the carrier
    b.do(o, "buyer", "request_cancellation", reason="found_cheaper")
    b.do(o, "seller", "decline_cancellation", tracking_number=b.tracking_number())
    o = b.paid("cancellation_withdrawn", buyer="emma")
    b.do(o, "buyer", "request_cancellation", reason="other_reasons")
    b.do(o, "buyer", "withdraw_cancellation")
    o = b.paid("extension_asked")  # CAN-8: waits for the buyer's answer
    b.do(o, "seller", "request_extension", days=5, reason="Rupture chez le fournisseur")
    o = b.paid("extension_accepted")
    b.do(o, "seller", "request_extension", days=7, reason="Fabrication sur mesure")
    b.do(o, "buyer", "accept_extension")
    o = b.paid("extension_declined")
    b.do(o, "seller", "request_extension", days=3, reason="Stock en réapprovisionnement")
    b.do(o, "buyer", "decline_extension")

    # CAN-10: a promo code reused from another checkout is flagged, then cancelled by an agent.
    b.paid("promo_code_first_use", coupons=[_coupon("BIENVENUE5")], checkout="CHK-1001")
    o = b.paid("security_promo_code_reused", coupons=[_coupon("BIENVENUE5")], checkout="CHK-1002")
    b.do(o, "agent", "security_cancel", reason="promo_code_reused")
    o = b.order("security_payment_unverified")
    b.pay(o, verified=False)
    b.do(o, "agent", "security_cancel", reason="payment_unverified")

    o = b.paid("unfulfillable_out_of_stock")  # ORD-5, the seller's fault (CAN-9)
    b.do(o, "seller", "mark_unfulfillable", reason="out_of_stock")
    o = b.order("unfulfillable_no_shipping", buyer="emma")
    b.do(o, "seller", "mark_unfulfillable", reason="no_shipping_to_address")

    # CAN-13 / TRK-5: the parcel came back; the buyer chooses reshipment or refund.
    o = b.shipped("shipment_cancelled")
    b.do(o, "operator", "report_shipment_cancelled", reason="never collected by the carrier")
    o = b.shipped("reshipment_chosen")
    b.do(o, "operator", "report_shipment_cancelled", reason="sent back by customs")
    b.do(o, "buyer", "choose_reshipment")
    o = b.shipped("reshipped", buyer="emma")
    b.do(o, "operator", "report_shipment_cancelled", reason="never collected by the carrier")
    b.do(o, "buyer", "choose_reshipment")
    b.do(o, "seller", "ship", tracking_number=b.tracking_number())
    o = b.shipped("returned_to_sender")
    b.progress(o, "delivery_failed")
    b.do(o, "operator", "mark_returned_to_sender", reason="address_incorrect")
    o = b.shipped("returned_refund_chosen")
    b.do(o, "operator", "mark_returned_to_sender", reason="unclaimed_at_pickup_point")
    b.do(o, "buyer", "choose_refund")

    # CAN-12: coupons given back, or not, when the order is cancelled.
    expires = app.clock.now() + timedelta(days=30)
    o = b.paid("coupon_returned", coupons=[_coupon("CADEAU3", expires_at=expires)])
    b.do(o, "buyer", "request_cancellation", reason="no_longer_needed")
    b.do(o, "seller", "approve_cancellation")
    o = b.paid("coupon_seller_code_kept", coupons=[_coupon("LUMIERE10", kind="seller")])
    b.do(o, "buyer", "request_cancellation", reason="found_cheaper")
    b.do(o, "seller", "approve_cancellation")
    shared = [_coupon("DUO4", expires_at=expires)]
    b.paid("coupon_shared_still_active", coupons=shared, checkout="CHK-2001")
    o = b.paid("coupon_shared_not_returned", coupons=shared, checkout="CHK-2001")
    b.do(o, "buyer", "request_cancellation", reason="no_longer_needed")
    b.do(o, "seller", "approve_cancellation")
    SandboxCarrier(demo_orders=False).advance(app)
    return accounts


def _coupon(code: str, *, kind: str = "platform", **extra: Any) -> dict[str, Any]:
    return {"code": code, "kind": kind, "amount": "3.00", **extra}


# ------------------------------------------------------------------ running the demo


def _fresh_database(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def open_demo_app(port: int | None = None) -> Garant:
    """A fresh, migrated sandbox on var/demo.db."""
    from garant.settings import Settings
    from garant.store.migrate import upgrade

    overrides: dict[str, Any] = {
        "database_url": _fresh_database(DEMO_DB),
        "sandbox": True,
        "carrier_polling": False,  # made-up parcels: only the sandbox carrier moves them
    }
    if port is not None:
        overrides["port"] = port
    app = Garant.from_settings(Settings(**overrides))
    upgrade(app.engine)
    return app


def what_to_try(app: Garant, accounts: DemoAccounts) -> list[str]:
    """The shell lines printed under "What to try": one export, then five steps."""
    auth = '-H "Authorization: Bearer $CAMILLE"'
    post = '-X POST -H "Content-Type: application/json" -H "Idempotency-Key: try-{}"'
    order = accounts.orders["purchased"]
    return [
        f"export API={app.settings.base_url}/api/v1 CAMILLE={accounts.users['camille'].token} "
        f"OPERATOR={accounts.users['operator'].token}",
        f"curl -s {auth} $API/orders   # Camille's orders",
        f"curl -s {auth} $API/orders/{order}   # status, countdowns, allowed actions",
        f'curl -s {post.format(1)} {auth} -d \'{{"reason": "no_longer_needed"}}\' '
        f"$API/orders/{order}/actions/request_cancellation",
        f"GARANT_DATABASE_URL=sqlite:///{DEMO_DB} GARANT_SANDBOX=true garant clock advance 73h"
        f'   # or: curl -s {post.format(2)} -H "Authorization: Bearer $OPERATOR" '
        '-d \'{"by": "73h"}\' $API/sandbox/clock/advance',
        f"curl -s {auth} $API/orders/{order}   # a second later: cancelled by the worker (CAN-4), "
        "refund dates",
    ]


def print_summary(app: Garant, accounts: DemoAccounts, echo: Echo) -> None:
    base = app.settings.base_url
    echo(f"Garant demo: {len(accounts.orders)} orders on {DEMO_DB} (sandbox mode)")
    echo(f"Open {base}/connexion and pick an account (one click in the sandbox):")
    echo(f"  buyer  {base}/commandes   seller {base}/vendeur   agent {base}/agent")
    echo(f"  public tracking {base}/suivi   (English: add ?lang=en)")
    echo(f"API docs: {base}/api/docs")
    echo("")
    echo("Accounts (bearer tokens):")
    for u in accounts.users.values():
        echo(f"  {u.role:<9} {u.name:<20} {u.email:<24} {u.token}")
    echo("")
    echo("What to try:")
    for line in what_to_try(app, accounts):
        echo(f"  {line}")
    echo("")


def run_demo(*, port: int | None = None, serve: bool = True, echo: Echo = print) -> DemoAccounts:
    """Build the demo, then serve the API and run the worker until Ctrl-C stops both."""
    app = open_demo_app(port)
    settings = app.settings
    if serve and not _port_free(settings.host, settings.port):
        raise SystemExit(
            f"port {settings.port} on {settings.host} is in use: stop what runs there, or "
            "choose another with --port or GARANT_PORT"
        )
    echo("building the demo data…")
    accounts = build_demo(app)
    print_summary(app, accounts, echo)
    if not serve:
        app.engine.dispose()
        return accounts
    _serve_with_worker(app, echo)
    return accounts


def _serve_with_worker(app: Garant, echo: Echo) -> None:
    import uvicorn

    from garant.asgi import create_app
    from garant.worker import run_worker

    stop = threading.Event()
    worker = threading.Thread(
        target=run_worker,
        kwargs={"app": app, "worker_name": f"demo-{os.getpid()}", "stop_event": stop},
        name="garant-worker",
        daemon=True,
    )
    worker.start()
    # uvicorn owns the main thread and its Ctrl-C handling; when it returns, the worker is
    # told to finish its round, so both stop together.
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(app), host=app.settings.host, port=app.settings.port, log_level="warning"
        )
    )
    echo(f"serving on {app.settings.base_url} with the worker running; Ctrl-C stops both")
    # uvicorn re-raises the signal it handled once it has shut down; for SIGTERM the default
    # action would kill the process before the worker finishes its round, so catch it too.
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        worker.join(timeout=30)
        signal.signal(signal.SIGTERM, previous)
        app.engine.dispose()
        echo("demo stopped")
