"""Pillow's part of DSP-3: open an uploaded picture without trusting it, and make the copy the
other party sees from its pixels alone.

A phone photo carries where it was taken (GPS), the device, sometimes the owner's name; the
seller has no business knowing where the buyer lives beyond the shipping address, and a buyer
none knowing where a seller's warehouse is. So the shown copy is re-encoded from pixels: no
metadata block can survive by being one we forgot to list. The original, untouched, stays for
the platform's agents (it is the better evidence of when and where).
"""

from __future__ import annotations

import io
import struct

from PIL import ExifTags, Image, ImageCms, ImageOps, PngImagePlugin

from garant.domain.evidence import (
    JPEG,
    PNG,
    WEBP,
    EvidenceRefused,
    FileType,
    Limits,
    accepted_text,
    check_pixels,
)

_PIL_FORMATS = {JPEG: ["JPEG"], PNG: ["PNG"], WEBP: ["WEBP"]}
_JPEG_QUALITY = 90
_WEBP_QUALITY = 90

# What each removed thing is called in ``stripped``, in a stable order.
REMOVABLE = ("exif", "gps", "xmp", "iptc", "icc", "comment", "text", "extra_frames")

# Errors Pillow's decoders raise on damaged or hostile files.
_DAMAGED = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, ZeroDivisionError)


def strip_image(data: bytes, file_type: FileType, limits: Limits) -> tuple[bytes, list[str]]:
    """The shown copy (same format, upright, sRGB, pixels only) and what it no longer has."""
    if file_type not in _PIL_FORMATS:
        raise ValueError(f"{file_type.name} is not an image Pillow handles here")
    try:
        with Image.open(io.BytesIO(data), formats=_PIL_FORMATS[file_type]) as image:
            # Opening reads the header only: the size is known before any pixel is decoded.
            check_pixels(image.width, image.height, _with_pillow_ceiling(limits))
            image.load()
            removed = _metadata(image)
            shown = _pixels_only(image, file_type)
        encoded = _encode(shown, file_type, lossless=_webp_is_lossless(data))
    except EvidenceRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard fires at open for absurd sizes, before ours could look.
        raise EvidenceRefused(
            "This image declares more pixels than can safely be opened; images may have at "
            f"most {limits.max_pixels / 1_000_000:g} megapixels. {accepted_text(limits)}"
        ) from None
    except _DAMAGED:
        raise EvidenceRefused(
            f"This {file_type.name} image is damaged or incomplete and cannot be opened; "
            f"send it again or take a new one. {accepted_text(limits)}"
        ) from None
    return encoded, removed


def _with_pillow_ceiling(limits: Limits) -> Limits:
    """Never let an image through that Pillow itself would warn about (its warning is only a
    log line, and warnings filters are process-wide, so we cannot turn it into an error
    safely from a request thread)."""
    ceiling = Image.MAX_IMAGE_PIXELS
    if ceiling is None or ceiling >= limits.max_pixels:
        return limits
    return Limits(
        limits.image_bytes, limits.video_bytes, limits.document_bytes, max_pixels=int(ceiling)
    )


def _metadata(image: Image.Image) -> list[str]:
    found: set[str] = set()
    info = image.info
    exif = image.getexif()
    if len(exif) or info.get("exif"):
        found.add("exif")
    if ExifTags.Base.GPSInfo in exif or exif.get_ifd(ExifTags.IFD.GPSInfo):
        found.add("gps")
    if info.get("xmp") or info.get("XML:com.adobe.xmp"):
        found.add("xmp")
    if info.get("photoshop") or any(m == "APP13" for m, _ in getattr(image, "applist", [])):
        found.add("iptc")  # Photoshop/IPTC block: captions, names, places
    if info.get("icc_profile"):
        found.add("icc")
    if info.get("comment"):
        found.add("comment")
    if isinstance(image, PngImagePlugin.PngImageFile):
        chunks = set(image.text) - {"XML:com.adobe.xmp", "Raw profile type exif"}
        if chunks:
            found.add("text")  # tEXt/zTXt/iTXt: author, software, free text
    if getattr(image, "n_frames", 1) > 1:
        found.add("extra_frames")  # animation frames, or a JPEG's embedded depth/preview images
    return [name for name in REMOVABLE if name in found]


def _pixels_only(image: Image.Image, file_type: FileType) -> Image.Image:
    # Upright first: the orientation flag goes with the EXIF, so without it a portrait photo
    # would show on its side.
    upright = ImageOps.exif_transpose(image)
    upright = _to_srgb(upright, image.info.get("icc_profile"))
    upright = _plain_mode(upright, file_type)
    # A brand-new image holds nothing but what is pasted into it.
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)
    return clean


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Bake the colour profile into the pixels, so the profile can go and colours stay."""
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        converted = ImageCms.profileToProfile(
            image,
            ImageCms.ImageCmsProfile(io.BytesIO(icc)),
            ImageCms.createProfile("sRGB"),
            outputMode="RGBA" if image.mode == "RGBA" else "RGB",
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # an unusable profile: the pixels as they are
    return converted if converted is not None else image


def _plain_mode(image: Image.Image, file_type: FileType) -> Image.Image:
    """A mode the format saves without extra tables (palettes, 16-bit, CMYK)."""
    mode = image.mode
    if mode.startswith("I;16") or mode == "I":
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif mode == "F":
        image = image.convert("L")
    elif mode not in ("RGB", "RGBA", "L", "LA"):
        has_alpha = "A" in mode or "a" in mode or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    if file_type is JPEG and image.mode in ("RGBA", "LA"):
        image = image.convert(image.mode[:-1])  # a JPEG has no alpha; its original had none
    if file_type is WEBP and image.mode in ("L", "LA"):
        image = image.convert("RGBA" if image.mode == "LA" else "RGB")
    return image


def _encode(image: Image.Image, file_type: FileType, *, lossless: bool) -> bytes:
    out = io.BytesIO()
    if file_type is JPEG:
        image.save(out, "JPEG", quality=_JPEG_QUALITY)
    elif file_type is PNG:
        image.save(out, "PNG")
    else:
        image.save(out, "WEBP", lossless=lossless, quality=_WEBP_QUALITY)
    return out.getvalue()


def _webp_is_lossless(data: bytes) -> bool:
    """A lossless WebP (usually a screenshot) stays lossless; walks the top-level chunks."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return False
    pos = 12
    for _ in range(64):
        fourcc, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if fourcc == b"VP8L":
            return True
        if fourcc in (b"VP8 ", b"ANMF", b"") or pos + 8 > len(data):
            return False
        pos += 8 + size + (size & 1)  # chunks are padded to an even size
    return False
