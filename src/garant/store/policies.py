"""Policy versions: stored once, never changed; orders point at the version they began with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, insert, select

from garant.domain.policy import DEFAULT_POLICY, Policy
from garant.store.schema import policies

_cache: dict[tuple[str, int], Policy] = {}


def _key(conn: Connection, version: int) -> tuple[str, int]:
    return (str(conn.engine.url), version)


def get_policy(conn: Connection, version: int) -> Policy:
    key = _key(conn, version)
    if key not in _cache:
        body = conn.execute(select(policies.c.body).where(policies.c.version == version)).scalar()
        if body is None:
            raise LookupError(f"policy version {version} does not exist")
        _cache[key] = Policy.from_json(body)
    return _cache[key]


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
