"""A tracking number given by a seller: recognised, normalised, with typo warnings (TRK-4).

CAN-5 needs "a valid tracking number": a number of no known format is refused; a failed check
digit is only a warning, because real numbers sometimes fail it.
"""

from __future__ import annotations

from garant.carriers.numbers import detect
from garant.domain.errors import InvalidInput


def check_tracking_number(raw: str, carrier: str | None) -> tuple[str, str | None, list[str]]:
    detection = detect(raw)
    if not detection.candidates:
        raise InvalidInput(
            f"'{raw}' is not a tracking number of any known carrier format; check it and "
            "give the number printed on the label",
            warnings=detection.warnings,
        )
    best = detection.candidates[0].carrier
    chosen = carrier or best
    return detection.number, chosen, list(detection.warnings)
