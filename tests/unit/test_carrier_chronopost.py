"""TRK-1/2/4/10: the Chronopost trackSkybillV2 adapter on Garant's own fixtures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from garant.carriers import CarrierError, TrackingNotFound, get_adapter
from garant.carriers.chronopost import classify
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "chronopost"
S, T = SubStatus, TrackingStatus


def _parse(name: str) -> list[TrackingEvent]:
    return get_adapter("chronopost").parse((FIXTURES / name).read_bytes())


@pytest.fixture(scope="module")
def events() -> list[TrackingEvent]:
    return _parse("pickup_relay_lyon.xml")


def test_trk2_chronopost_relay_delivery_statuses(events):
    assert [(e.raw_code, e.status, e.sub_status) for e in events] == [
        ("DC", T.INFO_RECEIVED, S.NONE),
        ("DB", T.IN_TRANSIT, S.ACCEPTED),
        ("SC", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("TS", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("SD", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("TA", T.OUT_FOR_DELIVERY, S.NONE),
        ("IA", T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
        ("RP", T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
        ("D", T.DELIVERED, S.COLLECTED),
    ]
    assert {e.tracking_number for e in events} == {"XW482615390FR"}


def test_trk1_chronopost_offsets_kept_across_the_dst_change(events):
    assert events[3].occurred_at.isoformat() == "2024-10-26T01:52:44+02:00"
    assert events[-1].occurred_at == datetime(
        2024, 10, 30, 10, 12, 55, tzinfo=timezone(timedelta(hours=1))
    )


def test_trk7_chronopost_delivery_place_is_the_relay(events):
    delivered = events[-1]
    assert (delivered.location.country, delivered.location.city) == (
        "FR",
        "TABAC DE LA GUILLOTIERE",
    )
    assert delivered.location.postcode == "69007"


def test_trk1_chronopost_system_event_has_no_place(events):
    assert events[0].location.country is None and events[0].location.city is None
    assert events[0].location.description == "Web Services"


def test_trk4_chronopost_unknown_skybill_is_not_found():
    with pytest.raises(TrackingNotFound):
        _parse("unknown_skybill.xml")


def test_trk4_chronopost_soap_fault_is_a_carrier_error():
    with pytest.raises(CarrierError, match="temporarily unavailable"):
        _parse("soap_fault.xml")


@pytest.mark.parametrize(
    ("code", "label", "expected"),
    [
        ("XX", "Colis refusé par le destinataire", (T.DELIVERY_FAILED, S.REFUSED)),
        ("XX", "Envoi retourné à l'expéditeur", (T.RETURNING, S.NONE)),
        ("XX", "Nous n'avons pas pu livrer votre colis", (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
        ("XX", "Envoi bloqué en douane", (T.IN_TRANSIT, S.CUSTOMS_PROCESSING)),
        ("D", "Livré contre signature", (T.DELIVERED, S.SIGNED)),
        ("D", "Delivered", (T.DELIVERED, S.DELIVERED_OTHER)),
    ],
)
def test_trk2_chronopost_code_then_label_words(code, label, expected):
    assert classify(code, label) == expected
