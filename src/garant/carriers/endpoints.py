"""What each carrier API's tracking request looks like (TRK-2 polling).

One builder per API we parse, named by the adapter's slug: method, path under the carrier's
base URL (``CarrierSettings.<slug>_url``), query or body, and the authentication the API
documents. Builders are pure (no I/O), so the request shapes are tested without a network.
Three APIs (UPS, FedEx, USPS) want an OAuth 2 client-credentials token: ``TOKEN_CALLS`` says
how to ask for it and the builder receives it as ``token``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from garant.carriers.settings import CarrierSettings


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # under the carrier's base URL
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None  # the body, already encoded (JSON, form or XML)


Builder = Callable[[CarrierSettings, str, str | None], Call]


def _json(body: Any) -> tuple[bytes, dict[str, str]]:
    return json.dumps(body).encode(), {"Content-Type": "application/json"}


def _form(fields: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    text = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in fields.items())
    return text.encode(), {"Content-Type": "application/x-www-form-urlencoded"}


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token or ''}"}


def _soap(body: str, header: str = "", action: str = "") -> tuple[bytes, dict[str, str]]:
    envelope = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        f"<soapenv:Header>{header}</soapenv:Header><soapenv:Body>{body}</soapenv:Body>"
        "</soapenv:Envelope>"
    )
    return envelope.encode(), {
        "Content-Type": "text/xml; charset=utf-8",
        "SOAPAction": f'"{action}"',
    }


# --- OAuth tokens ----------------------------------------------------------------------------


def _ups_token(s: CarrierSettings) -> Call:
    body, headers = _form({"grant_type": "client_credentials"})
    auth = _basic(s.ups_client_id, s.ups_client_secret.get_secret_value())
    return Call(
        "POST", "/security/v1/oauth/token", headers=headers | {"Authorization": auth}, content=body
    )


def _fedex_token(s: CarrierSettings) -> Call:
    body, headers = _form(
        {
            "grant_type": "client_credentials",
            "client_id": s.fedex_client_id,
            "client_secret": s.fedex_client_secret.get_secret_value(),
        }
    )
    return Call("POST", "/oauth/token", headers=headers, content=body)


def _usps_token(s: CarrierSettings) -> Call:
    body, headers = _json(
        {
            "grant_type": "client_credentials",
            "client_id": s.usps_client_id,
            "client_secret": s.usps_client_secret.get_secret_value(),
        }
    )
    return Call("POST", "/oauth2/v3/token", headers=headers, content=body)


TOKEN_CALLS: dict[str, Callable[[CarrierSettings], Call]] = {
    "ups": _ups_token,
    "fedex": _fedex_token,
    "usps": _usps_token,
}


# --- tracking requests -----------------------------------------------------------------------


def laposte(s: CarrierSettings, number: str, token: str | None) -> Call:
    return Call(
        "GET",
        f"/suivi/v2/idships/{quote(number, safe='')}",
        {"lang": "fr_FR"},
        {"X-Okapi-Key": s.laposte_key.get_secret_value()},
    )


def ups(s: CarrierSettings, number: str, token: str | None) -> Call:
    # transId identifies the request in UPS's logs (32 characters at most).
    headers = _bearer(token) | {"transId": uuid.uuid4().hex, "transactionSrc": "garant"}
    return Call(
        "GET",
        f"/api/track/v1/details/{quote(number, safe='')}",
        {"locale": "en_US", "returnSignature": "false"},
        headers,
    )


def fedex(s: CarrierSettings, number: str, token: str | None) -> Call:
    body, headers = _json(
        {
            "includeDetailedScans": True,
            "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": number}}],
        }
    )
    return Call(
        "POST",
        "/track/v1/trackingnumbers",
        headers=headers | _bearer(token) | {"X-locale": "en_US"},
        content=body,
    )


def dhl_express(s: CarrierSettings, number: str, token: str | None) -> Call:
    # XML-PI authenticates inside the message (SiteID/Password); MessageReference must be
    # 28 to 32 characters.
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<req:KnownTrackingRequest xmlns:req="http://www.dhl.com">'
        f"<Request><ServiceHeader><MessageTime>{now}</MessageTime>"
        f"<MessageReference>{uuid.uuid4().hex}</MessageReference>"
        f"<SiteID>{escape(s.dhl_express_site_id)}</SiteID>"
        f"<Password>{escape(s.dhl_express_password.get_secret_value())}</Password>"
        "</ServiceHeader></Request><LanguageCode>en</LanguageCode>"
        f"<AWBNumber>{escape(number)}</AWBNumber><LevelOfDetails>ALL_CHECK_POINTS</LevelOfDetails>"
        "<PiecesEnabled>S</PiecesEnabled></req:KnownTrackingRequest>"
    )
    return Call(
        "POST",
        "/XMLShippingServlet",
        headers={"Content-Type": "application/xml"},
        content=xml.encode(),
    )


def dhl_universal(s: CarrierSettings, number: str, token: str | None) -> Call:
    return Call(
        "GET",
        "/track/shipments",
        {"trackingNumber": number},
        {"DHL-API-Key": s.dhl_universal_key.get_secret_value()},
    )


def usps(s: CarrierSettings, number: str, token: str | None) -> Call:
    return Call(
        "GET",
        f"/tracking/v3/tracking/{quote(number, safe='')}",
        {"expand": "DETAIL"},
        _bearer(token),
    )


def cainiao(s: CarrierSettings, number: str, token: str | None) -> Call:
    return Call("GET", "/global/detail.json", {"mailNos": number, "lang": "en-US"})


def china_post(s: CarrierSettings, number: str, token: str | None) -> Call:
    # The body is signed: dataDigest = base64(md5(msgBody + key)); sendDate in Beijing time.
    body = json.dumps({"traceNo": number}, separators=(",", ":"))
    digest = hashlib.md5((body + s.china_post_key.get_secret_value()).encode()).digest()
    beijing = datetime.now(timezone(timedelta(hours=8)))
    content, headers = _form(
        {
            "sendID": s.china_post_sender_id,
            "proviceNo": "99",  # sic: the interface's own spelling; 99 = the national platform
            "msgKind": s.china_post_msg_kind,
            "serialNo": uuid.uuid4().hex,
            "sendDate": beijing.strftime("%Y%m%d%H%M%S"),
            "receiveID": "JDPT",
            "dataType": "1",  # JSON
            "dataDigest": base64.b64encode(digest).decode(),
            "msgBody": body,
        }
    )
    return Call(
        "POST", "/querypush-twswn/mailTrack/queryMailTrack/v2", headers=headers, content=content
    )


def yanwen(s: CarrierSettings, number: str, token: str | None) -> Call:
    return Call(
        "GET", "/api/tracking", {"nums": number}, {"Authorization": s.yanwen_key.get_secret_value()}
    )


def fourpx(s: CarrierSettings, number: str, token: str | None) -> Call:
    body, headers = _json(
        {"queryCodes": [number], "language": "en-us", "translateLanguage": "en-us"}
    )
    return Call("POST", "/track/v2/front/listTrackV3", headers=headers, content=body)


def correos(s: CarrierSettings, number: str, token: str | None) -> Call:
    return Call(
        "GET",
        "/digital-services/searchengines/api/v1/envios",
        {"text": number, "language": "ES", "searchType": "envio"},
    )


def poczta_polska(s: CarrierSettings, number: str, token: str | None) -> Call:
    wsse = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
    text_type = (
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
        "#PasswordText"
    )
    header = (
        f'<wsse:Security xmlns:wsse="{wsse}"><wsse:UsernameToken>'
        f"<wsse:Username>{escape(s.poczta_polska_user)}</wsse:Username>"
        f'<wsse:Password Type="{text_type}">'
        f"{escape(s.poczta_polska_password.get_secret_value())}</wsse:Password>"
        "</wsse:UsernameToken></wsse:Security>"
    )
    body = (
        '<sled:sprawdzPrzesylke xmlns:sled="http://sledzenie.pocztapolska.pl">'
        f"<sled:numer>{escape(number)}</sled:numer></sled:sprawdzPrzesylke>"
    )
    content, headers = _soap(body, header, action="sprawdzPrzesylke")
    return Call("POST", "/Sledzenie/services/Sledzenie", headers=headers, content=content)


def chronopost(s: CarrierSettings, number: str, token: str | None) -> Call:
    body = (
        '<cxf:trackSkybillV2 xmlns:cxf="http://cxf.tracking.soap.chronopost.fr/">'
        f"<language>fr_FR</language><skybillNumber>{escape(number)}</skybillNumber>"
        "</cxf:trackSkybillV2>"
    )
    content, headers = _soap(body)
    return Call("POST", "/tracking-cxf/TrackingServiceWS", headers=headers, content=content)


def dhl_parcel_de(s: CarrierSettings, number: str, token: str | None) -> Call:
    # The request is an XML element in the query string, carrying the "ZT" credentials.
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
        f'<data appname={quoteattr(s.dhl_parcel_de_app)} language-code="de" '
        f"password={quoteattr(s.dhl_parcel_de_password.get_secret_value())} "
        f'piece-code={quoteattr(number)} request="d-get-piece-detail"/>'
    )
    return Call(
        "GET",
        "/parcel/de/tracking/v0/shipments",
        {"xml": xml},
        {"DHL-API-Key": s.dhl_parcel_de_key.get_secret_value()},
    )


BUILDERS: dict[str, Builder] = {
    "laposte": laposte, "ups": ups, "fedex": fedex, "dhl_express": dhl_express,
    "dhl_universal": dhl_universal, "usps": usps, "cainiao": cainiao, "china_post": china_post,
    "yanwen": yanwen, "4px": fourpx, "correos": correos, "poczta_polska": poczta_polska,
    "chronopost": chronopost, "dhl_parcel_de": dhl_parcel_de,
}  # fmt: skip

# Carrier names given with a number (``carriers.numbers.detect``, a seller's choice) that are
# tracked through one of the APIs above: the brand that sells a service and the post behind it.
ALIASES: dict[str, str] = {
    "colissimo": "laposte", "la_poste": "laposte", "ems": "china_post", "epacket": "china_post",
    "dhl": "dhl_universal", "dhl_ecommerce": "dhl_universal", "deutsche_post": "dhl_parcel_de",
    "dhl_paket": "dhl_parcel_de", "fourpx": "4px",
}  # fmt: skip


def polled_as(carrier: str) -> str | None:
    """The API a shipment of this carrier is polled through, or None when we have none."""
    slug = ALIASES.get(carrier, carrier)
    return slug if slug in BUILDERS else None
