"""TRK-1/2/3/4/5: the Correos (España) "localizador" adapter on Garant's own fixtures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from garant.carriers import CarrierError, TrackingNotFound, get_adapter
from garant.carriers._postal import parse_handover_leg
from garant.carriers.correos import classify
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "correos"
MADRID_WINTER = timezone(timedelta(hours=1))
MADRID_SUMMER = timezone(timedelta(hours=2))
S, T = SubStatus, TrackingStatus


def _events(name: str) -> list[TrackingEvent]:
    return get_adapter("correos").parse((FIXTURES / name).read_bytes())


@pytest.fixture(scope="module")
def journey() -> list[TrackingEvent]:
    return _events("china_to_france_delivered.json")


def test_trk2_correos_full_journey_mapping(journey):
    assert [(e.raw_code, e.status, e.sub_status) for e in journey] == [
        ("Pre-registrado", T.INFO_RECEIVED, S.NONE),
        ("Admitido", T.IN_TRANSIT, S.ACCEPTED),
        ("En tránsito", T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY),
        ("En tránsito", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("En proceso de despacho aduanero", T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
        ("Despachado en aduana", T.IN_TRANSIT, S.CUSTOMS_RELEASED),
        ("Entregado al operador de destino", T.IN_TRANSIT, S.HANDED_TO_LAST_MILE),
        ("En proceso de entrega", T.OUT_FOR_DELIVERY, S.NONE),
        ("Entregado", T.DELIVERED, S.DELIVERED_OTHER),
    ]
    assert {(e.carrier, e.tracking_number) for e in journey} == {("correos", "LE202402135CN")}
    assert journey[1].raw_text == "Tu envío ha sido admitido en origen (China)."


def test_trk1_correos_times_are_spanish_wall_clock_with_their_offset(journey):
    # The Shenzhen acceptance at 09:12 local is stamped 02:12 in Madrid: same instant.
    accepted = journey[1]
    assert accepted.occurred_at.isoformat() == "2024-02-13T02:12:00+01:00"
    assert accepted.occurred_at == datetime(2024, 2, 13, 9, 12, tzinfo=timezone(timedelta(hours=8)))
    assert journey[-1].occurred_at == datetime(2024, 2, 20, 11, 45, tzinfo=MADRID_WINTER)
    summer = _events("returned_unclaimed.json")[0]
    assert summer.occurred_at.utcoffset() == timedelta(hours=2)


def test_trk3_correos_handover_to_la_poste_keeps_local_number(journey):
    handover = journey[6]
    assert parse_handover_leg(handover.leg) == ("laposte", "6A24577788899")
    assert "6A24577788899" in handover.raw_text
    assert handover.location.description == "2880294"


def test_trk2_correos_customs_hold_maps_to_held_by_customs():
    hold = _events("customs_hold.json")[-1]
    assert (hold.raw_code, hold.status, hold.sub_status) == (
        "Retenido en aduana", T.EXCEPTION, S.HELD_BY_CUSTOMS,
    )  # fmt: skip
    assert hold.occurred_at == datetime(2024, 2, 19, 13, 20, tzinfo=MADRID_WINTER)


def test_trk2_correos_pending_customs_pay_means_customs_information_required():
    last = _events("customs_payment_pending.json")[-1]
    assert (last.status, last.sub_status) == (T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED)
    # Without the flag the same step is plain processing.
    payload = (FIXTURES / "customs_payment_pending.json").read_text()
    plain = get_adapter("correos").parse(payload.replace('"pendingCustomsPay": true', '"x": 1'))
    assert plain[-1].sub_status is S.CUSTOMS_PROCESSING


def test_trk10_correos_absent_then_office_pickup():
    events = _events("returned_unclaimed.json")
    absent, office = events[3], events[4]
    assert (absent.raw_code, absent.status, absent.sub_status) == (
        "Ausente", T.DELIVERY_FAILED, S.RECIPIENT_ABSENT,
    )  # fmt: skip
    assert (office.status, office.sub_status) == (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT)


def test_trk5_correos_returned_unclaimed_shows_the_reason():
    events = _events("returned_unclaimed.json")
    assert [(e.raw_code, e.status, e.sub_status) for e in events[-2:]] == [
        ("En devolución", T.RETURNING, S.NONE),
        ("Entregado al remitente", T.RETURNED, S.UNCLAIMED),
    ]
    assert events[-1].occurred_at == datetime(2024, 8, 12, 16, 20, tzinfo=MADRID_SUMMER)


def test_trk2_correos_lost_parcel_maps_to_exception_lost():
    lost = _events("lost.json")[-1]
    assert (lost.raw_code, lost.status, lost.sub_status) == ("Extraviado", T.EXCEPTION, S.LOST)


def test_trk4_correos_unknown_number_raises_not_found():
    with pytest.raises(TrackingNotFound) as caught:
        _events("not_found.json")
    assert caught.value.tracking_number == "LE000000000CN" and not caught.value.invalid_number


def test_trk4_correos_malformed_number_is_flagged_as_a_typing_error():
    with pytest.raises(TrackingNotFound) as caught:
        _events("invalid_number.json")
    assert caught.value.invalid_number is True and caught.value.code == "2"


def test_trk4_correos_service_error_is_a_carrier_error():
    with pytest.raises(CarrierError):
        _events("service_unavailable.json")


def test_trk1_correos_unreadable_date_is_refused():
    payload = """{"shipment": [{"shipmentCode": "LE1", "events": [
        {"eventDate": "2024-02-13", "eventTime": "02:12:00", "summaryText": "Admitido"}]}]}"""
    with pytest.raises(TrackingParseError, match="unreadable date"):
        get_adapter("correos").parse(payload)


@pytest.mark.parametrize(
    ("summary", "sentence", "phase", "expected"),
    [
        (
            "Disponible en Citypaq",
            "Recógelo con tu código.",
            "3",
            (T.AVAILABLE_FOR_PICKUP, S.LOCKER),
        ),
        ("Rehusado", "El destinatario ha rehusado el envío.", "3", (T.DELIVERY_FAILED, S.REFUSED)),
        ("Dirección incorrecta", None, "3", (T.DELIVERY_FAILED, S.ADDRESS_PROBLEM)),
        ("Entregado", "Entregado en oficina.", "4", (T.DELIVERED, S.COLLECTED)),
        ("Entregado", "Entregado en el buzón.", "4", (T.DELIVERED, S.LETTER_BOX)),
        (
            "Pendiente de pago de aranceles",
            "Aduana: paga los aranceles para recibirlo.",
            "2",
            (T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED),
        ),
        ("Llegada al país de destino", None, "2", (T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY)),
        (
            "Entregado al remitente",
            "Devuelto: dirección incorrecta.",
            "4",
            (T.RETURNED, S.ADDRESS_INCORRECT),
        ),
        ("Clasificado en centro", None, "2", (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
        ("Texto nuevo", None, "4", (T.DELIVERED, S.DELIVERED_OTHER)),
        ("Texto nuevo", None, None, (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
    ],
)
def test_trk2_correos_labels_and_phases(summary, sentence, phase, expected):
    assert classify(summary, sentence, phase) == expected
