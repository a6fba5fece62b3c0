"""DSP-1: talk to the seller first. Every order has one message thread (key ``order:<id>``),
and a buyer can write to a shop outside any order (key ``shop:<buyer>:<seller>``).

Messages are evidence for a later dispute: they are only ever appended (the database refuses
UPDATE and DELETE on ``messages``), so there is no edit or delete here. Each message writes
one outbox row (topic ``message.posted``) in its own transaction, so the other party can be
told after commit.

Who may write: the order's buyer and seller; agents and operators, who join a thread by
writing in it. A shop thread is opened by the buyer; the shop answers in it, and cannot open
one with a buyer of its choosing. Anything the caller may not see is "not found", never
"forbidden": an id says nothing about what exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from garant.app import Garant
from garant.domain.errors import InvalidInput, NotFound
from garant.domain.orders import Actor, Order
from garant.domain.transitions import Role
from garant.services.unit_of_work import load_visible
from garant.store import messages as store
from garant.store import outbox
from garant.store import users as user_store
from garant.store.db import Connection, reading

TOPIC = "message.posted"
MAX_BODY_CHARS = 5000
MAX_ATTACHMENTS = 10
EXCERPT_CHARS = 200
STAFF = (Role.AGENT, Role.OPERATOR)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class _Thread:
    """Which conversation: an order's, or a buyer's with a shop."""

    key: str
    order_id: int | None
    buyer_id: int
    seller_id: int


def order_thread_key(order_id: int) -> str:
    return f"order:{order_id}"


def shop_thread_key(buyer_id: int, seller_id: int) -> str:
    return f"shop:{buyer_id}:{seller_id}"


# ----------------------------------------------------------------------------- order threads


def post_order_message(
    app: Garant,
    *,
    actor: Actor,
    order_id: int,
    body: str,
    attachments: Sequence[int] = (),
) -> dict[str, Any]:
    """Write in the order's thread (created by its first message); returns the message."""
    now = app.clock.now()  # before the transaction: the sandbox clock reads the database
    with app.engine.begin() as conn:
        # Visibility before input: a stranger learns nothing, not even that the body is bad.
        order = _visible_order(conn, order_id, actor)
        text = _clean_body(body, attachments)
        ids = _attachments(conn, attachments, actor, order_id=order_id)
        thread = _Thread(order_thread_key(order_id), order_id, order.buyer_id, order.seller_id)
        return _append(conn, thread, actor, text, ids, now)


def order_thread(app: Garant, *, actor: Actor, order_id: int) -> dict[str, Any]:
    """The order's thread, oldest message first; no messages yet is an empty list."""
    with reading(app.engine) as conn:
        order = _visible_order(conn, order_id, actor)
        thread = _Thread(order_thread_key(order_id), order_id, order.buyer_id, order.seller_id)
        return _thread_view(conn, thread)


def messages_for_order(conn: Connection, order_id: int) -> list[dict[str, Any]]:
    """The order's messages, oldest first, for a case file. No access check: the caller (a
    service that has already loaded the order for its actor) has done it."""
    thread_id = store.thread_id_of(conn, order_thread_key(order_id))
    return [] if thread_id is None else _messages(conn, thread_id)


def _visible_order(conn: Connection, order_id: int, actor: Actor) -> Order:
    if actor.user_id is None:  # the system has no voice in a conversation
        raise NotFound(f"order {order_id} not found")
    return load_visible(conn, order_id, actor)


# ----------------------------------------------------------------------------- shop threads


def post_shop_message(
    app: Garant,
    *,
    actor: Actor,
    seller_id: int,
    body: str,
    attachments: Sequence[int] = (),
    buyer_id: int | None = None,
) -> dict[str, Any]:
    """A buyer writes to a shop outside any order; the shop (giving ``buyer_id``) answers in a
    thread the buyer opened; an agent writes in an existing one given both ids."""
    now = app.clock.now()
    with app.engine.begin() as conn:
        thread = _shop_thread(conn, actor, seller_id, buyer_id)
        if actor.role is not Role.BUYER and store.thread_id_of(conn, thread.key) is None:
            raise _no_conversation(thread)
        text = _clean_body(body, attachments)
        ids = _attachments(conn, attachments, actor, seller_id=seller_id)
        return _append(conn, thread, actor, text, ids, now)


def shop_thread(
    app: Garant, *, actor: Actor, seller_id: int, buyer_id: int | None = None
) -> dict[str, Any]:
    """A buyer's conversation with a shop. The buyer sees an empty thread before writing; the
    shop and agents only see one the buyer has opened."""
    with reading(app.engine) as conn:
        thread = _shop_thread(conn, actor, seller_id, buyer_id)
        if actor.role is not Role.BUYER and store.thread_id_of(conn, thread.key) is None:
            raise _no_conversation(thread)
        return _thread_view(conn, thread)


def _shop_thread(conn: Connection, actor: Actor, seller_id: int, buyer_id: int | None) -> _Thread:
    """Which shop conversation the caller means, if it is one they may take part in."""
    if actor.user_id is None or user_store.role_of(conn, seller_id) != Role.SELLER.value:
        raise NotFound(f"shop {seller_id} not found")
    if actor.role is Role.BUYER:
        if buyer_id is not None and buyer_id != actor.user_id:
            raise NotFound("conversation not found")
        return _Thread(shop_thread_key(actor.user_id, seller_id), None, actor.user_id, seller_id)
    if actor.role is Role.SELLER and actor.user_id != seller_id:
        raise NotFound(f"shop {seller_id} not found")
    if actor.role not in (Role.SELLER, *STAFF):
        raise NotFound(f"shop {seller_id} not found")
    if buyer_id is None:
        raise InvalidInput("give buyer_id: the buyer whose conversation with the shop this is")
    if user_store.role_of(conn, buyer_id) != Role.BUYER.value:
        raise NotFound(f"buyer {buyer_id} not found")
    return _Thread(shop_thread_key(buyer_id, seller_id), None, buyer_id, seller_id)


def _no_conversation(thread: _Thread) -> NotFound:
    return NotFound(
        f"no conversation between buyer {thread.buyer_id} and shop {thread.seller_id}: "
        "a shop answers buyers who wrote to it first"
    )


# ----------------------------------------------------------------------------- listing


def list_threads(
    app: Garant, *, actor: Actor, limit: int = 20, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """The caller's threads, most recent message first, each with its last message.

    A buyer sees theirs, a shop its own, agents and operators every thread. The cursor is the
    ``next_cursor`` of the previous page (last activity and thread id of its last item).
    """
    if not 1 <= limit <= 100:
        raise InvalidInput("limit must be between 1 and 100")
    if actor.role not in (Role.BUYER, Role.SELLER, *STAFF):
        return [], None
    after = None if cursor is None else _parse_cursor(cursor)
    if actor.user_id is None and actor.role in (Role.BUYER, Role.SELLER):
        return [], None  # a party without an id has no threads
    with reading(app.engine) as conn:
        rows = store.threads_page(
            conn,
            limit=limit + 1,
            buyer_id=actor.user_id if actor.role is Role.BUYER else None,
            seller_id=actor.user_id if actor.role is Role.SELLER else None,
            after=after,
        )
        page = rows[:limit]
        last = _last_messages(conn, [int(r["id"]) for r in page])
        names = user_store.names_of(
            conn, {int(r[c]) for r in page for c in ("buyer_id", "seller_id")}
        )
    items = [
        {
            "thread_id": int(r["id"]),
            "key": r["key"],
            "kind": "order" if r["order_id"] is not None else "shop",
            "order_id": None if r["order_id"] is None else int(r["order_id"]),
            "shop": None
            if r["order_id"] is not None
            else {"seller_id": int(r["seller_id"]), "buyer_id": int(r["buyer_id"])},
            "buyer": {"id": int(r["buyer_id"]), "name": names.get(int(r["buyer_id"]), "")},
            "seller": {"id": int(r["seller_id"]), "name": names.get(int(r["seller_id"]), "")},
            "last_message_at": r["last_message_at"].isoformat(),
            "last_message": last.get(int(r["id"])),
        }
        for r in page
    ]
    more = len(rows) > limit
    return items, (_cursor_of(page[-1]) if more else None)


def _cursor_of(row: Mapping[Any, Any]) -> str:
    micros = (row["last_message_at"] - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}_{int(row['id'])}"


def _parse_cursor(cursor: str) -> tuple[datetime, int]:
    micros, _, thread_id = cursor.partition("_")
    if not (micros.isdigit() and thread_id.isdigit()):
        raise InvalidInput("cursor is not one this API gave; start again without it")
    return _EPOCH + timedelta(microseconds=int(micros)), int(thread_id)


def _last_messages(conn: Connection, thread_ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = store.last_messages(conn, thread_ids)
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        message = _message(row)
        body = message.pop("body")
        message["preview"] = _excerpt(body)
        out[int(row["thread_id"])] = message
    return out


# ----------------------------------------------------------------------------- writing


def _clean_body(body: str, attachments: Sequence[int]) -> str:
    if not isinstance(body, str):
        raise InvalidInput("body must be text")
    text = body.strip()
    if not text and not attachments:
        raise InvalidInput("a message needs text or at least one attachment")
    if len(text) > MAX_BODY_CHARS:
        raise InvalidInput(
            f"a message is at most {MAX_BODY_CHARS} characters; this one has {len(text)}: "
            "split it or attach a document"
        )
    return text


def _attachments(
    conn: Connection,
    attachments: Sequence[int],
    actor: Actor,
    *,
    order_id: int | None = None,
    seller_id: int | None = None,
) -> list[int]:
    ids = list(attachments)
    if not ids:
        return []
    if any(not isinstance(i, int) or isinstance(i, bool) for i in ids):
        raise InvalidInput("attachments are evidence ids (whole numbers) from an upload")
    if len(ids) > MAX_ATTACHMENTS:
        raise InvalidInput(f"a message carries at most {MAX_ATTACHMENTS} attachments")
    # Imported on use: a text-only message never loads the evidence service, and services
    # that read threads for a case file can import this module without a cycle.
    from garant.services.evidence import attachable

    return list(attachable(conn, ids, actor, order_id=order_id, seller_id=seller_id))


def _append(
    conn: Connection, thread: _Thread, actor: Actor, text: str, ids: list[int], now: datetime
) -> dict[str, Any]:
    """Add one message (creating the thread with the first one) and its outbox row."""
    assert actor.user_id is not None  # checked by the caller's visibility step
    thread_id = store.open_thread(
        conn,
        key=thread.key,
        order_id=thread.order_id,
        buyer_id=thread.buyer_id,
        seller_id=thread.seller_id,
        now=now,
    )
    message_id = store.add_message(
        conn,
        thread_id=thread_id,
        author_id=actor.user_id,
        author_role=actor.role.value,
        body=text,
        attachments=ids,
        now=now,
    )
    store.touch_thread(conn, thread_id, now)
    recipients = [
        p["id"] for p in _participants(conn, thread, thread_id) if p["id"] != actor.user_id
    ]
    message = outbox.Message(
        topic=TOPIC,
        order_id=thread.order_id,
        created_at=now,
        payload={
            "type": TOPIC,
            "thread_key": thread.key,
            "thread_id": thread_id,
            "message_id": message_id,
            "order_id": thread.order_id,
            "buyer_id": thread.buyer_id,
            "seller_id": thread.seller_id,
            "author": {"role": actor.role.value, "id": actor.user_id},
            "recipient_ids": recipients,
            "excerpt": _excerpt(text),
            "attachments": len(ids),
            "at": now.isoformat(),
        },
    )
    outbox.append(conn, [message])
    row = store.message(conn, message_id)
    return {**_message(row), "thread_id": thread_id, "thread_key": thread.key}


def _excerpt(text: str) -> str:
    one_line = " ".join(text.split())
    if len(one_line) <= EXCERPT_CHARS:
        return one_line
    return one_line[: EXCERPT_CHARS - 1] + "…"


# ----------------------------------------------------------------------------- reading


def _thread_view(conn: Connection, thread: _Thread) -> dict[str, Any]:
    thread_id = store.thread_id_of(conn, thread.key)
    return {
        "thread_id": thread_id,
        "key": thread.key,
        "order_id": thread.order_id,
        "buyer_id": thread.buyer_id,
        "seller_id": thread.seller_id,
        "participants": _participants(conn, thread, thread_id),
        "messages": [] if thread_id is None else _messages(conn, thread_id),
    }


def _participants(conn: Connection, thread: _Thread, thread_id: int | None) -> list[dict[str, Any]]:
    """The buyer and the shop, then each agent or operator who has written, in order."""
    staff: list[int] = []
    if thread_id is not None:
        staff = store.authors_with_role(conn, thread_id, [r.value for r in STAFF])
    people = [thread.buyer_id, thread.seller_id, *staff]
    found = user_store.people(conn, people)
    return [{"id": p, "role": found[p].role, "name": found[p].name} for p in people if p in found]


def _messages(conn: Connection, thread_id: int) -> list[dict[str, Any]]:
    return [_message(r) for r in store.messages_of(conn, thread_id)]


def _message(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": int(row["id"]),
        "author_id": int(row["author_id"]),
        "author_role": row["author_role"],
        "author_name": row["author_name"],
        "body": row["body"],
        "attachments": [int(i) for i in row["attachments"] or []],
        "created_at": row["created_at"].isoformat(),
    }
