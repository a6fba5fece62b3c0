"""DSP-1, DSP-3: which files are evidence, how big, under which name. Pure: bytes in hand."""

from __future__ import annotations

import struct
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from garant.domain.errors import InvalidInput
from garant.domain.evidence import (
    ACCEPTED,
    JPEG,
    MB,
    MOV,
    MP4,
    PDF,
    PNG,
    THREE_GP,
    WEBM,
    WEBP,
    EvidenceRefused,
    EvidenceTooLarge,
    FileType,
    Kind,
    Limits,
    accepted_text,
    check_pixels,
    check_size,
    safe_filename,
    sniff,
)

LIMITS = Limits()


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    """An ISO base media ``ftyp`` box followed by an empty ``mdat``."""
    payload = major + b"\x00\x00\x02\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(payload)) + b"ftyp" + payload + b"\x00\x00\x00\x08mdat"


def ebml(doctype: bytes) -> bytes:
    element = b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(element)]) + element + b"\x18\x53\x80\x67"


SAMPLES: list[tuple[str, bytes, FileType]] = [
    ("jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32), JPEG),
    ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(32), PNG),
    ("webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(32), WEBP),
    ("mp4", ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), MP4),
    ("mp4 by compatible brand", ftyp(b"abcd", b"mp42"), MP4),
    ("mov", ftyp(b"qt  ", b"qt  "), MOV),
    ("3gp", ftyp(b"3gp5", b"3gp5", b"isom"), THREE_GP),
    ("webm", ebml(b"webm"), WEBM),
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", PDF),
]


@pytest.mark.parametrize(("label", "data", "expected"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_dsp3_evidence_type_from_content_not_name(
    label: str, data: bytes, expected: FileType
) -> None:
    assert sniff(data, LIMITS) is expected


def test_dsp3_kinds_photo_screenshot_video_document() -> None:
    """PNG is filed as a screenshot (what screens are saved as); JPEG and WebP as photos."""
    assert {t.name: t.kind for t in ACCEPTED} == {
        "JPEG": Kind.PHOTO,
        "PNG": Kind.SCREENSHOT,
        "WebP": Kind.PHOTO,
        "MP4": Kind.VIDEO,
        "MOV": Kind.VIDEO,
        "3GP": Kind.VIDEO,
        "WebM": Kind.VIDEO,
        "PDF": Kind.DOCUMENT,
    }


REFUSED: list[tuple[str, bytes, str]] = [
    ("elf", b"\x7fELF\x02\x01\x01\x00" + bytes(64), "program"),
    ("exe", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64), "Windows program"),
    ("html", b"  <!DOCTYPE html><html><script>alert(1)</script>", "web page"),
    ("svg", b'\xef\xbb\xbf<svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
    ("zip", b"PK\x03\x04\x14\x00" + bytes(32), "ZIP"),
    ("gif", b"GIF89a\x01\x00\x01\x00", "GIF"),
    ("heic", ftyp(b"heic", b"mif1", b"heic"), "Most Compatible"),
    ("avif", ftyp(b"avif", b"mif1", b"avif"), "AVIF"),
    ("mkv", ebml(b"matroska"), "Matroska"),
    ("script", b"#!/bin/sh\nrm -rf /\n", "script"),
    ("text", b"just some words, not a picture", "could not recognise"),
    ("pdf not at start", b"hello %PDF-1.4", "could not recognise"),
]


@pytest.mark.parametrize(("label", "data", "says"), REFUSED, ids=[r[0] for r in REFUSED])
def test_dsp3_other_types_refused_naming_what_is_accepted(
    label: str, data: bytes, says: str
) -> None:
    with pytest.raises(EvidenceRefused) as refused:
        sniff(data, LIMITS)
    message = refused.value.message
    assert says in message
    assert "Accepted: photos and screenshots as JPEG, PNG or WebP (up to 15 MB" in message
    assert "MP4, MOV, 3GP or WebM (up to 100 MB)" in message
    assert "PDF (up to 20 MB)" in message
    assert isinstance(refused.value, InvalidInput) and refused.value.http_status == 422


def test_dsp3_empty_file_refused() -> None:
    with pytest.raises(EvidenceRefused, match="empty"):
        sniff(b"", LIMITS)


def test_dsp3_size_limit_per_kind() -> None:
    check_size(JPEG, 15 * MB, LIMITS)  # exactly the limit is fine
    check_size(MP4, 100 * MB, LIMITS)
    check_size(PDF, 20 * MB, LIMITS)
    for file_type, limit in ((PNG, 15 * MB), (WEBM, 100 * MB), (PDF, 20 * MB)):
        with pytest.raises(EvidenceTooLarge) as refused:
            check_size(file_type, limit + 1, LIMITS)
        assert refused.value.http_status == 413
        assert refused.value.context == {"size_bytes": limit + 1, "limit_bytes": limit}
        assert f"at most {limit // MB} MB" in refused.value.message
    # A video's allowance is not a picture's: 50 MB is a fine video and too big a photo.
    check_size(MOV, 50 * MB, LIMITS)
    with pytest.raises(EvidenceTooLarge, match="an image may be at most 15 MB"):
        check_size(WEBP, 50 * MB, LIMITS)


def test_dsp3_limits_come_from_settings_values() -> None:
    small = Limits(image_bytes=1000, video_bytes=5000, document_bytes=2000, max_pixels=100)
    assert small.largest == 5000
    with pytest.raises(EvidenceTooLarge):
        check_size(JPEG, 1001, small)
    assert "100 megapixels" not in accepted_text(small)
    assert "0.0001 megapixels" in accepted_text(small)


def test_dsp3_picture_dimensions_bounded_before_decoding() -> None:
    check_pixels(8000, 5000, LIMITS)  # 40 megapixels exactly
    with pytest.raises(EvidenceRefused, match="100000 × 100000 pixels"):
        check_pixels(100_000, 100_000, LIMITS)
    with pytest.raises(EvidenceRefused):
        check_pixels(0, 10, LIMITS)


@pytest.mark.parametrize(
    ("given_name", "file_type", "expected"),
    [
        ("../../etc/passwd", JPEG, "passwd.jpg"),
        ("..\\..\\Windows\\System32\\evil.exe", PNG, "evil.png"),
        ("/var/www/.htaccess", PDF, "htaccess.pdf"),
        ("photo.jpg.exe", JPEG, "photo.jpg"),
        ("photo.jpg", PDF, "photo.pdf"),  # the content decides, the name follows
        ("invoice.PDF.html", PDF, "invoice.pdf"),
        ("report.v2.final.pdf", PDF, "report.v2.final.pdf"),
        ("", JPEG, "photo.jpg"),
        ("   ", PNG, "screenshot.png"),
        ("...", MP4, "video.mp4"),
        (".jpg", JPEG, "photo.jpg"),
        (".hidden", PDF, "hidden.pdf"),
        ("colis\u202egpj.exe", JPEG, "colisgpj.jpg"),  # a right-to-left override is dropped
        ("bad\x00name\r\n.jpg", JPEG, "badname.jpg"),
        ('a<b>c:d"e|f?g*h.png', PNG, "a_b_c_d_e_f_g_h.png"),
        ("Ｒéclamation ｎ°１２.jpg", JPEG, "Réclamation n°12.jpg"),  # NFKC: full-width → ASCII
        ("ﬁchier   avec\tespaces.pdf", PDF, "fichier avec espaces.pdf"),
        ("CON.jpg", JPEG, "CON_.jpg"),
        ("colis abîmé 😢.jpeg", JPEG, "colis abîmé 😢.jpg"),
    ],
)
def test_dsp3_safe_file_names(given_name: str, file_type: FileType, expected: str) -> None:
    assert safe_filename(given_name, file_type) == expected


def test_dsp3_long_names_cut_keeping_the_extension() -> None:
    name = safe_filename("a" * 500 + ".jpg", JPEG)
    assert name == "a" * 96 + ".jpg"
    wide = safe_filename("é" * 500 + ".pdf", PDF)  # two bytes each in UTF-8
    assert wide.endswith(".pdf") and len(wide.encode()) <= 180


@given(st.text(max_size=400), st.sampled_from(ACCEPTED))
def test_dsp3_any_name_becomes_a_safe_one(raw: str, file_type: FileType) -> None:
    name = safe_filename(raw, file_type)
    assert name.endswith(file_type.extension)
    base = name[: -len(file_type.extension)]
    assert base and not base.startswith((".", " ")) and not base.endswith((".", " "))
    assert "/" not in name and "\\" not in name
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name)
    assert len(name) <= 100 and len(name.encode()) <= 180
