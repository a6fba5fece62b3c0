"""What the outbox relay needs from a destination (a webhook endpoint today; email and in-app
later, TRK-9).

The relay knows sinks only by name (the ``sink`` column of ``outbox_deliveries``, e.g.
``webhook:3``) and asks a resolver for the object behind a name, so a new kind of sink is a
new class and a new resolver entry, never a change to the relay.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class DeliveryFailed(Exception):
    """The sink tried and could not deliver (network, 5xx…). The relay retries later.

    ``reason`` is short and safe to store and show to an operator: no secret, no full body.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SinkGone(Exception):
    """The sink no longer exists or was disabled. Retrying cannot help: the delivery is dead."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Sink(Protocol):
    @property
    def name(self) -> str: ...

    def send(self, message_id: int, payload: dict[str, Any]) -> None:
        """Deliver one outbox message; return on success, raise ``DeliveryFailed`` otherwise."""
        ...


# name → sink; raises SinkGone when the name points at something removed, DeliveryFailed when
# this process cannot serve that kind of sink (it may be an older release: retry, do not drop).
SinkResolver = Callable[[str], Sink]
