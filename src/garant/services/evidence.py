"""DSP-1, DSP-3: evidence files for messages and disputes.

A file is uploaded for one order (its buyer, its seller, or an agent) or for a buyer's
conversation with a shop outside any order, then attached by id to a message or a dispute
step. Two copies are kept, both content-addressed: the original as received, and the copy
shown to the other party, which for a picture has had its metadata (GPS position, camera,
names) removed. Who sees what:

- the uploader, agents and operators: both copies;
- the other party (the order's buyer or seller; in a shop conversation the shop, or the buyer
  a shop's file was sent to): the shown copy only;
- anyone else: "not found", never a hint that the file exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import Any

from garant.app import Garant
from garant.domain.errors import InvalidInput, NotAllowed, NotFound
from garant.domain.evidence import Limits, check_size, safe_filename, sniff
from garant.domain.orders import Actor
from garant.domain.transitions import Role
from garant.settings import Settings
from garant.store import evidence as store
from garant.store import users as user_store
from garant.store.blobs import sha256_of
from garant.store.db import Connection, reading

STAFF = (Role.AGENT, Role.OPERATOR)
MAX_ATTACHABLE = 20
# A multipart body carries a boundary and part headers around the file.
MULTIPART_OVERHEAD = 64 * 1024


class _Access(Enum):
    FULL = "full"  # original and shown copy
    SHOWN = "shown"  # the shown copy only


def limits_of(settings: Settings) -> Limits:
    return Limits(
        image_bytes=settings.evidence_max_image_bytes,
        video_bytes=settings.evidence_max_video_bytes,
        document_bytes=settings.evidence_max_document_bytes,
        max_pixels=settings.evidence_max_pixels,
    )


def max_upload_bytes(settings: Settings) -> int:
    """The largest request body an upload can need: past it, refuse before reading more."""
    return limits_of(settings).largest + MULTIPART_OVERHEAD


# ----------------------------------------------------------------------------- upload


def upload(
    app: Garant,
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    order_id: int | None = None,
    seller_id: int | None = None,
) -> dict[str, Any]:
    """Check, clean and keep one file; returns its view. Nothing is stored when refused."""
    if actor.user_id is None:
        raise NotAllowed("evidence is uploaded by a person (buyer, seller, agent or operator)")
    limits = limits_of(app.settings)
    # Where before what: a caller who may not write here learns nothing about their file.
    with reading(app.engine) as conn:
        _check_place(conn, actor, order_id, seller_id)
    file_type = sniff(data, limits)
    check_size(file_type, len(data), limits)
    if file_type.is_image:
        from garant.services.evidence_images import strip_image  # Pillow, only when needed

        shown, stripped = strip_image(data, file_type, limits)
    else:
        # Videos and PDFs are shown as uploaded: re-muxing them to drop metadata needs tools
        # this service does not have. ``stripped`` says so by being empty.
        shown, stripped = data, []
    sha256, shown_sha256 = sha256_of(data), sha256_of(shown)
    # Blobs before the row: a row never names bytes that are missing. Should the insert fail,
    # the blobs stay unreferenced, which is harmless: the next upload of the same file reuses
    # them.
    app.blobs.put(sha256, data)
    if shown_sha256 != sha256:
        app.blobs.put(shown_sha256, shown)
    now = app.clock.now()
    with app.engine.begin() as conn:
        row = store.add(
            conn,
            {
                "sha256": sha256,
                "shown_sha256": shown_sha256,
                "size_bytes": len(data),
                "shown_size_bytes": len(shown),
                "content_type": file_type.content_type,
                "kind": file_type.kind.value,
                "filename": safe_filename(filename, file_type),
                "uploader_id": actor.user_id,
                "uploader_role": actor.role.value,
                "order_id": order_id,
                "seller_id": seller_id,
                "stripped": stripped,
                "created_at": now,
            },
        )
    return _view(row)


def _check_place(
    conn: Connection, actor: Actor, order_id: int | None, seller_id: int | None
) -> None:
    """The caller may add evidence to this order, or to this shop conversation."""
    if (order_id is None) == (seller_id is None):
        raise InvalidInput(
            "give order_id (evidence about an order) or seller_id (a conversation with a shop "
            "outside any order), exactly one of them"
        )
    if order_id is not None:
        parties = store.order_parties(conn, order_id)
        if parties is None or not _is_order_party(actor, *parties):
            raise NotFound(f"order {order_id} not found")
        return
    assert seller_id is not None
    if user_store.role_of(conn, seller_id) != Role.SELLER.value:
        raise NotFound(f"shop {seller_id} not found")
    # A buyer writes to any shop; the shop only in its own conversations; agents mediate.
    may = actor.role is Role.BUYER or actor.role in STAFF
    may = may or (actor.role is Role.SELLER and actor.user_id == seller_id)
    if not may:
        raise NotFound(f"shop {seller_id} not found")


def _is_order_party(actor: Actor, buyer_id: int, seller_id: int) -> bool:
    if actor.role is Role.BUYER:
        return actor.user_id == buyer_id
    if actor.role is Role.SELLER:
        return actor.user_id == seller_id
    return actor.role in STAFF


# ----------------------------------------------------------------------------- attaching


def attachable(
    conn: Connection,
    evidence_ids: Sequence[int],
    actor: Actor,
    *,
    order_id: int | None = None,
    seller_id: int | None = None,
) -> list[int]:
    """The ids, deduplicated in their order, if each is a file this caller uploaded for this
    order (or this shop conversation); InvalidInput naming the others otherwise."""
    if any(not isinstance(i, int) or isinstance(i, bool) for i in evidence_ids):
        raise InvalidInput("evidence ids are whole numbers, from POST /api/v1/evidence")
    ids = list(dict.fromkeys(evidence_ids))
    if len(ids) > MAX_ATTACHABLE:
        raise InvalidInput(f"at most {MAX_ATTACHABLE} files can be attached at once")
    if (order_id is None) == (seller_id is None):
        raise InvalidInput("evidence is attached to an order or to a shop conversation")
    if not ids:
        return []
    rows = store.rows(conn, ids)

    def fits(evidence_id: int) -> bool:
        row = rows.get(evidence_id)
        if row is None or actor.user_id is None or row["uploader_id"] != actor.user_id:
            return False
        if order_id is not None:
            return bool(row["order_id"] == order_id)
        return row["order_id"] is None and row["seller_id"] == seller_id

    refused = [i for i in ids if not fits(i)]
    if refused:
        place = f"order {order_id}" if order_id is not None else f"shop {seller_id}"
        field = f"order_id={order_id}" if order_id is not None else f"seller_id={seller_id}"
        # One message for unknown, someone else's and elsewhere: an id reveals nothing.
        raise InvalidInput(
            f"evidence {', '.join(map(str, refused))} cannot be attached here: attach files "
            f"you uploaded for {place} (POST /api/v1/evidence with {field})",
            evidence_ids=refused,
        )
    return ids


# ----------------------------------------------------------------------------- reading


def read(
    app: Garant, *, actor: Actor, evidence_id: int, original: bool | None = False
) -> tuple[bytes, str, str]:
    """(bytes, content type, file name) of the shown copy, or of the original when asked.

    ``original=None`` is the caller's usual copy: the uploader gets back what they sent,
    everyone else the shown copy.
    """
    with reading(app.engine) as conn:
        row = store.row(conn, evidence_id)
        access = None if row is None else _access(conn, row, actor)
    if row is None or access is None:
        raise NotFound(f"evidence {evidence_id} not found")
    if original is None:
        original = row["uploader_id"] == actor.user_id
    if original and access is not _Access.FULL:
        raise NotAllowed(
            f"only the uploader and the platform's agents see the original of evidence "
            f"{evidence_id} (it may hold the uploader's location and device); you can see "
            f"the copy shown to you at /api/v1/evidence/{evidence_id}",
        )
    sha256 = row["sha256"] if original else row["shown_sha256"]
    data = app.blobs.get(sha256)
    if sha256_of(data) != sha256:
        # Evidence that does not match its hash is not evidence: say so loudly (500).
        raise RuntimeError(f"evidence {evidence_id}: stored blob {sha256} is corrupted")
    return data, str(row["content_type"]), str(row["filename"])


def _access(conn: Connection, row: Mapping[Any, Any], actor: Actor) -> _Access | None:
    if actor.user_id is None:
        return None
    if row["uploader_id"] == actor.user_id or actor.role in STAFF:
        return _Access.FULL
    if row["order_id"] is not None:
        parties = store.order_parties(conn, int(row["order_id"]))
        if parties is not None and _is_order_party(actor, *parties):
            return _Access.SHOWN
        return None
    seller_id = row["seller_id"]
    if actor.role is Role.SELLER and actor.user_id == seller_id:
        return _Access.SHOWN  # sent to this shop
    if actor.role is Role.BUYER and store.sent_to_buyer(
        conn, int(row["id"]), actor.user_id, seller_id
    ):
        return _Access.SHOWN  # the shop (or an agent) sent it in this buyer's conversation
    return None


def describe(conn: Connection, ids: Iterable[int]) -> list[dict[str, Any]]:
    """The files of a case file, in the order given (unknown ids are left out)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    rows = store.rows(conn, wanted)
    return [
        {
            "id": int(r["id"]),
            "sha256": r["sha256"],
            "shown_sha256": r["shown_sha256"],
            "filename": r["filename"],
            "kind": r["kind"],
            "content_type": r["content_type"],
            "size_bytes": int(r["size_bytes"]),
            "uploader_role": r["uploader_role"],
            "uploader_id": int(r["uploader_id"]),
            "created_at": r["created_at"].isoformat(),
            "stripped": list(r["stripped"] or []),
        }
        for i in wanted
        if (r := rows.get(i)) is not None
    ]


def _view(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": int(row["id"]),
        "sha256": row["sha256"],
        "shown_sha256": row["shown_sha256"],
        "size_bytes": int(row["size_bytes"]),
        "content_type": row["content_type"],
        "kind": row["kind"],
        "filename": row["filename"],
        "stripped": list(row["stripped"] or []),
        "created_at": row["created_at"].isoformat(),
        "order_id": None if row["order_id"] is None else int(row["order_id"]),
        "seller_id": None if row["seller_id"] is None else int(row["seller_id"]),
    }
