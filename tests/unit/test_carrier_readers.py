"""TRK-2: the payload readers every adapter starts with.

JSON is decoded by orjson and its depth bounded from the bytes (not by a walk of the decoded
tree): what a string holds never counts as nesting. XML is read by the C parser only when the
bytes show there is no DTD; other encodings go through defusedxml. Children are looked up by
local name, in whatever namespace.
"""

from __future__ import annotations

import pytest

from garant.carriers.base import (
    MAX_DEPTH,
    MAX_PAYLOAD_BYTES,
    load_json,
    load_xml,
    opt_str,
    xml_child,
    xml_children,
    xml_text,
)
from garant.domain.tracking import TrackingParseError


def _nested_objects(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("payload", ["[" * MAX_DEPTH + "]" * MAX_DEPTH, _nested_objects(64)])
def test_trk2_json_nested_up_to_the_limit_is_read(payload):
    assert load_json(payload) is not None


@pytest.mark.parametrize(
    "payload",
    [
        "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
        _nested_objects(MAX_DEPTH + 1),
        '[{"a":' * 33 + "1" + "}]" * 33,  # 66 levels, lists and objects in turn
        '["]]]]]]]]", ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "]",  # closers hidden in a string
        '["\\\\", ' + _nested_objects(MAX_DEPTH) + "]",  # an escaped backslash ends no string
    ],
    ids=["lists", "objects", "mixed", "closers_in_a_string", "escaped_backslash"],
)
def test_trk2_json_nested_past_the_limit_is_refused(payload):
    with pytest.raises(TrackingParseError, match=f"nested deeper than {MAX_DEPTH} levels"):
        load_json(payload)


def test_trk2_json_brackets_inside_strings_are_not_nesting():
    text = '"[[[[{{{{\\"[[[["'
    payload = "[" + ", ".join([text] * 40) + ", " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    document = load_json(payload + "]")
    assert document[0] == '[[[[{{{{"[[[['


def test_trk2_json_reader_takes_bytes_with_a_bom_and_text_alike():
    assert load_json(b'\xef\xbb\xbf{"a": "\xc3\xa9"}') == {"a": "é"}
    assert load_json('{"a": "é"}') == {"a": "é"}


@pytest.mark.parametrize(
    "payload", ['{"a": NaN}', '{"a": Infinity}', "[1e400]", '{"a": "\ud800"}', b"\xff{}", ""]
)
def test_trk2_json_outside_the_standard_is_refused(payload):
    with pytest.raises(TrackingParseError):
        load_json(payload)


def test_trk2_text_over_the_size_limit_is_refused_before_encoding():
    with pytest.raises(TrackingParseError, match="exceeds"):
        load_json('"' + "é" * (MAX_PAYLOAD_BYTES // 2 + 1) + '"')


@pytest.mark.parametrize(
    "payload",
    [
        b'<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>',
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>'.encode(
            "utf-16"
        ),
        b'<?xml version="1.0" encoding="cp500"?>'
        + '<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>'.encode("cp500"),
    ],
    ids=["utf8", "utf16", "ebcdic"],
)
def test_trk2_xml_with_a_dtd_is_refused_in_any_encoding(payload):
    with pytest.raises(TrackingParseError):
        load_xml(payload)


def test_trk2_xml_in_latin1_and_utf16_is_read_as_declared():
    latin = '<?xml version="1.0" encoding="ISO-8859-1"?><r>é</r>'.encode("latin-1")
    assert load_xml(latin).text == "é"
    assert load_xml("<r>é</r>".encode("utf-16")).text == "é"
    assert load_xml('<?xml version="1.0" encoding="ISO-8859-1"?><r>é</r>').text == "é"


def test_trk2_xml_nested_past_the_limit_is_refused_up_to_it_read():
    assert load_xml("<a>" * MAX_DEPTH + "</a>" * MAX_DEPTH).tag == "a"
    deeper = "<a>" * (MAX_DEPTH + 1) + "</a>" * (MAX_DEPTH + 1)
    with pytest.raises(TrackingParseError, match=f"nested deeper than {MAX_DEPTH} levels"):
        load_xml(deeper)
    with pytest.raises(TrackingParseError, match=f"nested deeper than {MAX_DEPTH} levels"):
        load_xml(deeper.encode("utf-16"))


SOAP = """<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<n:answer xmlns:n="urn:n"><return><code> A  1 </code><n:code>ignored</n:code></return>
<d:item xmlns:d="urn:d">1</d:item><item>2</item><d:item xmlns:d="urn:d">3</d:item></n:answer>
</s:Body></s:Envelope>"""


def test_trk2_xml_children_are_found_by_local_name_in_any_namespace():
    root = load_xml(SOAP)
    answer = xml_child(xml_child(root, "Body"), "answer")
    assert answer is not None and answer.tag == "{urn:n}answer"
    assert xml_text(answer, "return", "code") == "A 1"  # the unqualified one, spaces collapsed
    assert [item.text for item in xml_children(answer, "item")] == ["1", "2", "3"]
    assert xml_text(answer, "return", "missing") is None
    assert xml_child(None, "Body") is None


def test_trk2_a_number_too_large_for_64_bits_is_refused_not_rounded():
    document = load_json('{"code": 123456789012345678901234567890, "small": 42}')
    assert opt_str(document, "small") == "42"
    with pytest.raises(TrackingParseError, match="too large to read exactly"):
        opt_str(document, "code")
