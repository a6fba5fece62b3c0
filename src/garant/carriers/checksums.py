"""Check-digit algorithms of tracking-number formats (TRK-4).

Each function takes the characters the check digit covers and returns the expected digit
(0-9); comparing it with the digit actually printed is the caller's job, so that a mismatch
can be reported as "should be X, not Y" instead of a bare failure.
"""

from __future__ import annotations

_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_FEDEX_WEIGHTS = (1, 3, 7)  # applied from the rightmost digit leftwards


def _require_digits(sequence: str, length: int | None = None) -> None:
    if not sequence.isascii() or not sequence.isdigit():
        raise ValueError(f"expected digits only, got {sequence!r}")
    if length is not None and len(sequence) != length:
        raise ValueError(f"expected {length} digits, got {len(sequence)}")


def s10_check_digit(serial8: str) -> int:
    """UPU S10: weights 8,6,4,2,3,5,9,7; 11 - sum mod 11, where 10 becomes 0 and 11 becomes 5.

    Raises ValueError unless given exactly eight digits.
    """
    _require_digits(serial8, 8)
    check = 11 - sum(int(d) * w for d, w in zip(serial8, _S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(check, check)


def mod7_check_digit(serial: str) -> int:
    """DHL Express waybills: the serial number taken as an integer, modulo 7."""
    _require_digits(serial)
    return int(serial) % 7


def gs1_check_digit(serial: str) -> int:
    """GS1 mod 10 (SSCC, USPS, FedEx Ground): weights 3,1,3,1… from the rightmost digit."""
    _require_digits(serial)
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(serial)))
    return -total % 10


def fedex_check_digit(serial: str) -> int:
    """FedEx Express: weights 1,3,7 from the rightmost digit, sum mod 11, then mod 10."""
    _require_digits(serial)
    total = sum(int(d) * _FEDEX_WEIGHTS[i % 3] for i, d in enumerate(reversed(serial)))
    return total % 11 % 10


def ups_check_digit(serial: str) -> int:
    """UPS: letters count as (ASCII code - 3) mod 10; every second character, from the second,
    is doubled (without adding the digits of the product, unlike Luhn)."""
    if not serial.isascii() or not serial.isalnum():
        raise ValueError(f"expected letters and digits only, got {serial!r}")
    total = 0
    for i, char in enumerate(serial.upper()):
        value = int(char) if char.isdigit() else (ord(char) - 3) % 10
        total += value * (2 if i % 2 else 1)
    return -total % 10
