"""Poczta Polska — Envelo tracking web service, SOAP/XML (``sprawdzPrzesylke``).

Payload: a SOAP envelope whose body holds ``sprawdzPrzesylkeResponse`` (or the plural
``sprawdzPrzesylkiResponse``) with one ``return`` per number asked: ``numer``, ``status`` and
``danePrzesylki`` (``kodKrajuNadania`` / ``kodKrajuPrzezn``, ``rodzPrzes``, … and
``zdarzenia/zdarzenie``, oldest first: ``czas`` "yyyy-mm-dd hh:mm", ``kod``, ``nazwa`` (the
event's name in Polish), ``jednostka/nazwa`` (the unit that scanned it, "Shenzhen (Chiny)"
for a partner abroad), ``przyczyna/nazwa`` (the reason of a failure or return),
``konczace``). ``status``: 0 found, 1 found (other parcels share the number), -1 no such
parcel → ``TrackingNotFound``, -2 malformed number → ``TrackingNotFound(invalid_number)``,
-99 or anything else → ``CarrierError``; a SOAP ``Fault`` → ``CarrierError``. The XML is read
with the safe loader (no DTD, no entity at all). Found parcels win in a mixed answer.

Time convention: ``czas`` carries no offset. It is the wall clock of the scanning unit: a
Polish unit → Europe/Warsaw, a partner's unit naming its country ("Paryż (Francja)") → that
country's zone (so a Shenzhen acceptance is +08:00, a Paris handover +01:00/+02:00). A unit
abroad whose country has several zones and no city to decide is refused, never read as UTC.

Mapping — the codes with a row are certain; every other event is read from its Polish name
and reason (``_postal.read_text``):

=========================================================  ==================================
kod / nazwa (Polish)                                       status / sub-status
=========================================================  ==================================
P_NAD Nadanie (posting)                                    in_transit / accepted
Wysłanie przesyłki z kraju nadania                         in_transit / departed_origin
Przyjęcie przesyłki w kraju przeznaczenia                  in_transit / arrived_destination
…odprawy celnej (customs), Zwolnienie z odprawy celnej     in_transit / customs_processing,
                                                           customs_released
Zatrzymanie przez urząd celny                              exception / held_by_customs
Wezwanie do uzupełnienia dokumentów celnych, opłata        in_transit /
                                                           customs_information_required
Przekazanie przesyłki operatorowi (La Poste), numer: …     in_transit / handed_to_last_mile
Przesyłka w doręczeniu, wydano do doręczenia               out_for_delivery
P_A Awizo (notice left: nobody home)                       delivery_failed / recipient_absent
                                                           (refused, address per reason)
…do odbioru w placówce / w automacie paczkowym             available_for_pickup /
                                                           pickup_point / locker
P_D Doręczenie (odebrano w placówce → collected,           delivered / kind per words; a
skrzynka → letter box); doręczenie nadawcy                 delivery to the sender → returned
Zwrot (nie podjęto w terminie, odmowa, adresat nieznany)   returning
Zaginięcie / zagubienie                                    exception / lost
anything else                                              in_transit / in_transit_other
=========================================================  ==================================

TRK-3: the handover's leg is "last_mile:<carrier>:<number>". TRK-5: a return without a reason
of its own takes it from the timeline (the ``przyczyna`` of the return step is in its words).
"""

from __future__ import annotations

import re
from datetime import datetime
from xml.etree.ElementTree import Element

from garant.carriers import _postal
from garant.carriers._postal_words import norm
from garant.carriers.base import (
    CarrierError,
    TrackingNotFound,
    chronological,
    country_code,
    guarded,
    in_zone,
    load_xml,
    local_name,
    make_location,
    register,
    xml_child,
    xml_children,
    xml_text,
    zone_for,
)
from garant.domain.tracking import (
    Location,
    SubStatus,
    TrackingEvent,
    TrackingParseError,
    TrackingStatus,
)

S = SubStatus
T = TrackingStatus

CODES: dict[str, tuple[TrackingStatus, SubStatus]] = {
    "P_NAD": (T.IN_TRANSIT, S.ACCEPTED),
    "P_A": (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
    "P_D": (T.DELIVERED, S.DELIVERED_OTHER),
}
_FOUND = {"0", "1"}
_UNIT = re.compile(r"^(?P<city>[^()]{1,80}?)\s*\((?P<country>[^()]{2,60})\)\s*$")


def classify(code: str | None, words: str) -> tuple[TrackingStatus, SubStatus]:
    key = (code or "").upper()
    if key in CODES:
        status, sub_status = CODES[key]
        if status is T.DELIVERY_FAILED:  # the notice says nobody was home, unless told why
            reason = _postal.failed_reason(norm(words))
            return status, reason if reason is not S.NONE else sub_status
        return _postal.refine(status, sub_status, words)
    return _postal.read_text(words) or (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)


class PocztaPolskaAdapter:
    slug = "poczta_polska"
    name = "Poczta Polska"

    def parse(self, payload: bytes | str) -> list[TrackingEvent]:
        return guarded(self.slug, self._read, payload)

    def _read(self, payload: bytes | str) -> list[TrackingEvent]:
        root = load_xml(payload)
        body = xml_child(root, "Body") if local_name(root) == "Envelope" else root
        if body is None:
            raise TrackingParseError("poczta_polska: SOAP envelope without Body")
        fault = xml_child(body, "Fault")
        if fault is not None:
            message = xml_text(fault, "faultstring") or xml_text(fault, "Reason", "Text")
            code = xml_text(fault, "faultcode")
            raise CarrierError(self.slug, (message or "SOAP fault")[:200], code=code)
        answers = [
            answer
            for response in body
            if local_name(response).startswith("sprawdzPrzesylk")
            for answer in xml_children(response, "return")
        ]
        if not answers:
            raise TrackingParseError("poczta_polska: no sprawdzPrzesylke answer in the body")
        events: list[TrackingEvent] = []
        missing: list[TrackingNotFound] = []
        for answer in answers:
            try:
                events.extend(self._parcel_events(answer))
            except TrackingNotFound as unknown:
                missing.append(unknown)
        if len(missing) == len(answers):
            raise missing[0]
        return _postal.with_return_reasons(chronological(events))

    def _parcel_events(self, answer: Element) -> list[TrackingEvent]:
        number = xml_text(answer, "numer") or xml_text(answer, "danePrzesylki", "numer")
        status = xml_text(answer, "status")
        if status == "-1":
            raise TrackingNotFound(self.slug, "brak przesyłki", tracking_number=number, code="-1")
        if status == "-2":
            raise TrackingNotFound(
                self.slug, "niepoprawny numer", tracking_number=number, code="-2",
                invalid_number=True,
            )  # fmt: skip
        if status not in _FOUND:
            raise CarrierError(self.slug, f"status {status}", code=status)
        if number is None:
            raise TrackingParseError("poczta_polska: answer without numer")
        details = xml_child(answer, "danePrzesylki")
        events = xml_child(details, "zdarzenia") if details is not None else None
        if events is None:
            return []
        return [self._event(number, raw) for raw in xml_children(events, "zdarzenie")]

    def _event(self, number: str, raw: Element) -> TrackingEvent:
        code = xml_text(raw, "kod")
        name = xml_text(raw, "nazwa") or ""
        reason = xml_text(raw, "przyczyna", "nazwa")
        words = _postal.joined([name, reason])
        status, sub_status = classify(code, words)
        leg = None
        if sub_status is S.HANDED_TO_LAST_MILE:
            leg = _postal.handover_leg(_postal.carrier_in_text(name), _postal.local_number(name))
        location = _location(xml_text(raw, "jednostka", "nazwa"))
        return TrackingEvent(
            carrier=self.slug,
            tracking_number=number,
            occurred_at=_instant(xml_text(raw, "czas"), location),
            status=status,
            sub_status=sub_status,
            raw_code=code,
            raw_text=f"{name} ({reason})" if reason else name,
            location=location,
            leg=leg,
        )


def _location(unit: str | None) -> Location:
    if not unit:
        return make_location(country="PL")  # Poczta Polska names the unit of its own scans
    match = _UNIT.match(unit)
    if match:
        named = match.group("country")
        country = _postal.country_named_in(named, "pl") or country_code(named)
        if country:
            return make_location(country=country, city=match.group("city"), description=unit)
    return make_location(country="PL", description=unit)


def _instant(text: str | None, location: Location) -> datetime:
    if text is None:
        raise TrackingParseError("poczta_polska: event without czas")
    try:
        naive = datetime.fromisoformat(text[:40])
    except ValueError:
        raise TrackingParseError(f"poczta_polska: unreadable czas {text[:40]!r}") from None
    if naive.tzinfo is not None:
        return naive
    zone = zone_for(location.country, city=location.city)
    if zone is None:
        raise TrackingParseError(f"poczta_polska: no time zone for {location.description!r}")
    return in_zone(naive, zone)


ADAPTER = register(PocztaPolskaAdapter())
