"""TRK-4: the shared tracking-number vectors (jkeen/tracking_number_data, MIT) against detect().

CI only: the vectors are read from ../shared/tracking-number-vectors beside the checkout, never
copied into the project, and the test skips when they are absent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from garant.carriers.numbers import detect

pytestmark = pytest.mark.ci_only

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "tracking-number-vectors"

# Vector format (its "id", or its "name" when it has none) → our carrier and format names.
# S10's carrier depends on the issuing country, checked through Candidate.country instead.
EXPECTED: dict[str, tuple[str | None, set[str]]] = {
    "s10": (None, {"s10"}),
    "ups": ("ups", {"ups_1z"}),
    "UPS Waybill": ("ups", {"ups_waybill"}),
    "fedex_12": ("fedex", {"fedex_12"}),
    "fedex_34": ("fedex", {"fedex_34"}),
    "fedex_astra_32": ("fedex", {"fedex_astra_32"}),
    "fedex_ground": ("fedex", {"fedex_15"}),
    "fedex_ground_sscc_18": ("fedex", {"fedex_sscc_18"}),
    "fedex_ground_96": ("fedex", {"fedex_22"}),
    "fedex_ground_gsn": ("fedex", {"fedex_gsn_34"}),
    "dhl_express": ("dhl_express", {"dhl_express_10", "dhl_express_11"}),
    "dhl_express_piece_id": ("dhl_express", {"dhl_piece_id"}),
    "dhl_ecommerce": ("dhl_ecommerce", {"dhl_ecommerce"}),
    "dhl_ecommerce_14": ("dhl_ecommerce", {"dhl_ecommerce_14"}),
    "usps_20": ("usps", {"usps_20"}),
    "usps_impb_n": ("usps", {"usps_impb_n"}),
    "usps_legacy": ("usps", {"usps_legacy"}),
    "usps_impb_c": ("usps", {"usps_impb_c"}),
    "yunexpress": ("yunexpress", {"yunexpress"}),
}


def _vectors() -> Iterator[Any]:
    if not VECTORS.is_dir():
        yield pytest.param(None, None, None, id="absent")
        return
    for path in sorted(VECTORS.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for spec in data["tracking_numbers"]:
            key = spec.get("id") or spec["name"]
            for kind in ("valid", "invalid"):
                for number in spec["test_numbers"][kind]:
                    case_id = f"{path.stem}-{key}-{kind}-{number.replace(' ', '')}"
                    yield pytest.param(key, kind == "valid", number, id=case_id)


@pytest.mark.parametrize(("key", "expect_valid", "number"), list(_vectors()))
def test_trk4_shared_vectors(key: str | None, expect_valid: bool | None, number: str) -> None:
    if key is None:
        pytest.skip("../shared/tracking-number-vectors absent")
    assert key in EXPECTED, f"vector format {key!r} has no mapping in this test"
    detection = detect(number)
    if not expect_valid:
        assert not detection.valid, detection
        return

    assert detection.valid, detection
    carrier, formats = EXPECTED[key]
    fitting = [
        c
        for c in detection.candidates
        if c.format in formats
        and c.check_digit_ok is not False
        and (c.carrier == carrier if carrier else c.country == detection.number[-2:])
    ]
    assert fitting, detection
