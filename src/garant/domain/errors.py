"""Domain errors. Each one says what happened and what the caller may do instead.

``code`` is stable: the API turns it into problem+json and the web pages into a sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class DomainError(Exception):
    code = "domain_error"
    http_status = 409

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context


class IllegalTransition(DomainError):
    """ORD-3: an action not allowed in the current state; nothing changed."""

    code = "illegal_transition"

    def __init__(
        self,
        action: str,
        state: str,
        allowed: Sequence[str],
        why: str | None = None,
        *,
        subject: str = "order",
    ) -> None:
        allowed_text = ", ".join(allowed) if allowed else "none"
        reason = f" ({why})" if why else ""
        context = {"subject": subject} if subject != "order" else {}
        super().__init__(
            f"'{action}' is not allowed while the {subject} is '{state}'{reason}. "
            f"Allowed now: {allowed_text}.",
            action=action,
            state=state,
            allowed_actions=list(allowed),
            **context,
        )
        self.action = action
        self.state = state
        self.allowed = list(allowed)


class CancellationImpossible(IllegalTransition):
    """CAN-6: the parcel has left; cancellation is over, other remedies remain."""

    code = "cancellation_impossible_after_shipment"

    def __init__(
        self, state: str, allowed: Sequence[str], remedies: Sequence[str], action: str = "cancel"
    ) -> None:
        super().__init__(action, state, allowed, why="the order has already been shipped")
        self.message = (
            f"The order has already been shipped ('{state}'): it can no longer be cancelled. "
            f"Remedies: {', '.join(remedies)}."
        )
        self.context["remedies"] = list(remedies)


class InvalidInput(DomainError):
    code = "invalid_input"
    http_status = 422


class MoneyError(DomainError):
    code = "money_rule"
    http_status = 422


class NotAllowed(DomainError):
    """The caller's role may not do this at all."""

    code = "forbidden"
    http_status = 403


class NotFound(DomainError):
    """Unknown, or not visible to this caller: the two are told apart by no one."""

    code = "not_found"
    http_status = 404


class Conflict(DomainError):
    """Optimistic concurrency: the thing changed since the caller read it."""

    code = "version_conflict"
    http_status = 409


class ConfirmationRequired(InvalidInput):
    """CAN-1: an irreversible step the buyer must confirm."""

    code = "confirmation_required"


class RoleNotAllowed(IllegalTransition):
    """The action exists but is never this role's to take (a buyer shipping, a seller paying)."""

    code = "role_not_allowed"
    http_status = 403


class DisputeAlreadyOpen(DomainError):
    """DSP: one dispute at a time per order; the open one goes on."""

    code = "dispute_already_open"
    http_status = 409


class OutsideDisputeWindow(DomainError):
    """PRT-4: too early or too late to open a dispute; the dates that applied are given."""

    code = "outside_dispute_window"
    http_status = 409
