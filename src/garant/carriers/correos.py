"""Correos (España) — the "localizador" JSON (``searchengines/api/v1/envios?text=…``).

Payload: ``{"type": "envio", "shipment": [...]}``, one shipment per number asked:
``shipmentCode``, ``error`` (``errorCode`` "0" when found, ``errorDesc``),
``pendingCustomsPay`` (duties or VAT to pay before delivery) and ``events`` (oldest first):
``eventDate`` (dd/mm/yyyy), ``eventTime`` (hh:mm[:ss]), ``phase`` ("1" pre-admission, "2" on
the way, "3" in delivery, "4" delivered) with ``desPhase``, ``summaryText`` (Correos' fixed
label: "Pre-registrado", "Admitido", "En tránsito", "En reparto", "Entregado", "Ausente",
"Disponible para recoger en oficina", "En devolución", "Extraviado"…), ``extendedText`` (the
sentence), ``codired`` (office code). A shipment whose ``errorCode`` is not "0" →
``TrackingNotFound`` when ``errorDesc`` says the number is unknown or malformed, else
``CarrierError``. Found shipments win over unknown ones in a mixed answer.

Time convention: dates and times carry no offset; Correos stamps every event, the partners'
scans abroad included, in Spain's peninsular time, so every event is placed in Europe/Madrid
(+01:00 in winter, +02:00 in summer). The Canary Islands' hour behind is not visible in the
payload and is not guessed.

Mapping: the API has no event codes. ``raw_code`` is the ``summaryText`` label, ``raw_text``
the ``extendedText`` sentence; the two are read together (``_postal.read_text``, Spanish and
English wording), and when the words state nothing the phase decides:

=========================================================  ==================================
words (Spanish / English)                                  status / sub-status
=========================================================  ==================================
Pre-registrado / Pre-registered                            info_received
Admitido / Accepted                                        in_transit / accepted
salido del país de origen                                  in_transit / departed_origin
llegada al país de destino                                 in_transit / arrived_destination
aduana… / customs…                                         in_transit / customs_processing
despachado / liberado (customs)                            in_transit / customs_released
retenido en aduana / held                                  exception / held_by_customs
pendiente de documentación, pago de aranceles              in_transit /
                                                           customs_information_required
entregado al operador de destino (+ carrier, number)       in_transit / handed_to_last_mile
En reparto, en proceso de entrega                          out_for_delivery
Ausente, Rehusado, Dirección incorrecta, Desconocido       delivery_failed / absent, refused,
                                                           address
Disponible para recoger en oficina / en Citypaq            available_for_pickup /
                                                           pickup_point / locker
Entregado (en oficina, en Citypaq → collected)             delivered / kind per words
En devolución, Devuelto                                    returning
Entregado al remitente                                     returned / reason per words
Extraviado                                                 exception / lost
phase 1 / 2 / 3 / 4 with nothing readable                  info_received / in_transit_other /
                                                           in_transit_other / delivered
=========================================================  ==================================

``pendingCustomsPay`` true turns the latest customs step not followed by a release into
customs_information_required (SHP-3: the buyer has duties to pay). TRK-3: the handover's
leg is "last_mile:<carrier>:<number>". TRK-5: a return without a reason of its own takes it
from the timeline.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from garant.carriers import _postal
from garant.carriers.base import (
    TrackingNotFound,
    as_dict,
    as_list,
    chronological,
    guarded,
    in_zone,
    load_json,
    make_location,
    opt_dict,
    opt_str,
    register,
    req_str,
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
SPAIN = ZoneInfo("Europe/Madrid")

PHASES: dict[str, tuple[TrackingStatus, SubStatus]] = {
    "0": (T.INFO_RECEIVED, S.NONE),
    "1": (T.INFO_RECEIVED, S.NONE),
    "2": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    # Phase 3 holds the round but also "Ausente" and the office notice: only words say which.
    "3": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "4": (T.DELIVERED, S.DELIVERED_OTHER),
}


def classify(
    summary: str | None, sentence: str | None, phase: str | None
) -> tuple[TrackingStatus, SubStatus]:
    words = _postal.joined([summary, sentence])
    said = _postal.read_text(words)
    if said is not None:
        return said
    return PHASES.get((phase or "").strip(), (T.IN_TRANSIT, S.IN_TRANSIT_OTHER))


class CorreosAdapter:
    slug = "correos"
    name = "Correos (España)"

    def parse(self, payload: bytes | str) -> list[TrackingEvent]:
        return guarded(self.slug, self._read, payload)

    def _read(self, payload: bytes | str) -> list[TrackingEvent]:
        data = as_dict(load_json(payload), "response")
        shipments = as_list(data.get("shipment"), "shipment")
        if not shipments:
            raise TrackingParseError("correos: response without shipment")
        events: list[TrackingEvent] = []
        missing: list[TrackingNotFound] = []
        for shipment in shipments:
            try:
                events.extend(self._shipment_events(as_dict(shipment, "shipment")))
            except TrackingNotFound as unknown:
                missing.append(unknown)
        if len(missing) == len(shipments):
            raise missing[0]
        return _postal.with_return_reasons(chronological(events))

    def _shipment_events(self, shipment: dict[str, Any]) -> list[TrackingEvent]:
        number = req_str(shipment, "shipmentCode")
        error = opt_dict(shipment, "error")
        code = opt_str(error, "errorCode")
        if code not in (None, "0"):
            message = opt_str(error, "errorDesc") or f"errorCode {code}"
            _postal.refuse(self.slug, message[:200], number=number, code=code)
        raw = [as_dict(item, "event") for item in as_list(shipment.get("events"), "events")]
        events = [self._event(number, item) for item in raw]
        if shipment.get("pendingCustomsPay") is True:
            events = _duties_pending(events)
        return events

    def _event(self, number: str, raw: dict[str, Any]) -> TrackingEvent:
        summary = opt_str(raw, "summaryText")
        sentence = opt_str(raw, "extendedText")
        status, sub_status = classify(summary, sentence, opt_str(raw, "phase"))
        leg = None
        if sub_status is S.HANDED_TO_LAST_MILE:
            leg = _postal.handover_leg(
                _postal.carrier_in_text(sentence), _postal.local_number(sentence)
            )
        office = opt_str(raw, "codired")
        return TrackingEvent(
            carrier=self.slug,
            tracking_number=number,
            occurred_at=_instant(req_str(raw, "eventDate"), opt_str(raw, "eventTime")),
            status=status,
            sub_status=sub_status,
            raw_code=summary,
            raw_text=_postal.first_text(sentence, summary),
            location=make_location(description=office) if office else Location(),
            leg=leg,
        )


def _instant(day: str, clock: str | None) -> datetime:
    text = f"{day} {clock or '00:00'}"
    for pattern in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"):
        try:
            naive = datetime.strptime(text[:40], pattern)
        except ValueError:
            continue
        return in_zone(naive, SPAIN)
    raise TrackingParseError(f"correos: unreadable date {text[:40]!r}")


def _duties_pending(events: list[TrackingEvent]) -> list[TrackingEvent]:
    for index in range(len(events) - 1, -1, -1):
        sub_status = events[index].sub_status
        if sub_status is S.CUSTOMS_RELEASED:
            return events  # duties flagged, but the customs step we know of is done
        if sub_status is S.CUSTOMS_PROCESSING:
            pending = replace(events[index], sub_status=S.CUSTOMS_INFORMATION_REQUIRED)
            return [*events[:index], pending, *events[index + 1 :]]
    return events


ADAPTER = register(CorreosAdapter())
