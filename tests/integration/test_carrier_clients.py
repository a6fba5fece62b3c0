"""The carrier HTTP clients against a local stand-in server (TRK-2 polling; no database).

Each API's request shape is restated here from the carrier's documentation — method, path,
query or body, authentication — and checked on the request that really reached the server.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest

from garant.carriers import TrackingNotFound, get_adapter
from garant.carriers.base import CarrierError
from garant.carriers.clients import CarrierClients, CarrierUnavailable, RateLimited
from garant.carriers.endpoints import BUILDERS, polled_as

from .carrier_server import (
    CarrierServer,
    Reply,
    Seen,
    carrier_server,
    carrier_settings,
    fixture,
)
from .notify_world import free_port


@pytest.fixture
def server() -> Iterator[CarrierServer]:
    with carrier_server() as running:
        yield running


@pytest.fixture
def clients(server: CarrierServer) -> Iterator[CarrierClients]:
    with CarrierClients(carrier_settings(server.url)) as made:
        yield made


def _token(value: str) -> Reply:
    return Reply(200, json.dumps({"access_token": value, "expires_in": "3599"}).encode())


def _form(seen: Seen) -> dict[str, str]:
    return dict(parse_qsl(seen.body.decode()))


Check = Callable[[Seen], Any]


def _china_post_signed(seen: Seen) -> bool:
    form = _form(seen)
    digest = hashlib.md5((form["msgBody"] + "cp-key").encode()).digest()
    assert form["dataDigest"] == base64.b64encode(digest).decode()
    assert json.loads(form["msgBody"]) == {"traceNo": "EE123456785CN"}
    return form["sendID"] == "sender" and form["dataType"] == "1"


# slug, method, path, number, fixture, token route, what the request must carry
CASES: list[tuple[str, str, str, str, str, str | None, Check]] = [
    ("laposte", "GET", "/suivi/v2/idships/LB394817261CN", "LB394817261CN",
     "laposte/china_to_france_pickup.json", None,
     lambda s: s.headers["x-okapi-key"] == "okapi-test-key" and s.query["lang"] == ["fr_FR"]),
    ("ups", "GET", "/api/track/v1/details/1Z4A7E690398527119", "1Z4A7E690398527119",
     "ups/delivered_china_to_us.json", "/security/v1/oauth/token",
     lambda s: s.headers["authorization"] == "Bearer tok-ups" and s.headers["transid"]),
    ("fedex", "POST", "/track/v1/trackingnumbers", "794613508276",
     "fedex/delivered_with_pod.json", "/oauth/token",
     lambda s: s.headers["authorization"] == "Bearer tok-fedex"
     and json.loads(s.body)["trackingInfo"][0]["trackingNumberInfo"]["trackingNumber"]
     == "794613508276"),
    ("dhl_express", "POST", "/XMLShippingServlet", "5120948372",
     "dhl_express/in_transit_china_to_france.xml", None,
     lambda s: b"<SiteID>site</SiteID>" in s.body and b"<Password>site-pass</Password>" in s.body
     and b"<AWBNumber>5120948372</AWBNumber>" in s.body),
    ("dhl_universal", "GET", "/track/shipments", "00340434612345678907",
     "dhl_universal/packstation_pickup.json", None,
     lambda s: s.headers["dhl-api-key"] == "dhl-key"
     and s.query["trackingNumber"] == ["00340434612345678907"]),
    ("usps", "GET", "/tracking/v3/tracking/LX523180940CN", "LX523180940CN",
     "usps/epacket_china_to_us.json", "/oauth2/v3/token",
     lambda s: s.headers["authorization"] == "Bearer tok-usps" and s.query["expand"] == ["DETAIL"]),
    ("cainiao", "GET", "/global/detail.json", "LP00612345678901",
     "cainiao/china_to_france_delivered.json", None,
     lambda s: s.query["mailNos"] == ["LP00612345678901"] and "authorization" not in s.headers),
    ("china_post", "POST", "/querypush-twswn/mailTrack/queryMailTrack/v2", "EE123456785CN",
     "china_post/ems_china_to_france_delivered.json", None, _china_post_signed),
    ("yanwen", "GET", "/api/tracking", "UG123456785YP", "yanwen/china_to_france_delivered.json",
     None, lambda s: s.headers["authorization"] == "yanwen-token"
     and s.query["nums"] == ["UG123456785YP"]),
    ("4px", "POST", "/track/v2/front/listTrackV3", "4PX3001234567890CN",
     "4px/china_to_france_delivered.json", None,
     lambda s: json.loads(s.body)["queryCodes"] == ["4PX3001234567890CN"]),
    ("correos", "GET", "/digital-services/searchengines/api/v1/envios", "LE202402135CN",
     "correos/china_to_france_delivered.json", None,
     lambda s: s.query["text"] == ["LE202402135CN"]),
    ("poczta_polska", "POST", "/Sledzenie/services/Sledzenie", "LB555123453CN",
     "poczta_polska/china_to_france_delivered.xml", None,
     lambda s: b"<wsse:Username>sledzeniepp</wsse:Username>" in s.body
     and b"<sled:numer>LB555123453CN</sled:numer>" in s.body
     and s.headers["content-type"].startswith("text/xml")),
    ("chronopost", "POST", "/tracking-cxf/TrackingServiceWS", "XW482615390FR",
     "chronopost/pickup_relay_lyon.xml", None,
     lambda s: b"<skybillNumber>XW482615390FR</skybillNumber>" in s.body),
    ("dhl_parcel_de", "GET", "/parcel/de/tracking/v0/shipments", "CH482917305DE",
     "dhl_parcel_de/packstation_from_china.xml", None,
     lambda s: s.headers["dhl-api-key"] == "dhl-de-key"
     and 'piece-code="CH482917305DE"' in s.query["xml"][0]
     and 'appname="zt-app"' in s.query["xml"][0]),
]  # fmt: skip


def test_trk2_every_parsed_carrier_has_a_client() -> None:
    assert {case[0] for case in CASES} == set(BUILDERS)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_trk2_each_client_sends_the_carriers_request_shape_and_returns_its_payload(
    server: CarrierServer, clients: CarrierClients, case: tuple[Any, ...]
) -> None:
    slug, method, path, number, name, token_path, check = case
    server.serve(method, path, name)
    if token_path is not None:
        server.route("POST", token_path, _token(f"tok-{slug}"))
    payload = clients.fetch(slug, number)
    assert payload == fixture(name)
    assert get_adapter(slug).parse(payload)  # what came back is the carrier's payload
    (seen,) = server.requests_to(path)
    assert seen.method == method
    assert check(seen)


def test_trk2_oauth_tokens_use_client_credentials_and_are_reused(
    server: CarrierServer, clients: CarrierClients
) -> None:
    server.route("POST", "/security/v1/oauth/token", _token("tok-ups"))
    server.serve("GET", "/api/track/v1/details/1Z4A7E690398527119",
                 "ups/delivered_china_to_us.json")
    clients.fetch("ups", "1Z4A7E690398527119")
    clients.fetch("ups", "1Z4A7E690398527119")
    (token_request,) = server.requests_to("/security/v1/oauth/token")
    assert token_request.headers["authorization"] == (
        "Basic " + base64.b64encode(b"ups-id:ups-secret").decode()
    )
    assert _form(token_request) == {"grant_type": "client_credentials"}


def test_trk2_a_revoked_token_is_renewed_once(
    server: CarrierServer, clients: CarrierClients
) -> None:
    path = "/api/track/v1/details/1Z4A7E690398527119"
    server.route("POST", "/security/v1/oauth/token", _token("old"), _token("new"))
    server.serve("GET", path, "ups/delivered_china_to_us.json")
    clients.fetch("ups", "1Z4A7E690398527119")
    server.route("GET", path, Reply(401, b'{"response": {"errors": []}}'),
                 Reply(200, fixture("ups/delivered_china_to_us.json")))
    assert clients.fetch("ups", "1Z4A7E690398527119") == fixture("ups/delivered_china_to_us.json")
    assert [s.headers["authorization"] for s in server.requests_to(path)] == [
        "Bearer old", "Bearer old", "Bearer new"]


def test_trk2_a_refused_token_returns_the_carriers_words(
    server: CarrierServer, clients: CarrierClients
) -> None:
    refusal = b'{"response": {"errors": [{"code": "10401", "message": "ClientId is Invalid"}]}}'
    server.route("POST", "/security/v1/oauth/token", Reply(401, refusal))
    payload = clients.fetch("ups", "1Z4A7E690398527119")
    with pytest.raises(CarrierError, match="ClientId is Invalid"):
        get_adapter("ups").parse(payload)
    assert server.requests_to("/api/track/v1/details/1Z4A7E690398527119") == []


def test_trk2_not_found_answers_are_payloads_for_the_adapter(
    server: CarrierServer, clients: CarrierClients
) -> None:
    server.serve("GET", "/suivi/v2/idships/LB000000000CN", "laposte/not_found.json", status=404)
    with pytest.raises(TrackingNotFound):
        get_adapter("laposte").parse(clients.fetch("laposte", "LB000000000CN"))


@pytest.mark.parametrize("status", [500, 502, 503])
def test_trk2_server_errors_are_carrier_unavailable(
    server: CarrierServer, clients: CarrierClients, status: int
) -> None:
    server.route("GET", "/global/detail.json", Reply(status, b"oops"))
    with pytest.raises(CarrierUnavailable) as caught:
        clients.fetch("cainiao", "LP00612345678901")
    assert caught.value.retry_after is None


def test_trk2_429_gives_retry_after_and_holds_the_carrier(
    server: CarrierServer, clients: CarrierClients
) -> None:
    server.route("GET", "/global/detail.json", Reply(429, b"", {"Retry-After": "120"}))
    with pytest.raises(CarrierUnavailable) as caught:
        clients.fetch("cainiao", "LP00612345678901")
    assert caught.value.retry_after == 120
    # The next request of that carrier is not even sent; other carriers are not held.
    with pytest.raises(RateLimited) as held:
        clients.fetch("cainiao", "LP00612345678901")
    assert 115 < (held.value.retry_after or 0) <= 120
    assert len(server.requests_to("/global/detail.json")) == 1
    server.serve("GET", "/suivi/v2/idships/LB394817261CN", "laposte/china_to_france_pickup.json")
    assert clients.fetch("laposte", "LB394817261CN")


def test_trk2_a_slow_carrier_times_out_as_unavailable(server: CarrierServer) -> None:
    server.route("GET", "/global/detail.json", Reply(200, b"{}", delay=3))
    settings = carrier_settings(server.url, timeout_seconds=0.2)
    with CarrierClients(settings) as clients, pytest.raises(CarrierUnavailable, match="timed out"):
        clients.fetch("cainiao", "LP00612345678901")


def test_trk2_an_unreachable_carrier_is_unavailable() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with CarrierClients(carrier_settings(url)) as clients, pytest.raises(
        CarrierUnavailable, match="unreachable"
    ):
        clients.fetch("cainiao", "LP00612345678901")


def test_trk2_brand_names_are_polled_through_their_carriers_api() -> None:
    assert polled_as("colissimo") == "laposte"
    assert polled_as("ems") == "china_post"
    assert polled_as("ups") == "ups"
    assert polled_as("unknown") is None
    assert polled_as("yunexpress") is None
