"""What every carrier adapter shares (TRK-2): the protocol, the registry and safe readers.

Contract of ``CarrierAdapter.parse``:

* returns the shipment's events normalised to ``garant.domain.tracking``, oldest first;
* an empty list means the carrier knows the number but has published no event yet;
* raises ``TrackingNotFound`` when the carrier says it does not know the number (TRK-4 needs
  to tell that apart from "no event yet"), ``CarrierError`` when the carrier answers with an
  error of its own (outage, bad request), and plain ``TrackingParseError`` for anything that is
  not a well-formed payload of that carrier. Both subclasses are ``TrackingParseError``, so a
  caller that only records failures catches one type, and no other exception ever escapes.

Times: an instant keeps the UTC offset the carrier gave. A carrier that gives a local time
without an offset has it placed in the zone of the event's place (``zone_for``); when no zone
can be found the payload is refused rather than read as UTC.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone, tzinfo
from functools import cache, lru_cache
from operator import attrgetter
from typing import Any, Protocol, TypeVar
from xml.etree.ElementTree import Element, ParseError
from xml.etree.ElementTree import fromstring as _xml_fromstring
from zoneinfo import ZoneInfo

import orjson
from babel import Locale
from babel.core import get_global
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _defused_fromstring

from garant.domain.tracking import Location, TrackingEvent, TrackingParseError

MAX_PAYLOAD_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64  # real carrier payloads nest about 10 levels


class TrackingNotFound(TrackingParseError):
    """The carrier does not know this number (or says its format is wrong)."""

    def __init__(
        self,
        carrier: str,
        message: str,
        *,
        tracking_number: str | None = None,
        code: str | None = None,
        invalid_number: bool = False,
    ) -> None:
        super().__init__(f"{carrier}: {message}")
        self.carrier = carrier
        self.carrier_message = message
        self.tracking_number = tracking_number
        self.code = code
        # TRK-4: a format error points at a typing mistake rather than a late update.
        self.invalid_number = invalid_number


class CarrierError(TrackingParseError):
    """The carrier answered with an error that says nothing about the parcel."""

    def __init__(self, carrier: str, message: str, *, code: str | None = None) -> None:
        super().__init__(f"{carrier}: {message}")
        self.carrier = carrier
        self.carrier_message = message
        self.code = code


class CarrierAdapter(Protocol):
    slug: str
    name: str

    def parse(self, payload: bytes | str) -> list[TrackingEvent]: ...


ADAPTERS: dict[str, CarrierAdapter] = {}

A = TypeVar("A", bound=CarrierAdapter)
R = TypeVar("R")


def register(adapter: A) -> A:
    if adapter.slug in ADAPTERS:
        raise ValueError(f"carrier adapter {adapter.slug!r} registered twice")
    ADAPTERS[adapter.slug] = adapter
    return adapter


def get_adapter(slug: str) -> CarrierAdapter:
    try:
        return ADAPTERS[slug]
    except KeyError:
        known = ", ".join(sorted(ADAPTERS))
        raise LookupError(f"no carrier adapter {slug!r} (known: {known})") from None


def guarded(carrier: str, read: Callable[[bytes | str], R], payload: object) -> R:
    """Run an adapter's reader so that hostile input can only end in TrackingParseError."""
    if not isinstance(payload, bytes | str):
        raise TrackingParseError(f"{carrier}: payload must be bytes or str, not {type(payload)}")
    try:
        return read(payload)
    except TrackingParseError:
        raise
    except (
        KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError, RecursionError,
    ) as exc:  # fmt: skip
        raise TrackingParseError(f"{carrier}: unreadable payload ({exc!r})") from exc


# --- payload readers ---------------------------------------------------------------------


def _checked_size(payload: bytes | str) -> bytes:
    """The payload as bytes (a str encoded once, as UTF-8), refused above the size limit."""
    if isinstance(payload, str):
        if len(payload) > MAX_PAYLOAD_BYTES:  # a str never has more characters than bytes
            raise TrackingParseError(f"payload of {len(payload)} characters exceeds "
                                     f"{MAX_PAYLOAD_BYTES} bytes")  # fmt: skip
        try:
            payload = payload.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate: no document can hold it
            raise TrackingParseError(f"payload is not valid text: {exc}") from None
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise TrackingParseError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD_BYTES}")
    return payload


_UTF8_BOM = b"\xef\xbb\xbf"


def load_json(payload: bytes | str) -> Any:
    """Decode with orjson (strict RFC 8259: NaN and Infinity are refused, text must be UTF-8),
    then bound the depth with a scan of the bytes, not a walk of the decoded tree."""
    data = _checked_size(payload)
    if data.startswith(_UTF8_BOM):
        data = data[3:]
    try:
        document = orjson.loads(data)  # refuses, by itself, documents nested over 1024 levels
    except orjson.JSONDecodeError as exc:
        raise TrackingParseError(f"not a JSON document: {exc}") from None
    _check_json_depth(data)
    return document


# The depth of a document orjson accepted, from its bytes: escaped backslashes and quotes
# go, then everything but quotes and brackets, then the insides of strings; what is left is
# the brackets in order, balanced, and each pass of ``replace`` takes one level off.
_JSON_KEEP = bytes(range(256)).translate(None, b'"[]{}')
_JSON_SQUARE = bytes.maketrans(b"{}", b"[]")


def _check_json_depth(data: bytes) -> None:
    skeleton = data.translate(None, _JSON_KEEP)
    if len(skeleton) - skeleton.count(b'"') <= 2 * MAX_DEPTH:
        return  # so few brackets, even counting those in strings, that they cannot nest deeper
    if b"\\" in data:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
        skeleton = data.translate(None, _JSON_KEEP)
    brackets = skeleton.replace(b'""', b"")  # each string without brackets inside is a ""
    if b'"' in brackets:  # some string holds brackets: keep what lies between strings
        brackets = b"".join(skeleton.split(b'"')[::2])
    if len(brackets) <= 2 * MAX_DEPTH:
        return
    brackets = brackets.translate(_JSON_SQUARE)
    for _ in range(MAX_DEPTH):
        brackets = brackets.replace(b"[]", b"")
        if not brackets:
            return
    raise TrackingParseError(f"document nested deeper than {MAX_DEPTH} levels")


# Encodings in which "<!DOCTYPE" is spelt with the same bytes as in ASCII: for those the
# bytes tell whether a DTD is there, and Python's C parser reads the document directly.
_ASCII_LIKE = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1"}
_DECLARED = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)""")


def load_xml(payload: bytes | str) -> Element:
    """Parse XML with no DTD at all: carriers never need one, and entities are the attack."""
    data = _checked_size(payload)
    if isinstance(payload, bytes):  # a str is read as the text it is, whatever it declares
        declared = _DECLARED.match(data, 3 if data.startswith(_UTF8_BOM) else 0)
        if b"\x00" in data or (declared and declared[1].lower().decode() not in _ASCII_LIKE):
            return _load_xml_defused(payload)  # UTF-16/32, EBCDIC…: defusedxml reads those
    if b"<!DOCTYPE" in data:
        raise TrackingParseError("not an acceptable XML document: DTDs are forbidden")
    try:
        root = _xml_fromstring(payload)  # no DTD, so no entity but the five predefined ones
    except (ParseError, ValueError) as exc:
        raise TrackingParseError(f"not an acceptable XML document: {exc}") from None
    _check_xml_depth(root)
    return root


def _load_xml_defused(data: bytes) -> Element:
    try:
        root = _defused_fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, ParseError, ValueError) as exc:
        raise TrackingParseError(f"not an acceptable XML document: {exc}") from None
    _check_xml_depth(root)
    return root


def _check_xml_depth(root: Element) -> None:
    """One level at a time, each a list built in one comprehension over the C elements: on
    the carriers' documents a quarter of the cost of a scan of the bytes (comments, CDATA and
    empty tags make that scan long), and it stops at the first level past the limit."""
    level = [root]
    for _ in range(MAX_DEPTH):
        level = [child for parent in level for child in parent]
        if not level:
            return
    raise TrackingParseError(f"document nested deeper than {MAX_DEPTH} levels")


def local_name(element: Element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def xml_child(element: Element | None, name: str) -> Element | None:
    """The first child of that local name, in whatever namespace. The C lookup of the plain
    name first (carriers qualify the envelope, rarely the fields), then any namespace."""
    if element is None:
        return None
    found = element.find(name)
    return element.find("{*}" + name) if found is None else found


def xml_children(element: Element, name: str) -> list[Element]:
    """Every child of that local name, in whatever namespace (or none)."""
    return element.findall("{*}" + name)


def xml_text(element: Element | None, *path: str) -> str | None:
    """Text at a path of local names, whitespace collapsed; None when absent or blank."""
    node = element
    for name in path:  # xml_child, inlined: this runs for every field of every event
        if node is None:
            return None
        found = node.find(name)
        node = node.find("{*}" + name) if found is None else found
    if node is None or node.text is None:
        return None
    return " ".join(node.text.split()) or None


# --- typed access to JSON ------------------------------------------------------------------


def as_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TrackingParseError(f"{what} must be an object, got {type(value).__name__}")
    return value


def as_list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TrackingParseError(f"{what} must be a list, got {type(value).__name__}")
    return value


def opt_dict(obj: dict[str, Any], key: str) -> dict[str, Any]:
    value = obj.get(key)
    return {} if value is None else as_dict(value, key)


def opt_str(obj: dict[str, Any], key: str) -> str | None:
    """A text field; numbers are accepted (carriers send codes both ways), blanks are None."""
    value = obj.get(key)
    if type(value) is str:  # the usual case, first
        return " ".join(value.split()) or None
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) >= 2**53:
        # orjson reads an integer past 64 bits as a float: its digits are gone, refuse it
        raise TrackingParseError(f"{key}: number {value:g} too large to read exactly")
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        raise TrackingParseError(f"{key} must be text, got {type(value).__name__}")
    return " ".join(value.split()) or None


def req_str(obj: dict[str, Any], key: str) -> str:
    value = opt_str(obj, key)
    if value is None:
        raise TrackingParseError(f"missing {key}")
    return value


# --- time ------------------------------------------------------------------------------------


_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d{2})?")


@lru_cache(maxsize=1024)
def parse_offset(text: str) -> timezone:
    match = _OFFSET.fullmatch(text.strip())
    if not match:
        raise TrackingParseError(f"unreadable UTC offset {text!r}")
    sign = -1 if match.group(1) == "-" else 1
    delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
    if delta > timedelta(hours=14):
        raise TrackingParseError(f"impossible UTC offset {text!r}")
    return timezone(sign * delta)


def in_zone(naive: datetime, zone: tzinfo) -> datetime:
    """A wall-clock time of a place, as a fixed offset (the zone's rule on that date)."""
    if type(zone) is timezone:  # already a fixed offset
        return naive.replace(tzinfo=zone)
    offset = naive.replace(tzinfo=zone).utcoffset()
    if offset is None:
        raise TrackingParseError(f"zone {zone} gives no offset for {naive}")
    return naive.replace(tzinfo=timezone(offset))


def parse_timestamp(text: str, zone: tzinfo | None = None) -> datetime:
    """ISO 8601 date-time; one without an offset is a wall-clock time in ``zone``."""
    if len(text) > 40:
        raise TrackingParseError(f"unreadable timestamp {text[:40]!r}…")
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TrackingParseError(f"unreadable timestamp {text!r}") from None
    if moment.tzinfo is not None:
        return moment
    if zone is None:
        raise TrackingParseError(f"local time {text!r} without an offset or a known place")
    return in_zone(moment, zone)


# --- places ----------------------------------------------------------------------------------


_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")


def _fold(text: str) -> str:
    plain = (
        text
        if text.isascii()
        else unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    )
    return " ".join(_NOT_ALNUM.sub(" ", plain).upper().split())


_COUNTRY_ALIASES = {
    "USA": "US", "UNITED STATES OF AMERICA": "US", "U S A": "US", "UK": "GB",
    "GREAT BRITAIN": "GB", "ENGLAND": "GB", "HONG KONG": "HK", "MACAU": "MO", "MACAO": "MO",
    "KOREA": "KR", "REPUBLIC OF KOREA": "KR", "KOREA REPUBLIC OF": "KR", "TURKEY": "TR",
    "CZECH REPUBLIC": "CZ", "RUSSIAN FEDERATION": "RU", "CHINA MAINLAND": "CN",
}  # fmt: skip


@cache
def _countries() -> frozenset[str]:
    # "ZZ" (unknown region) carries only Etc/ zones and is no country.
    return frozenset(
        code
        for code, zones in get_global("territory_zones").items()
        if len(code) == 2 and code.isalpha() and not all(z.startswith("Etc/") for z in zones)
    )


@cache
def _country_index() -> dict[str, str]:
    zones = _countries()
    index: dict[str, str] = {}
    for lang in ("fr", "en"):  # English wins when both languages spell a name alike
        for code, name in Locale(lang).territories.items():
            if len(code) == 2 and code in zones:
                index[_fold(name)] = code
    for alias, targets in get_global("territory_aliases").items():
        if len(alias) == 3 and alias.isalpha() and len(targets) == 1 and targets[0] in zones:
            index.setdefault(alias, targets[0])
    index.update(_COUNTRY_ALIASES)
    return index


# Carriers name a few hundred places again and again: the lookups below are cached, and
# bounded, since the names come from outside.
@lru_cache(maxsize=4096)
def country_code(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 from a code (alpha-2 or alpha-3) or an English/French name."""
    if not value:
        return None
    folded = _fold(value)
    if len(folded) == 2 and folded in _countries():
        return folded
    return _country_index().get(folded)


def _zones_by(spec: dict[str, str]) -> dict[str, str]:
    return {region: zone for zone, regions in spec.items() for region in regions.split()}


# Regions of countries spanning several zones: the zone most of the region keeps.
_REGION_ZONES = {
    "US": _zones_by({
        "America/New_York": "CT DC DE FL GA KY MA MD ME NC NH NJ NY OH PA RI SC VA VT WV",
        "America/Chicago": "AL AR IA IL KS LA MN MO MS ND NE OK SD TN TX WI",
        "America/Denver": "CO MT NM UT WY", "America/Boise": "ID", "America/Phoenix": "AZ",
        "America/Los_Angeles": "CA NV OR WA", "America/Detroit": "MI",
        "America/Indiana/Indianapolis": "IN", "America/Anchorage": "AK",
        "Pacific/Honolulu": "HI", "America/Puerto_Rico": "PR",
    }),
    "CA": _zones_by({
        "America/Vancouver": "BC", "America/Edmonton": "AB NT", "America/Regina": "SK",
        "America/Winnipeg": "MB", "America/Toronto": "ON QC", "America/Moncton": "NB",
        "America/Halifax": "NS PE", "America/St_Johns": "NL", "America/Whitehorse": "YT",
        "America/Iqaluit": "NU",
    }),
    "AU": _zones_by({
        "Australia/Sydney": "NSW ACT", "Australia/Melbourne": "VIC",
        "Australia/Brisbane": "QLD", "Australia/Adelaide": "SA", "Australia/Perth": "WA",
        "Australia/Hobart": "TAS", "Australia/Darwin": "NT",
    }),
}  # fmt: skip

# Countries whose other zones are outlying territories: the mainland zone is the default.
_MAIN_ZONES = {
    "CN": "Asia/Shanghai", "DE": "Europe/Berlin", "ES": "Europe/Madrid", "PT": "Europe/Lisbon",
    "CY": "Asia/Nicosia", "EC": "America/Guayaquil", "CL": "America/Santiago",
    "NZ": "Pacific/Auckland", "UA": "Europe/Kyiv", "UZ": "Asia/Tashkent",
    "MY": "Asia/Kuala_Lumpur", "AR": "America/Argentina/Buenos_Aires", "KZ": "Asia/Almaty",
}  # fmt: skip


@cache
def _zones_by_city(code: str) -> dict[str, str]:
    """A country's zones by the folded name of their city ("AMERICA/NEW_YORK" → "NEW YORK");
    the first zone of a name wins, as the list comes."""
    by_city: dict[str, str] = {}
    for name in get_global("territory_zones").get(code, []):
        by_city.setdefault(_fold(name.rsplit("/", 1)[-1].replace("_", " ")), name)
    return by_city


@lru_cache(maxsize=4096)
def zone_for(
    country: str | None, region: str | None = None, city: str | None = None
) -> ZoneInfo | None:
    """The IANA zone of a place, or None when the place does not determine one."""
    code = country_code(country)
    if code is None:
        return None
    zones: list[str] = get_global("territory_zones").get(code, [])
    if city and (by_city := _zones_by_city(code).get(_fold(city))):
        return ZoneInfo(by_city)
    if region and (by_region := _REGION_ZONES.get(code, {}).get(_fold(region))):
        return ZoneInfo(by_region)
    if len(zones) == 1:
        return ZoneInfo(zones[0])
    if code in _MAIN_ZONES:
        return ZoneInfo(_MAIN_ZONES[code])
    return None


def split_place(text: str | None) -> tuple[str | None, str | None, str | None]:
    """(city, region, country) from texts like "Leipzig - Germany", "KINGSTON-JAM",
    "SPRINGFIELD GARDENS,NY-USA" or "Netherlands"; unknown parts are None."""
    if not text or not text.strip():
        return None, None, None
    text = " ".join(text.split())
    if (whole := country_code(text)) is not None:
        return None, None, whole
    for separator in (" - ", "-", ", "):
        head, sep, tail = text.rpartition(separator)
        if sep and head.strip() and (code := country_code(tail)) is not None:
            city, comma, region = head.strip().rpartition(",")
            if comma and 1 < len(region.strip()) <= 3:
                return city.strip() or None, region.strip(), code
            return head.strip(), None, code
    return text, None, None


@lru_cache(maxsize=4096)  # a Location is frozen: the same place can be one object
def make_location(
    country: str | None = None,
    city: str | None = None,
    postcode: str | None = None,
    description: str | None = None,
) -> Location:
    code = country_code(country)
    if code is None and description is None:
        description = country  # a country we cannot code is still the carrier's word
    return Location(
        country=code, city=_clean(city), postcode=_clean(postcode),
        description=_clean(description),
    )  # fmt: skip


def _clean(value: str | None) -> str | None:
    return (" ".join(value.split()) or None) if value else None


# --- text and order ------------------------------------------------------------------------


@lru_cache(maxsize=8192)  # a carrier words its events from a small set of sentences
def folded(text: str | None) -> str:
    """Lower-case ASCII form of a carrier text, for keyword rules that ignore accents."""
    if not text:
        return ""
    if text.isascii():
        return " ".join(text.lower().split())
    plain = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return " ".join(plain.encode("ascii", "ignore").decode().lower().split())


def chronological(events: Iterable[TrackingEvent]) -> list[TrackingEvent]:
    """Oldest first by instant; events at the same instant keep the order given.

    Adapters hand events over in the carrier's own chronological order, so two scans in the
    same minute stay in the order the carrier recorded them.
    """
    return sorted(events, key=_INSTANT)


_INSTANT = attrgetter("occurred_at")
