"""TRK-4: tracking-number validation and carrier recognition.

Every number here is built for these tests, its check digit worked out by hand (the S10 one is
shown in full) and cross-checked with a separate implementation; none is copied from the
shared vectors.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from garant.carriers.numbers import Candidate, Detection, detect, s10_check_digit


def _carriers(detection: Detection) -> list[str]:
    return [c.carrier for c in detection.candidates]


def _only(detection: Detection, fmt: str) -> Candidate:
    matching = [c for c in detection.candidates if c.format == fmt]
    assert len(matching) >= 1, detection
    return matching[0]


# --- UPU S10 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("serial", "check"),
    [
        # 4·8 + 7·6 + 3·4 + 1·2 + 2·3 + 4·5 + 8·9 + 2·7 = 200; 200 mod 11 = 2; 11 - 2 = 9
        ("47312482", 9),
        ("12345614", 0),  # sum mod 11 = 1, so 11 - 1 = 10, written 0
        ("20240611", 0),
        ("31415905", 5),  # sum mod 11 = 0, so 11 - 0 = 11, written 5
        ("00000000", 5),
        ("10203040", 5),  # 61 mod 11 = 6; 11 - 6 = 5
        ("31415926", 8),
    ],
)
def test_trk4_s10_check_digit_known_values(serial: str, check: int) -> None:
    assert s10_check_digit(serial) == check


@pytest.mark.parametrize("serial", ["1234567", "123456789", "1234567A", ""])
def test_trk4_s10_check_digit_refuses_anything_but_eight_digits(serial: str) -> None:
    with pytest.raises(ValueError):
        s10_check_digit(serial)


@pytest.mark.parametrize(
    ("number", "carriers", "service", "country"),
    [
        ("EE473124829CN", ["ems", "china_post"], "EMS", "CN"),
        ("LK123456140CN", ["china_post"], "ePacket", "CN"),
        ("RR202406110FR", ["la_poste"], "registered", "FR"),
        ("CP314159055FR", ["colissimo", "la_poste"], "parcel", "FR"),
        ("RR473124829ES", ["correos"], "registered", "ES"),
        ("CE473124829PL", ["poczta_polska"], "parcel", "PL"),
        ("VV473124829US", ["usps"], "insured", "US"),
        ("UA473124829GB", ["royal_mail"], "letter post", "GB"),
        ("RR473124829CV", ["post_cv"], "registered", "CV"),
    ],
)
def test_trk4_s10_service_letter_and_issuing_country(
    number: str, carriers: list[str], service: str, country: str
) -> None:
    detection = detect(number)
    assert detection.valid
    assert detection.warnings == []
    assert _carriers(detection) == carriers
    for candidate in detection.candidates:
        assert (candidate.format, candidate.service, candidate.country) == ("s10", service, country)
        assert candidate.check_digit_ok is True


@given(
    serial=st.text(alphabet="0123456789", min_size=8, max_size=8),
    prefix=st.sampled_from(["EE", "RR", "LZ", "CP", "UV", "VA"]),
    country=st.sampled_from(["CN", "FR", "ES", "PL", "US", "DE", "HK"]),
)
def test_trk4_s10_only_the_computed_check_digit_passes(
    serial: str, prefix: str, country: str
) -> None:
    check = s10_check_digit(serial)
    assert detect(f"{prefix}{serial}{check}{country}").valid
    for wrong in set(range(10)) - {check}:
        detection = detect(f"{prefix}{serial}{wrong}{country}")
        assert not detection.valid
        assert f"check digit (character 11) should be {check}, not {wrong}" in detection.warnings[0]


def test_trk4_s10_wrong_check_digit_is_a_warning_with_the_candidate_kept() -> None:
    good, bad = detect("RR473124829FR"), detect("RR473124823FR")
    assert not bad.valid
    assert bad.warnings[0] == (
        "probable typo: check digit (character 11) should be 9, not 3 (UPU S10)"
    )
    [candidate] = bad.candidates
    assert (candidate.carrier, candidate.format, candidate.country) == ("la_poste", "s10", "FR")
    assert candidate.check_digit_ok is False
    assert candidate.confidence < good.candidates[0].confidence


def test_trk4_s10_transposed_digits_are_pointed_out() -> None:
    detection = detect("RR743124829FR")  # 4 and 7 typed the wrong way round
    assert not detection.valid
    assert (
        "probable typo: digits 7 and 4 (characters 3-4) may be swapped; RR473124829FR passes "
        "the UPU S10 check digit"
    ) in detection.warnings


def test_trk4_letter_o_typed_for_zero_is_pointed_out() -> None:
    detection = detect("rr2o2406110fr")
    assert not detection.valid
    assert detection.warnings == [
        "probable typo: the letter O at character 4 is probably the digit 0; RR202406110FR "
        "would be a valid UPU S10 number"
    ]
    [candidate] = detection.candidates
    assert (candidate.carrier, candidate.format, candidate.check_digit_ok) == (
        "la_poste",
        "s10",
        False,
    )


def test_trk4_lower_case_l_typed_for_one_is_pointed_out() -> None:
    detection = detect("RR473l24829ES")
    assert not detection.valid
    assert "the letter L at character 6 is probably the digit 1" in detection.warnings[0]
    assert _carriers(detection) == ["correos"]


def test_trk4_s10_unknown_country_suffix_is_not_valid() -> None:
    detection = detect("RR473124829QQ")
    assert not detection.valid
    assert detection.candidates == []
    assert "QQ is not a country code" in detection.warnings[0]


@pytest.mark.parametrize(
    "raw",
    [" ee 473 124 829 cn ", "EE-473-124-829-CN", "ee473124829cn", "ＥＥ４７３１２４８２９ＣＮ"],
)
def test_trk4_spaces_dashes_and_lower_case_are_accepted(raw: str) -> None:
    detection = detect(raw)
    assert detection.number == "EE473124829CN"
    assert detection.valid


# --- express carriers ------------------------------------------------------------------------


def test_trk4_ups_1z_check_digit() -> None:
    # 4Y7K2E031004231 with letters as (ASCII - 3) mod 10 and every second character doubled
    # sums to 65, so the check digit is 10 - 5 = 5.
    assert _only(detect("1Z4Y7K2E0310042315"), "ups_1z").check_digit_ok is True
    bad = detect("1z 4y7k2e 03 1004231 6")
    assert not bad.valid
    assert bad.warnings[0] == "probable typo: check digit should be 5, not 6 (UPS)"
    assert _only(bad, "ups_1z").check_digit_ok is False


def test_trk4_ups_letter_o_for_zero_in_the_alphanumeric_part() -> None:
    detection = detect("1Z4Y7K2EO310042315")
    assert not detection.valid
    assert any(
        "the letter O at character 9 is probably the digit 0" in w for w in detection.warnings
    )


def test_trk4_fedex_check_digits() -> None:
    # 12 digits: weights 3,1,7 on 12345678901 sum to 178; 178 mod 11 = 2
    assert _only(detect("123456789012"), "fedex_12").check_digit_ok is True
    assert detect("123456789013").warnings[0] == (
        "probable typo: check digit should be 2, not 3 (FedEx Express)"
    )
    # 15 digits (Ground): GS1 mod 10 on 12345678901234 → 3
    assert _only(detect("123456789012343"), "fedex_15").check_digit_ok is True
    assert not detect("123456789012345").valid
    # 22 digits starting 96: GS1 mod 10 on the last 14 digits before the check → 7
    assert _only(detect("9611020012345670123457"), "fedex_22").check_digit_ok is True
    assert not detect("9611020012345670123458").valid


def test_trk4_dhl_express_mod7_check_digit() -> None:
    assert _only(detect("1234567891"), "dhl_express_10").check_digit_ok is True  # 123456789 % 7
    bad = detect("1234567892")
    assert not bad.valid
    assert bad.warnings[0] == "probable typo: check digit should be 1, not 2 (DHL Express)"


def test_trk4_usps_impb_with_and_without_the_routing_prefix() -> None:
    assert _only(detect("9400111200000123456784"), "usps_impb_n").carrier == "usps"
    routed = detect("420 10001 9400 1112 0000 0123 4567 84")
    assert routed.valid
    assert _only(routed, "usps_impb_n").check_digit_ok is True
    assert not detect("9400111200000123456785").valid


def test_trk4_a_shape_failing_its_check_is_dropped_when_another_format_passes() -> None:
    # 34 digits fit both a routed USPS IMpb number (passes) and a FedEx barcode (fails).
    detection = detect("4201000112349400111200000112345679")
    assert detection.valid
    assert [(c.carrier, c.format) for c in detection.candidates] == [("usps", "usps_impb_n")]
    assert detection.warnings == []


@pytest.mark.parametrize(
    ("number", "carrier", "fmt"),
    [
        ("LP00123456789012", "cainiao", "cainiao_lp"),
        ("YT1234567890123456", "yunexpress", "yunexpress"),
        ("8R12345678901", "colissimo", "colissimo_13"),
        ("6A98765432100", "colissimo", "colissimo_13"),
        ("4PX3000123456789CN", "4px", "4px"),
        ("JJD0012345678", "dhl_express", "dhl_piece_id"),
    ],
)
def test_trk4_formats_without_check_digit(number: str, carrier: str, fmt: str) -> None:
    detection = detect(number)
    assert detection.valid
    best = detection.candidates[0]
    assert (best.carrier, best.format, best.check_digit_ok) == (carrier, fmt, None)


def test_trk4_ambiguous_number_lists_ranked_candidates() -> None:
    detection = detect("CNFR9010012345678HD")
    assert _carriers(detection) == ["cainiao", "dhl_ecommerce"]
    confidences = [c.confidence for c in detection.candidates]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0 < c <= 1 for c in confidences)


# --- garbage and output ----------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "   ", "hello world!", "ABC", "1234", "x" * 200, "ß" * 10])
def test_trk4_garbage_is_not_a_known_format(raw: str) -> None:
    detection = detect(raw)
    assert not detection.valid
    assert detection.candidates == []
    [warning] = detection.warnings
    assert warning.startswith("not a known tracking number format")


def test_trk4_none_is_handled_like_empty_input() -> None:
    assert not detect(None).valid  # type: ignore[arg-type]


@given(st.text(max_size=80))
def test_trk4_detect_never_raises(raw: str) -> None:
    detection = detect(raw)
    assert detection.valid == any(c.check_digit_ok is not False for c in detection.candidates)


def test_trk4_to_json() -> None:
    payload = detect("EE473124829CN").to_json()
    assert payload["number"] == "EE473124829CN"
    assert payload["valid"] is True
    assert payload["warnings"] == []
    assert payload["candidates"] == [
        {
            "carrier": "ems",
            "format": "s10",
            "confidence": 0.95,
            "check_digit_ok": True,
            "service": "EMS",
            "country": "CN",
        },
        {
            "carrier": "china_post",
            "format": "s10",
            "confidence": 0.85,
            "check_digit_ok": True,
            "service": "EMS",
            "country": "CN",
        },
    ]
