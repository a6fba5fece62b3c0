"""Policy versions: stored once, never changed; orders point at the version they began with."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from garant.domain.policy import DEFAULT_POLICY, Policy
from garant.store.schema import policies

# Parsed policies, keyed by their stored text. Not by (database, version): a database that
# is rebuilt (sandbox reset, test database) may hold another policy under the same version
# number, and an order must be judged by what its own database says. The order's read
# brings the text along (``order_reads.aggregates`` joins it), so knowing the policy
# costs no statement, and parsing happens once per distinct text in the process.
_cache: dict[str, Policy] = {}
_by_text: dict[str, Policy] = {}
_MAX_TEXTS = 256  # a bound, should texts ever vary (formatting) without the policy changing


def get_policy(conn: Connection, version: int) -> Policy:
    body = conn.execute(select(policies.c.body).where(policies.c.version == version)).scalar()
    if body is None:
        raise LookupError(f"policy version {version} does not exist")
    key = json.dumps(body, sort_keys=True)
    policy = _cache.get(key)
    if policy is None:
        policy = _cache[key] = Policy.from_json(body)
    return policy


def policy_from_text(text: str) -> Policy:
    """The policy whose stored body is ``text`` (the JSON as the database keeps it)."""
    policy = _by_text.get(text)
    if policy is None:
        body = json.loads(text)
        key = json.dumps(body, sort_keys=True)
        policy = _cache.get(key)
        if policy is None:
            policy = _cache[key] = Policy.from_json(body)
        if len(_by_text) >= _MAX_TEXTS:
            _by_text.clear()
        _by_text[text] = policy
    return policy


def current_policy(conn: Connection, now: datetime) -> Policy:
    version = conn.execute(select(func.max(policies.c.version))).scalar()
    if version is None:
        # The first orders of an installation may arrive together: each offers the default
        # policy, one stores it, none fails on the other's row.
        DEFAULT_POLICY.validate()
        insert_default = _insert(conn).values(
            version=DEFAULT_POLICY.version, body=DEFAULT_POLICY.to_json(), created_at=now
        )
        conn.execute(insert_default.on_conflict_do_nothing(index_elements=["version"]))
        version = conn.execute(select(func.max(policies.c.version))).scalar_one()
    return get_policy(conn, int(version))


def _insert(conn: Connection) -> Any:
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    return dialect_insert(policies)


def publish_policy(conn: Connection, policy: Policy, now: datetime) -> None:
    policy.validate()
    conn.execute(
        insert(policies).values(version=policy.version, body=policy.to_json(), created_at=now)
    )
