"""Evidence files (DSP-1 attachments, DSP-3 "photos, videos, screenshots"): what is accepted,
how big, and under which name it is shown. Pure: works on bytes already in hand.

The type comes from the content (its magic bytes), never from the file name or the type the
client declared: both are the uploader's words, and a page or a program renamed
``photo.jpg`` must not reach the other party as a photo. The name is kept for people, with
its extension replaced by the one the content deserves.

Kinds. A photo is a JPEG or WebP; a PNG is filed as a screenshot, since that is what phones
and computers save screenshots as and cameras never do. The kind is a label for people (the
case file groups by it); limits and handling follow the family (image, video, document), so a
PNG photo filed as a screenshot loses nothing. HEIC (iPhone photos) is recognised but not
accepted: its metadata cannot be stripped here, and a photo's GPS position must not reach
the other party; the message says how to send it as JPEG instead.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from garant.domain.errors import InvalidInput

MB = 1024 * 1024


class EvidenceRefused(InvalidInput):
    """Not a file we accept (type, damage, picture too large); nothing was stored."""

    code = "evidence_not_accepted"


class EvidenceTooLarge(InvalidInput):
    """More bytes than its kind allows; nothing was stored."""

    code = "evidence_too_large"
    http_status = 413


class Kind(StrEnum):
    PHOTO = "photo"
    SCREENSHOT = "screenshot"
    VIDEO = "video"
    DOCUMENT = "document"


class Family(StrEnum):
    """What a file is made of: limits and handling follow the family, not the kind label."""

    IMAGE = "image"
    VIDEO = "video"
    DOCUMENT = "document"


@dataclass(frozen=True)
class FileType:
    name: str  # for people: "JPEG"
    content_type: str
    extension: str
    kind: Kind
    family: Family

    @property
    def is_image(self) -> bool:
        return self.family is Family.IMAGE


JPEG = FileType("JPEG", "image/jpeg", ".jpg", Kind.PHOTO, Family.IMAGE)
PNG = FileType("PNG", "image/png", ".png", Kind.SCREENSHOT, Family.IMAGE)
WEBP = FileType("WebP", "image/webp", ".webp", Kind.PHOTO, Family.IMAGE)
MP4 = FileType("MP4", "video/mp4", ".mp4", Kind.VIDEO, Family.VIDEO)
MOV = FileType("MOV", "video/quicktime", ".mov", Kind.VIDEO, Family.VIDEO)
THREE_GP = FileType("3GP", "video/3gpp", ".3gp", Kind.VIDEO, Family.VIDEO)
WEBM = FileType("WebM", "video/webm", ".webm", Kind.VIDEO, Family.VIDEO)
PDF = FileType("PDF", "application/pdf", ".pdf", Kind.DOCUMENT, Family.DOCUMENT)

ACCEPTED: tuple[FileType, ...] = (JPEG, PNG, WEBP, MP4, MOV, THREE_GP, WEBM, PDF)


@dataclass(frozen=True)
class Limits:
    image_bytes: int = 15 * MB
    video_bytes: int = 100 * MB
    document_bytes: int = 20 * MB
    max_pixels: int = 40_000_000

    def bytes_for(self, family: Family) -> int:
        return {
            Family.IMAGE: self.image_bytes,
            Family.VIDEO: self.video_bytes,
            Family.DOCUMENT: self.document_bytes,
        }[family]

    @property
    def largest(self) -> int:
        return max(self.image_bytes, self.video_bytes, self.document_bytes)


def megabytes(size: int) -> str:
    value = round(size / MB, 1)
    return f"{value:.0f} MB" if value == int(value) else f"{value:.1f} MB"


def accepted_text(limits: Limits) -> str:
    """One sentence naming every accepted type and its limit; every refusal ends with it."""
    return (
        "Accepted: photos and screenshots as JPEG, PNG or WebP (up to "
        f"{megabytes(limits.image_bytes)}, {limits.max_pixels / 1_000_000:g} megapixels), "
        f"videos as MP4, MOV, 3GP or WebM (up to {megabytes(limits.video_bytes)}), "
        f"documents as PDF (up to {megabytes(limits.document_bytes)})."
    )


# ----------------------------------------------------------------------------- sniffing

# ISO base media (MP4 family) brands, from the ``ftyp`` box.
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9",
    b"mp41", b"mp42", b"mp71", b"avc1", b"M4V ", b"M4VH", b"M4VP", b"dash", b"mmp4",
    b"MSNV", b"XAVC", b"f4v ", b"NDAS", b"NDSC", b"NDSH", b"NDSM", b"NDSP", b"NDSS",
}  # fmt: skip
_HEIF_BRANDS = {
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1",
    b"msf1", b"mif2",
}  # fmt: skip
_AVIF_BRANDS = {b"avif", b"avis"}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}

_HEIC_HINT = (
    "HEIC photos are not accepted yet, because their location and camera data cannot be "
    "removed here: on an iPhone choose Settings > Camera > Formats > Most Compatible, or "
    "share the photo as JPEG"
)


@dataclass(frozen=True)
class _Refused:
    """A type recognised only to say clearly why it is refused."""

    what: str
    hint: str = ""


def _iso_media(head: bytes) -> FileType | _Refused | None:
    size = int.from_bytes(head[0:4], "big")
    if size < 16 or head[4:8] != b"ftyp":
        return None
    major = head[8:12]
    end = min(size, len(head), 8 + 4 * 64)  # a few dozen brands at most in real files
    compatible = {head[i : i + 4] for i in range(16, end - 3, 4)}
    if major == b"qt  ":
        return MOV
    if major in _AVIF_BRANDS or compatible & _AVIF_BRANDS:
        return _Refused("an AVIF image", "save it as JPEG or PNG")
    if major in _HEIF_BRANDS:
        return _Refused("a HEIC photo", _HEIC_HINT)
    if major in _AUDIO_BRANDS:
        return _Refused("an audio recording")
    if major[:3] in (b"3gp", b"3g2"):
        return THREE_GP
    if major in _MP4_BRANDS or compatible & _MP4_BRANDS:
        return MP4
    if compatible & _HEIF_BRANDS:
        return _Refused("a HEIC photo", _HEIC_HINT)
    return None


def _ebml(head: bytes) -> FileType | _Refused | None:
    """WebM and Matroska share the EBML header; its DocType tells them apart."""
    at = head.find(b"\x42\x82", 4, 64)
    if at < 0 or at + 3 > len(head):
        return None
    length_byte = head[at + 2]
    if not length_byte & 0x80:  # a one-byte size is all a DocType ever needs
        return None
    doctype = head[at + 3 : at + 3 + (length_byte & 0x7F)]
    if doctype == b"webm":
        return WEBM
    if doctype == b"matroska":
        return _Refused("a Matroska (MKV) video", "convert it to MP4 or WebM")
    return None


_PLAIN_MAGIC: tuple[tuple[bytes, FileType | _Refused], ...] = (
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"%PDF-", PDF),
    (b"GIF87a", _Refused("a GIF image", "save it as PNG or send a screenshot")),
    (b"GIF89a", _Refused("a GIF image", "save it as PNG or send a screenshot")),
    (b"II*\x00", _Refused("a TIFF or camera RAW image", "export it as JPEG")),
    (b"MM\x00*", _Refused("a TIFF or camera RAW image", "export it as JPEG")),
    (b"\x7fELF", _Refused("a program (ELF executable)")),
    (b"MZ", _Refused("a Windows program (EXE or DLL)")),
    (b"\xfe\xed\xfa\xce", _Refused("a macOS program")),
    (b"\xfe\xed\xfa\xcf", _Refused("a macOS program")),
    (b"\xce\xfa\xed\xfe", _Refused("a macOS program")),
    (b"\xcf\xfa\xed\xfe", _Refused("a macOS program")),
    (b"\xca\xfe\xba\xbe", _Refused("a program")),
    (b"#!", _Refused("a script")),
    (b"PK\x03\x04", _Refused("a ZIP archive or office file", "send each picture or a PDF")),
    (b"\xd0\xcf\x11\xe0", _Refused("an old office file", "save it as PDF")),
    (b"Rar!", _Refused("a RAR archive", "send each picture or a PDF")),
    (b"7z\xbc\xaf", _Refused("a 7-Zip archive", "send each picture or a PDF")),
)


def _detect(head: bytes) -> FileType | _Refused | None:
    for magic, found in _PLAIN_MAGIC:
        if head.startswith(magic):
            return found
    if head[:4] == b"RIFF":
        form = head[8:12]
        if form == b"WEBP":
            return WEBP
        if form == b"AVI ":
            return _Refused("an AVI video", "convert it to MP4")
        if form == b"WAVE":
            return _Refused("an audio recording")
        return None
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return _ebml(head)
    iso = _iso_media(head)
    if iso is not None:
        return iso
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<"):
        return _Refused("a web page, SVG or XML document", "send a screenshot or a PDF")
    return None


def sniff(data: bytes, limits: Limits) -> FileType:
    """The accepted type ``data`` is, from its first bytes; EvidenceRefused otherwise."""
    if not data:
        raise EvidenceRefused(f"The file is empty. {accepted_text(limits)}")
    found = _detect(data[:512])
    if isinstance(found, FileType):
        return found
    if found is None:
        what = "of a type we could not recognise"
        hint = ""
    else:
        what, hint = found.what, found.hint
    advice = f" ({hint})" if hint else ""
    raise EvidenceRefused(
        f"This file is {what}, which is not accepted as evidence{advice}. {accepted_text(limits)}",
        accepted=[t.content_type for t in ACCEPTED],
    )


_A = {Family.IMAGE: "an image", Family.VIDEO: "a video", Family.DOCUMENT: "a document"}


def check_size(file_type: FileType, size: int, limits: Limits) -> None:
    limit = limits.bytes_for(file_type.family)
    if size > limit:
        raise EvidenceTooLarge(
            f"This {file_type.name} file is {megabytes(size)}; {_A[file_type.family]} may be "
            f"at most {megabytes(limit)}. {accepted_text(limits)}",
            size_bytes=size,
            limit_bytes=limit,
        )


def check_pixels(width: int, height: int, limits: Limits) -> None:
    """Before any pixel is decoded: a few kilobytes can declare a picture that would take
    gigabytes of memory to open (a decompression bomb)."""
    if width <= 0 or height <= 0 or width * height > limits.max_pixels:
        raise EvidenceRefused(
            f"This image declares {width} × {height} pixels; images may have at most "
            f"{limits.max_pixels / 1_000_000:g} megapixels. {accepted_text(limits)}",
            width=width,
            height=height,
        )


# ----------------------------------------------------------------------------- names

MAX_NAME_CHARS = 100
MAX_NAME_BYTES = 180  # UTF-8; leaves room under the usual 255-byte limit of file systems

# Extensions that say "this is a file type": stacked ones ("photo.jpg.exe") all go, so the
# name shown never carries a misleading one next to the right one.
_TYPE_EXTENSIONS = {
    "jpg", "jpeg", "jpe", "jfif", "png", "webp", "gif", "heic", "heif", "avif", "bmp", "tif",
    "tiff", "svg", "svgz", "mp4", "m4v", "mov", "qt", "webm", "mkv", "avi", "3gp", "3g2",
    "pdf", "exe", "dll", "com", "scr", "bat", "cmd", "msi", "ps1", "vbs", "js", "jar", "apk",
    "app", "sh", "bin", "elf", "html", "htm", "xhtml", "xml", "php", "zip", "rar", "7z",
    "gz", "tar", "doc", "docx", "xls", "xlsx", "txt", "lnk", "url", "iso", "dmg",
}  # fmt: skip
_WINDOWS_RESERVED = {
    "con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}  # fmt: skip
_UNSAFE = set('<>:"|?*')
# Control, format (bidi overrides that reverse "gpj.exe"), surrogate, private, unassigned and
# line/paragraph separators: none belongs in a name a person reads.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def safe_filename(name: str, file_type: FileType) -> str:
    """A readable name without paths, controls or a misleading extension; never empty."""
    text = unicodedata.normalize("NFKC", name or "")  # before splitting: "／" becomes "/"
    # Tabs and line breaks separate words: spaces; other invisible characters go.
    text = "".join(" " if c.isspace() else c for c in text)
    text = "".join(c for c in text if unicodedata.category(c) not in _DROPPED_CATEGORIES)
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join("_" if c in _UNSAFE else c for c in text)
    text = " ".join(text.split())
    base = _without_extensions(text)
    base = base.lstrip(". ").rstrip(". ")
    if base.lower().split(".", 1)[0] in _WINDOWS_RESERVED:
        base = f"{base}_"
    base = _shortened(base, file_type.extension) or file_type.kind.value
    return base + file_type.extension


def _without_extensions(text: str) -> str:
    stem, dot, ext = text.rpartition(".")
    if not dot or not 1 <= len(ext) <= 8 or not ext.isalnum():
        return text  # no extension
    if not stem.strip(". "):  # a dot file: ".jpg" says nothing, ".receipt" is a name
        return "" if ext.lower() in _TYPE_EXTENSIONS else text
    while True:  # the last extension always goes; earlier ones if they name a type
        inner, dot, ext = stem.rpartition(".")
        if not dot or not inner.strip(". ") or ext.lower() not in _TYPE_EXTENSIONS:
            return stem
        stem = inner


def _shortened(base: str, extension: str) -> str:
    room_chars = MAX_NAME_CHARS - len(extension)
    room_bytes = MAX_NAME_BYTES - len(extension.encode())
    base = base[:room_chars]
    while len(base.encode()) > room_bytes:
        base = base[:-1]
    return base.rstrip(". ")
