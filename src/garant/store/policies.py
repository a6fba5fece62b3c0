"""Policy versions: stored once, never changed; orders point at the version they began with."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, func, insert, select

from garant.domain.policy import DEFAULT_POLICY, Policy
from garant.store.schema import policies

# Parsed policies, keyed by their stored text. Not by (database, version): a database that
# is rebuilt (sandbox reset, test database) may hold another policy under the same version
# number, and an order must be judged by what its own database says.
_cache: dict[str, Policy] = {}


def get_policy(conn: Connection, version: int) -> Policy:
    body = conn.execute(select(policies.c.body).where(policies.c.version == version)).scalar()
    if body is None:
        raise LookupError(f"policy version {version} does not exist")
    key = json.dumps(body, sort_keys=True)
    policy = _cache.get(key)
    if policy is None:
        policy = _cache[key] = Policy.from_json(body)
    return policy


def current_policy(conn: Connection, now: datetime) -> Policy:
    version = conn.execute(select(func.max(policies.c.version))).scalar()
    if version is None:
        publish_policy(conn, DEFAULT_POLICY, now)
        return DEFAULT_POLICY
    return get_policy(conn, int(version))


def publish_policy(conn: Connection, policy: Policy, now: datetime) -> None:
    policy.validate()
    conn.execute(
        insert(policies).values(version=policy.version, body=policy.to_json(), created_at=now)
    )
