"""Outgoing mail configuration (prefix GARANT_SMTP_), kept apart from ``garant.settings`` so
the mail sink can be configured, and tested, on its own.

The defaults point at a local catcher (MailHog, aiosmtpd) on port 1025, so a development
installation never sends real mail by accident.
"""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SmtpSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GARANT_SMTP_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 1025
    from_address: str = "Garant <noreply@garant.local>"
    # STARTTLS on the plain port (587); a relay that needs it refuses to authenticate without.
    starttls: bool = False
    username: str | None = None
    password: SecretStr | None = None  # SecretStr: never printed in logs or reprs
    # Per network operation. The relay sizes its claims for sends of a few seconds (see
    # ``relay_once``), so a slower value makes leases run out mid-batch.
    timeout: float = 5.0
