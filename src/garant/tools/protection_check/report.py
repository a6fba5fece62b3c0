"""What a run counted (per action, tried / succeeded / refused by code; the final states) and
how it is printed: the method before the run, the results after it."""

from __future__ import annotations

import os
import platform
import textwrap
from collections import Counter
from dataclasses import dataclass, field

import hypothesis


@dataclass
class ActionCount:
    tried: int = 0
    succeeded: int = 0
    refused: int = 0
    refusals: Counter[str] = field(default_factory=Counter)  # by error code


@dataclass
class Report:
    database: str
    seed: int
    seed_given: bool
    steps_asked: int
    steps_per_example: int
    max_examples: int
    evidence: str = ""
    steps: int = 0
    examples: int = 0
    invariant_checks: int = 0
    must_refuse_checked: int = 0
    must_succeed_checked: int = 0
    sweeps: int = 0
    deadlines_applied: int = 0
    deadlines_obsolete: int = 0
    actions: dict[str, ActionCount] = field(default_factory=dict)
    orders: int = 0
    order_states: Counter[str] = field(default_factory=Counter)
    disputes: Counter[str] = field(default_factory=Counter)  # final states
    refunds: int = 0
    refunds_settled: int = 0
    elapsed: float = 0.0
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.elapsed if self.elapsed > 0 else 0.0

    def count(self, action: str) -> ActionCount:
        return self.actions.setdefault(action, ActionCount())


def method_lines(report: Report) -> list[str]:
    seed = (
        f"{report.seed} (given)"
        if report.seed_given
        else f"{report.seed} (drawn at random; rerun with --seed {report.seed})"
    )
    paragraphs = [
        f"What runs: a hypothesis {hypothesis.__version__} RuleBasedStateMachine driving the "
        "real services (services.orders create_order / perform / settle_refund, "
        "services.disputes open_dispute / act, services.deadlines.sweep) on a real database, "
        "with a fixed clock that only the machine moves.",
        "Each example: an empty migrated database; 2 buyers, 2 sellers, an agent, an "
        "operator; 2-4 paid orders to begin with (some shipped or delivered), more created as "
        "the steps go (random total, shipping method, category, Choice or not).",
        "Actions: create+pay, verify, ship (valid S10 number; sometimes an earlier one), "
        "record_delivery, the parcel back (returned to sender / shipment cancelled) and the "
        "buyer's CAN-13 choice, confirm_receipt, request/approve cancellation, open_dispute "
        "(random reason, detail, resolution, amount), accept_request, contest, make_offer "
        "(amounts up to 120 % of the total), accept/reject offer, escalate, withdraw, "
        "provide/request evidence, decide (buyer/seller/split), accept_decision, appeal, "
        "ship/confirm the return, settle refunds, advance the clock (1 h to 40 days, or to "
        "the next deadline or window end, +-1 h), sweep the deadlines.",
        "Choice of step: 8 in 10 guided (an order and an action that makes sense for it now, "
        "orders with a dispute under way three times as often; or time, a sweep, a new "
        "order, a refund settled), 2 in 10 any action on any order. The person: mostly the "
        "right one; 1 in 10 a role that may not, 1 in 10 a buyer or seller of another order. "
        "Each attempt must succeed or be refused with a DomainError; anything else fails.",
        "Model (from the rows read back and the policy's numbers, not the domain's "
        "answers): must be refused - PRT-4 window closed (delivery + 15 d, or protection end "
        "+ 15 d), a second open dispute, a closed dispute's steps, an offer or decision above "
        "what can still be refunded, escalation before opened + 72 h, an appeal after "
        "appeal_by, without new evidence or after accepting, confirm_receipt while a dispute "
        "is open, a wrong person; must succeed - the right person, right state, inside the "
        "window, valid input, no deadline due. After a success: the money of each remedy, "
        "the dispute's dates.",
        "Invariants after every step (SQL over ledger_entries, refunds, disputes, offers, "
        "evidence requests, returns, deadlines, orders): PRT-6 paid = held + released + "
        "refunded, every account >= 0, clearing 0, refund rows total = refunded <= paid, paid "
        "0 or the total; everything held until receipt; closed orders hold nothing, have no "
        "deadline left and no open dispute; no released money while a dispute is open; at "
        "most one open dispute per order; money frozen by disputes = the ledger's recover "
        "entries; closed disputes closed (date, outcome, no pending offer or open request); "
        "every deadline the model expects pending at the policy's time (seller answer "
        "opened + 120 h, escalation opened + 10 d, offer reply + 72 h, appeal decided + 7 d, "
        "protection end, return ship-back / confirm + 15 d); refund windows well formed "
        "(PRT-5); no deadline failed. After every sweep: nothing left past its time.",
        f"Evidence: {report.evidence}.",
        f"Database: {report.database}",
        f"Steps: {report.steps_asked:,} asked = {report.max_examples} examples x "
        f"{report.steps_per_example} steps; seed {seed}",
        f"Machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores, "
        f"Python {platform.python_version()}",
    ]
    lines = ["Buyer-protection state machine (garant bench protection)"]
    for text_ in paragraphs:
        lines += textwrap.wrap(text_, width=100, initial_indent="  ", subsequent_indent="    ")
    return [*lines, ""]


def result_lines(report: Report) -> list[str]:
    lines = [
        f"Ran {report.steps:,} steps in {report.examples} examples in {report.elapsed:.1f} s "
        f"= {report.steps_per_second:,.1f} steps/s (all work counted: database setup per "
        "example, the actions, the model's reads and the invariants)",
        f"Invariants checked {report.invariant_checks:,} times; model predictions checked: "
        f"{report.must_refuse_checked:,} must-refuse, {report.must_succeed_checked:,} "
        "must-succeed",
        "",
    ]
    header = f"{'action':<24} {'tried':>7} {'succeeded':>10} {'refused':>8}  refusals by code"
    lines += [header, "-" * len(header)]
    for name, c in sorted(report.actions.items()):
        codes = ", ".join(f"{code} {n}" for code, n in c.refusals.most_common())
        lines.append(f"{name:<24} {c.tried:>7,} {c.succeeded:>10,} {c.refused:>8,}  {codes}")
    states = ", ".join(f"{s} {n}" for s, n in report.order_states.most_common())
    disputes = ", ".join(f"{s} {n}" for s, n in report.disputes.most_common()) or "none"
    lines += [
        "",
        f"Orders: {report.orders:,} (final states: {states})",
        f"Disputes: {sum(report.disputes.values()):,} (final states: {disputes})",
        f"Refunds: {report.refunds:,} rows, {report.refunds_settled:,} settled",
        f"Deadline sweeps: {report.sweeps:,} rounds, {report.deadlines_applied:,} deadlines "
        f"applied, {report.deadlines_obsolete:,} obsolete",
        "",
    ]
    if report.ok:
        lines.append("Result: OK — every invariant and model check held.")
    else:
        lines += ["Result: FAILED — the shrunk failing sequence:", "", report.failure or ""]
    return lines
