"""Time and the worker: the clock moved by hours to forty days or to a moment that matters,
and the deadline sweep, after which nothing the model knows to be late may be left undone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from garant.services.deadlines import sweep
from garant.store import schema as t
from garant.tools.protection_check.core import MachineCore
from garant.tools.protection_check.expect import ModelViolation
from garant.tools.protection_check.facts import Facts, read_facts
from garant.tools.protection_check.vocab import (
    NOT_SHIPPED,
    PARCEL_BACK,
    POLICY,
    TALKING,
    WORKER,
    days,
    hours,
)


class TimeActions(MachineCore):
    """Time passing and the sweep, as a mixin of the machine."""

    def advance_clock(self, hours_: int) -> None:
        """Time passes (one hour to forty days); nothing runs until someone acts or sweeps."""
        self.clock.advance(hours(hours_))

    def advance_to(self, pointer: int, offset: int) -> None:
        """Time jumps to a moment that matters — a pending deadline, the end of PRT-4's
        window, the moment escalation opens — or an hour either side of it."""
        moments: set[datetime] = set()
        with self.engine.connect() as conn:
            moments.update(
                conn.execute(
                    select(t.deadlines.c.due_at).where(t.deadlines.c.status == "pending")
                ).scalars()
            )
            order_ids = [int(i) for i in conn.execute(select(t.orders.c.id)).scalars()]
            for order_id in order_ids:
                f = read_facts(conn, order_id, self.now)
                closes = f.window_closes()
                if closes is not None:
                    moments.add(closes)
                d = f.open_dispute
                if d is not None:
                    moments.add(d.opened_at + hours(POLICY.dispute_escalate_after_hours))
        ahead = sorted(m for m in moments if m + hours(offset) > self.now)
        if not ahead:
            self.clock.advance(days(1))  # nothing ahead: a day passes
            return
        self.clock.advance(ahead[pointer % len(ahead)] + hours(offset) - self.now)

    def run_sweep(self) -> None:
        """The worker fires every due deadline; then nothing late may be left undone."""
        for _ in range(50):
            stats = sweep(self.app, WORKER)
            self.report.sweeps += 1
            self.report.deadlines_applied += stats.applied
            self.report.deadlines_obsolete += stats.obsolete
            if stats.errors:
                with self.engine.connect() as conn:
                    errors = conn.execute(
                        select(
                            t.deadlines.c.order_id, t.deadlines.c.kind, t.deadlines.c.last_error
                        ).where(t.deadlines.c.last_error.is_not(None))
                    ).all()
                raise ModelViolation(f"the sweep failed on deadlines: {errors}")
            if stats.claimed == 0:
                break
        else:
            raise ModelViolation("the sweep kept finding due deadlines after 50 rounds")
        for order_id in self._order_ids():
            self._nothing_late(self._facts(order_id))

    def _nothing_late(self, f: Facts) -> None:
        """After a sweep: every deadline the model knows of that has passed took effect."""
        now, p = f.now, POLICY
        where = f"order {f.id} ({f.state}) at {now.isoformat()}"
        d = f.open_dispute
        if d is not None:
            answer_by = d.opened_at + hours(p.dispute_seller_answer_hours)
            ends = d.opened_at + days(p.dispute_negotiation_days)
            self._check(
                not (d.state == "awaiting_seller" and now >= answer_by),
                f"DSP-4: {where}: the seller's time ran out at {answer_by.isoformat()} and the "
                "request was not granted",
            )
            self._check(
                not (d.state == "negotiating" and now >= ends),
                f"DSP-6: {where}: the negotiation ended at {ends.isoformat()}; not escalated",
            )
            self._check(
                not (d.state == "decided" and d.appeal_by is not None and now >= d.appeal_by),
                f"DSP-6: {where}: the appeal window ended; the decision was not carried out",
            )
            offer = d.pending_offer
            self._check(
                offer is None
                or offer.reply_by is None
                or now < offer.reply_by
                or d.state not in TALKING,
                f"DSP-5: {where}: offer {offer} outlived its reply time",
            )
        end = f.protection_end()
        if f.state in ("shipped", "delivered") and d is None and end is not None:
            self._check(now < end, f"PRT-1: {where}: the protection period ended at {end}")
        if f.is_choice and f.paid_at is not None and f.delivered_at is None:
            reshipped = any((x.outcome or {}).get("kind") == "reshipment" for x in f.disputes)
            late = f.paid_at + days(p.choice_refund_after_days)
            if f.state in (*NOT_SHIPPED, "shipped", *PARCEL_BACK) and not reshipped:
                self._check(now < late, f"PRT-3: {where}: a Choice order undelivered at {late}")
