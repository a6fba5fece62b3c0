"""Carrier API configuration (prefix GARANT_CARRIER_): base URLs, credentials, rate limits.

Kept apart from ``garant.settings`` so the polling clients can be configured, and tested, on
their own. Each carrier has one base URL (``GARANT_CARRIER_LAPOSTE_URL``…) whose default is the
carrier's public production host; tests point every one of them at a local server. A carrier
whose credentials are empty is still asked: the answer (401, a SOAP fault) is then recorded as
that carrier's error, which is how a missing key shows up to an operator.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

_EMPTY = SecretStr("")


class CarrierSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GARANT_CARRIER_", extra="ignore")

    # Per request (connect, read, write, pool each). A poller claims shipments for a lease
    # sized on a batch of such requests, so a slow carrier cannot hold a batch forever.
    timeout_seconds: float = 10.0
    # Requests per second per carrier, and how many may go at once after a quiet spell.
    # Conservative: the public tracking endpoints (Cainiao, 4PX, Correos) block eager clients.
    rate_per_second: float = 2.0
    burst: int = 2
    # Per-carrier overrides, JSON in the environment: GARANT_CARRIER_RATES='{"cainiao": 0.5}'.
    rates: dict[str, float] = Field(default_factory=dict)
    # A request that would have to wait longer than this for its carrier's turn is not sent;
    # the shipment is looked at again later instead of holding the worker.
    max_wait_seconds: float = 5.0
    # A Retry-After beyond this is read as this: a carrier's typo must not stop polling.
    max_retry_after_seconds: float = 24 * 3600.0
    user_agent: str = "Garant/0.1 (buyer-protection tracking)"

    laposte_url: str = "https://api.laposte.fr"
    laposte_key: SecretStr = _EMPTY  # X-Okapi-Key

    ups_url: str = "https://onlinetools.ups.com"
    ups_client_id: str = ""
    ups_client_secret: SecretStr = _EMPTY

    fedex_url: str = "https://apis.fedex.com"
    fedex_client_id: str = ""
    fedex_client_secret: SecretStr = _EMPTY

    dhl_express_url: str = "https://xmlpi-ea.dhl.com"
    dhl_express_site_id: str = ""
    dhl_express_password: SecretStr = _EMPTY

    dhl_universal_url: str = "https://api-eu.dhl.com"
    dhl_universal_key: SecretStr = _EMPTY  # DHL-API-Key

    usps_url: str = "https://apis.usps.com"
    usps_client_id: str = ""
    usps_client_secret: SecretStr = _EMPTY

    cainiao_url: str = "https://global.cainiao.com"

    # China Post gives the address of its trace interface together with the sender ID and
    # key; the default is the one its integration guide publishes.
    china_post_url: str = "http://211.156.195.180"
    china_post_sender_id: str = ""
    china_post_key: SecretStr = _EMPTY
    china_post_msg_kind: str = "JDPT_TRACE"

    yanwen_url: str = "https://trackapi.yanwentech.com"
    yanwen_key: SecretStr = _EMPTY  # Authorization header, as Yanwen issues it

    fourpx_url: str = "https://track.4px.com"

    correos_url: str = "https://api1.correos.es"

    poczta_polska_url: str = "https://tt.poczta-polska.pl"
    # Poczta Polska publishes these as the public account of its tracking web service.
    poczta_polska_user: str = "sledzeniepp"
    poczta_polska_password: SecretStr = SecretStr("PPSA")

    chronopost_url: str = "https://ws.chronopost.fr"

    dhl_parcel_de_url: str = "https://api-eu.dhl.com"
    dhl_parcel_de_key: SecretStr = _EMPTY  # DHL-API-Key
    dhl_parcel_de_app: str = ""  # the "ZT" application name and password inside the query
    dhl_parcel_de_password: SecretStr = _EMPTY

    def rate_for(self, carrier: str) -> float:
        return self.rates.get(carrier, self.rate_per_second)
