"""What the postal and aggregator adapters (Cainiao, China Post, Yanwen, 4PX, Correos, Poczta
Polska, 17TRACK, AfterShip) share beyond ``base``.

* ``norm``: lower-case text without accents that keeps CJK characters (``base.folded`` drops
  them, and Chinese carriers word their events in Chinese).
* ``Words``: keyword sets matched on whole words (``"stem*"`` for a prefix), so "undelivered"
  is not "delivered" and "dédouanement" is not "dédouané".
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
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from garant.carriers.base import parse_offset
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus

S = SubStatus
T = TrackingStatus
Reading = tuple[TrackingStatus, SubStatus]


def norm(text: str | None) -> str:
    if not text:
        return ""
    text = text.replace("’", "'").replace("ł", "l").replace("Ł", "L")
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.lower().split())


class Words:
    """Keywords in ``norm`` form; Latin words match whole, ``"x*"`` matches words starting x."""

    def __init__(self, *words: str) -> None:
        parts = []
        for word in words:
            core = re.escape(word.rstrip("*"))
            if word[0].isascii():
                tail = "" if word.endswith("*") else r"(?![a-z0-9])"
                parts.append(rf"(?<![a-z0-9]){core}{tail}")
            else:  # CJK has no spaces between words: a substring is all one can ask
                parts.append(core)
        self._pattern = re.compile("|".join(parts))

    def within(self, text: str) -> bool:
        return self._pattern.search(text) is not None


LOST = Words("lost", "reported missing", "perdu", "perdue", "egare*", "extravi*", "perdid*",
             "zagin*", "zagubi*", "丢失", "遗失", "丢件")
DAMAGED = Words("damag*", "endommag*", "abime*", "deterior*", "danad*", "uszkodz*", "破损", "损坏")
DELAYED = Words("delay*", "retard*", "retras*", "opozni*", "延误", "延迟")
CUSTOMS = Words("customs", "custom", "douane*", "dedouan*", "aduan*", "celn*", "clearance",
                "海关", "清关", "通关")
EXPORT = Words("export*", "wywoz*", "出口")
CUSTOMS_HELD = Words("held", "hold", "detain*", "retain*", "retention", "retenu*", "retenid*",
                     "bloqu*", "seiz*", "saisi*", "zatrzyma*", "exception", "abnormal*", "fail*",
                     "delay*", "扣留", "扣押", "查扣", "异常", "失败")
CUSTOMS_INFO = Words("document*", "invoice*", "facture*", "factura*", "justificati*", "duty",
                     "duties", "payment", "pay", "paiement", "payer", "regler", "pago", "pagar",
                     "arancel*", "dokument*", "oplat*", "doplat*", "uzupelni*",
                     "information required", "more information", "additional information",
                     "补充", "缴税", "缴费", "税费", "付款")
CUSTOMS_RELEASED = Words("released", "release", "cleared", "clearance complete*",
                         "completed clearance", "returned from customs", "return from customs",
                         "dedouane", "dedouanee", "despachad*", "liberad*", "zwolnion*",
                         "zakonczon*", "放行", "清关完成", "通关完成", "已清关", "清关成功")
REFUSED = Words("refus*", "rehus*", "rechaz*", "odmow*", "rejected by the recipient",
                "rejected by recipient", "拒收", "拒签")
ADDRESS = Words("incorrect address", "address incorrect", "wrong address", "invalid address",
                "insufficient address", "incomplete address", "unknown address",
                "address unknown", "addressee unknown", "has moved", "customer moved",
                "recipient moved", "addressee moved", "adresse incorrecte", "adresse incomplete",
                "adresse erronee", "adresse insuffisante", "n'habite pas", "inconnu a l'adresse",
                "direccion incorrecta", "direccion incompleta", "desconocid*",
                "adres niepelny", "adres nieprawidlowy", "adresat nieznany", "wyprowadzil*",
                "地址不详", "地址错误", "地址有误", "查无此人")
ABSENT = Words("absent*", "not home", "not at home", "nobody", "no one", "unavailable",
               "not available", "business closed", "notice left", "card left",
               "avis de passage", "ausent*", "nieobecn*", "awiz*", "无人", "不在")
FAILED = Words("fail*", "unsuccessful", "attempt*", "undeliver*", "not delivered",
               "could not be delivered", "echec", "echoue*", "tentative", "non distribu*",
               "pas pu etre", "no entregado", "intento*", "nieudan*", "niedoreczon*",
               "proba doreczenia", "未妥投", "投递失败", "派送失败", "投递不成功")
STRONG_ABSENT = Words("absent*", "ausent*", "nieobecn*", "awiz*", "avis de passage",
                      "notice left")
UNCLAIMED = Words("unclaimed", "uncollected", "not collected", "not picked up",
                  "non reclame*", "pas ete retire", "non retire", "no retirad*", "no recogid*",
                  "no reclamad*", "sobrante", "nie podjet*", "niepodjet*", "逾期", "无人领取",
                  "未领取")
PICKUP = Words("available for pick*", "ready for pick*", "ready for collection",
               "available for collection", "awaiting collection", "awaiting pickup",
               "to be collected", "pickup point", "pick-up point", "collection point",
               "disponible", "a retirer", "en attente de retrait", "para recoger",
               "para su recogida", "do odbioru", "待取", "待自提", "自提点", "驿站")
LOCKER = Words("locker*", "parcel machine", "parcel terminal", "consigne*", "citypaq",
               "paczkomat*", "automat*", "packstation", "pickup station", "快递柜", "智能柜")
OUT_FOR_DELIVERY = Words("out for delivery", "with delivery courier", "on vehicle for delivery",
                         "en cours de livraison", "en livraison", "en reparto",
                         "en proceso de entrega", "en entrega", "w doreczeniu",
                         "wydano do doreczenia", "przekazano do doreczenia", "派送中",
                         "正在派送", "正在投递", "安排投递")
DELIVERED = Words("delivered", "delivery completed", "livre", "livree", "distribue*",
                  "entregado", "entregada", "doreczon*", "doreczenie", "odebran*", "妥投",
                  "签收", "已送达", "已投递")
SIGNED = Words("signed", "signature", "signe", "firmad*", "podpis*", "签收人")
LETTER_BOX = Words("mailbox", "mail box", "letter box", "letterbox", "boite aux lettres",
                   "boite a lettres", "buzon", "skrzynk*", "信箱", "信报箱")
NEIGHBOUR = Words("neighbour*", "neighbor*", "voisin*", "vecin*", "sasiad*", "gardien",
                  "concierge", "conserje", "邻居")
COLLECTED = Words("picked up by", "collected", "retire", "retiree", "recogid*", "odebran*",
                  "post office", "bureau de poste", "pickup point", "point relais", "oficina",
                  "placowc*", "自取", "已取件", "自提")
RETURNED_DONE = Words("delivered to sender", "delivered to the sender", "return delivered",
                      "received by the sender", "returned to shipper and delivered",
                      "livre a l'expediteur", "distribue a l'expediteur",
                      "livre a l'adresse de l'expediteur", "entregado al remitente",
                      "doreczono nadawcy", "doreczony nadawcy", "wydano nadawcy",
                      "退回妥投", "退件签收", "退回签收")
RETURNING = Words("return*", "retour*", "renvoy*", "devuel*", "devolu*", "zwrot*", "zwroc*",
                  "退回", "退件", "退运", "退还")
HANDOVER = Words("handed over", "hand over", "handover", "handed to", "transferred to",
                 "received by local", "accepted by local", "received by the local",
                 "remis a", "remis au", "confie a", "entregado al operador",
                 "entregado a la empresa", "entregado al transportista", "przekazan*",
                 "移交", "交由", "转交", "交付")
LAST_MILE_CUE = Words("last mile", "last-mile", "local delivery", "local carrier",
                      "local courier", "local postal", "delivery partner", "destination carrier",
                      "destination operator", "destination postal", "operador de destino",
                      "operateur", "operator*", "尾程", "末端", "当地", "派送公司")
NOT_LAST_MILE = Words("airline", "airport", "flight", "aircraft", "linehaul", "line haul",
                      "customs", "douane", "aduana", "celn*", "aerolinea", "compagnie aerienne",
                      "航空", "航班", "海关", "机场")
ARRIVAL = Words("arriv*", "llegad*", "llego", "przyby*", "przyjec*", "到达", "抵达")
DESTINATION = Words("destination country", "country of destination", "pays de destination",
                    "pays du destinataire", "pais de destino", "kraju przeznaczenia",
                    "inward office", "目的国", "寄达国", "目的地国家")
DEPARTURE = Words("depart*", "left", "leave*", "leaving", "quitte", "salid*", "salio",
                  "opuscil*", "wyslan*", "离开", "出境")
ORIGIN = Words("origin country", "country of origin", "departure country", "pays d'origine",
               "pays d'expedition", "pais de origen", "kraju nadania", "outward office",
               "中国", "出境")
ACCEPTED = Words("accepted", "acceptance", "picked up", "posted", "dropped off", "collected from",
                 "pris en charge", "depose", "admitid*", "nadan*", "收寄", "揽收", "揽件", "已收件")
INFO = Words("preregistr*", "pre-registr*", "preadmis*", "pre-admis*", "electronic information",
             "information received", "shipping information", "label created", "order created",
             "dane elektroniczne", "电子信息", "已下单", "订单已创建")
NOT_FOUND = Words("not found", "not exist*", "no record*", "no data", "no information",
                  "no existe", "no hay informacion", "inconnu", "brak", "未查询到", "不存在",
                  "无轨迹", "查无")
INVALID = Words("invalid", "incorrect", "wrong format", "format", "no es correcto",
                "nieprawidlow*", "格式", "非法", "错误")  # fmt: skip


def failed_reason(text: str) -> SubStatus:
    if REFUSED.within(text):
        return S.REFUSED
    if ADDRESS.within(text):
        return S.ADDRESS_PROBLEM
    if ABSENT.within(text):
        return S.RECIPIENT_ABSENT
    return S.NONE


def delivered_kind(text: str) -> SubStatus:
    if LETTER_BOX.within(text):
        return S.LETTER_BOX
    if NEIGHBOUR.within(text):
        return S.NEIGHBOUR
    if COLLECTED.within(text) or LOCKER.within(text):
        return S.COLLECTED
    if SIGNED.within(text):
        return S.SIGNED
    return S.DELIVERED_OTHER


def return_reason(text: str) -> SubStatus:
    if CUSTOMS.within(text):
        return S.CUSTOMS
    if UNCLAIMED.within(text):
        return S.UNCLAIMED
    if ADDRESS.within(text):
        return S.ADDRESS_INCORRECT
    if REFUSED.within(text) or ABSENT.within(text) or FAILED.within(text):
        return S.ATTEMPTS_FAILED
    return S.RETURNED_OTHER


def _customs(text: str) -> Reading:
    if CUSTOMS_HELD.within(text):
        return T.EXCEPTION, S.HELD_BY_CUSTOMS
    if EXPORT.within(text):
        return T.IN_TRANSIT, S.IN_TRANSIT_OTHER  # export formalities are not the buyer's
    if CUSTOMS_INFO.within(text):
        return T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED
    if CUSTOMS_RELEASED.within(text):
        return T.IN_TRANSIT, S.CUSTOMS_RELEASED
    return T.IN_TRANSIT, S.CUSTOMS_PROCESSING


def is_handover(text: str) -> bool:
    if not HANDOVER.within(text) or NOT_LAST_MILE.within(text):
        return False
    return LAST_MILE_CUE.within(text) or carrier_in_text(text) is not None


def read_text(raw: str | None) -> Reading | None:
    """What a carrier's words state, or None when they state nothing we can map.

    The order is the point: a lost or returned parcel outranks everything else it mentions,
    customs words outrank delivery words ("retenu en douane" is no delivery step), a failed or
    handed-over delivery outranks the "delivered"/"entregado" inside its wording.
    """
    text = norm(raw)
    if not text:
        return None
    if LOST.within(text):
        return T.EXCEPTION, S.LOST
    if DAMAGED.within(text):
        return T.EXCEPTION, S.DAMAGED
    if RETURNED_DONE.within(text):
        return T.RETURNED, return_reason(text)
    if CUSTOMS.within(text) and CUSTOMS_RELEASED.within(text) and not CUSTOMS_HELD.within(text):
        return _customs(text)  # "returned from customs" is a release, not a return
    if RETURNING.within(text):
        return T.RETURNING, S.NONE
    if CUSTOMS.within(text):
        return _customs(text)
    if DELAYED.within(text):
        return T.EXCEPTION, S.DELAYED
    if OUT_FOR_DELIVERY.within(text):
        return T.OUT_FOR_DELIVERY, S.NONE
    if is_handover(text):
        return T.IN_TRANSIT, S.HANDED_TO_LAST_MILE
    if FAILED.within(text) or REFUSED.within(text) or STRONG_ABSENT.within(text):
        return T.DELIVERY_FAILED, failed_reason(text)
    if ADDRESS.within(text):
        return T.DELIVERY_FAILED, S.ADDRESS_PROBLEM
    if PICKUP.within(text):
        return T.AVAILABLE_FOR_PICKUP, S.LOCKER if LOCKER.within(text) else S.PICKUP_POINT
    if DELIVERED.within(text):
        return T.DELIVERED, delivered_kind(text)
    if ARRIVAL.within(text) and DESTINATION.within(text):
        return T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY
    if DEPARTURE.within(text) and ORIGIN.within(text):
        return T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY
    if ACCEPTED.within(text):
        return T.IN_TRANSIT, S.ACCEPTED
    if INFO.within(text):
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
    elif status is T.DELIVERED and sub_status is S.DELIVERED_OTHER:
        return status, delivered_kind(text)
    elif status is T.RETURNED and sub_status is S.RETURNED_OTHER:
        return status, return_reason(text)
    elif status is T.AVAILABLE_FOR_PICKUP and LOCKER.within(text):
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
    if event.status is T.AVAILABLE_FOR_PICKUP:
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
_CARRIER_NAMES = Words(*sorted(_CARRIERS, key=len, reverse=True))
_NAME_PATTERN = re.compile(r"[^a-z0-9]+")


def carrier_in_text(raw: str | None) -> str | None:
    """The slug of a carrier Garant knows by name, when the text names one."""
    text = norm(raw)
    for name in sorted(_CARRIERS, key=len, reverse=True):  # "dhl express" before "dhl"
        if Words(name).within(text):
            return _CARRIERS[name]
    return None


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
    r"numer(?:em)?(?:\s+przesy[lł]ki)?|单号|运单号|跟踪号)"
    r"[\s:：=#-]{0,4}(?:is\s+)?([A-Za-z0-9]{8,34})",
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
    """Epoch milliseconds as the instant they are, shown in ``zone``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TrackingParseError(f"epoch time must be a number, not {type(value).__name__}")
    if not 0 < value < 4_102_444_800_000:  # before 2100: anything else is no parcel scan
        raise TrackingParseError(f"epoch time {value!r} out of range")
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC).astimezone(zone)
    except (OverflowError, OSError, ValueError):
        raise TrackingParseError(f"epoch time {value!r} out of range") from None


def fixed(zone: tzinfo, moment: datetime) -> datetime:
    """``moment`` with the zone's offset at that instant as a fixed offset."""
    offset = moment.astimezone(zone).utcoffset()
    if offset is None:
        raise TrackingParseError(f"zone {zone} gives no offset")
    return moment.astimezone(timezone(offset))


def first_text(*values: str | None) -> str:
    return next((value for value in values if value), "")


def joined(values: Iterable[str | None]) -> str:
    return " ".join(value for value in values if value)
