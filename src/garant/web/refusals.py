"""A refusal, as a page shows it: a plain sentence in the page's language saying what
happened and what to do, then the same facts the API gives (its ``code``, the current state,
the actions allowed now, the remedies) and the service's own detail.

Built from a ``DomainError`` (the services raise them) or from a problem+json dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from garant.domain.errors import DomainError
from garant.web.i18n import N_, Translator
from garant.web.labels import action_label, remedy_label, state_label

# code → (what happened, what to do). The service's detail follows, in English.
SENTENCES: dict[str, tuple[str, str]] = {
    "illegal_transition": (
        N_("This action is not possible at this stage."),
        N_("Choose one of the actions allowed now, listed below."),
    ),
    "cancellation_impossible_after_shipment": (
        N_("The order has already been shipped: it can no longer be cancelled."),
        N_("You can still contact the seller, ask for a return or open a dispute."),
    ),
    "role_not_allowed": (
        N_("Your account cannot take this action."),
        N_("Only the other party or the platform can do this."),
    ),
    "confirmation_required": (
        N_("This step cannot be undone: please confirm it."),
        N_("Tick the confirmation box, then send the form again."),
    ),
    "invalid_input": (
        N_("Some information is missing or not valid."),
        N_("Correct the form using the explanation below, then send it again."),
    ),
    "invalid_request": (
        N_("The form is incomplete or not valid."),
        N_("Check the fields marked below, then send the form again."),
    ),
    "money_rule": (
        N_("This amount cannot be accepted."),
        N_("Check the amount against the explanation below."),
    ),
    "forbidden": (
        N_("You are not allowed to do this."),
        N_("Sign in with the account this belongs to."),
    ),
    "not_found": (
        N_("We could not find what you asked for."),
        N_(
            "It may not exist, or your account cannot see it. Check the address or go back "
            "to your list."
        ),
    ),
    "version_conflict": (
        N_("Someone changed this in the meantime; nothing was saved."),
        N_("Reload the page to see the current state, then try again."),
    ),
    "dispute_already_open": (
        N_("A dispute is already open on this order."),
        N_("Add your message or evidence to the open dispute instead."),
    ),
    "outside_dispute_window": (
        N_("A dispute cannot be opened at this date."),
        N_("The dates that apply to this order are given below."),
    ),
    "evidence_not_accepted": (
        N_("This file cannot be accepted as evidence."),
        N_("Send a photo (JPEG, PNG, WebP), a video (MP4, WebM) or a PDF."),
    ),
    "evidence_too_large": (
        N_("This file is too large."),
        N_("Send a smaller file, or several smaller ones."),
    ),
    "sandbox_disabled": (
        N_("This only works in the sandbox."),
        N_("This installation is not a sandbox; nothing was changed."),
    ),
    "delivery_estimate_unavailable": (
        N_("No delivery estimate can be given yet."),
        N_("Try again once the parcel has been picked up by the carrier."),
    ),
    "rate_limited": (
        N_("Too many requests in a short time."),
        N_("Wait a minute, then try again."),
    ),
    "csrf_failed": (
        N_("This form could not be accepted: it has expired or did not come from this site."),
        N_("Nothing was changed. Go back, reload the page and send the form again."),
    ),
    "csrf_no_session": (
        N_("Your browser did not send back Garant's session cookie."),
        N_("Nothing was changed. Allow cookies for this site, reload the page and try again."),
    ),
    "wrong_role": (
        N_("This page belongs to another kind of account."),
        N_("Sign in with the right account, or go back to your own pages."),
    ),
    "unauthenticated": (
        N_("You need to be signed in."),
        N_("Sign in with your access token, then try again."),
    ),
    "method_not_allowed": (
        N_("This address does not take this kind of request."),
        N_("Go back and use the page's own buttons."),
    ),
    "internal_error": (
        N_("Something went wrong on our side; nothing was changed."),
        N_("Try again in a moment. If it happens again, tell the support team."),
    ),
}
DEFAULT_SENTENCES = (
    N_("This request was refused."),
    N_("Nothing was changed. Read the explanation below."),
)

_CONTEXT_SHOWN = {"state", "allowed_actions", "remedies", "action", "errors"}


@dataclass(frozen=True)
class Problem:
    """A refusal to show. ``detail`` is the service's own sentence (English)."""

    code: str
    status: int = 409
    detail: str = ""
    state: str | None = None
    action: str | None = None
    allowed_actions: list[str] = field(default_factory=list)
    remedies: list[str] = field(default_factory=list)
    # Form fields at fault: [{"field": "amount", "message": "…"}]
    errors: list[dict[str, str]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_error(cls, error: DomainError) -> Problem:
        return cls.from_dict(
            {"code": error.code, "status": error.http_status, "detail": error.message,
             **error.context}
        )  # fmt: skip

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> Problem:
        """From a problem+json body (or any dict with ``code`` and ``detail``)."""
        ignored = {"type", "title", "status", "code", "detail", "instance"}
        return cls(
            code=str(body.get("code") or "error"),
            status=int(body.get("status") or 409),
            detail=str(body.get("detail") or ""),
            state=body.get("state"),
            action=body.get("action"),
            allowed_actions=list(body.get("allowed_actions") or []),
            remedies=list(body.get("remedies") or []),
            errors=list(body.get("errors") or []),
            extra={k: v for k, v in body.items() if k not in ignored | _CONTEXT_SHOWN},
        )

    def in_words(self, locale: str) -> ProblemText:
        """Everything the problem box shows, translated."""
        _ = Translator(locale)
        what, todo = SENTENCES.get(self.code, DEFAULT_SENTENCES)
        return ProblemText(
            title=_(what),
            advice=_(todo),
            state=state_label(self.state, locale) if self.state else None,
            action=action_label(self.action, locale) if self.action else None,
            allowed=[action_label(a, locale) for a in self.allowed_actions],
            remedies=[remedy_label(r, locale) for r in self.remedies],
            detail=self.detail,
            code=self.code,
        )

    def field_errors(self) -> dict[str, str]:
        """``{"amount": "…"}``: what the form field macros take as ``error``."""
        return {e["field"]: e.get("message", "") for e in self.errors if e.get("field")}


@dataclass(frozen=True)
class ProblemText:
    title: str
    advice: str
    state: str | None
    action: str | None
    allowed: list[str]
    remedies: list[str]
    detail: str
    code: str


def as_problem(error: DomainError | Problem | Mapping[str, Any]) -> Problem:
    if isinstance(error, Problem):
        return error
    if isinstance(error, DomainError):
        return Problem.from_error(error)
    return Problem.from_dict(error)
