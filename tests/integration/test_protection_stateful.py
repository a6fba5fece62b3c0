"""Random buyer-protection histories on a real database (PRT-1..6, DSP-2..7).

A hypothesis state machine (``garant.tools.protection_check``) drives the real services — create,
pay, ship, deliver, the parcel back and the buyer's CAN-13 choice, confirm, cancel, open a
dispute, offer, accept, reject, escalate, ask for evidence, decide, accept the decision, appeal,
return, settle refunds — as the right person and sometimes a wrong one, with a clock it moves
by hours to forty days (or to the next deadline) and the deadline sweep. A refused attempt
changes nothing (ORD-3); a successful one leaves a version and a timeline entry (ORD-4).

After every step, by SQL over the double entries: PRT-6 paid = held + released + refunded,
nothing negative, refunds never above what was paid; closed orders hold nothing; no money is
released while a dispute is open; one open dispute per order at most; deadline rows agree with
the order. Against the machine's own model of the windows: PRT-4 no dispute after delivery +
15 d (or protection end + 15 d); DSP-5 no offer above what can still be refunded; DSP-6 no
escalation before opened + 72 h, no appeal after appeal_by; nothing on a closed dispute;
PRT-1 no confirmation while a dispute is open; DSP-4 a silent seller's time runs out into the
buyer's request. A fixed seed keeps `make test` deterministic; `garant bench protection
--steps N` runs long ones.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from garant.domain.order_protection import ProtectionActions
from garant.tools.protection_check import Report, run_protection_check

SEED = 20261102


def _assert_ran(report: Report, steps: int) -> None:
    assert report.failure is None, report.failure
    # Hypothesis may end an example before its step budget: ask for most of it, not all.
    assert report.steps >= steps * 3 // 4, report.steps
    assert report.invariant_checks >= report.steps - report.examples  # after every step
    assert report.must_refuse_checked > 0 and report.must_succeed_checked > 0
    for action in ("create_order", "ship", "record_delivery", "open_dispute"):
        assert report.actions[action].succeeded > 0, (action, report.actions[action])
    assert sum(report.disputes.values()) > 0


def test_prt6_ledger_holds_over_random_protection_histories(db_url: str) -> None:
    """PRT-4, PRT-6, DSP-4..6: 15 examples x 25 steps on SQLite, 6 x 25 on PostgreSQL."""
    examples = 15 if db_url.startswith("sqlite") else 6
    report = run_protection_check(db_url, examples * 25, SEED, steps_per_example=25)
    _assert_ran(report, examples * 25)


def test_prt4_the_machine_catches_a_dispute_window_left_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The check is not vacuous: with PRT-4's window made endless, a late dispute succeeds
    and the machine reports it (no shrinking, to keep it short)."""
    real = ProtectionActions.dispute_window

    def endless(self: ProtectionActions) -> tuple[datetime, datetime, str] | None:
        window = real(self)
        if window is None:
            return None
        opens, closes, basis = window
        return opens, closes.replace(year=closes.year + 10), basis

    monkeypatch.setattr(ProtectionActions, "dispute_window", endless)
    report = run_protection_check(None, 400, SEED, steps_per_example=50, shrink=False)
    assert report.failure is not None
    assert "PRT-4: the window closed" in report.failure
