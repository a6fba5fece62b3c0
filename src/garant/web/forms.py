"""What the buyer's and the seller's pages do alike with a form: send the files chosen in it
as evidence, act, then redirect with a flash or show the page again with the refusal; and
hand an evidence file out as a download.

One copy for both areas (pages_buyer, pages_seller); the rules stay the services'. The
agent console hands out the original files, with their hash: it has its own route.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from fastapi import Request, UploadFile
from fastapi.responses import Response
from starlette.datastructures import UploadFile as StarletteUpload

from garant.app import Garant
from garant.domain.errors import DomainError, NotFound
from garant.domain.evidence import EvidenceTooLarge, accepted_text, megabytes
from garant.domain.orders import Actor
from garant.http_common import content_disposition
from garant.services import evidence
from garant.store.db import reading
from garant.web.rendering import redirect_with_flash

# ------------------------------------------------------------------ acting on a form


def act_then_redirect(
    request: Request,
    act: Callable[[], object],
    *,
    url: str,
    message: str | Callable[[], str],
    refused: Callable[[DomainError], Response],
) -> Response:
    """Run one action (``act``: upload the files, call ONE service). Done: a 303 to ``url``
    with ``message`` flashed (a callable is asked after the action, to say what it did).
    Refused: ``refused(error)``, the page again with the refusal in words (nothing changed).
    A NotFound is no refusal of the form: it goes up and becomes the 404 page."""
    try:
        act()
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        return refused(error)
    return redirect_with_flash(request, url, message() if callable(message) else message)


# ------------------------------------------------------------------ files sent with a form


def chosen_files(files: Sequence[UploadFile | str] | None) -> list[UploadFile]:
    """The files chosen in a form. A file input left empty sends a nameless, empty part (or
    an empty text part): left out, so that a refusal comes from the service, in words."""
    return [
        upload
        for upload in files or []
        if isinstance(upload, StarletteUpload) and (upload.filename or upload.size)
    ]


def upload_files(
    garant: Garant,
    actor: Actor,
    files: Sequence[UploadFile | str] | None,
    *,
    into: list[int] | None = None,
    order_id: int | None = None,
    seller_id: int | None = None,
    check_size_first: bool = False,
) -> list[int]:
    """Each file chosen, in order, through the evidence service; their ids, to attach.
    With ``into``, each id is added to it as soon as its file is kept (so the files sent
    before a refusal are kept for the next try); the first refusal stops.

    ``check_size_first``: a file larger than any evidence file may be is refused before it
    is read (the seller centre's refusal names the file and the limits)."""
    limits = evidence.limits_of(garant.settings)
    ids: list[int] = [] if into is None else into
    for upload in chosen_files(files):
        if check_size_first and upload.size is not None and upload.size > limits.largest:
            raise EvidenceTooLarge(
                f"{upload.filename}: larger than any evidence file may be "
                f"({megabytes(limits.largest)}). {accepted_text(limits)}",
                limit_bytes=limits.largest,
            )
        data = upload.file.read()
        view = evidence.upload(
            garant,
            actor=actor,
            data=data,
            filename=upload.filename or "",
            order_id=order_id,
            seller_id=seller_id,
        )
        ids.append(int(view["id"]))
    return ids


def describe_files(garant: Garant, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """What a page shows of evidence files the caller's views list (name, kind, size,
    uploader, ``is_image``): their ids come from a view the caller was given."""
    wanted = [i for i in dict.fromkeys(ids) if isinstance(i, int)]
    if not wanted:
        return {}
    with reading(garant.engine) as conn:
        rows = evidence.describe(conn, wanted)
    return {
        int(r["id"]): {**r, "is_image": str(r["content_type"]).startswith("image/")} for r in rows
    }


def evidence_download(
    garant: Garant, actor: Actor, evidence_id: int, *, inline_images: bool = False
) -> Response:
    """An evidence file as this caller may see it: their own as sent, the other party's as
    shown to them (pictures without their metadata). Never run in our origin: a download
    under its own name (pictures shown in the browser with ``inline_images``), sandboxed."""
    data, content_type, filename = evidence.read(
        garant, actor=actor, evidence_id=evidence_id, original=None
    )
    disposition = content_disposition(filename)
    if inline_images and content_type.startswith("image/"):
        disposition = "inline" + disposition.removeprefix("attachment")
    return Response(
        data,
        media_type=content_type,
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-cache",
        },
    )
