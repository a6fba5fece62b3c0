"""The sandbox carrier at work: each sandbox parcel's journey is released event by event as the
(sandbox) clock reaches it, through the same ingest as real carriers (``services.tracking``).

Which parcels: shipments whose carrier is "sandbox", shipments under a sandbox number
(``SB…FR``, whatever carrier the seller named) and, unless told otherwise, the parcels of demo
orders (``external_ref`` "DEMO-…"). Nothing about them is stored besides what every shipment
has: the journey is a function of the number (scenario and method inside a sandbox number, a
draw from the number otherwise; ``carriers.sandbox.plan``), the shipment's shipping method and
its ``created_at`` (the moment the seller shipped), so ``advance`` can run in any process, any
number of times: an event is sent once its instant is past, and never twice (the stored
events' dedupe keys say what is already in).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from garant.app import Garant
from garant.carriers.sandbox import (
    METHODS,
    SLUG,
    Scenario,
    journey,
    plan,
    read_number,
    sandbox_number,
    seed_for,
)
from garant.domain.errors import InvalidInput
from garant.domain.shipment import dedupe_key
from garant.domain.tracking import TrackingEvent
from garant.services.sandbox import SandboxOff
from garant.services.tracking import IngestReport, ingest
from garant.store import sandbox_parcels as parcel_store
from garant.store import tracking as store
from garant.store.db import Connection, reading

SOURCE = "sandbox"
_DONE = ("delivered", "returned")  # a journey ends there, or with a loss or a cancellation


@dataclass(frozen=True)
class SandboxParcel:
    shipment_id: int
    number: str
    method: str
    scenario: Scenario
    shipped_at: datetime

    def journey(self) -> list[TrackingEvent]:
        return list(_journey(self.number, self.method, self.scenario, self.shipped_at))


@lru_cache(maxsize=4096)
def _journey(
    number: str, method: str, scenario: Scenario, shipped_at: datetime
) -> tuple[TrackingEvent, ...]:
    # Drawing a journey takes milliseconds and a worker asks again every round: same
    # arguments, same journey, so it is kept.
    return tuple(
        journey(
            number, method=method, scenario=scenario, shipped_at=shipped_at, seed=seed_for(number)
        )
    )


class SandboxCarrier:
    """Releases sandbox journeys as time passes. ``demo_orders=False`` leaves the demo's
    parcels alone (their orders are moved by hand by ``garant demo``)."""

    def __init__(self, *, demo_orders: bool = True, batch_size: int = 500) -> None:
        self.demo_orders = demo_orders
        self.batch_size = batch_size

    def parcels(self, app: Garant) -> list[SandboxParcel]:
        """The parcels the sandbox carrier moves, but not those whose journey has ended."""
        with reading(app.engine) as conn:
            rows = parcel_store.travelling(
                conn, carrier=SLUG, demo_orders=self.demo_orders, done=_DONE
            )
        parcels = []
        for row in rows:
            ours = row.carrier == SLUG or read_number(row.tracking_number) is not None
            if not ours and not (self.demo_orders and row.demo):
                continue  # an "SB…FR" number that is no sandbox number
            scenario, method = plan(row.tracking_number, row.shipping_method)
            parcels.append(
                SandboxParcel(int(row.id), row.tracking_number, method, scenario, row.created_at)
            )
        return parcels

    def advance(self, app: Garant) -> IngestReport:
        """Ingest every journey event whose instant is past and that is not stored yet."""
        if not app.settings.sandbox:
            raise SandboxOff(
                "the sandbox carrier only runs in sandbox mode (GARANT_SANDBOX=true): its "
                "parcels are made up"
            )
        now = app.clock.now()  # before any transaction: the sandbox clock reads the database
        parcels = self.parcels(app)
        with reading(app.engine) as conn:
            stored = parcel_store.stored_keys(conn, [p.shipment_id for p in parcels])
        due: list[TrackingEvent] = []
        for parcel in parcels:
            known = stored.get(parcel.shipment_id, set())
            # Parcel by parcel and oldest first: a handover reaches the store before the events
            # filed under the local number it announces (TRK-3), so they find their shipment.
            due += [
                e for e in parcel.journey() if e.occurred_at <= now and dedupe_key(e) not in known
            ]
        report = IngestReport()
        for start in range(0, len(due), self.batch_size):
            _add(report, ingest(app, due[start : start + self.batch_size], source=SOURCE))
        return report

    def assign(
        self,
        app: Garant,
        *,
        scenario: Scenario | str,
        method: str,
        shipped_at: datetime,
        serial: int | None = None,
    ) -> SandboxParcel:
        """A sandbox parcel with no order: a new sandbox number telling ``scenario`` and
        ``method``, and its shipment (carrier "sandbox", created at ``shipped_at``, which is
        when its journey starts). Asking again for the same number gives the same parcel."""
        chosen = Scenario(scenario)
        if method not in METHODS:
            raise InvalidInput(f"unknown shipping method '{method}'", field="method")
        if shipped_at.utcoffset() is None:
            raise InvalidInput("shipped_at must carry its UTC offset", field="shipped_at")
        try:
            sandbox_number(chosen, method=method)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="scenario") from None
        with app.engine.begin() as conn:
            if serial is None:
                serial = _next_serial(conn, chosen, method)
            number = sandbox_number(chosen, method=method, serial=serial)
            shipment_id = store.shipment_id_for(conn, number)
            if shipment_id is None:
                shipment_id = store.create_shipment(
                    conn,
                    carrier=SLUG,
                    number=number,
                    now=shipped_at,
                    origin_country=None if method == "eu_warehouse" else "CN",
                    destination_country="FR",
                    shipping_method=method,
                )
            row = store.shipment_row(conn, shipment_id)
        return SandboxParcel(shipment_id, number, method, chosen, row["created_at"])


def advance(app: Garant) -> IngestReport:
    """One round of the sandbox carrier, demo orders included (for the worker and the CLI)."""
    return SandboxCarrier().advance(app)


def _next_serial(conn: Connection, scenario: Scenario, method: str) -> int:
    prefix = sandbox_number(scenario, method=method)[:5]  # SB + scenario + method digit
    numbers = parcel_store.numbers_starting(conn, prefix)
    used = [known.serial for n in numbers if (known := read_number(n)) is not None]
    return max(used, default=0) + 1


def _add(total: IngestReport, part: IngestReport) -> None:
    for f in dataclasses.fields(IngestReport):
        setattr(total, f.name, getattr(total, f.name) + getattr(part, f.name))
