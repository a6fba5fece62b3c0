"""Tables. SQLAlchemy Core: the domain maps to rows explicitly in the repositories.

Times are stored in UTC (``UTCDateTime``); money as integer cents.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (naive text) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Integer primary keys that are BIGINT on PostgreSQL and the rowid alias on SQLite.
ID = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("token_hash", String(64), unique=True),
    Column("locale", String(5), nullable=False, server_default="fr"),
    Column("created_at", UTCDateTime(), nullable=False),
    # A seller's return address (DSP-5: a return starts with it); postal lines.
    Column("return_address", Text),
)

policies = Table(
    "policies",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("body", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("external_ref", String(100), unique=True),
    Column("checkout_id", String(100)),
    Column("buyer_id", ID, ForeignKey("users.id"), nullable=False),
    Column("seller_id", ID, ForeignKey("users.id"), nullable=False),
    Column("state", String(30), nullable=False),
    Column("version", Integer, nullable=False),
    Column("policy_version", Integer, ForeignKey("policies.version"), nullable=False),
    Column("total_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False, server_default="EUR"),
    Column("items", JSON, nullable=False),
    Column("shipping_method", String(40), nullable=False),
    Column("product_category", String(40), nullable=False),
    Column("is_choice", Boolean, nullable=False),
    Column("destination_country", String(2), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("resume_state", String(30)),
    Column("details_due_at", UTCDateTime()),
    Column("payment_due_at", UTCDateTime()),
    Column("previous_total_cents", BigInteger),
    Column("paid_at", UTCDateTime()),
    Column("verified_at", UTCDateTime()),
    Column("ship_by", UTCDateTime()),
    Column("extension_days_pending", Integer),
    Column("extensions_granted", Integer, nullable=False),
    Column("tracking_number", String(64)),
    Column("carrier", String(40)),
    Column("previous_tracking_numbers", JSON, nullable=False),
    Column("shipment_status", String(40)),
    Column("shipped_at", UTCDateTime()),
    Column("delivered_at", UTCDateTime()),
    Column("completed_at", UTCDateTime()),
    Column("closed_at", UTCDateTime()),
    Column("close_reason", String(60)),
    Column("close_fault", String(10)),
    Column("invoice_available", Boolean, nullable=False),
    Column("security_flag", String(40)),
    # PRT-1/2: when the money goes to the seller by itself (purchase + the category's period;
    # a reshipment agreed in a dispute starts it again).
    Column("protection_ends_at", UTCDateTime()),
    Index(None, "buyer_id", "id"),
    Index(None, "seller_id", "id"),
    Index(None, "tracking_number"),
    # List pages by party and state, newest first (keyset on id): migration 0004.
    Index(None, "buyer_id", "state", "id"),
    Index(None, "seller_id", "state", "id"),
    Index(None, "state", "id"),
)

cancellation_requests = Table(
    "cancellation_requests",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False, index=True),
    Column("reason", String(40), nullable=False),
    Column("note", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("requested_at", UTCDateTime(), nullable=False),
    Column("answer_by", UTCDateTime(), nullable=False),
    Column("answered_at", UTCDateTime()),
)

# ORD-4: append-only. Nothing in Garant updates or deletes these rows; on PostgreSQL a
# trigger (see the migration) refuses it outright.
timeline = Table(
    "timeline",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor_role", String(20), nullable=False),
    Column("actor_id", ID),
    Column("action", String(40), nullable=False),
    Column("status_code", String(40)),
    Column("reason", Text, nullable=False),
    Column("data", JSON, nullable=False),
    Index(None, "order_id", "id"),
)

# PRT-6: double entry; balances are sums.
ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("debit_account", String(20), nullable=False),
    Column("credit_account", String(20), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("memo", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False, index=True),
    Column("amount_cents", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Column("expected_from", Date, nullable=False),
    Column("expected_to", Date, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("settled_at", UTCDateTime()),
)

coupons = Table(
    "coupons",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("code", String(60), nullable=False, unique=True),
    Column("kind", String(10), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("expires_at", UTCDateTime()),
    Column("status", String(10), nullable=False),
    Column("returned_at", UTCDateTime()),
)

coupon_uses = Table(
    "coupon_uses",
    metadata,
    Column("coupon_id", ID, ForeignKey("coupons.id"), primary_key=True),
    Column("order_id", ID, ForeignKey("orders.id"), primary_key=True),
    Column("checkout_id", String(100)),
)

# Deadlines are data (DESIGN): one row per order and kind, swept by the worker.
deadlines = Table(
    "deadlines",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("status", String(10), nullable=False),  # pending claimed done obsolete cancelled
    Column("claimed_by", String(80)),
    Column("lease_until", UTCDateTime()),
    Column("attempts", Integer, nullable=False),
    Column("fired_at", UTCDateTime()),
    Column("last_error", Text),
    UniqueConstraint("order_id", "kind"),
    Index(None, "status", "due_at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("topic", String(60), nullable=False),
    Column("order_id", ID),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("dispatched_at", UTCDateTime()),
    Index(None, "dispatched_at", "id"),
)

outbox_deliveries = Table(
    "outbox_deliveries",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("message_id", ID, ForeignKey("outbox.id"), nullable=False),
    Column("sink", String(80), nullable=False),
    Column("status", String(10), nullable=False),  # pending delivered dead
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("claimed_by", String(80)),
    Column("lease_until", UTCDateTime()),
    Column("last_error", Text),
    Column("delivered_at", UTCDateTime()),
    UniqueConstraint("message_id", "sink"),
    Index(None, "status", "next_attempt_at"),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("url", String(2000), nullable=False),
    Column("secret", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("user_id", ID, nullable=False),
    Column("key", String(200), nullable=False),
    Column("method", String(10), nullable=False),
    Column("path", String(500), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer),
    Column("response_body", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("user_id", "key"),
)

# The sandbox clock's offset, shared by every process of an installation.
sandbox_clock = Table(
    "sandbox_clock",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("offset_seconds", BigInteger, nullable=False),
)

# ----------------------------------------------------------------------------- tracking (TRK)

# One parcel. Several numbers may lead to it (TRK-3: a handover to a local carrier with a new
# number) and several orders may travel in it (TRK-11: consolidation).
shipments = Table(
    "shipments",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("carrier", String(40), nullable=False),
    Column("tracking_number", String(64), nullable=False),
    Column("status", String(30), nullable=False),
    Column("sub_status", String(40), nullable=False),
    Column("buyer_status", String(40), nullable=False),
    Column("last_event_at", UTCDateTime()),
    Column("delivered_at", UTCDateTime()),
    Column("origin_country", String(2)),
    Column("destination_country", String(2)),
    Column("shipping_method", String(40)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    # Polling (TRK ingest): when to ask the carrier next, with a lease like the deadlines'.
    Column("next_poll_at", UTCDateTime()),
    Column("poll_failures", Integer, nullable=False, server_default="0"),
    Column("poll_claimed_by", String(80)),
    Column("poll_lease_until", UTCDateTime()),
    Column("notified", JSON, nullable=False),  # TRK-9 kinds already sent, each once
    Index(None, "next_poll_at"),
)

shipment_numbers = Table(
    "shipment_numbers",
    metadata,
    Column("number", String(64), primary_key=True),
    Column("shipment_id", ID, ForeignKey("shipments.id"), nullable=False, index=True),
    Column("carrier", String(40), nullable=False),
    Column("added_at", UTCDateTime(), nullable=False),
)

shipment_orders = Table(
    "shipment_orders",
    metadata,
    Column("shipment_id", ID, ForeignKey("shipments.id"), primary_key=True),
    Column("order_id", ID, ForeignKey("orders.id"), primary_key=True, index=True),
)

tracking_events = Table(
    "tracking_events",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("shipment_id", ID, ForeignKey("shipments.id"), nullable=False),
    Column("dedupe_key", String(120), nullable=False),
    Column("carrier", String(40), nullable=False),
    Column("tracking_number", String(64), nullable=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    # The carrier's own offset, so the event is shown in the place's local time (TRK-1).
    Column("utc_offset_minutes", Integer, nullable=False),
    Column("status", String(30), nullable=False),
    Column("sub_status", String(40), nullable=False),
    Column("raw_code", String(80)),
    Column("raw_text", Text, nullable=False),
    Column("country", String(2)),
    Column("city", String(120)),
    Column("postcode", String(20)),
    Column("location_text", String(300)),
    Column("leg", String(120)),
    Column("source", String(20), nullable=False),  # poll, webhook, import, sandbox
    Column("received_at", UTCDateTime(), nullable=False),
    UniqueConstraint("shipment_id", "dedupe_key"),
    Index(None, "shipment_id", "occurred_at"),
)

# Payloads that could not be read: recorded whole-or-nothing, never half-stored.
tracking_errors = Table(
    "tracking_errors",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("carrier", String(40), nullable=False),
    Column("source", String(20), nullable=False),
    Column("tracking_number", String(64)),
    Column("error", Text, nullable=False),
    Column("excerpt", Text, nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
)

# In-app notifications (TRK-9), written by the outbox relay's in-app sink, once per message.
notifications = Table(
    "notifications",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("message_id", ID, nullable=False),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False),
    Column("order_id", ID),
    Column("kind", String(40), nullable=False),
    Column("title_fr", String(300), nullable=False),
    Column("title_en", String(300), nullable=False),
    Column("body_fr", Text, nullable=False),
    Column("body_en", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("read_at", UTCDateTime()),
    UniqueConstraint("message_id", "user_id"),
    Index(None, "user_id", "id"),
)


# ----------------------------------------------------------------------------- protection

# Evidence files (DSP-3): stored by content hash; ``shown_sha256`` is the copy the other
# party sees (image metadata stripped), ``sha256`` the original the agent may open.
evidence = Table(
    "evidence",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False),
    Column("shown_sha256", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("shown_size_bytes", BigInteger, nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("kind", String(20), nullable=False),  # photo video screenshot document
    Column("filename", String(200), nullable=False),
    Column("uploader_id", ID, ForeignKey("users.id"), nullable=False),
    Column("uploader_role", String(20), nullable=False),
    Column("order_id", ID, ForeignKey("orders.id")),
    Column("seller_id", ID, ForeignKey("users.id")),  # for a shop thread outside any order
    Column("stripped", JSON, nullable=False),  # what was removed from the shown copy
    Column("created_at", UTCDateTime(), nullable=False),
    Index(None, "order_id"),
    Index(None, "sha256"),
)

# DSP-1: one thread per order (key "order:<id>"), and one per buyer and shop outside any
# order (key "shop:<buyer>:<seller>").
message_threads = Table(
    "message_threads",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("key", String(60), nullable=False, unique=True),
    Column("order_id", ID, ForeignKey("orders.id")),
    Column("buyer_id", ID, ForeignKey("users.id"), nullable=False),
    Column("seller_id", ID, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_message_at", UTCDateTime()),
    Index(None, "buyer_id"),
    Index(None, "seller_id"),
)

# Messages are evidence: append-only (triggers in the migration).
messages = Table(
    "messages",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("thread_id", ID, ForeignKey("message_threads.id"), nullable=False),
    Column("author_id", ID, ForeignKey("users.id"), nullable=False),
    Column("author_role", String(20), nullable=False),
    Column("body", Text, nullable=False),
    Column("attachments", JSON, nullable=False),  # evidence ids
    Column("created_at", UTCDateTime(), nullable=False),
    Index(None, "thread_id", "id"),
)

# DSP-2..7: one open dispute per order (a new one only after a reshipment); its steps are on
# the order's timeline.
disputes = Table(
    "disputes",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False, index=True),
    Column("state", String(20), nullable=False),
    Column("reason", String(40), nullable=False),
    Column("detail", String(40)),
    Column("description", Text, nullable=False),
    Column("requested_kind", String(30), nullable=False),
    Column("requested_amount_cents", BigInteger),
    Column("evidence", JSON, nullable=False),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("seller_answer_by", UTCDateTime(), nullable=False),
    Column("seller_answered_at", UTCDateTime()),
    Column("escalate_from", UTCDateTime(), nullable=False),
    Column("negotiation_ends_at", UTCDateTime(), nullable=False),
    Column("escalated_at", UTCDateTime()),
    Column("escalated_by", String(20)),
    Column("agent_id", ID, ForeignKey("users.id")),
    Column("decision", JSON),
    Column("decided_at", UTCDateTime()),
    Column("appeal_by", UTCDateTime()),
    Column("decision_accepted_by", JSON, nullable=False),
    Column("appealed_at", UTCDateTime()),
    Column("appealed_by", String(20)),
    Column("appeal", JSON),
    Column("closed_at", UTCDateTime()),
    Column("outcome", JSON),
    Column("recovered_cents", BigInteger, nullable=False),
    Index(None, "state", "escalated_at"),
    Index(None, "agent_id", "state"),  # the agent's own cases (migration 0004)
)

dispute_offers = Table(
    "dispute_offers",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("dispute_id", ID, ForeignKey("disputes.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("by_role", String(20), nullable=False),
    Column("by_id", ID),
    Column("kind", String(30), nullable=False),
    Column("amount_cents", BigInteger),
    Column("message", Text, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("made_at", UTCDateTime(), nullable=False),
    Column("reply_by", UTCDateTime()),
    Column("status", String(20), nullable=False),
    Column("answered_at", UTCDateTime()),
    UniqueConstraint("dispute_id", "seq"),
)

evidence_requests = Table(
    "evidence_requests",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("dispute_id", ID, ForeignKey("disputes.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("party", String(20), nullable=False),
    Column("asked_by", ID),
    Column("note", Text, nullable=False),
    Column("asked_at", UTCDateTime(), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("status", String(20), nullable=False),
    Column("answered_at", UTCDateTime()),
    Column("answer", Text),
    Column("evidence", JSON, nullable=False),
    UniqueConstraint("dispute_id", "seq"),
)

# A return agreed in a dispute (DSP-5, RET-5): the money waits until the seller has it back.
returns = Table(
    "returns",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False, index=True),
    Column("dispute_id", ID, ForeignKey("disputes.id")),
    Column("status", String(20), nullable=False),
    Column("refund_cents", BigInteger, nullable=False),
    Column("return_address", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("ship_back_by", UTCDateTime(), nullable=False),
    Column("tracking_number", String(64)),
    Column("carrier", String(40)),
    Column("shipped_back_at", UTCDateTime()),
    Column("confirm_by", UTCDateTime()),
    Column("received_at", UTCDateTime()),
    Column("closed_at", UTCDateTime()),
)
