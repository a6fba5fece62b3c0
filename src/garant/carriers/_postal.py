"""What the postal and aggregator adapters (Cainiao, China Post, Yanwen, 4PX, Correos, Poczta
Polska, 17TRACK, AfterShip) share beyond ``base``.

* the keyword tables of ``_postal_words`` (``w``), in ``norm`` form: lower-case, no accents,
  CJK kept (``base.folded`` drops it, and Chinese carriers word their events in Chinese).
* ``read_text``: the (status, sub-status) a carrier's words state, for carriers whose API has
  no event codes (Correos, Poczta Polska, China Post's Chinese scan names) and for codes no
  table knows; ``refine``: the sub-status the words add to what a code already says.
* TRK-3 handover: the new local number found in a text, and the ``leg`` value that carries it:
  ``"last_mile"``, ``"last_mile:<carrier>"`` or ``"last_mile:<carrier>:<number>"`` (carrier
  left empty when unknown; ``parse_handover_leg`` reads it back).
* TRK-5 ``with_return_reasons``: a RETURNED event whose own words give no reason takes it from
  what happened before it (unclaimed at the pickup point, customs, wrong address, attempts).
* ``zone_of`` / ``from_epoch_ms``: offsets as carriers write them ("GMT+8", "+08",
  "UTC+08:00", "GMT", "UTCEurope/Paris") and epoch milliseconds, refused rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timezone, tzinfo
from functools import cache
from typing import NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.core import get_global

from garant.carriers import _postal_words as w
from garant.carriers._postal_words import Words, norm
from garant.carriers.base import CarrierError, TrackingNotFound, parse_offset
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus

S = SubStatus
T = TrackingStatus
Reading = tuple[TrackingStatus, SubStatus]


def failed_reason(text: str) -> SubStatus:
    if w.REFUSED.within(text):
        return S.REFUSED
    if w.ADDRESS.within(text):
        return S.ADDRESS_PROBLEM
    if w.ABSENT.within(text):
        return S.RECIPIENT_ABSENT
    return S.NONE


def delivered_kind(text: str) -> SubStatus:
    if w.LETTER_BOX.within(text):
        return S.LETTER_BOX
    if w.NEIGHBOUR.within(text):
        return S.NEIGHBOUR
    if w.COLLECTED.within(text) or w.LOCKER.within(text):
        return S.COLLECTED
    if w.SIGNED.within(text):
        return S.SIGNED
    return S.DELIVERED_OTHER


def return_reason(text: str) -> SubStatus:
    if w.CUSTOMS.within(text):
        return S.CUSTOMS
    if w.UNCLAIMED.within(text):
        return S.UNCLAIMED
    if w.ADDRESS.within(text):
        return S.ADDRESS_INCORRECT
    if w.REFUSED.within(text) or w.ABSENT.within(text) or w.FAILED.within(text):
        return S.ATTEMPTS_FAILED
    return S.RETURNED_OTHER


def export_customs(raw: str | None) -> Reading:
    """Export formalities at origin: a hold is a hold, the rest is no clearance of the buyer's."""
    if w.CUSTOMS_HELD.within(norm(raw)):
        return T.EXCEPTION, S.HELD_BY_CUSTOMS
    return T.IN_TRANSIT, S.IN_TRANSIT_OTHER


def refuse(
    carrier: str, message: str, *, number: str | None = None, code: str | None = None
) -> NoReturn:
    """A carrier's error answer: TRK-4's "not found" (a typing error when the number's form is
    blamed) when its words say so, else an error of the carrier's own."""
    text = norm(message)
    if w.INVALID.within(text):
        raise TrackingNotFound(
            carrier, message, tracking_number=number, code=code, invalid_number=True
        )
    if w.NOT_FOUND.within(text):
        raise TrackingNotFound(carrier, message, tracking_number=number, code=code)
    raise CarrierError(carrier, message, code=code)


def _customs(text: str) -> Reading:
    if w.CUSTOMS_HELD.within(text):
        return T.EXCEPTION, S.HELD_BY_CUSTOMS
    if w.EXPORT.within(text):
        return T.IN_TRANSIT, S.IN_TRANSIT_OTHER  # export formalities are not the buyer's
    if w.CUSTOMS_INFO.within(text):
        return T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED
    if w.CUSTOMS_RELEASED.within(text):
        return T.IN_TRANSIT, S.CUSTOMS_RELEASED
    return T.IN_TRANSIT, S.CUSTOMS_PROCESSING


def is_handover(text: str) -> bool:
    if not w.HANDOVER.within(text) or w.NOT_LAST_MILE.within(text):
        return False
    return w.LAST_MILE_CUE.within(text) or carrier_in_text(text) is not None


def read_text(raw: str | None) -> Reading | None:
    """What a carrier's words state, or None when they state nothing we can map.

    The order is the point: a lost or returned parcel outranks everything else it mentions,
    customs words outrank delivery words ("retenu en douane" is no delivery step), a failed or
    handed-over delivery outranks the "delivered"/"entregado" inside its wording.
    """
    text = norm(raw)
    if not text:
        return None
    if w.LOST.within(text):
        return T.EXCEPTION, S.LOST
    if w.DAMAGED.within(text):
        return T.EXCEPTION, S.DAMAGED
    if w.RETURNED_DONE.within(text):
        return T.RETURNED, return_reason(text)
    customs = w.CUSTOMS.within(text)
    if customs and w.CUSTOMS_RELEASED.within(text) and not w.CUSTOMS_HELD.within(text):
        return _customs(text)  # "returned from customs" is a release, not a return
    if w.RETURNING.within(text):
        return T.RETURNING, S.NONE
    if customs:
        return _customs(text)
    if w.DELAYED.within(text):
        return T.EXCEPTION, S.DELAYED
    if w.OUT_FOR_DELIVERY.within(text):
        return T.OUT_FOR_DELIVERY, S.NONE
    if is_handover(text):
        return T.IN_TRANSIT, S.HANDED_TO_LAST_MILE
    if w.FAILED.within(text) or w.REFUSED.within(text) or w.STRONG_ABSENT.within(text):
        return T.DELIVERY_FAILED, failed_reason(text)
    if w.ADDRESS.within(text):
        return T.DELIVERY_FAILED, S.ADDRESS_PROBLEM
    if w.PICKUP.within(text):
        return T.AVAILABLE_FOR_PICKUP, S.LOCKER if w.LOCKER.within(text) else S.PICKUP_POINT
    if w.DELIVERED.within(text):
        return T.DELIVERED, delivered_kind(text)
    if w.ARRIVAL.within(text) and w.DESTINATION.within(text):
        return T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY
    if w.DEPARTURE.within(text) and w.ORIGIN.within(text):
        return T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY
    if w.ACCEPTED.within(text):
        return T.IN_TRANSIT, S.ACCEPTED
    if w.INFO.within(text):
        return T.INFO_RECEIVED, S.NONE
    return None


# A code's generic reading gives way to what the words say, within these limits: an
# "in transit" code never becomes a delivery, a failure or a pickup on wording alone.
_TEXT_MAY_REPLACE_IN_TRANSIT = {T.IN_TRANSIT, T.EXCEPTION, T.RETURNING, T.RETURNED}


def refine(status: TrackingStatus, sub_status: SubStatus, raw: str | None) -> Reading:
    """The code's reading, made precise by the carrier's words."""
    text = norm(raw)
    if status is T.IN_TRANSIT and sub_status is S.IN_TRANSIT_OTHER:
        said = read_text(text)
        if said is not None and said[0] in _TEXT_MAY_REPLACE_IN_TRANSIT:
            return said
    elif status is T.EXCEPTION and sub_status is S.EXCEPTION_OTHER:
        said = read_text(text)
        if said is not None and said[0] is not T.DELIVERED:
            return said
    elif status is T.IN_TRANSIT and sub_status is S.CUSTOMS_PROCESSING:
        said = _customs(text)
        if said[1] is not S.IN_TRANSIT_OTHER:
            return said
    elif status is T.DELIVERY_FAILED and sub_status is S.NONE:
        return status, failed_reason(text)
    elif status is T.DELIVERED and w.RETURNED_DONE.within(text):
        return T.RETURNED, return_reason(text)  # the one delivery that is a return
    elif status is T.DELIVERED and sub_status is S.DELIVERED_OTHER:
        return status, delivered_kind(text)
    elif status is T.RETURNED and sub_status is S.RETURNED_OTHER:
        return status, return_reason(text)
    elif status is T.AVAILABLE_FOR_PICKUP and w.LOCKER.within(text):
        return status, S.LOCKER
    return status, sub_status


def with_return_reasons(events: Sequence[TrackingEvent]) -> list[TrackingEvent]:
    """TRK-5: give a reasonless RETURNED event the reason the timeline before it shows.

    Walking back from the return: a pickup-point notice means unclaimed (it outranks the failed
    attempt that usually precedes it), a customs hold or customs request means customs, a
    wrong address means address, any other failed attempt means attempts failed. A delivery
    ends the walk: what came before a delivery explains nothing about a later return.
    """
    result = list(events)
    for index, event in enumerate(result):
        if event.status is not T.RETURNED or event.sub_status is not S.RETURNED_OTHER:
            continue
        for earlier in reversed(result[:index]):
            reason = _reason_shown_by(earlier)
            if reason is S.NONE:
                break
            if reason is not None:
                result[index] = replace(event, sub_status=reason)
                break
    return result


def _reason_shown_by(event: TrackingEvent) -> SubStatus | None:
    """The return reason an earlier event shows; NONE stops the search; None looks further."""
    if event.status is T.DELIVERED:
        return S.NONE
    if event.status is T.AVAILABLE_FOR_PICKUP or w.UNCLAIMED.within(norm(event.raw_text)):
        return S.UNCLAIMED
    if event.sub_status in (S.HELD_BY_CUSTOMS, S.CUSTOMS_INFORMATION_REQUIRED):
        return S.CUSTOMS
    if event.status is T.DELIVERY_FAILED:
        return S.ADDRESS_INCORRECT if event.sub_status is S.ADDRESS_PROBLEM else S.ATTEMPTS_FAILED
    return None


# --- TRK-3: last-mile carrier and local number ---------------------------------------------

_CARRIERS = {
    "la poste": "laposte", "colissimo": "laposte", "法国邮政": "laposte",
    "chronopost": "chronopost", "colis prive": "colis_prive", "mondial relay": "mondial_relay",
    "relais colis": "relais_colis", "dpd": "dpd", "gls": "gls", "correos": "correos",
    "spain post": "correos", "西班牙邮政": "correos", "poczta polska": "poczta_polska",
    "poland post": "poczta_polska", "polish post": "poczta_polska", "波兰邮政": "poczta_polska",
    "postnl": "postnl", "bpost": "bpost", "deutsche post": "deutsche_post", "royal mail":
    "royal_mail", "dhl express": "dhl_express", "dhl": "dhl_express", "ups": "ups",
    "fedex": "fedex", "usps": "usps", "china post": "china_post", "china ems": "china_post",
    "中国邮政": "china_post", "cainiao": "cainiao", "菜鸟": "cainiao", "yanwen": "yanwen",
    "燕文": "yanwen", "4px": "4px", "递四方": "4px", "inpost": "inpost", "evri": "evri",
}  # fmt: skip
# Longest names first, so that "dhl express" wins over "dhl" at the same place.
_CARRIER_NAMES = Words(*sorted(_CARRIERS, key=len, reverse=True))
_NAME_PATTERN = re.compile(r"[^a-z0-9]+")


def carrier_in_text(raw: str | None) -> str | None:
    """The slug of a carrier Garant knows by name, when the text names one.

    In a handover ("remis à La Poste par China Post") the carrier named after the handover
    words is the one receiving the parcel; otherwise the first one named.
    """
    text = norm(raw)
    found = _CARRIER_NAMES.all(text)
    if not found:
        return None
    verb_end = w.HANDOVER.end(text)
    after = [name for start, name in found if verb_end is not None and start >= verb_end]
    return _CARRIERS[after[0] if after else found[0][1]]


def carrier_slug(name: str | None) -> str | None:
    """A carrier name from a structured field as a slug: ours when known, else its own."""
    if not name or not norm(name):
        return None
    known = carrier_in_text(name)
    if known is not None:
        return known
    slug = _NAME_PATTERN.sub("_", norm(name)).strip("_")
    return slug[:40] or None


# "tracking number: 6A24512345678", "numéro de suivi 6A…", "单号：…" — the token after the
# words; a token must hold a digit, so "number is pending" gives nothing.
_NUMBER_AFTER = re.compile(
    r"(?:tracking\s*(?:number|no\.?|n°|#)|new\s+number|local\s+number|"
    r"n(?:°|º|o\.?|um[eé]ro|úmero)\s+de\s+(?:suivi|seguimiento|env[ií]o)|"
    r"numer(?:em)?\b(?:\s+przesy[lł]ki)?|单号|运单号|跟踪号)"
    r"(?:\s+(?:local|locale|new|nouveau))?[\s:：=#-]{0,4}(?:(?:is|est|es)\s+)?"
    r"([A-Za-z0-9]{8,34})",
    re.IGNORECASE,
)


def local_number(text: str | None) -> str | None:
    if not text:
        return None
    for match in _NUMBER_AFTER.finditer(text[:2000]):
        token = match.group(1).upper()
        if any(char.isdigit() for char in token):
            return token
    return None


def handover_leg(carrier: str | None, number: str | None) -> str:
    if number:
        return f"last_mile:{carrier or ''}:{number}"
    return f"last_mile:{carrier}" if carrier else "last_mile"


def parse_handover_leg(leg: str | None) -> tuple[str | None, str | None] | None:
    """(carrier, number) of a handover leg value, None when the leg is no handover."""
    if not leg or not (leg == "last_mile" or leg.startswith("last_mile:")):
        return None
    _, _, rest = leg.partition(":")
    carrier, _, number = rest.partition(":")
    return carrier or None, number or None


@cache
def _territories(language: str) -> tuple[Words, dict[str, str]]:
    zones = get_global("territory_zones")
    names = {
        norm(name): code
        for code, name in Locale(language).territories.items()
        if len(code) == 2 and code in zones
    }
    return Words(*sorted(names, key=len, reverse=True)), names


def country_named_in(text: str | None, language: str) -> str | None:
    """ISO code of a country named in ``text`` in ``language`` ("法国", "Francja")."""
    words, names = _territories(language)
    found = words.find(norm(text))
    return names.get(found) if found else None


# --- time ------------------------------------------------------------------------------------

_ZONE_NAME = re.compile(r"[A-Za-z_]+(?:/[A-Za-z0-9_+-]+){1,2}")


def zone_of(text: str) -> tzinfo:
    """A carrier's zone field: an offset ("GMT+8", "+08", "UTC+08:00"), UTC, or a zone name."""
    value = text.strip()
    upper = value.upper()
    if upper in ("GMT", "UTC", "Z", "UT"):
        return UTC
    for prefix in ("UTC", "GMT"):
        if upper.startswith(prefix) and value[len(prefix) :][:1].isalpha():
            value = value[len(prefix) :]  # 4PX writes "UTCEurope/Paris"
            break
    if _ZONE_NAME.fullmatch(value):
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise TrackingParseError(f"unknown time zone {value[:40]!r}") from None
    return parse_offset(value)


def from_epoch_ms(value: object, zone: tzinfo) -> datetime:
    """Epoch milliseconds as the instant they are, with the offset ``zone`` has then."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TrackingParseError(f"epoch time must be a number, not {type(value).__name__}")
    if not 0 < value < 4_102_444_800_000:  # before 2100: anything else is no parcel scan
        raise TrackingParseError(f"epoch time {value!r} out of range")
    try:
        moment = datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise TrackingParseError(f"epoch time {value!r} out of range") from None
    offset = moment.astimezone(zone).utcoffset()
    if offset is None:
        raise TrackingParseError(f"zone {zone} gives no offset")
    return moment.astimezone(timezone(offset))


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A request header by name, whatever its case (HTTP names are case-insensitive)."""
    if not isinstance(headers, Mapping):
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == wanted and isinstance(value, str):
            return value
    return None


def first_text(*values: str | None) -> str:
    return next((value for value in values if value), "")


def joined(values: Iterable[str | None]) -> str:
    return " ".join(value for value in values if value)
