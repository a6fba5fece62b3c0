"""What the seller centre's pages share: form fields, numbers and amounts as typed, carrier
names, the form field a refusal names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import File, Form, UploadFile

from garant.domain.errors import DomainError, InvalidInput
from garant.web.i18n import N_, Translator
from garant.web.pages_seller.words import FIELD_WORDS

PAGE_SIZE = 20
# A file input left empty arrives as an empty text part, not a file: both are taken, and
# only files kept (a refusal then comes from the service, in words, not a 400).
Files = Annotated[list[UploadFile | str] | None, File()]
Text = Annotated[str, Form()]


def version_number(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isdigit() else None


def parse_amount(raw: str) -> str:
    """'24,90 €' → '24.90': the seller types an amount as people write it; the service
    judges it."""
    return (
        raw.replace("\u00a0", "")
        .replace("\u202f", "")
        .replace(" ", "")
        .replace("€", "")
        .replace(",", ".")
    )


def carrier_name(slug: str | None) -> str:
    if not slug:
        return ""
    from garant.domain.diagnosis_texts import CARRIER_NAMES

    return CARRIER_NAMES.get(slug, slug.replace("_", " ").title())


def field_errors(error: DomainError, fields: Mapping[str, str], _: Translator) -> dict[str, str]:
    """The form field a service's refusal names (``field=`` of an InvalidInput), in words."""
    field = error.context.get("field")
    if not isinstance(field, str):
        # A refusal of the input that names no field: the form's main field ("*").
        if isinstance(error, InvalidInput) and "*" in fields:
            return {fields["*"]: _("Check this field: see the explanation above.")}
        return {}
    name = fields.get(field) or fields.get(field.split(".")[0])
    if name is None:
        return {}
    words = FIELD_WORDS.get(field, N_("Check this field: see the explanation above."))
    return {name: _(words)}


def message_errors(error: DomainError, _: Translator) -> dict[str, str]:
    """The field at fault when a message is refused: its files, or else its text."""
    if error.code.startswith("evidence"):
        return {"attachments": _("This file cannot be sent: see the explanation above.")}
    return {"body": _("Write a message or attach a file.")}
