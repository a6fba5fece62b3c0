"""What the buyer's pages share: addresses, the request's basics, words of a code, amounts
as typed, the files a form keeps, the form fields a refusal points at."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import File, Form, Request, UploadFile

from garant.app import Garant
from garant.domain.disputes import RESOLUTION_LABELS, ResolutionKind
from garant.domain.errors import DomainError
from garant.domain.orders import Actor
from garant.services import evidence
from garant.store.db import reading
from garant.web import formatting as fmt
from garant.web.i18n import Translator
from garant.web.labels import ACTION_LABELS, action_label
from garant.web.refusals import Problem, as_problem
from garant.web.rendering import page_locale, translator
from garant.web.session import garant_of

LAST = datetime.max.replace(tzinfo=UTC)  # sort key for a missing date

Files = Annotated[list[UploadFile] | None, File()]
Kept = Annotated[list[int] | None, Form()]


def per_page() -> int:
    """Orders, notifications on a page: ``garant.web.pages_buyer.PER_PAGE``, read at each
    request (a test makes it smaller)."""
    from garant.web import pages_buyer

    return pages_buyer.PER_PAGE


def order_url(order_id: int, anchor: str = "") -> str:
    return f"/commandes/{order_id}" + (f"#{anchor}" if anchor else "")


def dispute_url(order_id: int) -> str:
    return f"/commandes/{order_id}/litige"


def basics(request: Request) -> tuple[Garant, Translator, str]:
    """The installation, the page's translator and its language."""
    return garant_of(request), translator(request), page_locale(request)


def actions_words(locale: str) -> dict[str, str]:
    """Every action's words in the page's language, for templates: ``act.confirm_receipt``
    (a filter on a literal, ``"x"|action_label``, would be folded once, in one language,
    when Jinja compiles the template)."""
    return {code: action_label(code, locale) for code in ACTION_LABELS}


def word(_: Translator, words: Mapping[str, str], code: str) -> str:
    """A code's words from one of the tables of words.py, translated; an unknown code as it is."""
    msgid = words.get(code)
    return _(msgid) if msgid else code.replace("_", " ")


def when(value: Any, locale: str) -> str:
    return fmt.format_datetime(value, locale)


def parse_amount(raw: str) -> str | None:
    """'12,50 €' → '12.50' (the service judges the amount itself); empty → None."""
    text = raw.replace("€", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    return text or None


def own_files(garant: Garant, actor: Actor, ids: Iterable[int] | None) -> list[int]:
    """The files "already sent" a form sends back (its ticked boxes): only the caller's own
    uploads are kept, so a typed-in id never shows someone else's file name."""
    wanted = list(dict.fromkeys(ids or []))
    if not wanted:
        return []
    with reading(garant.engine) as conn:
        rows = evidence.describe(conn, wanted)
    return [int(r["id"]) for r in rows if r["uploader_id"] == actor.user_id]


FIELD_OF = {
    "resolution": "resolution",
    "resolution.kind": "resolution",
    "resolution.amount": "amount",
    "amount": "amount",
    "reason": "reason",
    "detail": "detail",
    "description": "description",
    "tracking_number": "tracking_number",
}


def field_errors(
    error: DomainError | Problem, _: Translator, files_field: str = "files"
) -> dict[str, str]:
    """The form fields a refusal points at, with a word each (the box above says why)."""
    problem = as_problem(error)
    out = problem.field_errors()
    field = problem.extra.get("field")
    if isinstance(field, str) and field in FIELD_OF:
        out.setdefault(FIELD_OF[field], _("Check this field: the reason is given above."))
    if problem.code.startswith("evidence_") or "evidence_ids" in problem.extra:
        out.setdefault(files_field, _("Check the files: the reason is given above."))
    return out


def resolution_text(resolution: Mapping[str, Any], locale: str) -> str:
    try:
        label = RESOLUTION_LABELS[ResolutionKind(str(resolution.get("kind")))]
    except ValueError:
        return str(resolution.get("kind") or "")
    text = getattr(label, locale)
    if resolution.get("amount"):
        text += " · " + fmt.format_money(resolution["amount"], "EUR", locale)
    return text
