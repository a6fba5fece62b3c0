"""TRK-2 conformance (CI): the adapters read the carriers' real responses.

The real responses sit in ``../shared/carrier-samples`` beside the checkout (never copied into
the project). Every file of a covered folder must have an expectation below, so a sample added
later fails here until someone has read it. The expected values were read from the samples by
hand: the instants are the carrier's own, with the offset of the place.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from garant.carriers import CarrierError, TrackingNotFound, get_adapter
from garant.carriers.fedex import read_proof_of_delivery
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingParseError, TrackingStatus

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "carrier-samples"

pytestmark = [
    pytest.mark.ci_only,
    pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/carrier-samples is absent"),
]

S, T = SubStatus, TrackingStatus
FOLDERS = {
    "laposte": "laposte",
    "dhl_express": "dhl_express",
    "dhl_universal": "dhl_universal",
    "ups": "ups",
    "fedex": "fedex",
    "usps_international": "usps",
    "chronopost": "chronopost",
    "dhl_parcel_de": "dhl_parcel_de",
}
NOT_COVERED = {"asendia", "spring"}


def _tz(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


def _parse(folder: str, name: str) -> list[TrackingEvent]:
    return get_adapter(FOLDERS[folder]).parse((SAMPLES / folder / name).read_bytes())


def _summary(event: TrackingEvent) -> tuple[str | None, TrackingStatus, SubStatus, str]:
    return event.raw_code, event.status, event.sub_status, event.occurred_at.isoformat()


def _check_ordered(events: list[TrackingEvent]) -> None:
    assert events == sorted(events, key=lambda e: e.occurred_at)
    assert all(e.occurred_at.utcoffset() is not None for e in events)


# --- what each file must give ----------------------------------------------------------------


def laposte_tracking() -> None:
    events = _parse("laposte", "TrackingResponse.json")
    _check_ordered(events)
    assert [e.raw_code for e in events] == [
        "DR1", "PC1", "ET1", "ET1", "ET2", "ET3", "ET1", "MD2", "DI1",
    ]  # fmt: skip
    assert _summary(events[0]) == ("DR1", T.INFO_RECEIVED, S.NONE, "2023-02-17T14:41:00+01:00")
    assert _summary(events[1]) == ("PC1", T.IN_TRANSIT, S.ACCEPTED, "2023-02-17T14:43:00+01:00")
    assert events[4].sub_status is S.DEPARTED_ORIGIN_COUNTRY and events[4].location.country == "FR"
    assert events[5].sub_status is S.ARRIVED_DESTINATION_COUNTRY
    assert events[5].location.country == "BR"
    # MD2 is the delivery site, not the round: the label says so.
    assert _summary(events[7]) == (
        "MD2",
        T.IN_TRANSIT,
        S.IN_TRANSIT_OTHER,
        "2023-03-09T09:01:00+01:00",
    )
    assert events[8].occurred_at == datetime(2023, 3, 9, 9, 38, tzinfo=_tz(1))
    assert (events[8].status, events[8].sub_status) == (T.DELIVERED, S.DELIVERED_OTHER)
    assert {e.tracking_number for e in events} == {"EW112720413FR"}


def laposte_error() -> None:
    with pytest.raises(TrackingNotFound) as caught:
        _parse("laposte", "ErrorResponse.json")
    assert caught.value.invalid_number is True


def dhl_express_tracking() -> None:
    events = _parse("dhl_express", "TrackingResponseXML.xml")
    _check_ordered(events)
    milan = [e for e in events if e.tracking_number == "3180831640"]
    assert len(milan) == 16
    assert _summary(milan[0]) == ("PU", T.IN_TRANSIT, S.ACCEPTED, "2009-08-28T13:26:00+02:00")
    assert _summary(milan[-2]) == ("WC", T.OUT_FOR_DELIVERY, S.NONE, "2009-08-31T09:19:00+02:00")
    assert _summary(milan[-1]) == ("OK", T.DELIVERED, S.SIGNED, "2009-08-31T10:09:00+02:00")
    assert (milan[-1].location.country, milan[-1].location.city) == ("IT", "Milan")
    assert milan[6].location.country == "DE"  # Leipzig hub
    (hong_kong_pickup, _) = [e for e in events if e.tracking_number == "1815115363"]
    assert hong_kong_pickup.occurred_at == datetime(2009, 8, 13, 23, 58, tzinfo=_tz(8))
    (singapore,) = [e for e in events if e.tracking_number == "7740842550"]
    assert singapore.occurred_at.isoformat() == "2009-08-26T10:00:00+08:00"


def dhl_express_in_transit() -> None:
    (pickup,) = _parse("dhl_express", "IntransitTrackingResponseXML.xml")
    assert _summary(pickup) == ("PU", T.IN_TRANSIT, S.ACCEPTED, "2021-05-05T09:42:00-05:00")
    assert pickup.location.country == "JM" and pickup.tracking_number == "9053283201"


def dhl_universal_tracking() -> None:
    (event,) = _parse("dhl_universal", "TrackingResponseJSON.json")
    # Event timestamps are the place's wall clock: Amsterdam in March is +01:00.
    assert _summary(event) == ("pre-transit", T.INFO_RECEIVED, S.NONE, "2018-03-02T07:53:47+01:00")
    assert (event.location.country, event.location.city) == ("NL", "AMSTERDAM")
    assert event.location.postcode == "1043 AG" and event.tracking_number == "7777777770"


def dhl_universal_error() -> None:
    with pytest.raises(TrackingNotFound) as caught:
        _parse("dhl_universal", "TrackingErrorResponseJSON.json")
    assert caught.value.tracking_number == "8264715546"


def ups_tracking() -> None:
    (event,) = _parse("ups", "TrackingResponseJSON.json")
    assert _summary(event) == ("SR", T.IN_TRANSIT, S.CUSTOMS_RELEASED, "2021-02-10T07:13:56-05:00")
    assert (event.location.city, event.location.postcode) == ("Wayne", "07470")
    assert event.tracking_number == "1Z023E2X0214323462"


def ups_invalid() -> None:
    with pytest.raises(TrackingNotFound) as caught:
        _parse("ups", "InvalidTrackingNumberResponseJSON.json")
    assert caught.value.invalid_number is True


def ups_not_found() -> None:
    with pytest.raises(TrackingNotFound) as caught:
        _parse("ups", "TrackingNumberNotFoundResponseJSON.json")
    assert caught.value.invalid_number is False and caught.value.code == "TW0001"


def fedex_tracking() -> None:
    (event,) = _parse("fedex", "TrackingResponse.json")
    assert _summary(event) == ("PU", T.IN_TRANSIT, S.ACCEPTED, "2018-02-02T12:01:00-07:00")
    assert event.tracking_number == "123456789012"


def fedex_duplicate() -> None:
    events = _parse("fedex", "DuplicateTrackingResponse.json")
    _check_ordered(events)
    assert len(events) == 8  # the most recent of the two parcels sharing the number
    assert _summary(events[0]) == ("OD", T.OUT_FOR_DELIVERY, S.NONE, "2024-04-25T08:55:00-07:00")
    assert (events[1].status, events[1].sub_status) == (T.DELIVERY_FAILED, S.RECIPIENT_ABSENT)
    assert _summary(events[-1]) == ("DL", T.DELIVERED, S.SIGNED, "2024-04-26T09:26:00-07:00")


def fedex_inconsistent_dates() -> None:
    events = _parse("fedex", "InconsistentDateTimeResponse.json")
    _check_ordered(events)
    assert len(events) == 17
    # The bare "2024-08-15T00:00:00" pickup is placed in Mankato, MN: Central Daylight Time.
    assert _summary(events[0]) == ("PU", T.IN_TRANSIT, S.ACCEPTED, "2024-08-15T00:00:00-05:00")
    assert _summary(events[1]) == ("OC", T.INFO_RECEIVED, S.NONE, "2024-08-15T10:36:00-05:00")
    assert _summary(events[-1]) == ("DL", T.DELIVERED, S.SIGNED, "2024-08-20T12:41:57-04:00")


def fedex_proof_of_delivery() -> None:
    with pytest.raises(TrackingParseError) as caught:
        _parse("fedex", "ProofOfDeliveryResponse.json")
    assert not isinstance(caught.value, TrackingNotFound | CarrierError)
    proof = read_proof_of_delivery(
        (SAMPLES / "fedex" / "ProofOfDeliveryResponse.json").read_bytes()
    )
    assert proof.document_format == "PDF" and proof.content.startswith(b"%PDF")


def fedex_error() -> None:
    with pytest.raises(CarrierError) as caught:
        _parse("fedex", "ErrorResponse.json")
    assert caught.value.code == "TRACKING.TRACKINGNUMBER.EMPTY"


def usps_tracking() -> None:
    events = _parse("usps_international", "TrackingResponse.json")
    _check_ordered(events)
    assert len(events) == 12
    assert _summary(events[0]) == ("GX", T.INFO_RECEIVED, S.NONE, "2024-11-15T11:32:00-05:00")
    assert _summary(events[-2]) == ("OF", T.OUT_FOR_DELIVERY, S.NONE, "2024-11-22T09:10:00-05:00")
    assert _summary(events[-1]) == ("01", T.DELIVERED, S.LETTER_BOX, "2024-11-22T13:58:00-05:00")
    assert (events[-1].location.city, events[-1].location.postcode) == ("HERNANDO", "34442")


def usps_error() -> None:
    with pytest.raises(CarrierError):
        _parse("usps_international", "ErrorResponse.json")


def chronopost_tracking() -> None:
    events = _parse("chronopost", "TrackingResponse.xml")
    _check_ordered(events)
    assert [e.raw_code for e in events] == ["DC", "DB", "DY", "SC", "TS", "TS", "SD", "TA", "D"]
    assert _summary(events[0]) == ("DC", T.INFO_RECEIVED, S.NONE, "2022-06-19T13:47:53+02:00")
    assert (events[1].status, events[1].sub_status) == (T.IN_TRANSIT, S.ACCEPTED)
    assert _summary(events[-2]) == ("TA", T.OUT_FOR_DELIVERY, S.NONE, "2022-06-22T07:12:05+02:00")
    assert _summary(events[-1]) == (
        "D",
        T.DELIVERED,
        S.DELIVERED_OTHER,
        "2022-06-22T08:30:00+02:00",
    )
    assert (events[-1].location.city, events[-1].location.postcode) == ("ARRAS CHRONOPOST", "62223")
    assert {e.tracking_number for e in events} == {"89108749065090"}


def chronopost_error() -> None:
    with pytest.raises(CarrierError, match="System Error"):
        _parse("chronopost", "ErrorResponse.xml")


def dhl_parcel_de_tracking() -> None:
    events = _parse("dhl_parcel_de", "TrackingResponseXML.xml")
    _check_ordered(events)
    assert [e.raw_code for e in events] == ["ES", "AA", "AE", "AA", "EE", "PO", "ZU"]
    # "17.03.2016 11:44" in Bremen: German winter time.
    assert _summary(events[0]) == ("ES", T.IN_TRANSIT, S.ACCEPTED, "2016-03-17T11:44:00+01:00")
    assert _summary(events[5]) == ("PO", T.OUT_FOR_DELIVERY, S.NONE, "2016-03-18T09:02:00+01:00")
    assert _summary(events[-1]) == (
        "ZU",
        T.DELIVERED,
        S.DELIVERED_OTHER,
        "2016-03-18T10:02:00+01:00",
    )
    assert (events[-1].location.country, events[-1].location.city) == ("DE", "Bonn")
    assert {e.tracking_number for e in events} == {"00340434161094015902"}


def dhl_parcel_de_error() -> None:
    with pytest.raises(TrackingNotFound):
        _parse("dhl_parcel_de", "TrackingErrorResponseXML.xml")


EXPECTATIONS = {
    ("laposte", "TrackingResponse.json"): laposte_tracking,
    ("laposte", "ErrorResponse.json"): laposte_error,
    ("dhl_express", "TrackingResponseXML.xml"): dhl_express_tracking,
    ("dhl_express", "IntransitTrackingResponseXML.xml"): dhl_express_in_transit,
    ("dhl_universal", "TrackingResponseJSON.json"): dhl_universal_tracking,
    ("dhl_universal", "TrackingErrorResponseJSON.json"): dhl_universal_error,
    ("ups", "TrackingResponseJSON.json"): ups_tracking,
    ("ups", "InvalidTrackingNumberResponseJSON.json"): ups_invalid,
    ("ups", "TrackingNumberNotFoundResponseJSON.json"): ups_not_found,
    ("fedex", "TrackingResponse.json"): fedex_tracking,
    ("fedex", "DuplicateTrackingResponse.json"): fedex_duplicate,
    ("fedex", "InconsistentDateTimeResponse.json"): fedex_inconsistent_dates,
    ("fedex", "ProofOfDeliveryResponse.json"): fedex_proof_of_delivery,
    ("fedex", "ErrorResponse.json"): fedex_error,
    ("usps_international", "TrackingResponse.json"): usps_tracking,
    ("usps_international", "ErrorResponse.json"): usps_error,
    ("chronopost", "TrackingResponse.xml"): chronopost_tracking,
    ("chronopost", "ErrorResponse.xml"): chronopost_error,
    ("dhl_parcel_de", "TrackingResponseXML.xml"): dhl_parcel_de_tracking,
    ("dhl_parcel_de", "TrackingErrorResponseXML.xml"): dhl_parcel_de_error,
}


def _sample_files() -> list[tuple[str, str]]:
    if not SAMPLES.is_dir():
        return []
    return [
        (folder, path.name)
        for folder in sorted(FOLDERS)
        if (SAMPLES / folder).is_dir()
        for path in sorted((SAMPLES / folder).iterdir())
        if path.is_file()
    ]


@pytest.mark.parametrize(("folder", "name"), _sample_files())
def test_trk2_every_sample_of_a_covered_carrier_parses_as_expected(folder, name):
    expectation = EXPECTATIONS.get((folder, name))
    assert expectation is not None, f"no expectation written for {folder}/{name}"
    expectation()


def test_trk2_sample_folders_are_all_known():
    folders = {p.name for p in SAMPLES.iterdir() if p.is_dir()}
    assert folders <= set(FOLDERS) | NOT_COVERED, folders - set(FOLDERS) - NOT_COVERED
