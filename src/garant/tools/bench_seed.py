"""Demo-like orders for the read benchmarks (``garant bench api``, ``garant bench scale``).

Built only through the services (as ``garant demo`` does), so every row is one the rules
would produce: one buyer's orders in the usual states, each with its timeline and ledger,
and one parcel on the sandbox carrier whose journey is ingested like a carrier's answer.
Times are spread over the last weeks with a fixed clock, so the timelines look lived in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from garant.app import Garant
from garant.carriers.numbers import s10_check_digit
from garant.carriers.sandbox import Scenario, journey, sandbox_number, seed_for
from garant.clock import FixedClock
from garant.domain.orders import Actor
from garant.domain.transitions import Role
from garant.services import orders as order_service
from garant.services import users
from garant.services.tracking import ingest

# (title, price): what the demo sells.
_ITEMS = [
    ("Écouteurs sans fil", "24.90"),
    ("Lampe de bureau LED", "32.50"),
    ("Robe d'été fleurie", "19.99"),
    ("Montre connectée", "45.00"),
    ("Sac à dos étanche", "28.80"),
]
# The shapes an order list mixes; the delivered ones carry ~10 timeline entries.
SCENARIOS = ("delivered", "in_transit", "cancellation_requested", "completed", "prepared")


@dataclass(frozen=True)
class Seeded:
    buyer_token: str
    buyer_id: int
    seller_id: int
    order_ids: list[int]
    # The order whose parcel has a carrier journey (its view shows the tracking timeline).
    tracked_order_id: int
    tracking_number: str


class _Seeder:
    def __init__(self, app: Garant, clock: FixedClock) -> None:
        self.app = app
        self.clock = clock
        self.serial = 20_000_000

    def s10(self) -> str:
        self.serial += 7919
        body = f"{self.serial:08d}"
        return f"LX{body}{s10_check_digit(body)}CN"

    def step(
        self, order_id: int, actor: Actor, action: str, hours: float = 3, **params: Any
    ) -> None:
        self.clock.advance(timedelta(hours=hours))
        order_service.perform(
            self.app, order_id=order_id, actor=actor, action=action, params=params
        )


def seed_orders(app: Garant, count: int = 24, *, now: datetime | None = None) -> Seeded:
    """``count`` orders of one buyer (one of each scenario in turn), on a migrated, empty
    database. ``app.clock`` is left alone: the seeding runs on its own fixed clock."""
    now = now or datetime.now(UTC)
    clock = FixedClock(now - timedelta(days=21))
    seeding = Garant(settings=app.settings, engine=app.engine, clock=clock)
    buyer = users.create_user(seeding, name="Camille Martin", email="camille@bench.garant",
                              role="buyer")
    seller = users.create_user(seeding, name="Boutique Lumière", email="lumiere@bench.garant",
                               role="seller")
    operator = users.create_user(seeding, name="Opérations", email="ops@bench.garant",
                                 role="operator")
    b, s, op = (Actor(Role(u.role), u.id) for u in (buyer, seller, operator))
    seeder = _Seeder(seeding, clock)
    order_ids: list[int] = []
    tracked: tuple[int, str] | None = None
    for i in range(count):
        scenario = SCENARIOS[i % len(SCENARIOS)]
        # Orders still waiting on someone are recent, so their countdowns are still running.
        age = timedelta(days=20) if scenario in ("delivered", "completed") else timedelta(days=2)
        if scenario == "in_transit" and tracked is None:
            age = timedelta(days=9)  # the tracked parcel: far enough on its journey
        clock.current = now - age + timedelta(minutes=i)
        title, price = _ITEMS[i % len(_ITEMS)]
        order_id = order_service.create_order(
            seeding, actor=op, buyer_id=buyer.id, seller_id=seller.id,
            items=[{"sku": f"SKU-{i:04d}", "title": title, "quantity": 1, "unit_price": price}],
            total=price, shipping_method="aliexpress_standard",
            external_ref=f"BENCH-{i:06d}",
        )
        order_ids.append(order_id)
        seeder.step(order_id, op, "pay", hours=0.2, amount=price, verified=True)
        if scenario == "cancellation_requested":
            seeder.step(order_id, b, "request_cancellation", reason="no_longer_needed")
            continue
        seeder.step(order_id, s, "mark_prepared", hours=10)
        if scenario == "prepared":
            continue
        seeder.step(order_id, s, "publish_invoice", invoice_ref=f"FAC-{i:06d}")
        if scenario == "in_transit" and tracked is None:
            number = sandbox_number(Scenario.LETTER_BOX, serial=1)
            seeder.step(order_id, s, "ship", carrier="sandbox", tracking_number=number)
            tracked = (order_id, number)
            _ingest_journey(seeding, number, clock.now(), now)
            continue
        seeder.step(order_id, s, "ship", tracking_number=seeder.s10())
        for code in ("carrier_accepted", "international_transit", "arrived_destination_country",
                     "customs_clearance", "customs_cleared", "out_for_delivery")[
            : 6 if scenario != "in_transit" else 3
        ]:
            seeder.step(order_id, op, "record_shipment_progress", hours=30, status=code)
        if scenario == "in_transit":
            continue
        seeder.step(order_id, op, "record_delivery", where="Point relais, Lyon")
        if scenario == "completed":
            seeder.step(order_id, b, "confirm_receipt", hours=20)
    if tracked is None:
        raise ValueError("seed_orders needs count >= 2 (one order in transit)")
    token = users.issue_token(seeding, buyer.id)
    return Seeded(token, buyer.id, seller.id, order_ids, tracked[0], tracked[1])


def _ingest_journey(app: Garant, number: str, shipped_at: datetime, now: datetime) -> None:
    """The sandbox carrier's journey for the parcel, as far as it has got by ``now``."""
    events = journey(number, method="aliexpress_standard", scenario=Scenario.LETTER_BOX,
                     shipped_at=shipped_at, seed=seed_for(number))
    clock = app.clock
    assert isinstance(clock, FixedClock)
    clock.current = now
    ingest(app, [e for e in events if e.occurred_at <= now], source="sandbox")
