"""Sandbox mode: an operator moves time forward to watch deadlines happen.

Refused when sandbox mode is off: in production a moved clock would fire deadlines early.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from garant.app import Garant
from garant.clock import SandboxClock, add_offset, parse_duration
from garant.domain.errors import DomainError


class SandboxOff(DomainError):
    code = "sandbox_disabled"
    http_status = 409


def advance(app: Garant, duration: str) -> dict[str, Any]:
    if not app.settings.sandbox:
        raise SandboxOff(
            "moving time is only possible in sandbox mode (GARANT_SANDBOX=true); "
            "this installation runs on real time"
        )
    delta = parse_duration(duration)
    with app.engine.begin() as conn:
        add_offset(conn, delta)
    if hasattr(app.clock, "advance") and not isinstance(app.clock, SandboxClock):
        app.clock.advance(delta)  # a test clock moves with the stored offset
    return clock_state(app)


def clock_state(app: Garant) -> dict[str, Any]:
    offset = app.clock.offset() if isinstance(app.clock, SandboxClock) else None
    return {
        "sandbox": app.settings.sandbox,
        "now": app.clock.now().isoformat(),
        "real_now": datetime.now(UTC).isoformat(),
        "offset_seconds": int(offset.total_seconds()) if offset is not None else 0,
    }
