"""TRK-1/2/4/5/10: the La Poste / Colissimo Suivi v2 adapter on Garant's own fixtures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from garant.carriers import TrackingNotFound, get_adapter
from garant.carriers.laposte import classify
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "laposte"
PARIS_WINTER = timezone(timedelta(hours=1))
PARIS_SUMMER = timezone(timedelta(hours=2))
S, T = SubStatus, TrackingStatus


def _events(name: str) -> list[TrackingEvent]:
    return get_adapter("laposte").parse((FIXTURES / name).read_bytes())


@pytest.fixture(scope="module")
def journey() -> list[TrackingEvent]:
    return _events("china_to_france_pickup.json")


def _by_code(events: list[TrackingEvent], code: str) -> list[TrackingEvent]:
    return [e for e in events if e.raw_code == code]


def test_trk2_laposte_every_event_kept_oldest_first_with_raw_code_and_label(journey):
    assert [e.raw_code for e in journey] == [
        "DR1", "PC2", "ET2", "ET4", "ET3", "DO1", "DO2", "ET1",
        "MD2", "MD2", "ND1", "AG1", "DI1",
    ]  # fmt: skip
    assert all(e.carrier == "laposte" and e.tracking_number == "LB394817261CN" for e in journey)
    assert journey[-1].raw_text == "Votre colis a été retiré au bureau de poste."
    assert journey == sorted(journey, key=lambda e: e.occurred_at)


def test_trk2_laposte_full_mapping_of_china_to_france_journey(journey):
    assert [(e.status, e.sub_status) for e in journey] == [
        (T.INFO_RECEIVED, S.NONE),
        (T.IN_TRANSIT, S.ACCEPTED),
        (T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY),
        (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        (T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
        (T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
        (T.IN_TRANSIT, S.CUSTOMS_RELEASED),
        (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        (T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        (T.OUT_FOR_DELIVERY, S.NONE),
        (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
        (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
        (T.DELIVERED, S.COLLECTED),
    ]


def test_trk2_laposte_customs_events_map_to_customs_processing_then_released(journey):
    (entry,) = _by_code(journey, "DO1")
    (release,) = _by_code(journey, "DO2")
    assert (entry.status, entry.sub_status) == (T.IN_TRANSIT, S.CUSTOMS_PROCESSING)
    assert (release.status, release.sub_status) == (T.IN_TRANSIT, S.CUSTOMS_RELEASED)
    assert entry.occurred_at == datetime(2024, 3, 26, 9, 30, tzinfo=PARIS_WINTER)


def test_trk1_laposte_instants_keep_the_paris_offset_across_the_dst_change(journey):
    (customs_release,) = _by_code(journey, "DO2")
    (delivered,) = _by_code(journey, "DI1")
    assert customs_release.occurred_at.utcoffset() == timedelta(hours=1)
    assert delivered.occurred_at.utcoffset() == timedelta(hours=2)
    assert delivered.occurred_at == datetime(2024, 4, 4, 17, 52, tzinfo=PARIS_SUMMER)
    assert delivered.occurred_at.isoformat() == "2024-04-04T17:52:00+02:00"


def test_trk2_laposte_md2_at_delivery_site_is_not_out_for_delivery(journey):
    at_site, on_round = _by_code(journey, "MD2")
    assert (at_site.status, at_site.sub_status) == (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)
    assert at_site.occurred_at == datetime(2024, 4, 2, 7, 10, tzinfo=PARIS_SUMMER)
    assert on_round.status is T.OUT_FOR_DELIVERY


def test_trk10_laposte_failed_attempt_leads_to_pickup_point_then_collection(journey):
    (failed,) = _by_code(journey, "ND1")
    (pickup,) = _by_code(journey, "AG1")
    (collected,) = _by_code(journey, "DI1")
    # The ND1 label mentions the letter box (where the notice went): it is still a failure.
    assert (failed.status, failed.sub_status) == (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT)
    assert (pickup.status, pickup.sub_status) == (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT)
    assert (collected.status, collected.sub_status) == (T.DELIVERED, S.COLLECTED)
    assert failed.occurred_at < pickup.occurred_at < collected.occurred_at


def test_trk1_laposte_location_comes_from_the_code_role(journey):
    countries = {e.raw_code: e.location.country for e in journey}
    assert countries["PC2"] == "CN" and countries["ET2"] == "CN"
    assert countries["ET3"] == "FR" and countries["DO1"] == "FR" and countries["DI1"] == "FR"
    assert countries["ET4"] is None and countries["DR1"] is None


def test_trk5_laposte_return_after_unclaimed_pickup_shows_the_reason():
    events = _events("returned_unclaimed_list.json")
    assert [(e.raw_code, e.status, e.sub_status) for e in events] == [
        ("PC2", T.IN_TRANSIT, S.ACCEPTED),
        ("ET3", T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
        ("DO3", T.EXCEPTION, S.HELD_BY_CUSTOMS),
        ("AG1", T.AVAILABLE_FOR_PICKUP, S.LOCKER),
        ("RE1", T.RETURNING, S.NONE),
        ("DI2", T.RETURNED, S.UNCLAIMED),
    ]
    back_home = events[-1]
    assert back_home.occurred_at.isoformat() == "2024-12-02T10:14:00+08:00"
    assert back_home.location.country == "CN"


def test_trk4_laposte_list_with_an_unknown_number_still_returns_the_known_one():
    events = _events("returned_unclaimed_list.json")
    assert {e.tracking_number for e in events} == {"LB702158368CN"}


def test_trk4_laposte_unknown_number_raises_not_found():
    with pytest.raises(TrackingNotFound) as caught:
        _events("not_found.json")
    assert caught.value.tracking_number == "LB000000000CN"
    assert caught.value.invalid_number is False
    assert caught.value.code == "404"


def test_trk4_laposte_malformed_number_is_flagged_as_a_typing_error():
    payload = '{"returnCode": 400, "returnMessage": "Numéro invalide", "idShip": "XX1"}'
    with pytest.raises(TrackingNotFound) as caught:
        get_adapter("laposte").parse(payload)
    assert caught.value.invalid_number is True


@pytest.mark.parametrize(
    ("code", "label", "expected"),
    [
        ("RE1", "Votre colis est retourné à l'expéditeur.", (T.RETURNING, S.NONE)),
        ("ND1", "Le destinataire a refusé le colis.", (T.DELIVERY_FAILED, S.REFUSED)),
        ("ND1", "Adresse incorrecte ou incomplète.", (T.DELIVERY_FAILED, S.ADDRESS_PROBLEM)),
        ("DI1", "Votre colis est livré dans votre boîte aux lettres.", (T.DELIVERED, S.LETTER_BOX)),
        ("DI1", "Votre colis a été remis à votre voisin.", (T.DELIVERED, S.NEIGHBOUR)),
        ("DI1", "Votre colis a été remis contre signature.", (T.DELIVERED, S.SIGNED)),
        ("DI2", "Votre colis a été livré à l'adresse de l'expéditeur.",
         (T.RETURNED, S.RETURNED_OTHER)),
        ("DI2", "Retour expéditeur : adresse incorrecte.", (T.RETURNED, S.ADDRESS_INCORRECT)),
        ("DI2", "Renvoyé par la douane à l'expéditeur.", (T.RETURNED, S.CUSTOMS)),
        ("DI3", "Votre colis est retardé.", (T.EXCEPTION, S.DELAYED)),
        ("ID0", "Des documents sont nécessaires pour dédouaner votre colis.",
         (T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED)),
        ("PB1", "Votre colis a été endommagé.", (T.EXCEPTION, S.DAMAGED)),
        ("ZZ9", "Code inconnu", (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
    ],
)  # fmt: skip
def test_trk2_laposte_codes_mean_what_their_label_says(code, label, expected):
    assert classify(code, label) == expected
