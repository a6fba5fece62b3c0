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
    # Web pages: the key that signs session cookies. Empty: a random key is made at start
    # (sessions then end at every restart, and several server processes do not share them).
    session_secret: str = ""
    # DSP-8 / MSG-4: the marketplace, and the legal address a buyer's registered letter goes
    # to (lines separated by '|'); seed 001 gives AliExpress's French entity.
    platform_name: str = "AliExpress"
    platform_address: str = "Alibaba France|6 rue Ménars|75002 Paris"
    worker_poll_seconds: float = 1.0
    worker_batch: int = 200
    # Threads that run the synchronous routes and services of the served app (AnyIO's
    # default of 40 only makes them fight over the GIL and the database pool under load).
    server_threads: int = 8
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
    # The worker polls the carriers' APIs for parcels they carry. Off for the demo: its
    # parcels are made up (the sandbox carrier moves its own) and no carrier knows them.
    carrier_polling: bool = True
    # TRK-1: the public tracking endpoint answers anyone; this keeps scrapers in check.
    public_tracking_per_minute: int = 60
    # DSP-1, DSP-3: evidence files (photos, videos, screenshots, PDFs). Kept content-addressed
    # on disk ("file", under evidence_dir) or in an S3-compatible bucket ("s3").
    evidence_store: str = "file"
    evidence_dir: str = "var/evidence"
    s3_endpoint_url: str = ""  # empty: AWS itself; set it for MinIO, Garage, Ceph…
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key: str = ""  # empty: boto3's own credential chain (environment, role)
    s3_secret_key: str = ""
    s3_prefix: str = "evidence/"
    evidence_max_image_bytes: int = 15 * 1024 * 1024
    evidence_max_video_bytes: int = 100 * 1024 * 1024
    evidence_max_document_bytes: int = 20 * 1024 * 1024
    # A photo's pixels are decoded to strip its metadata: this bounds the memory one upload
    # can take (a small file can declare a huge picture).
    evidence_max_pixels: int = 40_000_000

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"
