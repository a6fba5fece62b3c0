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
    Index(None, "buyer_id", "id"),
    Index(None, "seller_id", "id"),
    Index(None, "tracking_number"),
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
