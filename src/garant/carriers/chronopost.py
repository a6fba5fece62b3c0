"""Chronopost — ``trackSkybillV2`` SOAP response (XML).

Payload: ``Envelope/Body/trackSkybillV2Response/return`` with ``errorCode`` (0 = answered),
``errorMessage`` and ``listEventInfoComp`` holding ``skybillNumber`` and ``events`` in
chronological order: ``code``, ``eventDate``, ``eventLabel``, ``officeLabel``, ``zipCode``,
``NPC`` (the French département of the office) and ``infoCompList`` name/value pairs. A
non-zero ``errorCode`` → ``CarrierError``, or ``TrackingNotFound`` when its message says the
number is unknown. An answer without events returns [] (Chronopost does not say whether it
knows the number). A SOAP ``Fault`` → ``CarrierError``.

Time convention: ``eventDate`` carries the offset of the office (Paris time in France) and is
kept as given; a date without offset is placed in the office's country zone, refused when the
country is unknown.

Location: ``officeLabel`` (city or hub name), ``zipCode``; the country is France when the event
names a département (``NPC``), else unknown.

Mapping of ``code`` (others: the label's words, else in_transit / in_transit_other):

======================================  ==============================================
code (label)                            status / sub-status
======================================  ==============================================
DC shipment in preparation              info_received
DB handed over by shipper, DY/PC        in_transit / accepted
registered / taken over
SC, SD, TS sorted, in transit           in_transit / in_transit_other
TA in delivery to the consignee         out_for_delivery
D delivered                             delivered / delivered_other (signed, neighbour,
                                        letter_box, collected per the label)
label words: relais/pickup available    available_for_pickup / pickup_point
absent / avis de passage, refus         delivery_failed / recipient_absent, refused
retour expéditeur / return              returning
douane / customs                        in_transit / customs_processing
retard / delay, incident                exception / delayed, exception_other
======================================  ==============================================
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from garant.carriers.base import (
    CarrierError,
    TrackingNotFound,
    chronological,
    folded,
    guarded,
    load_xml,
    local_name,
    make_location,
    parse_timestamp,
    register,
    xml_child,
    xml_children,
    xml_text,
    zone_for,
)
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus

S = SubStatus
T = TrackingStatus

CODES: dict[str, tuple[TrackingStatus, SubStatus]] = {
    "DC": (T.INFO_RECEIVED, S.NONE),
    "DB": (T.IN_TRANSIT, S.ACCEPTED),
    "DY": (T.IN_TRANSIT, S.ACCEPTED),
    "PC": (T.IN_TRANSIT, S.ACCEPTED),
    "SC": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "SD": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "TS": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "TA": (T.OUT_FOR_DELIVERY, S.NONE),
    "D": (T.DELIVERED, S.DELIVERED_OTHER),
}

_WORDS: list[tuple[tuple[str, ...], TrackingStatus, SubStatus]] = [
    (("retour expediteur", "retourne", "return to sender", "returned to sender"),
     T.RETURNING, S.NONE),
    (("disponible en relais", "disponible au", "available at the pickup",
      "available for pickup", "disponible dans"), T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    (("refus", "refused"), T.DELIVERY_FAILED, S.REFUSED),
    (("absent", "avis de passage", "not at home", "notice left"),
     T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
    (("a ete livre", "est livre", "livre a", "delivered"), T.DELIVERED, S.DELIVERED_OTHER),
    (("douane", "customs"), T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
    (("retard", "delay"), T.EXCEPTION, S.DELAYED),
    (("incident",), T.EXCEPTION, S.EXCEPTION_OTHER),
]  # fmt: skip

_DELIVERED_AT = [
    (("signature", "signed"), S.SIGNED),
    (("voisin", "neighbour", "neighbor"), S.NEIGHBOUR),
    (("boite aux lettres", "letter box", "mailbox"), S.LETTER_BOX),
    (("relais", "pickup point", "retire"), S.COLLECTED),
]


def classify(code: str | None, label: str) -> tuple[TrackingStatus, SubStatus]:
    text = folded(label)
    found = CODES.get((code or "").upper())
    if found is None:
        found = next(
            ((status, sub) for words, status, sub in _WORDS if any(w in text for w in words)),
            (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        )
    status, sub_status = found
    if status is T.DELIVERED:
        for words, place in _DELIVERED_AT:
            if any(w in text for w in words):
                return status, place
    return status, sub_status


class ChronopostAdapter:
    slug = "chronopost"
    name = "Chronopost"

    def parse(self, payload: bytes | str) -> list[TrackingEvent]:
        return guarded(self.slug, self._read, payload)

    def _read(self, payload: bytes | str) -> list[TrackingEvent]:
        root = load_xml(payload)
        body = xml_child(root, "Body") if local_name(root) == "Envelope" else None
        if body is None:
            raise TrackingParseError("chronopost: not a SOAP envelope")
        fault = xml_child(body, "Fault")
        if fault is not None:
            raise CarrierError(self.slug, xml_text(fault, "faultstring") or "SOAP fault")
        answer = xml_child(xml_child(body, "trackSkybillV2Response"), "return")
        if answer is None:
            raise TrackingParseError("chronopost: no trackSkybillV2Response/return")
        code = xml_text(answer, "errorCode") or "0"
        if code != "0":
            message = xml_text(answer, "errorMessage") or f"errorCode {code}"
            words = folded(message)
            if any(w in words for w in ("not found", "inconnu", "introuvable", "unknown")):
                raise TrackingNotFound(self.slug, message, code=code)
            raise CarrierError(self.slug, message, code=code)
        listing = xml_child(answer, "listEventInfoComp")
        if listing is None:
            return []
        number = xml_text(listing, "skybillNumber")
        if number is None:
            raise TrackingParseError("chronopost: events without skybillNumber")
        return chronological(self._event(number, raw) for raw in xml_children(listing, "events"))

    def _event(self, number: str, raw: Element) -> TrackingEvent:
        code = xml_text(raw, "code")
        label = xml_text(raw, "eventLabel") or ""
        # Without a département the "office" is a system ("Web Services"), not a place.
        in_france = xml_text(raw, "NPC") is not None
        country = "FR" if in_france else None
        office = xml_text(raw, "officeLabel")
        date = xml_text(raw, "eventDate")
        if date is None:
            raise TrackingParseError(f"chronopost: event {code} without eventDate")
        status, sub_status = classify(code, label)
        return TrackingEvent(
            carrier=self.slug,
            tracking_number=number,
            occurred_at=parse_timestamp(date, zone_for(country)),
            status=status,
            sub_status=sub_status,
            raw_code=code,
            raw_text=label,
            location=make_location(
                country=country,
                city=office if in_france else None,
                postcode=xml_text(raw, "zipCode"),
                description=office,
            ),
        )


ADAPTER = register(ChronopostAdapter())
