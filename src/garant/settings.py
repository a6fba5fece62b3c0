"""Configuration from the environment (prefix GARANT_)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GARANT_", extra="ignore")

    database_url: str = "sqlite:///garant.db"
    # Sandbox mode lets an operator move time forward (`garant clock advance 73h`). Never on
    # in production: deadlines would fire early.
    sandbox: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""
    worker_poll_seconds: float = 1.0
    worker_batch: int = 200
    lease_seconds: int = 60
    webhook_timeout_seconds: float = 5.0
    webhook_max_attempts: int = 8
    outbox_retry_base_seconds: float = 2.0
    idempotency_ttl_hours: int = 24
    # Tracking ingest: the aggregators' webhook secrets (empty: that webhook is refused).
    track17_api_key: str = ""
    aftership_webhook_secret: str = ""
    # The carriers' own push (``POST /api/v1/tracking/push/{carrier}``), signed like our
    # webhooks (Standard Webhooks, whsec_… secret).
    carrier_push_secret: str = ""
    # TRK-1: the public tracking endpoint answers anyone; this keeps scrapers in check.
    public_tracking_per_minute: int = 60

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"
