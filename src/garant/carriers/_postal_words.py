"""The words carriers use, in ``norm`` form, for ``_postal`` to read (TRK-2).

English, French, Spanish, Polish and Chinese, as the carriers of a China → Europe parcel write
them. ``Words`` matches whole words (``"stem*"`` for any word starting with the stem), so
"undelivered" is not "delivered" and "dédouanement" is not "dédouané"; Chinese has no spaces
between words, so a Chinese keyword matches anywhere.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=4096)  # the same carrier wording is read again for every rule
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
        latin = [word for word in words if word[0].isascii()]
        whole = [re.escape(word) for word in latin if not word.endswith("*")]
        stems = [re.escape(word[:-1]) for word in latin if word.endswith("*")]
        # CJK has no spaces between words: a substring is all one can ask.
        parts = [re.escape(word) for word in words if not word[0].isascii()]
        # One boundary check around each group, not one per word: the tables are long and
        # every event's text is searched many times.
        if stems:
            parts.insert(0, rf"(?<![a-z0-9])(?:{'|'.join(stems)})")
        if whole:
            parts.insert(0, rf"(?<![a-z0-9])(?:{'|'.join(whole)})(?![a-z0-9])")
        self._pattern = re.compile("|".join(parts))

    def within(self, text: str) -> bool:
        return self._pattern.search(text) is not None

    def find(self, text: str) -> str | None:
        match = self._pattern.search(text)
        return match.group(0) if match else None

    def end(self, text: str) -> int | None:
        """Where the first match ends, None without a match."""
        match = self._pattern.search(text)
        return match.end() if match else None

    def all(self, text: str) -> list[tuple[int, str]]:
        """(start, word) of every match, in the order of the text."""
        return [(match.start(), match.group(0)) for match in self._pattern.finditer(text)]


# Keyword tables, one language after another: kept as tables, not reflowed.
# fmt: off
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
                         "zwolnien*", "zakonczon*",
                         "放行", "清关完成", "通关完成", "已清关", "清关成功")
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
UNCLAIMED = Words("unclaimed", "uncollected", "not collected", "not picked up", "pick up missed",
                  "pickup missed",
                  "non reclame*", "pas ete retire", "non retire", "no retirad*", "no recogid*",
                  "no reclamad*", "sobrante", "nie podjet*", "niepodjet*", "逾期", "无人领取",
                  "未领取")
PICKUP = Words("available for pick*", "ready for pick*", "ready for collection", "available at",
               "available in", "ready at the", "ready in the",
               "available for collection", "awaiting collection", "awaiting pickup",
               "to be collected", "pickup point", "pick-up point", "collection point",
               "disponible", "a retirer", "en attente de retrait", "para recoger",
               "para su recogida", "do odbioru", "待取", "待自提", "自提点", "驿站")
LOCKER = Words("locker*", "parcel machine", "parcel terminal", "consigne*", "citypaq",
               "paczkomat*", "automat*", "automacie", "packstation", "pickup station",
               "快递柜", "智能柜")
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
                      "doreczono nadawcy", "doreczony nadawcy", "doreczenie nadawcy",
                      "wydano nadawcy",
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
                    "inward office", "目的国", "寄达国", "寄达地", "目的地国家")
DEPARTURE = Words("depart*", "left", "leave*", "leaving", "quitte", "salid*", "salio",
                  "opuscil*", "wyslan*", "离开", "出境")
ORIGIN = Words("origin country", "country of origin", "pays d'origine",
               "pays d'expedition", "pais de origen", "kraju nadania", "outward office",
               "中国", "出境")
ACCEPTED = Words("accepted", "acceptance", "picked up", "posted", "dropped off", "collected from",
                 "pris en charge", "depose", "admitid*", "nadan*", "收寄", "揽收", "揽件", "已收件")
INFO = Words("preregistr*", "pre-registr*", "preadmis*", "pre-admis*", "electronic information",
             "information received", "shipping information", "label created", "order created",
             "dane elektroniczne", "电子信息", "已下单", "订单已创建")
NOT_FOUND = Words("not found", "not exist*", "no record*", "no data", "no information",
                  "no existe", "no hay informacion", "unknown number", "inconnu", "brak",
                  "未查询到", "不存在", "无轨迹", "查无")
INVALID = Words("invalid number", "invalid tracking*", "invalid waybill", "invalid mail*",
                "wrong number", "number format", "wrong format", "format error", "numero invalide",
                "no es correcto", "nieprawidlowy numer", "格式", "非法单号")
# fmt: on
