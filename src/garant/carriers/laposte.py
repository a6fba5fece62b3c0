"""La Poste / Colissimo — "Suivi v2" JSON (``GET /suivi/v2/idships/{id}``).

Payload: one object, or a list of objects when several numbers are asked; each carries
``returnCode`` (200 found, 400 number not valid, 404 unknown, other = carrier error) and, when
found, ``shipment`` with ``idShip``, ``event`` (newest first: ``code``, ``label``, ``date``) and
``contextData.originCountry`` / ``arrivalCountry``. Not found/invalid → ``TrackingNotFound``
(``invalid_number`` for 400); when a list mixes found and unknown numbers, the found ones are
returned.

Time convention: every ``date`` carries its offset (Paris time for French events) and is kept
as given. A date without offset is placed in the zone of the event's country (see below), and
refused when that country is unknown.

Location: events have no place of their own. The code says in which country the step happens
and only those codes get one: PC2/ET2 (and DI2, back at the sender) → origin country; ET3,
customs, delivery-site and delivery codes → arrival country; other codes → no country.

Mapping — the code gives the status; the label (which La Poste words per event) may only pick
the sub-status, except for MD2 whose labels differ in kind:

====  ===============================================  =======================================
code  label (La Poste's meaning)                       status / sub-status
====  ===============================================  =======================================
DR1   déclaratif réceptionné (label created)           info_received
PC1   pris en charge / déposé dans un point postal     in_transit / accepted
PC2   pris en charge dans le pays d'expédition         in_transit / accepted
ET1   en cours de traitement / d'acheminement          in_transit / in_transit_other
ET2   prêt à partir de son territoire d'expédition     in_transit / departed_origin_country
ET3   arrivé dans le pays du destinataire              in_transit / arrived_destination_country
ET4   en traitement dans un pays de transit            in_transit / in_transit_other
EP1   en attente de présentation                       in_transit / in_transit_other
DO1   entrée en douane                                 in_transit / customs_processing
DO2   sortie de douane                                 in_transit / customs_released
DO3   retenu en douane                                 exception / held_by_customs
ID0   informations douane                              in_transit / customs_processing, or
                                                       customs_information_required when the
                                                       label asks for documents or payment
PB1   problème en cours                                exception / exception_other (damaged,
                                                       delayed when the label says so)
PB2   problème résolu                                  in_transit / in_transit_other
MD2   au site de livraison, préparé pour la livraison  in_transit / in_transit_other; a label
                                                       saying it is being delivered →
                                                       out_for_delivery
ND1   non distribuable                                 delivery_failed / absent, address,
                                                       refused per label (else none)
AG1   en attente d'être retiré au guichet              available_for_pickup / pickup_point
                                                       (locker when the label says so)
RE1   retourné à l'expéditeur (on its way back)        returning
DI0   distribué en lot                                 delivered / delivered_other
DI1   distribué (livré)                                delivered / letter_box, neighbour,
                                                       collected, signed per label
DI2   distribué à l'expéditeur (back at the sender)    returned / reason per label
DI3   retardé                                          exception / delayed
====  ===============================================  =======================================

RE1 is the return, not a refusal: a refusal by the addressee is an ND1 whose label says so.
An unknown code is read as ``in_transit / in_transit_other``, its label kept.
"""

from __future__ import annotations

from typing import Any

from garant.carriers.base import (
    CarrierError,
    TrackingNotFound,
    as_dict,
    as_list,
    chronological,
    folded,
    guarded,
    load_json,
    make_location,
    opt_dict,
    opt_str,
    parse_timestamp,
    register,
    req_str,
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
    "DR1": (T.INFO_RECEIVED, S.NONE),
    "PC1": (T.IN_TRANSIT, S.ACCEPTED),
    "PC2": (T.IN_TRANSIT, S.ACCEPTED),
    "ET1": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "ET2": (T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY),
    "ET3": (T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
    "ET4": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "EP1": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "DO1": (T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
    "DO2": (T.IN_TRANSIT, S.CUSTOMS_RELEASED),
    "DO3": (T.EXCEPTION, S.HELD_BY_CUSTOMS),
    "ID0": (T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
    "PB1": (T.EXCEPTION, S.EXCEPTION_OTHER),
    "PB2": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "MD2": (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "ND1": (T.DELIVERY_FAILED, S.NONE),
    "AG1": (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    "RE1": (T.RETURNING, S.NONE),
    "DI0": (T.DELIVERED, S.DELIVERED_OTHER),
    "DI1": (T.DELIVERED, S.DELIVERED_OTHER),
    "DI2": (T.RETURNED, S.RETURNED_OTHER),
    "DI3": (T.EXCEPTION, S.DELAYED),
}

_AT_ORIGIN = {"PC2", "ET2", "DI2"}
_AT_DESTINATION = {"ET3", "EP1", "DO1", "DO2", "DO3", "ID0", "MD2", "ND1", "AG1", "DI0", "DI1"}

# A label may name the sender's address without blaming it; these words do blame it.
_WRONG_ADDRESS = (
    "adresse incorrecte",
    "adresse incomplete",
    "adresse erronee",
    "adresse inexacte",
    "adresse insuffisante",
    "n'habite pas",
    "inconnu a l'adresse",
)

# (code, words in the folded label, sub-status): first match wins.
_LABEL_RULES: list[tuple[str, tuple[str, ...], SubStatus]] = [
    ("ID0", ("document", "justificatif", "paiement", "payer", "regler"),
     S.CUSTOMS_INFORMATION_REQUIRED),
    ("PB1", ("endommage", "abime", "deteriore"), S.DAMAGED),
    ("PB1", ("retard",), S.DELAYED),
    ("ND1", ("refus",), S.REFUSED),
    ("ND1", ("absen", "avis de passage"), S.RECIPIENT_ABSENT),
    ("ND1", _WRONG_ADDRESS, S.ADDRESS_PROBLEM),
    ("AG1", ("consigne", "locker", "pickup station"), S.LOCKER),
    ("DI1", ("boite aux lettres", "boite a lettres"), S.LETTER_BOX),
    ("DI1", ("voisin", "gardien"), S.NEIGHBOUR),
    ("DI1", ("retire", "recupere", "point de retrait", "bureau de poste"), S.COLLECTED),
    ("DI1", ("signature", "main propre"), S.SIGNED),
    ("DI2", ("douane",), S.CUSTOMS),
    ("DI2", ("non reclame", "pas ete retire", "delai"), S.UNCLAIMED),
    ("DI2", _WRONG_ADDRESS, S.ADDRESS_INCORRECT),
    ("DI2", ("tentative", "absen"), S.ATTEMPTS_FAILED),
]  # fmt: skip

_BEING_DELIVERED = ("en cours de livraison", "livreur", "est en livraison")


def classify(code: str | None, label: str) -> tuple[TrackingStatus, SubStatus]:
    key = (code or "").upper()
    status, sub_status = CODES.get(key, (T.IN_TRANSIT, S.IN_TRANSIT_OTHER))
    text = folded(label)
    if key == "MD2" and any(words in text for words in _BEING_DELIVERED):
        return T.OUT_FOR_DELIVERY, S.NONE
    for rule_code, words, refined in _LABEL_RULES:
        if rule_code == key and any(word in text for word in words):
            return status, refined
    return status, sub_status


class LaPosteAdapter:
    slug = "laposte"
    name = "La Poste / Colissimo"

    def parse(self, payload: bytes | str) -> list[TrackingEvent]:
        return guarded(self.slug, self._read, payload)

    def _read(self, payload: bytes | str) -> list[TrackingEvent]:
        data = load_json(payload)
        items = data if isinstance(data, list) else [data]
        if not items:
            raise TrackingParseError("laposte: empty response")
        events: list[TrackingEvent] = []
        failures: list[TrackingParseError] = []
        for item in items:
            answer = as_dict(item, "response item")
            try:
                events.extend(self._shipment_events(answer))
            except (TrackingNotFound, CarrierError) as failure:
                failures.append(failure)
        if failures and len(failures) == len(items):
            raise failures[0]
        return chronological(events)

    def _shipment_events(self, answer: dict[str, Any]) -> list[TrackingEvent]:
        code = answer.get("returnCode")
        if not isinstance(code, int) or isinstance(code, bool):
            raise TrackingParseError("laposte: returnCode must be an integer")
        message = opt_str(answer, "returnMessage") or f"returnCode {code}"
        number = opt_str(answer, "idShip")
        if code in (400, 404):
            raise TrackingNotFound(
                self.slug, message, tracking_number=number, code=str(code),
                invalid_number=code == 400,
            )  # fmt: skip
        if code not in (200, 207):
            raise CarrierError(self.slug, message, code=str(code))
        shipment = as_dict(answer.get("shipment"), "shipment")
        number = req_str(shipment, "idShip")
        context = opt_dict(shipment, "contextData")
        origin = opt_str(context, "originCountry")
        arrival = opt_str(context, "arrivalCountry")
        raw_events = as_list(shipment.get("event"), "event")
        return [
            self._event(number, as_dict(raw, "event"), origin, arrival)
            for raw in reversed(raw_events)  # La Poste lists newest first
        ]

    def _event(
        self, number: str, raw: dict[str, Any], origin: str | None, arrival: str | None
    ) -> TrackingEvent:
        code = opt_str(raw, "code")
        label = opt_str(raw, "label") or ""
        key = (code or "").upper()
        country = opt_str(raw, "country")
        if country is None:
            country = origin if key in _AT_ORIGIN else arrival if key in _AT_DESTINATION else None
        location = make_location(country=country) if country else Location()
        status, sub_status = classify(code, label)
        return TrackingEvent(
            carrier=self.slug,
            tracking_number=number,
            occurred_at=parse_timestamp(req_str(raw, "date"), zone_for(location.country)),
            status=status,
            sub_status=sub_status,
            raw_code=code,
            raw_text=label,
            location=location,
        )


ADAPTER = register(LaPosteAdapter())
