"""Exactly once through a crash: a worker killed (SIGKILL) in the middle of a batch — the
batch's effects written but not committed — leaves nothing behind; once its lease runs
out, another worker fires every deadline of that batch, each once (CAN-4, PRT-6).

Both databases: the killed worker is a real process with its own connection.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from garant.app import Garant
from garant.clock import FixedClock
from garant.services.deadlines import sweep

from .helpers import (
    act,
    assert_ledger_balanced,
    create_paid_order,
    deadline_rows,
    make_parties,
    order_row,
    outbox_topics,
    refund_rows,
    timeline_actions,
)

N = 12
LEASE = timedelta(seconds=60)  # Settings.lease_seconds

# The worker process: a real sweep whose save stops, inside the batch's transaction, after
# the batch is written and before it commits, and tells the test it got there.
CHILD = """
import sys, time
from datetime import datetime
from pathlib import Path
from garant.app import Garant
from garant.clock import FixedClock
from garant.services import unit_of_work as uow
from garant.services.deadlines import sweep
from garant.settings import Settings
from garant.store.db import make_engine

url, now, marker = sys.argv[1:]
app = Garant(settings=Settings(database_url=url), engine=make_engine(url),
             clock=FixedClock(datetime.fromisoformat(now)))
real = uow.save_changes

def save_then_hang(conn, loaded, when):
    real(conn, loaded, when)
    Path(marker).write_text(str(len(loaded)))
    time.sleep(120)

uow.save_changes = save_then_hang
sweep(app, "w-killed", limit=1000)
"""


def test_can4_worker_killed_mid_batch_then_every_deadline_fires_once(
    app: Garant, clock: FixedClock, db_url: str, tmp_path: Path
) -> None:
    p = make_parties(app)
    ids = []
    for _ in range(N):
        order_id = create_paid_order(app, p)
        act(app, order_id, p.buyer, "request_cancellation", reason="other_reasons")
        ids.append(order_id)
    clock.advance(timedelta(hours=72))

    marker = tmp_path / "in-batch"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, db_url, clock.now().isoformat(), str(marker)], env=env
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the worker ended before reaching the batch's save"
            assert time.monotonic() < deadline, "the worker never reached the batch's save"
            time.sleep(0.05)
        assert marker.read_text() == str(N)  # the whole batch was written, uncommitted
        child.send_signal(signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)

    # Nothing of the killed batch is visible; its rows are claimed by the dead worker.
    for order_id in ids:
        assert order_row(app, order_id)["state"] == "paid"
        assert refund_rows(app, order_id) == []
        assert deadline_rows(app, order_id)["seller_answer"][0] == "claimed"
    assert sweep(app, "w2").claimed == 0  # the lease still runs

    clock.advance(LEASE + timedelta(seconds=1))
    stats = sweep(app, "w2", limit=1000)
    assert (stats.claimed, stats.applied, stats.errors, stats.lost) == (N, N, 0, 0)
    assert sweep(app, "w2").claimed == 0
    for order_id in ids:
        assert order_row(app, order_id)["state"] == "cancelled"
        assert timeline_actions(app, order_id).count("expire_cancellation_request") == 1
        assert outbox_topics(app, order_id).count("order.expire_cancellation_request") == 1
        assert len(refund_rows(app, order_id)) == 1
        assert deadline_rows(app, order_id)["seller_answer"][0] == "done"
        assert_ledger_balanced(app, order_id)
