"""TRK-1/2: what every adapter relies on — the registry, places, zones and instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from garant.carriers import ADAPTERS, get_adapter
from garant.carriers.base import (
    country_code,
    parse_offset,
    parse_timestamp,
    register,
    split_place,
    zone_for,
)
from garant.domain.tracking import SUB_STATUSES, SubStatus, TrackingParseError, TrackingStatus


def test_trk2_registry_gives_each_adapter_by_slug_with_a_human_name():
    slugs = ("laposte", "dhl_express", "dhl_universal", "ups", "fedex", "usps", "chronopost",
             "dhl_parcel_de")  # fmt: skip
    for slug in slugs:
        adapter = get_adapter(slug)
        assert adapter.slug == slug and adapter.name


def test_trk2_unknown_slug_names_the_known_ones():
    with pytest.raises(LookupError, match="laposte"):
        get_adapter("pigeon_post")


def test_trk2_a_slug_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="twice"):
        register(ADAPTERS["ups"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("FR", "FR"), ("fr", "FR"), ("JAM", "JM"), ("USA", "US"), ("CHINA", "CN"),
        ("China Mainland", "CN"), ("Allemagne", "DE"), ("Hong Kong SAR, China", "HK"),
        ("Netherlands", "NL"), ("Atlantis", None), ("ZZ", None), ("", None), (None, None),
    ],
)  # fmt: skip
def test_trk1_country_code_from_codes_and_names(value, expected):
    assert country_code(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Leipzig - Germany ", ("Leipzig", None, "DE")),
        ("KINGSTON-JAM", ("KINGSTON", None, "JM")),
        ("SPRINGFIELD GARDENS,NY-USA", ("SPRINGFIELD GARDENS", "NY", "US")),
        ("BERGEN - NORWAY", ("BERGEN", None, "NO")),
        ("Netherlands", (None, None, "NL")),
        ("Oderweg 2, AMSTERDAM", ("Oderweg 2, AMSTERDAM", None, None)),
        ("", (None, None, None)),
    ],
)
def test_trk1_split_place_reads_carrier_place_texts(text, expected):
    assert split_place(text) == expected


@pytest.mark.parametrize(
    ("country", "region", "city", "zone"),
    [
        ("FR", None, None, "Europe/Paris"),
        ("CN", None, None, "Asia/Shanghai"),
        ("ES", None, None, "Europe/Madrid"),
        ("US", "NJ", None, "America/New_York"),
        ("US", "CA", "Ontario", "America/Los_Angeles"),
        ("US", None, "Chicago", "America/Chicago"),
        ("BR", None, "São Paulo", "America/Sao_Paulo"),
        ("CA", "QC", None, "America/Toronto"),
        ("AU", "WA", None, "Australia/Perth"),
        ("US", None, None, None),
        ("RU", None, None, None),
        (None, None, None, None),
    ],
)
def test_trk1_zone_for_a_place_never_guesses_between_zones(country, region, city, zone):
    found = zone_for(country, region, city)
    assert (found.key if found else None) == zone


def test_trk1_parse_timestamp_keeps_the_given_offset():
    moment = parse_timestamp("2023-03-09T09:38:00+01:00")
    assert moment.utcoffset() == timedelta(hours=1)
    assert parse_timestamp("2018-03-02T07:53:47Z") == datetime(2018, 3, 2, 7, 53, 47, tzinfo=UTC)


def test_trk1_parse_timestamp_places_a_wall_clock_time_in_its_zone():
    zone = zone_for("FR")
    assert parse_timestamp("2024-03-30T12:00:00", zone).isoformat() == "2024-03-30T12:00:00+01:00"
    assert parse_timestamp("2024-03-31T12:00:00", zone).isoformat() == "2024-03-31T12:00:00+02:00"
    # An hour that happens twice (end of summer time) reads as its first occurrence.
    assert parse_timestamp("2024-10-27T02:30:00", zone).utcoffset() == timedelta(hours=2)


def test_trk1_parse_timestamp_refuses_a_wall_clock_time_without_a_place():
    with pytest.raises(TrackingParseError, match="without an offset"):
        parse_timestamp("2024-03-30T12:00:00")


@pytest.mark.parametrize(
    ("text", "hours"), [("-05:00", -5), ("+08:00", 8), ("+0530", 5.5), ("GMT-04:00", -4)]
)
def test_trk1_parse_offset(text, hours):
    assert parse_offset(text) == timezone(timedelta(hours=hours))


@pytest.mark.parametrize("text", ["", "EST", "+25:00", "5"])
def test_trk1_parse_offset_refuses_nonsense(text):
    with pytest.raises(TrackingParseError):
        parse_offset(text)


def _mapping_pairs() -> list[tuple[str, TrackingStatus, SubStatus]]:
    from garant.carriers import (
        chronopost,
        dhl_express,
        dhl_parcel_de,
        dhl_universal,
        fedex,
        laposte,
        ups,
        usps,
    )

    pairs: list[tuple[str, TrackingStatus, SubStatus]] = []
    tables = {
        "laposte": laposte.CODES,
        "dhl_express": dhl_express.EVENT_CODES,
        "ups": ups.TYPES,
        "fedex": fedex.EVENT_TYPES,
        "fedex derived": fedex.DERIVED,
        "usps": usps.CODES,
        "chronopost": chronopost.CODES,
        "dhl_parcel_de": dhl_parcel_de.CODES,
    }
    for name, table in tables.items():
        pairs += [(name, status, sub) for status, sub in table.values()]
    pairs += [
        ("laposte label", laposte.CODES[code][0], sub) for code, _, sub in laposte._LABEL_RULES
    ]
    for family in (
        dhl_universal._TRANSIT_RULES,
        dhl_universal._DELIVERED_RULES,
        dhl_universal._FAILURE_RULES,
    ):
        pairs += [("dhl_universal", status, sub) for _, status, sub in family]
    pairs += [("ups rules", status, sub) for *_, status, sub in ups._RULES]
    for words in (usps._WORDS, chronopost._WORDS, dhl_parcel_de._WORDS):
        pairs += [("words", status, sub) for _, status, sub in words]
    pairs += [("fedex DE", TrackingStatus.DELIVERY_FAILED, sub) for sub in fedex._DE_CODES.values()]
    return pairs


@pytest.mark.parametrize(("table", "status", "sub_status"), _mapping_pairs())
def test_trk2_every_mapping_entry_is_a_legal_status_pair(table, status, sub_status):
    assert sub_status is SubStatus.NONE or sub_status in SUB_STATUSES[status], table
