"""The invariants hypothesis checks after every step, by SQL over the whole example's database:
the double entries (PRT-6) and the rows' consistency, then what the rows must say besides the
money (closed things closed, every deadline the model expects pending at the policy's time)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from hypothesis.stateful import invariant
from sqlalchemy import select

from garant.store import schema as t
from garant.tools.protection_check.core import MachineCore
from garant.tools.protection_check.facts import Money, money_by_order
from garant.tools.protection_check.vocab import (
    ALL_HELD,
    CLOSED_WITHOUT_DELIVERY,
    MEDIATION,
    NOT_SHIPPED,
    OPEN_DISPUTE,
    POLICY,
    TALKING,
    days,
    hours,
)


class Invariants(MachineCore):
    """The invariants, as a mixin of the machine."""

    @invariant()
    def ledger_and_rows_agree(self) -> None:
        """PRT-6 and the rows' consistency, by SQL, for every order of this example."""
        if not hasattr(self, "engine"):
            return
        self.report.invariant_checks += 1
        with self.engine.connect() as conn:
            orders = conn.execute(
                select(
                    t.orders.c.id,
                    t.orders.c.state,
                    t.orders.c.total_cents,
                    t.orders.c.paid_at,
                    t.orders.c.protection_ends_at,
                )
            ).all()
            money = money_by_order(conn)
            disputes: dict[int, list[tuple[str, Any]]] = {}
            for order_id, state, outcome, closed_at in conn.execute(
                select(
                    t.disputes.c.order_id,
                    t.disputes.c.state,
                    t.disputes.c.outcome,
                    t.disputes.c.closed_at,
                ).order_by(t.disputes.c.id)
            ):
                disputes.setdefault(int(order_id), []).append((state, (outcome, closed_at)))
            pending: dict[int, list[str]] = {}
            for order_id, kind in conn.execute(
                select(t.deadlines.c.order_id, t.deadlines.c.kind).where(
                    t.deadlines.c.status.in_(("pending", "claimed", "failed"))
                )
            ):
                pending.setdefault(int(order_id), []).append(str(kind))
            failed = conn.execute(
                select(t.deadlines.c.order_id, t.deadlines.c.kind, t.deadlines.c.last_error).where(
                    t.deadlines.c.last_error.is_not(None)
                )
            ).all()
            returning = {
                int(r.order_id): r.status
                for r in conn.execute(
                    select(t.returns.c.order_id, t.returns.c.status).order_by(t.returns.c.id)
                )
            }
        self._check(not failed, f"a deadline failed: {failed}")
        for o in orders:
            m = money.get(int(o.id), Money())
            where = f"order {o.id} ({o.state})"
            ds = disputes.get(int(o.id), [])
            open_ds = [s for s, _ in ds if s in OPEN_DISPUTE]
            kinds = pending.get(int(o.id), [])
            self._check(
                m.paid == m.held + m.released + m.refunded,
                f"PRT-6: {where}: paid != held + released + refunded: {m}",
            )
            self._check(
                min(m.paid, m.held, m.released, m.refunded) >= 0,
                f"PRT-6: {where}: an account is negative: {m}",
            )
            self._check(m.clearing == 0, f"PRT-6: {where}: money left in clearing: {m}")
            self._check(
                m.refund_rows_total == m.refunded,
                f"PRT-6: {where}: refund rows total {m.refund_rows_total} != {m}",
            )
            self._check(
                m.refunded <= m.paid and m.largest_refund_row <= m.paid,
                f"PRT-6: {where}: more refunded than paid: {m}",
            )
            self._check(m.paid in (0, o.total_cents), f"{where}: paid {m.paid} of {o.total_cents}")
            self._check(len(open_ds) <= 1, f"{where}: {len(open_ds)} open disputes")
            if open_ds:
                self._check(
                    m.released == 0,
                    f"PRT-4: {where}: a dispute is open while {m.released} is released",
                )
            if o.state == "received":
                self._check(m.paid == 0, f"{where}: money on an unpaid order: {m}")
            if o.state in ALL_HELD:
                self._check(
                    m.held == m.paid == o.total_cents,
                    f"PRT-1: {where}: not everything paid is held: {m}",
                )
            if o.state in CLOSED_WITHOUT_DELIVERY:
                self._check(
                    m.held == 0 and m.released == 0,
                    f"{where}: a closed order still holds or paid out money: {m}",
                )
                self._check(not kinds, f"{where}: deadlines left on a closed order: {kinds}")
                self._check(not open_ds, f"{where}: a dispute is still open on a closed order")
            if o.state == "completed" and not open_ds:
                self._check(m.held == 0, f"{where}: completed, nothing disputed, yet held: {m}")
                self._check(not kinds, f"{where}: deadlines left on a completed order: {kinds}")
            if o.state == "returning":
                self._check(
                    m.released == 0 and m.held > 0,
                    f"{where}: a return is under way but the money is not held: {m}",
                )
                self._check(
                    returning.get(int(o.id)) in ("awaiting_shipment", "shipped_back"),
                    f"{where}: no open return row",
                )
            dispute_kinds = [k for k in kinds if k.startswith("dispute_")]
            self._check(
                not dispute_kinds or bool(open_ds),
                f"{where}: dispute deadlines {dispute_kinds} with no open dispute",
            )
            return_kinds = [k for k in kinds if k.startswith("return_")]
            self._check(
                not return_kinds or o.state == "returning",
                f"{where}: return deadlines {return_kinds} without a return",
            )
            if o.paid_at is not None:
                start = o.paid_at
                for _state, (outcome, closed_at) in ds:
                    if outcome and outcome.get("kind") == "reshipment" and closed_at:
                        start = closed_at
                # category from the row would need another query; the period is checked
                # against the ones the policy knows
                allowed_ends = {start + days(n) for n in POLICY.protection_days.values()}
                self._check(
                    o.protection_ends_at in allowed_ends,
                    f"PRT-2: {where}: protection ends {o.protection_ends_at}, "
                    f"not a policy period after {start}",
                )

    @invariant()
    def rows_agree_with_the_model(self) -> None:
        """What the rows must say besides the money: closed things are closed, and every
        deadline the model expects is pending, at the time the policy gives."""
        if not hasattr(self, "engine"):
            return
        p = POLICY
        with self.engine.connect() as conn:
            orders = {int(r.id): r for r in conn.execute(select(t.orders))}
            history: dict[int, list[Any]] = {}
            recovered: Counter[int] = Counter()
            for r in conn.execute(select(t.disputes).order_by(t.disputes.c.id)):
                history.setdefault(int(r.order_id), []).append(r)
                recovered[int(r.order_id)] += int(r.recovered_cents)
            recover_entries: Counter[int] = Counter()
            for order_id, amount in conn.execute(
                select(t.ledger_entries.c.order_id, t.ledger_entries.c.amount_cents).where(
                    t.ledger_entries.c.kind == "recover"
                )
            ):
                recover_entries[int(order_id)] += int(amount)
            offers: dict[int, list[Any]] = {}
            for r in conn.execute(select(t.dispute_offers).order_by(t.dispute_offers.c.seq)):
                offers.setdefault(int(r.dispute_id), []).append(r)
            open_requests = Counter(
                int(i)
                for i in conn.execute(
                    select(t.evidence_requests.c.dispute_id).where(
                        t.evidence_requests.c.status == "open"
                    )
                ).scalars()
            )
            due: dict[tuple[int, str], datetime] = {
                (int(r.order_id), str(r.kind)): r.due_at
                for r in conn.execute(
                    select(t.deadlines).where(t.deadlines.c.status.in_(("pending", "claimed")))
                )
            }
            returns = {
                int(r.order_id): r for r in conn.execute(select(t.returns).order_by(t.returns.c.id))
            }
            refunds = conn.execute(select(t.refunds)).all()
        for r in refunds:
            self._check(
                r.created_at.date() <= r.expected_from <= r.expected_to,
                f"PRT-5: refund {r.id} of order {r.order_id} expected from {r.expected_from} "
                f"to {r.expected_to}, made {r.created_at}",
            )
        for order_id, o in orders.items():
            where = f"order {order_id} ({o.state})"
            if o.state in CLOSED_WITHOUT_DELIVERY:
                self._check(o.closed_at is not None, f"{where}: closed without closed_at")
            if o.state == "completed":
                self._check(o.completed_at is not None, f"{where}: completed without a date")
            self._check(
                recovered[order_id] == recover_entries[order_id],
                f"PRT-4: {where}: disputes say {recovered[order_id]} was frozen from the "
                f"seller, the ledger {recover_entries[order_id]}",
            )
            want: dict[str, datetime | None] = {}
            d = history[order_id][-1] if order_id in history else None
            d_open = d is not None and d.state in OPEN_DISPUTE
            if d is not None:
                mine = offers.get(int(d.id), [])
                pending = [x for x in mine if x.status == "pending"]
                self._check(
                    len(pending) <= (1 if d_open else 0),
                    f"DSP-5: {where}: dispute {d.state} with pending offers {pending}",
                )
                self._check(
                    d_open or not open_requests[int(d.id)],
                    f"DSP-6: {where}: a {d.state} dispute has open evidence requests",
                )
                self._check(
                    (d.closed_at is None) == d_open and (d.outcome is None) == d_open,
                    f"{where}: dispute {d.state}, closed_at {d.closed_at}, outcome {d.outcome}",
                )
                if d.state == "awaiting_seller":
                    want["dispute_seller_answer"] = d.opened_at + hours(
                        p.dispute_seller_answer_hours
                    )
                if d.state == "negotiating":
                    want["dispute_escalation"] = d.opened_at + days(p.dispute_negotiation_days)
                if d.state == "decided":
                    assert d.decided_at is not None
                    want["dispute_appeal_window"] = d.decided_at + days(p.dispute_appeal_days)
                if d.state in TALKING and pending:
                    reply = pending[0].made_at + hours(p.dispute_offer_reply_hours)
                    want["dispute_offer_reply"] = reply
                if d.state in MEDIATION and open_requests[int(d.id)]:
                    want["dispute_evidence_due"] = None
            if o.state in ("shipped", "delivered") and not d_open:
                start = o.paid_at
                for x in history.get(order_id, []):
                    if x.outcome and x.outcome.get("kind") == "reshipment" and x.closed_at:
                        start = x.closed_at
                period = p.protection_days.get(o.product_category, p.protection_days["default"])
                want["protection_end"] = start + days(period)
            if o.state in NOT_SHIPPED:
                want["ship_by"] = None
            rr = returns.get(order_id)
            if o.state == "returning" and rr is not None:
                if rr.status == "awaiting_shipment":
                    want["return_ship_back"] = rr.created_at + days(p.return_ship_back_days)
                elif rr.status == "shipped_back":
                    want["return_confirm"] = rr.shipped_back_at + days(p.return_confirm_days)
            for kind, at in want.items():
                got = due.get((order_id, kind))
                self._check(
                    got is not None,
                    f"{where}: no pending '{kind}' deadline (the model expects one)",
                )
                self._check(
                    at is None or got == at, f"{where}: '{kind}' is due {got}, the policy says {at}"
                )
