"""Tracking-number validation and carrier recognition (TRK-4).

``detect`` reads a number as typed by a buyer or a seller and lists the carriers and formats
it fits, best first. A failed check digit is reported as a probable typo, never as a refusal:
real numbers sometimes fail it, and the "not found" page (TRK-4) needs to say which character
is likely wrong rather than reject the number outright.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace

from garant.carriers.checksums import (
    fedex_check_digit,
    gs1_check_digit,
    mod7_check_digit,
    s10_check_digit,
    ups_check_digit,
)

__all__ = ["Candidate", "Detection", "detect", "s10_check_digit"]


@dataclass(frozen=True)
class Candidate:
    """One reading of a number: a carrier slug and a format name such as "s10" or "ups_1z"."""

    carrier: str
    format: str
    confidence: float
    # None: the format has no check digit. False also when the number only fits this format
    # once a look-alike character (O for 0…) is fixed.
    check_digit_ok: bool | None
    service: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class Detection:
    """``valid`` when a candidate fits its format and passes its check digit (or has none);
    ``warnings`` are English sentences for the buyer, ``candidates`` are ranked best first."""

    number: str  # normalised: no spaces or dashes, upper case
    valid: bool
    warnings: list[str]
    candidates: list[Candidate]

    def to_json(self) -> dict[str, object]:
        return {
            "number": self.number,
            "valid": self.valid,
            "warnings": list(self.warnings),
            "candidates": [asdict(c) for c in self.candidates],
        }


# ISO 3166-1 alpha-2 codes, plus XK (Kosovo): an S10 number ends with its issuer's code.
_ISO_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS XK YE YT ZA ZM ZW
"""
_COUNTRIES = frozenset(_ISO_CODES.split())

# Posts Garant has (or expects) an adapter for; any other issuer is "post_<country>".
# fmt: off
_POSTS = {
    "AT": "austrian_post", "AU": "australia_post", "BE": "bpost", "BR": "correios_brazil",
    "CA": "canada_post", "CH": "swiss_post", "CN": "china_post", "CZ": "ceska_posta",
    "DE": "deutsche_post", "DK": "postnord", "ES": "correos", "FI": "posti", "FR": "la_poste",
    "GB": "royal_mail", "HK": "hongkong_post", "IE": "an_post", "IT": "poste_italiane",
    "JP": "japan_post", "KR": "korea_post", "NL": "postnl", "NO": "posten_norge",
    "PL": "poczta_polska", "PT": "ctt", "RU": "russian_post", "SE": "postnord",
    "SG": "singpost", "TW": "chunghwa_post", "UA": "ukrposhta", "US": "usps",
}
# fmt: on

# UPU S10 service indicators: the first letter names the service, the second the variant.
_S10_SERVICES = (
    (re.compile(r"E."), "EMS"),
    (re.compile(r"L."), "letter post express"),
    (re.compile(r"M."), "M-bag"),
    (re.compile(r"Q[A-M]"), "international business reply"),
    (re.compile(r"R."), "registered"),
    (re.compile(r"U."), "letter post"),
    (re.compile(r"V."), "insured"),
    (re.compile(r"C."), "parcel"),
    (re.compile(r"H."), "e-commerce parcel"),
    (re.compile(r"[BDNPZ].|A[V-Z]|G[AD]"), "domestic"),
)

_S10 = re.compile(r"(?P<service>[A-Z]{2})(?P<serial>\d{8})(?P<check>\d)(?P<country>[A-Z]{2})")

# IMpb numbers may be scanned with the "420" + ZIP (or ZIP+4) routing prefix in front.
_USPS_ROUTING = re.compile(r"420(?:\d{5}|\d{9})")


@dataclass(frozen=True)
class _Format:
    name: str
    carrier: str
    label: str  # how warnings name the format
    pattern: re.Pattern[str]
    confidence: float
    # Expected check digit from the "serial" group, compared with the "check" group.
    check: Callable[[str], int] | None = None
    routed: bool = False  # accepts the USPS routing prefix


def _fmt(
    name: str,
    carrier: str,
    label: str,
    pattern: str,
    confidence: float,
    check: Callable[[str], int] | None = None,
    routed: bool = False,
) -> _Format:
    return _Format(name, carrier, label, re.compile(pattern), confidence, check, routed)


def _usps_91(serial: str) -> int:
    # Legacy numbers printed without their "91" application identifier still include it in
    # the check-digit computation.
    return gs1_check_digit("91" + serial[-19:])


# fmt: off
_FORMATS = (
    _fmt("ups_1z", "ups", "UPS", r"1Z(?P<serial>[A-Z0-9]{15})(?P<check>\d)", 0.98,
         ups_check_digit),
    _fmt("ups_waybill", "ups", "UPS waybill", r"[AHJKTV](?P<serial>\d{9})(?P<check>\d)", 0.7,
         ups_check_digit),
    _fmt("yunexpress", "yunexpress", "YunExpress", r"YT\d{16}", 0.95),
    _fmt("cainiao_lp", "cainiao", "Cainiao", r"LP\d{12,16}", 0.9),
    # Cainiao last-mile numbers: CN + destination country + digits (+ a two-letter suffix).
    _fmt("cainiao_cn", "cainiao", "Cainiao", r"CN[A-Z]{2}\d{10,16}(?:[A-Z]{2})?", 0.7),
    _fmt("4px", "4px", "4PX", r"4PX\d{10,16}CN", 0.8),
    # Colissimo domestic: a product code (digit + letter) and 11 digits, e.g. 6A, 8R, 7Q.
    _fmt("colissimo_13", "colissimo", "Colissimo", r"\d[A-Z]\d{11}", 0.75),
    _fmt("dhl_express_10", "dhl_express", "DHL Express", r"(?P<serial>\d{9})(?P<check>\d)",
         0.7, mod7_check_digit),
    _fmt("dhl_express_11", "dhl_express", "DHL Express", r"(?P<serial>\d{10})(?P<check>\d)",
         0.6, mod7_check_digit),
    _fmt("dhl_piece_id", "dhl_express", "DHL Express piece ID", r"J[A-Z]{2,3}\d{9,10}", 0.8),
    # The negative look-ahead leaves S10-shaped numbers (LX…, RX…, UV…) to S10: a format
    # without a check digit would otherwise hide every S10 typo.
    _fmt("dhl_ecommerce", "dhl_ecommerce", "DHL eCommerce",
         r"(?![A-Z]{2}\d{9}[A-Z]{2}$)(?:GM|LX|RX|UV|CN|SG|TH|IN|HK|MY)(?=[A-Z]*\d)[A-Z0-9]{10,39}",
         0.5),
    _fmt("dhl_ecommerce_14", "dhl_ecommerce", "DHL eCommerce", r"\d{14}", 0.3),
    _fmt("fedex_12", "fedex", "FedEx Express", r"(?P<serial>\d{11})(?P<check>\d)", 0.75,
         fedex_check_digit),
    _fmt("fedex_15", "fedex", "FedEx Ground", r"(?P<serial>\d{14})(?P<check>\d)", 0.75,
         gs1_check_digit),
    _fmt("fedex_sscc_18", "fedex", "FedEx Ground SSCC-18", r"(?P<serial>\d{17})(?P<check>\d)",
         0.6, gs1_check_digit),
    _fmt("fedex_22", "fedex", "FedEx Ground 96", r"96\d{5}(?P<serial>\d{14})(?P<check>\d)",
         0.8, gs1_check_digit),
    _fmt("fedex_astra_32", "fedex", "FedEx ASTRA barcode",
         r"3\d{15}(?P<serial>\d{11})(?P<check>\d)\d{4}", 0.7, fedex_check_digit),
    _fmt("fedex_34", "fedex", "FedEx Express barcode",
         r"[0-8]\d{19}(?P<serial>\d{13})(?P<check>\d)", 0.6, fedex_check_digit),
    _fmt("fedex_gsn_34", "fedex", "FedEx Ground GSN barcode",
         r"96\d{18}(?P<serial>\d{13})(?P<check>\d)", 0.8, fedex_check_digit),
    _fmt("usps_20", "usps", "USPS", r"(?P<serial>\d{19})(?P<check>\d)", 0.7, gs1_check_digit),
    _fmt("usps_legacy", "usps", "USPS (91)", r"(?P<serial>(?:91)?\d{19})(?P<check>\d)", 0.7,
         _usps_91, routed=True),
    # IMpb: application identifier, 3-digit service code, mailer ID (9 digits when it starts
    # with 9, else 6), package ID; 22, 26 or 30 digits in all.
    _fmt("usps_impb_n", "usps", "USPS IMpb",
         r"(?P<serial>94\d{3}(?:9\d{15}(?:\d{4}){0,2}|[0-8]\d{15}(?:\d{4})?))(?P<check>\d)",
         0.9, gs1_check_digit, routed=True),
    _fmt("usps_impb_c", "usps", "USPS IMpb",
         r"(?P<serial>(?:92\d{3}9|93\d{3}[0-8]|95\d{4})\d{15}(?:\d{4})?)(?P<check>\d)",
         0.9, gs1_check_digit, routed=True),
)
# fmt: on

_LOOKALIKES = {"O": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8"}
_LOOKALIKES |= {digit: letter for letter, digit in _LOOKALIKES.items() if letter != "L"}
_MAX_LENGTH = 64
_KNOWN = "UPU S10, UPS, FedEx, DHL, USPS, Cainiao, YunExpress, 4PX or Colissimo"


@dataclass(frozen=True)
class _Hit:
    candidate: Candidate
    label: str
    check_at: int | None = None  # index of the check digit in the number
    expected: int | None = None

    @property
    def passes(self) -> bool:
        return self.candidate.check_digit_ok is not False


def _checked(
    candidate: Candidate, label: str, match: re.Match[str], check: Callable[[str], int]
) -> _Hit:
    expected = check(match.group("serial"))
    ok = int(match.group("check")) == expected
    if not ok:  # a failed check digit still lists the candidate, lower
        candidate = replace(candidate, confidence=round(candidate.confidence * 0.4, 2))
    return _Hit(replace(candidate, check_digit_ok=ok), label, match.start("check"), expected)


def _s10_service(prefix: str, country: str) -> str | None:
    if country == "CN" and prefix.startswith("L"):
        return "ePacket"
    return next((name for pattern, name in _S10_SERVICES if pattern.fullmatch(prefix)), None)


def _s10_hits(number: str) -> list[_Hit]:
    match = _S10.fullmatch(number)
    if match is None or match["country"] not in _COUNTRIES:
        return []
    country, prefix = match["country"], match["service"]
    service = _s10_service(prefix, country)
    carriers = [_POSTS.get(country, f"post_{country.lower()}")]
    # The same S10 number is tracked by the brand that sells the service: China Post's EMS,
    # La Poste's Colissimo parcels.
    if country == "CN" and prefix.startswith("E"):
        carriers.insert(0, "ems")
    elif country == "FR" and prefix[0] in "CH":
        carriers.insert(0, "colissimo")
    best = 0.95 if service else 0.7
    return [
        _checked(
            Candidate(carrier, "s10", round(best - 0.1 * rank, 2), None, service, country),
            "UPU S10",
            match,
            s10_check_digit,
        )
        for rank, carrier in enumerate(carriers)
    ]


def _routings(number: str) -> Iterator[int]:
    """Offsets where a USPS body may start: 0, or after a 420 + ZIP or ZIP+4 prefix."""
    yield 0
    for length in (8, 12):
        if _USPS_ROUTING.fullmatch(number[:length]):
            yield length


def _read_format(fmt: _Format, number: str) -> _Hit | None:
    # With a routing prefix, several readings may fit: the first one passing its check wins.
    first = None
    for offset in _routings(number) if fmt.routed else (0,):
        match = fmt.pattern.fullmatch(number, offset)
        if match is None:
            continue
        candidate = Candidate(fmt.carrier, fmt.name, fmt.confidence, None)
        if fmt.check is None:
            return _Hit(candidate, fmt.label)
        hit = _checked(candidate, fmt.label, match, fmt.check)
        if hit.passes:
            return hit
        first = first or hit
    return first


def _read(number: str) -> list[_Hit]:
    hits = _s10_hits(number)
    for fmt in _FORMATS:
        hit = _read_format(fmt, number)
        if hit is not None:
            hits.append(hit)
    return hits


def _check_warning(number: str, hit: _Hit) -> str:
    assert hit.check_at is not None
    where = "" if hit.check_at == len(number) - 1 else f" (character {hit.check_at + 1})"
    return (
        f"probable typo: check digit{where} should be {hit.expected}, "
        f"not {number[hit.check_at]} ({hit.label})"
    )


def _transpositions(number: str, hit: _Hit) -> list[str]:
    """Adjacent digits typed the wrong way round that, swapped back, satisfy the check."""
    hints = []
    for i in range(len(number) - 1):
        a, b = number[i], number[i + 1]
        if a == b or not (a.isdigit() and b.isdigit()):
            continue
        swapped = number[:i] + b + a + number[i + 2 :]
        if any(h.passes and h.candidate.format == hit.candidate.format for h in _read(swapped)):
            hints.append(
                f"probable typo: digits {a} and {b} (characters {i + 1}-{i + 2}) may be "
                f"swapped; {swapped} passes the {hit.label} check digit"
            )
    return hints[:3]


def _lookalike_fixes(number: str) -> tuple[list[str], list[Candidate]]:
    """Single characters that, read as their look-alike (O for 0, I for 1…), give a number
    that fits a format and passes its check digit."""
    warnings: list[str] = []
    found: dict[tuple[str, str], Candidate] = {}
    for i, char in enumerate(number):
        other = _LOOKALIKES.get(char)
        if other is None:
            continue
        fixed = number[:i] + other + number[i + 1 :]
        hits = [h for h in _read(fixed) if h.passes]
        if not hits:
            continue
        kind, other_kind = ("letter", "digit") if char.isalpha() else ("digit", "letter")
        warnings.append(
            f"probable typo: the {kind} {char} at character {i + 1} is probably the "
            f"{other_kind} {other}; {fixed} would be a valid {hits[0].label} number"
        )
        for hit in hits:
            c = replace(hit.candidate, confidence=round(hit.candidate.confidence * 0.3, 2))
            found.setdefault((c.carrier, c.format), replace(c, check_digit_ok=False))
    return warnings[:3], list(found.values())


def _normalise(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw if isinstance(raw, str) else "")
    return re.sub(r"[\s\-\u2010-\u2015]+", "", text)


def _unknown(number: str, why: str) -> Detection:
    return Detection(number, False, [f"not a known tracking number format: {why}"], [])


def detect(raw: str) -> Detection:
    """Recognise a tracking number's carriers and formats, best first; never raises."""
    number = _normalise(raw)
    if not number:
        return _unknown(number, "the number is empty")
    if len(number) > _MAX_LENGTH:
        return _unknown(number[:_MAX_LENGTH], f"longer than {_MAX_LENGTH} characters")
    if not re.fullmatch(r"[A-Za-z0-9]+", number):  # before upper(): "ß" would become "SS"
        return _unknown(number, "only letters and digits are expected")
    number = number.upper()

    hits = sorted(_read(number), key=lambda h: -h.candidate.confidence)
    passing = [h.candidate for h in hits if h.passes]
    if passing:
        # Another shape that fits with a failing check digit is a coincidence, not a typo.
        return Detection(number, True, [], passing)

    warnings = [_check_warning(number, hit) for hit in hits]
    fixes, fixed = _lookalike_fixes(number)
    warnings += fixes
    for hit in hits:
        warnings += [w for w in _transpositions(number, hit) if w not in warnings]
    candidates = [h.candidate for h in hits]
    listed = {(c.carrier, c.format) for c in candidates}
    candidates += [c for c in fixed if (c.carrier, c.format) not in listed]
    if not candidates:
        s10 = _S10.fullmatch(number)
        if s10 is None:
            return _unknown(number, f"{number} matches none of {_KNOWN}")
        warnings.append(
            f"probable typo: {number} has the UPU S10 shape but {s10['country']} is not a "
            "country code; S10 numbers end with the issuing country's ISO code"
        )
    candidates.sort(key=lambda c: -c.confidence)
    return Detection(number, False, list(dict.fromkeys(warnings)), candidates)
